//! Job engine, job routes, analysis, merge and delete-job against the simulator.

mod sim_support;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sim_support::*;
use slflow::sim::SimConfig;

fn sat_body(subreads: &Value, reference: &Value) -> Value {
    json!({
        "name": "My SAT Job",
        "pipelineId": "cromwell.workflows.pb_sat",
        "entryPoints": [
            {"entryId": "eid_subread", "fileTypeId": "PacBio.DataSet.SubreadSet", "datasetId": subreads},
            {"entryId": "eid_ref_dataset", "fileTypeId": "PacBio.DataSet.ReferenceSet", "datasetId": reference},
        ],
        "taskOptions": [],
        "workflowOptions": [],
    })
}

#[tokio::test]
async fn import_state_history() {
    let sim = Sim::start().await;
    let (job, _) = sim.import(TINY_SUBREADS).await;
    let events = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/import-dataset/{}/events",
            job["id"]
        ))
        .await;
    assert_eq!(
        event_states(&events),
        vec!["CREATED", "SUBMITTED", "RUNNING", "SUCCESSFUL"]
    );
    assert!(events[0]["message"].as_str().unwrap().starts_with(&format!(
        "Created job {} type import-dataset with ",
        job["id"]
    )));
    assert_eq!(
        events[2]["message"],
        "Updating state to RUNNING (from get-next-job)"
    );
    assert_eq!(events[0]["eventTypeId"], "smrtlink_job_status");
    assert!(job["jobStartedAt"].is_string() && job["jobCompletedAt"].is_string());
    assert_eq!(job["workflow"], "{}");
    let settings: Value = serde_json::from_str(job["jsonSettings"].as_str().unwrap()).unwrap();
    assert_eq!(settings["datasetType"], "PacBio.DataSet.SubreadSet");
    assert_eq!(settings["submit"], true);
    assert!(
        job["path"]
            .as_str()
            .unwrap()
            .ends_with("/jobs_root/000/000001"),
        "{}",
        job["path"]
    );
    let log = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/{}/datastore",
            job["id"]
        ))
        .await;
    let log = log
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fileTypeId"] == "PacBio.FileTypes.log")
        .cloned()
        .expect("log file");
    assert_eq!(log["name"], "SMRT Link Job Log");
    let resp = sim
        .client
        .get(sim.url(&format!(
            "/smrt-link/job-manager/jobs/import-dataset/{}/datastore/{}/download",
            job["id"],
            log["uuid"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=\"job-{}-{}-pbscala-job.stdout\"",
            job["id"],
            log["uuid"].as_str().unwrap()
        )
    );
    assert!(resp.text().await.unwrap().contains("SUCCESSFUL"));
}

#[tokio::test]
async fn sat_analysis_reports() {
    let sim = Sim::start().await;
    let (_, sub) = sim.import(TINY_SUBREADS).await;
    let (_, reference) = sim.import(LAMBDA_REF).await;
    let job = sim
        .post_created(
            "/smrt-link/job-manager/jobs/analysis",
            &sat_body(&json!(TINY_UUID), &reference["id"]),
        )
        .await;
    assert!(["CREATED", "SUBMITTED"].contains(&job["state"].as_str().unwrap()));
    assert_eq!(job["subJobTypeId"], "cromwell.workflows.pb_sat");
    let job = sim.wait_job(&job["uuid"]).await;
    assert_eq!(job["state"], "SUCCESSFUL", "{job}");
    let events = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/analysis/{}/events",
            job["id"]
        ))
        .await;
    assert_eq!(
        event_states(&events),
        vec!["CREATED", "SUBMITTED", "RUNNING", "SUCCESSFUL"]
    );
    let tasks = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/analysis/{}/tasks",
            job["id"]
        ))
        .await;
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["state"] == "SUCCESSFUL"),
        "{tasks}"
    );

    let reports = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/analysis/{}/reports",
            job["id"]
        ))
        .await;
    let by_type = |t: &str| {
        reports
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["reportTypeId"] == t)
            .cloned()
    };
    let mapping = by_type("pb_sat.report_mapping_stats").expect("mapping report");
    let sat = by_type("pbreports.tasks.sat_report").expect("SAT report");
    let fetch = |entry: Value| {
        let sim = &sim;
        let id = job["id"].clone();
        async move {
            let uuid = entry["dataStoreFile"]["uuid"].as_str().unwrap().to_string();
            let report = sim
                .get_ok(&format!(
                    "/smrt-link/job-manager/jobs/analysis/{id}/reports/{uuid}"
                ))
                .await;
            assert_eq!(
                report["uuid"],
                uuid.as_str(),
                "report uuid equals the datastore uuid"
            );
            report
                .get("attributes")
                .and_then(Value::as_array)
                .unwrap()
                .iter()
                .map(|a| {
                    (
                        a["id"]
                            .as_str()
                            .unwrap()
                            .rsplit('.')
                            .next()
                            .unwrap()
                            .to_string(),
                        a["value"].clone(),
                    )
                })
                .collect::<std::collections::HashMap<_, _>>()
        }
    };
    let m = fetch(mapping).await;
    let mapped = m["mapped_reads_n"].as_i64().unwrap();
    assert!(
        (17..=20).contains(&mapped),
        "85-98% of 20 reads map: {mapped}"
    );
    let identity = m["blast_identity"].as_f64().unwrap();
    assert!((0.86..=0.93).contains(&identity), "{identity}");
    assert!(m["mapped_readlength_mean"].as_i64().unwrap() > 0);
    let s = fetch(sat).await;
    assert_eq!(s["reads_in_cell"], json!(20));
    assert_eq!(s["instrument"], json!("Alpha6"));
    for k in ["accuracy", "coverage"] {
        let v = s[k].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "{k} = {v}");
    }
    // The options come back with integer dataset ids and can be posted again.
    let options = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/analysis/{}/options",
            job["id"]
        ))
        .await;
    assert_eq!(options["entryPoints"][0]["datasetId"], sub["id"]);
    let rerun = sim
        .post_created("/smrt-link/job-manager/jobs/analysis", &options)
        .await;
    assert_ne!(rerun["id"], job["id"]);
    let eps = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/analysis/{}/entry-points",
            job["id"]
        ))
        .await;
    assert_eq!(eps.as_array().map(Vec::len), Some(2));
    assert_eq!(eps[0]["datasetUUID"], TINY_UUID);
    // The import job now has a child: the analysis that used its dataset.
    let children = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/import-dataset/{}/children",
            sub["jobId"]
        ))
        .await;
    assert!(
        children
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == job["id"]),
        "{children}"
    );
    let used = sim
        .get_ok(&format!("/smrt-link/datasets/{TINY_UUID}/jobs"))
        .await;
    assert!(
        used.as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == job["id"])
    );
}

#[tokio::test]
async fn report_values_are_seeded() {
    async fn identity(seed: u64) -> f64 {
        let sim = Sim::with(SimConfig {
            seed,
            ..test_config()
        })
        .await;
        sim.import(TINY_SUBREADS).await;
        sim.import(LAMBDA_REF).await;
        let job = sim
            .post_created(
                "/smrt-link/job-manager/jobs/analysis",
                &sat_body(&json!(TINY_UUID), &json!(LAMBDA_UUID)),
            )
            .await;
        let job = sim.wait_job(&job["id"]).await;
        let reports = sim
            .get_ok(&format!(
                "/smrt-link/job-manager/jobs/{}/reports",
                job["id"]
            ))
            .await;
        let uuid = reports[0]["dataStoreFile"]["uuid"]
            .as_str()
            .unwrap()
            .to_string();
        let report = sim
            .get_ok(&format!("/smrt-link/datastore-files/{uuid}/download"))
            .await;
        report["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"].as_str().unwrap().ends_with("blast_identity"))
            .unwrap()["value"]
            .as_f64()
            .unwrap()
    }
    assert_eq!(identity(7).await, identity(7).await);
    assert_ne!(identity(7).await, identity(8).await);
}

#[tokio::test]
async fn ids_and_uuids_are_seeded() {
    async fn first_uuid(seed: u64) -> Value {
        let sim = Sim::with(SimConfig {
            seed,
            ..test_config()
        })
        .await;
        sim.post_created("/smrt-link/job-manager/jobs/hello-world", &json!({}))
            .await["uuid"]
            .clone()
    }
    assert_eq!(first_uuid(1).await, first_uuid(1).await);
    assert_ne!(first_uuid(1).await, first_uuid(2).await);
}

#[tokio::test]
async fn analysis_validation_is_422() {
    let sim = Sim::start().await;
    sim.import(TINY_SUBREADS).await;
    let cases = [
        (
            sat_body(&json!(TINY_UUID), &json!(LAMBDA_UUID)),
            "has not been imported",
        ),
        (
            sat_body(&json!(TINY_UUID), &json!("5")),
            "Invalid `eid_ref_dataset`",
        ),
        (
            json!({"pipelineId": "cromwell.workflows.nope", "entryPoints": []}),
            "Unable to find pipeline",
        ),
        (
            json!({"pipelineId": "pb_sat", "entryPoints": [{"entryId": "eid_subread", "fileTypeId": "PacBio.DataSet.SubreadSet", "datasetId": 1}]}),
            "Missing entry point(s) eid_ref_dataset",
        ),
        (
            json!({"pipelineId": "pb_sat", "entryPoints": [{"entryId": "eid_ccs", "datasetId": 1}]}),
            "not an entry point",
        ),
    ];
    for (body, needle) in cases {
        let (status, resp) = sim
            .post("/smrt-link/job-manager/jobs/analysis", &body)
            .await;
        let msg = error_message(status, &resp, 422);
        assert!(msg.contains(needle), "{body}: {msg}");
    }
    sim.import(LAMBDA_REF).await;
    let mut body = sat_body(&json!(TINY_UUID), &json!(LAMBDA_UUID));
    body["taskOptions"] =
        json!([{"optionId": "no_such_option", "value": 1, "optionTypeId": "integer"}]);
    let (status, resp) = sim
        .post("/smrt-link/job-manager/jobs/analysis", &body)
        .await;
    assert!(error_message(status, &resp, 422).contains("downsample_factor"));
    // `id` is accepted as the task option key.
    body["taskOptions"] =
        json!([{"id": "downsample_factor", "value": 2, "optionTypeId": "integer"}]);
    let job = sim
        .post_created("/smrt-link/job-manager/jobs/analysis", &body)
        .await;
    let options = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/analysis/{}/options",
            job["id"]
        ))
        .await;
    assert_eq!(options["taskOptions"][0]["optionId"], "downsample_factor");
    let (status, resp) = sim
        .post("/smrt-link/job-manager/jobs/no-such-type", &json!({}))
        .await;
    error_message(status, &resp, 404);
}

#[tokio::test]
async fn submit_false_stays_created() {
    let sim = Sim::start().await;
    let job = sim
        .post_created(
            "/smrt-link/job-manager/jobs/hello-world",
            &json!({"submit": false, "name": "later"}),
        )
        .await;
    assert_eq!(job["state"], "CREATED");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/job-manager/jobs/{}", job["id"]))
            .await["state"],
        "CREATED"
    );
    let (status, body) = sim
        .post(
            &format!(
                "/smrt-link/job-manager/jobs/hello-world/{}/submit",
                job["id"]
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done = sim.wait_job(&job["id"]).await;
    assert_eq!(done["state"], "SUCCESSFUL");
    let (status, body) = sim
        .post(
            &format!(
                "/smrt-link/job-manager/jobs/hello-world/{}/submit",
                job["id"]
            ),
            &json!({}),
        )
        .await;
    assert!(error_message(status, &body, 422).contains("only CREATED"));
}

#[tokio::test]
async fn terminate_running_analysis() {
    let mut config = test_config();
    config.job_seconds.insert("analysis".into(), 60_000.0);
    let sim = Sim::with(config).await;
    sim.import(TINY_SUBREADS).await;
    sim.import(LAMBDA_REF).await;
    let job = sim
        .post_created(
            "/smrt-link/job-manager/jobs/analysis",
            &sat_body(&json!(TINY_UUID), &json!(LAMBDA_UUID)),
        )
        .await;
    let path = format!("/smrt-link/job-manager/jobs/analysis/{}", job["id"]);
    for _ in 0..200 {
        if sim.get_ok(&path).await["state"] == "RUNNING" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, body) = sim.post(&format!("{path}/terminate"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done = sim.wait_job(&job["id"]).await;
    assert_eq!(done["state"], "TERMINATED");
    let events = sim.get_ok(&format!("{path}/events")).await;
    assert_eq!(
        event_states(&events),
        vec!["CREATED", "SUBMITTED", "RUNNING", "TERMINATED"]
    );
    let (status, body) = sim.post(&format!("{path}/terminate"), &json!({})).await;
    error_message(status, &body, 422);
    let imports = sim
        .get_ok("/smrt-link/job-manager/jobs/import-dataset")
        .await;
    let (status, body) = sim
        .post(
            &format!(
                "/smrt-link/job-manager/jobs/import-dataset/{}/terminate",
                imports[0]["id"]
            ),
            &json!({}),
        )
        .await;
    error_message(status, &body, 501);
}

#[tokio::test]
async fn quick_jobs_pass_busy_general_pool() {
    let mut config = test_config();
    config.quick_workers = 1;
    config.general_workers = 1;
    config.job_seconds.insert("analysis".into(), 60_000.0);
    let sim = Sim::with(config).await;
    sim.import(TINY_SUBREADS).await;
    sim.import(LAMBDA_REF).await;
    let analysis = sim
        .post_created(
            "/smrt-link/job-manager/jobs/analysis",
            &sat_body(&json!(TINY_UUID), &json!(LAMBDA_UUID)),
        )
        .await;
    // A second analysis waits for the only general worker...
    let queued = sim
        .post_created(
            "/smrt-link/job-manager/jobs/analysis",
            &sat_body(&json!(TINY_UUID), &json!(LAMBDA_UUID)),
        )
        .await;
    // ...while an import still runs on the quick worker.
    let (_, ds) = sim
        .import("datasets/SubreadSet/sample1.subreadset.xml")
        .await;
    assert_eq!(ds["name"], "Alice");
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/job-manager/jobs/{}", analysis["id"]))
            .await["state"],
        "RUNNING"
    );
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/job-manager/jobs/{}", queued["id"]))
            .await["state"],
        "SUBMITTED"
    );
}

#[tokio::test]
async fn fail_rate_one_fails_the_pipeline() {
    let mut config = test_config();
    config.fail.insert("pb_sat".into(), 1.0);
    let sim = Sim::with(config).await;
    sim.import(TINY_SUBREADS).await;
    sim.import(LAMBDA_REF).await;
    let job = sim
        .post_created(
            "/smrt-link/job-manager/jobs/analysis",
            &sat_body(&json!(TINY_UUID), &json!(LAMBDA_UUID)),
        )
        .await;
    let done = sim.wait_job(&job["id"]).await;
    assert_eq!(done["state"], "FAILED");
    assert!(
        done["errorMessage"]
            .as_str()
            .unwrap()
            .contains("cromwell.workflows.pb_sat"),
        "{done}"
    );
    let events = sim
        .get_ok(&format!("/smrt-link/job-manager/jobs/{}/events", job["id"]))
        .await;
    assert_eq!(
        event_states(&events).last().map(String::as_str),
        Some("FAILED")
    );
    // The log is kept on failure; no reports are produced.
    let files = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/{}/datastore",
            job["id"]
        ))
        .await;
    assert_eq!(files.as_array().map(Vec::len), Some(1), "{files}");
    let failed = sim
        .get_ok("/smrt-link/job-manager/jobs/analysis?state=FAILED")
        .await;
    assert_eq!(failed.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn job_search_operators() {
    let sim = Sim::start().await;
    sim.import(TINY_SUBREADS).await;
    sim.import(LAMBDA_REF).await;
    let a = sim
        .post_created(
            "/smrt-link/job-manager/jobs/analysis",
            &sat_body(&json!(TINY_UUID), &json!(LAMBDA_UUID)),
        )
        .await;
    sim.wait_job(&a["id"]).await;
    let mut ccs_body = sat_body(&json!(TINY_UUID), &json!(LAMBDA_UUID));
    ccs_body["pipelineId"] = json!("cromwell.workflows.pb_ccs");
    ccs_body["name"] = json!("HiFi reads");
    ccs_body["entryPoints"] = json!([{"entryId": "eid_subread", "fileTypeId": "PacBio.DataSet.SubreadSet", "datasetId": TINY_UUID}]);
    ccs_body["submit"] = json!(false);
    let b = sim
        .post_created("/smrt-link/job-manager/jobs/analysis", &ccs_body)
        .await;
    let ids = |v: &Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_i64().unwrap())
            .collect()
    };
    let (ia, ib) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let cases: Vec<(&str, Vec<i64>)> = vec![
        ("state=SUCCESSFUL", vec![ia]),
        ("state=in%3Acreated,successful", vec![ib, ia]),
        ("subJobTypeId=cromwell.workflows.pb_sat", vec![ia]),
        ("subJobTypeId=like%3Acromwell", vec![ib, ia]),
        ("subJobTypeId=cromwell", vec![]),
        ("name=hifi", vec![ib]),
        ("createdAt=lt%3A2019-03-01T00%3A00%3A00.000Z", vec![]),
        ("createdAt=gt%3A2019-03-01T00%3A00%3A00.000Z", vec![ib, ia]),
        ("id=gt%3A3", vec![ib]),
    ];
    for (query, expected) in cases {
        let found = sim
            .get_ok(&format!("/smrt-link/job-manager/jobs/analysis?{query}"))
            .await;
        assert_eq!(ids(&found), expected, "{query}");
    }
    let found = sim
        .get_ok("/smrt-link/job-manager/jobs/import-dataset?state=SUCCESSFUL")
        .await;
    assert_eq!(ids(&found), vec![2, 1]);
    let (status, found) = sim
        .post(
            "/smrt-link/job-manager/jobs/analysis/search",
            &json!({"id": format!("in:1,2,{ia},{ib}")}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&found), vec![ib, ia], "search is per type");
    let (status, body) = sim
        .get("/smrt-link/job-manager/jobs/analysis?createdAt=in%3A2019-01-01")
        .await;
    assert_eq!(
        error_message(status, &body, 422),
        "Invalid Filter `in:2019-01-01`"
    );
}

#[tokio::test]
async fn permissive_job_routes() {
    let sim = Sim::start().await;
    let (job, _) = sim.import(TINY_SUBREADS).await;
    let uuid = job["uuid"].as_str().unwrap();
    for path in [
        format!("/smrt-link/job-manager/jobs/{}", job["id"]),
        format!("/smrt-link/job-manager/jobs/{uuid}"),
        format!("/smrt-link/job-manager/jobs/analysis/{}", job["id"]),
        format!("/smrt-link/job-manager/jobs/import-dataset/{uuid}/"),
        format!(
            "/secondary-analysis/job-manager/jobs/import-dataset/{}",
            job["id"]
        ),
    ] {
        assert_eq!(sim.get_ok(&path).await["uuid"], uuid, "{path}");
    }
    let (status, body) = sim.get("/smrt-link/job-manager/jobs/analysis/999").await;
    error_message(status, &body, 404);
    let (status, body) = sim.get("/smrt-link/job-manager/nothing").await;
    assert_eq!(
        error_message(status, &body, 404),
        "Route: /smrt-link/job-manager/nothing does not exist."
    );
    let updated = sim
        .put(
            &format!("/smrt-link/job-manager/jobs/{}", job["id"]),
            &json!({"name": "renamed", "tags": "a,b"}),
        )
        .await;
    assert_eq!(updated.0, StatusCode::OK);
    assert_eq!(updated.1["name"], "renamed");
    assert_eq!(updated.1["tags"], "a,b");
    let types = sim.get_ok("/smrt-link/job-manager/job-types").await;
    let quick = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["jobTypeId"] == "import-dataset")
        .unwrap();
    assert_eq!(quick["isQuick"], true);
    let analysis = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["jobTypeId"] == "analysis")
        .unwrap();
    assert_eq!(analysis["isQuick"], false);
}

#[tokio::test]
async fn merge_and_auto_merge() {
    let sim = Sim::start().await;
    let (_, alice) = sim
        .import("datasets/SubreadSet/sample1.subreadset.xml")
        .await;
    let (_, tiny) = sim.import(TINY_SUBREADS).await;
    let body = json!({"datasetType": "PacBio.DataSet.SubreadSet", "ids": [alice["uuid"], tiny["id"]], "name": "Merged run"});
    let job = sim
        .post_created("/smrt-link/job-manager/jobs/merge-datasets", &body)
        .await;
    let job = sim.wait_job(&job["id"]).await;
    assert_eq!(job["state"], "SUCCESSFUL");
    let files = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/merge-datasets/{}/datastore",
            job["id"]
        ))
        .await;
    let merged = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["sourceId"] == "pbscala::merge_dataset")
        .cloned()
        .expect("merged file");
    assert_eq!(merged["fileTypeId"], "PacBio.DataSet.SubreadSet");
    assert_eq!(merged["description"], "Merged PacBio DataSet from 2 files");
    assert!(
        merged["path"]
            .as_str()
            .unwrap()
            .ends_with("merged.dataset.xml")
    );
    let xml = slflow::dataset_xml::read_dataset_xml(merged["path"].as_str().unwrap())
        .expect("merged XML is readable");
    assert_eq!(xml.unique_id.to_string(), merged["uuid"].as_str().unwrap());
    assert_eq!(xml.num_records, 38);
    let ds = sim
        .get_ok(&format!("/smrt-link/datasets/subreads?jobId={}", job["id"]))
        .await;
    assert_eq!(ds[0]["uuid"], merged["uuid"]);
    assert_eq!(ds[0]["numRecords"], 38);
    assert_eq!(ds[0]["totalLength"], 33882 + 19014);
    assert_eq!(ds[0]["bioSampleName"], "Alice");

    let (status, resp) = sim
        .post(
            "/smrt-link/job-manager/jobs/merge-datasets",
            &json!({"ids": [alice["id"]]}),
        )
        .await;
    assert!(error_message(status, &resp, 422).contains("at least 2"));

    sim.import(LAMBDA_REF).await;
    let auto = json!({
        "name": "auto", "pipelineId": "cromwell.workflows.pb_sat", "taskOptions": [], "workflowOptions": [],
        "entryPoints": [
            {"entryId": "eid_subread", "fileTypeId": "PacBio.DataSet.SubreadSet", "datasetId": alice["uuid"]},
            {"entryId": "eid_subread", "fileTypeId": "PacBio.DataSet.SubreadSet", "datasetId": TINY_UUID},
            {"entryId": "eid_ref_dataset", "fileTypeId": "PacBio.DataSet.ReferenceSet", "datasetId": LAMBDA_UUID},
        ],
    });
    let job = sim
        .post_created("/smrt-link/job-manager/jobs/analysis", &auto)
        .await;
    let job = sim.wait_job(&job["id"]).await;
    assert_eq!(job["state"], "SUCCESSFUL", "{job}");
    let files = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/{}/datastore",
            job["id"]
        ))
        .await;
    assert!(
        files
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["sourceId"] == "pbscala::merge_dataset"),
        "{files}"
    );
    let reports = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/{}/reports",
            job["id"]
        ))
        .await;
    let sat = reports
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reportTypeId"] == "pbreports.tasks.sat_report")
        .unwrap();
    let report = sim
        .get_ok(&format!(
            "/smrt-link/datastore-files/{}/download",
            sat["dataStoreFile"]["uuid"].as_str().unwrap()
        ))
        .await;
    let reads = report["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "sat.reads_in_cell")
        .unwrap();
    assert_eq!(reads["value"], 38, "the SAT report counts the merged reads");
}

#[tokio::test]
async fn delete_job_dry_run_then_real() {
    let sim = Sim::start().await;
    let (_, alice) = sim
        .import("datasets/SubreadSet/sample1.subreadset.xml")
        .await;
    let (_, tiny) = sim.import(TINY_SUBREADS).await;
    let merge = sim
        .post_created(
            "/smrt-link/job-manager/jobs/merge-datasets",
            &json!({"ids": [alice["id"], tiny["id"]], "name": "m"}),
        )
        .await;
    let merge = sim.wait_job(&merge["id"]).await;
    let uuid = merge["uuid"].as_str().unwrap();

    let dry = sim
        .post_created(
            "/smrt-link/job-manager/jobs/delete-job",
            &json!({"jobId": uuid, "removeFiles": true, "dryRun": true}),
        )
        .await;
    assert_eq!(dry["uuid"], uuid, "a dry run returns the target job");
    assert_eq!(dry["jobTypeId"], "merge-datasets");
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/job-manager/jobs/{uuid}"))
            .await["isActive"],
        true
    );
    assert_eq!(
        sim.get_ok("/smrt-link/job-manager/jobs/delete-job").await,
        json!([])
    );

    let real = sim
        .post_created(
            "/smrt-link/job-manager/jobs/delete-job",
            &json!({"jobId": uuid, "removeFiles": true, "dryRun": false}),
        )
        .await;
    assert_eq!(real["jobTypeId"], "delete-job");
    assert_eq!(real["comment"], format!("Deleting job {uuid}"));
    let done = sim.wait_job(&real["id"]).await;
    assert_eq!(done["state"], "SUCCESSFUL");
    let target = sim
        .get_ok(&format!("/smrt-link/job-manager/jobs/{uuid}"))
        .await;
    assert_eq!(target["isActive"], false);
    let files = sim
        .get_ok(&format!("/smrt-link/job-manager/jobs/{uuid}/datastore"))
        .await;
    assert!(
        files
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["isActive"] == false),
        "{files}"
    );
    let merged = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["sourceId"] == "pbscala::merge_dataset")
        .unwrap();
    assert!(
        !std::path::Path::new(merged["path"].as_str().unwrap()).exists(),
        "removeFiles deletes job files"
    );
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/job-manager/jobs/{uuid}/children"))
            .await,
        json!([])
    );
    let merged_ds = sim
        .get_ok(&format!(
            "/smrt-link/datasets/{}",
            merged["uuid"].as_str().unwrap()
        ))
        .await;
    assert_eq!(merged_ds["isActive"], false);
    let reports = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/{}/reports",
            real["id"]
        ))
        .await;
    assert!(
        reports[0]["dataStoreFile"]["path"]
            .as_str()
            .unwrap()
            .ends_with("delete_report.json")
    );
    assert!(
        !sim.get_ok("/smrt-link/job-manager/jobs/merge-datasets")
            .await
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["uuid"] == uuid)
    );

    // An import whose dataset feeds an active job cannot be deleted.
    let busy = json!({"jobId": alice["jobId"], "dryRun": true});
    let holder = sim
        .post_created(
            "/smrt-link/job-manager/jobs/merge-datasets",
            &json!({"ids": [alice["id"], tiny["id"]], "submit": false}),
        )
        .await;
    let (status, body) = sim
        .post("/smrt-link/job-manager/jobs/delete-job", &busy)
        .await;
    let msg = error_message(status, &body, 422);
    assert!(
        msg.contains("active children") && msg.contains(&holder["id"].to_string()),
        "{msg}"
    );
    // Nor can a job that has not completed.
    let (status, body) = sim
        .post(
            "/smrt-link/job-manager/jobs/delete-job",
            &json!({"jobId": holder["uuid"], "dryRun": true}),
        )
        .await;
    assert!(error_message(status, &body, 422).contains("hasn't completed"));
}

#[tokio::test]
async fn pipeline_templates() {
    let sim = Sim::start().await;
    let all = sim.get_ok("/smrt-link/resolved-pipeline-templates").await;
    let sat = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Site Acceptance Test (SAT)")
        .cloned()
        .unwrap();
    assert_eq!(sat["id"], "cromwell.workflows.pb_sat");
    let entry_ids: Vec<&str> = sat["entryPoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entryId"].as_str().unwrap())
        .collect();
    assert_eq!(entry_ids, vec!["eid_ref_dataset", "eid_subread"]);
    let options: Vec<&str> = sat["taskOptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(options.contains(&"dataset_filters") && options.contains(&"downsample_factor"));
    assert_eq!(
        sim.get_ok("/smrt-link/resolved-pipeline-templates/pb_align_ccs")
            .await["id"],
        "cromwell.workflows.pb_align_ccs"
    );
    assert_eq!(
        sim.get_ok("/smrt-link/resolved-pipeline-templates/cromwell.workflows.pb_sat/presets")
            .await,
        json!([])
    );
    let (status, body) = sim.get("/smrt-link/resolved-pipeline-templates/nope").await;
    assert_eq!(
        error_message(status, &body, 404),
        "Unable to find pipeline nope"
    );
}

#[tokio::test]
async fn abort_hook_ends_job_aborted() {
    let mut config = test_config();
    config.job_seconds.insert("hello-world".into(), 60_000.0);
    let sim = Sim::with(config).await;
    let job = sim
        .post_created("/smrt-link/job-manager/jobs/hello-world", &json!({}))
        .await;
    let id = job["id"].as_i64().unwrap();
    assert!(sim.handle.simulator().abort_job(id));
    let done = sim.wait_job(&job["id"]).await;
    assert_eq!(done["state"], "ABORTED");
    assert_eq!(done["errorMessage"], "Aborted by the workflow engine");
    assert!(
        !sim.handle.simulator().abort_job(id),
        "a finished job cannot be aborted again"
    );
    // The worker that ran it is free again.
    let next = sim
        .post_created("/smrt-link/job-manager/jobs/simple", &json!({}))
        .await;
    assert_eq!(sim.wait_job(&next["id"]).await["state"], "SUCCESSFUL");
}

#[tokio::test]
async fn job_delete_datastore_post_and_log() {
    let sim = Sim::start().await;
    let held = sim
        .post_created(
            "/smrt-link/job-manager/jobs/simple",
            &json!({"submit": false}),
        )
        .await;
    let path = format!("/smrt-link/job-manager/jobs/simple/{}", held["id"]);
    let (status, body) = sim.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(sim.get_ok(&path).await["isActive"], false);

    let (job, _) = sim.import(TINY_SUBREADS).await;
    let job_path = format!("/smrt-link/job-manager/jobs/import-dataset/{}", job["id"]);
    let (status, body) = sim.call(reqwest::Method::DELETE, &job_path, None).await;
    assert!(error_message(status, &body, 422).contains("only CREATED"));

    // A file written by a task is added to the datastore with the on-disk record shape.
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("summary.txt");
    std::fs::write(&extra, "ok").unwrap();
    let record = json!({
        "sourceId": "task::summary", "uniqueId": "5f0c1b8e-0a6e-4d43-9f7a-3f6c2b8d9e10",
        "fileTypeId": "PacBio.FileTypes.txt", "path": extra, "fileSize": 2,
        "createdAt": "2024-01-01T00:00:00", "modifiedAt": "2024-01-01T00:00:00",
        "isChunked": false, "name": "Summary", "description": "Task summary",
    });
    let (status, body) = sim.post(&format!("{job_path}/datastore"), &record).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let file = sim
        .get_ok(&format!(
            "{job_path}/datastore/5f0c1b8e-0a6e-4d43-9f7a-3f6c2b8d9e10"
        ))
        .await;
    assert_eq!(file["sourceId"], "task::summary");
    assert_eq!(file["jobId"], job["id"]);
    let (status, body) = sim
        .put(
            &format!("{job_path}/datastore/5f0c1b8e-0a6e-4d43-9f7a-3f6c2b8d9e10"),
            &json!({"isActive": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        sim.get_ok("/smrt-link/datastore-files/5f0c1b8e-0a6e-4d43-9f7a-3f6c2b8d9e10")
            .await["isActive"],
        false
    );
    let (status, body) = sim
        .post(
            &format!("{job_path}/datastore"),
            &json!({"uniqueId": "nope", "path": "/x"}),
        )
        .await;
    error_message(status, &body, 422);

    // Report images are served through the job's report route too.
    let reports = sim.get_ok(&format!("{job_path}/reports")).await;
    let raw = reports[0]["dataStoreFile"]["uuid"].as_str().unwrap();
    let resp = sim
        .client
        .get(sim.url(&format!(
            "{job_path}/reports/{raw}/resources?relpath=insert_length.png"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let (status, body) = sim
        .post(
            &format!("{job_path}/log"),
            &json!({"message": "hello", "level": "INFO", "sourceId": "client"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = sim
        .post(
            &format!("{job_path}/log"),
            &json!({"message": "hello", "level": "LOUD"}),
        )
        .await;
    assert!(error_message(status, &body, 422).contains("LOUD"));
}
