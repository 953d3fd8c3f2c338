//! Replays the requests of PacBio's "SMRT Link web services API use cases (v12.0)" document
//! against the simulator, with the paths and bodies as the document writes them, and checks
//! the response shapes it shows. Dataset paths, UUIDs and ids are replaced by the fixtures'.

mod sim_support;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sim_support::*;

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn assert_has_keys(v: &Value, expected: &[&str], what: &str) {
    let present = keys(v);
    for k in expected {
        assert!(present.contains(k), "{what} lacks `{k}`: {v}");
    }
}

#[tokio::test]
async fn run_design_and_run_monitoring() {
    let sim = Sim::start().await;
    // GET /status
    let status = sim.get_ok("/status").await;
    assert_has_keys(
        &status,
        &["id", "uuid", "version", "uptime", "message", "user"],
        "status",
    );

    // POST /smrt-link/import-run-design {"path": ...}
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("my_run_20230201.csv");
    std::fs::write(
        &csv,
        "Run Name,Is Collection,Sample Well,Sample Name,Movie Time per SMRT Cell (hours),Insert Size (bp),Template Prep Kit Box Barcode,Binding Kit Box Barcode,Sequencing Kit Box Barcode,Run Comments\n\
         54001_SAT,TRUE,A01,54001_SAT_1stCell,2,2000,DM1117100259100111716,DM1117100862200111716,DM0001100861800123120,SAT run\n\
         54001_SAT,TRUE,B01,54001_SAT_2ndCell,2,2000,DM1117100259100111716,DM1117100862200111716,DM0001100861800123120,SAT run\n",
    )
    .unwrap();
    let design = sim
        .post_created("/smrt-link/import-run-design", &json!({"path": csv}))
        .await;
    let run_uuid = design["uuid"].as_str().unwrap().to_string();
    // GET /smrt-link/runs/<uuid> returns the run XML.
    let run = sim.get_ok(&format!("/smrt-link/runs/{run_uuid}")).await;
    assert!(
        run["dataModel"]
            .as_str()
            .unwrap()
            .contains("PacBioDataModel")
    );

    // How to get recent runs: GET /smrt-link/runs, then filter on createdAt.
    let runs = sim.get_ok("/smrt-link/runs").await;
    let recent: Vec<&Value> = runs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["createdAt"].as_str().unwrap() >= "2017-01")
        .collect();
    assert_eq!(recent.len(), 1);
    assert_has_keys(
        recent[0],
        &["name", "uniqueId", "createdAt", "summary"],
        "run summary",
    );
    assert_eq!(recent[0]["summary"], "SAT run");

    // How to monitor a run: poll GET /smrt-link/runs/{runUUID}/collections until Complete.
    let mut complete = false;
    for _ in 0..1000 {
        let cols = sim
            .get_ok(&format!("/smrt-link/runs/{run_uuid}/collections"))
            .await;
        assert_has_keys(
            &cols[0],
            &[
                "name",
                "instrumentName",
                "context",
                "well",
                "status",
                "instrumentId",
                "startedAt",
                "uniqueId",
                "collectionPathUri",
                "runId",
                "movieMinutes",
            ],
            "collection",
        );
        if cols
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "Complete")
        {
            complete = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(complete, "collections reach Complete");
    let cols = sim
        .get_ok(&format!("/smrt-link/runs/{run_uuid}/collections"))
        .await;
    let second = cols[1]["uniqueId"].as_str().unwrap();
    let one = sim
        .get_ok(&format!("/smrt-link/runs/{run_uuid}/collections/{second}"))
        .await;
    assert_eq!(one["status"], "Complete");
    assert_eq!(one["movieMinutes"], 120.0);

    // QC reports for a collection: import its SubreadSet, then GET datasets/subreads/{collectionUUID}/reports.
    let (status, body) = sim
        .get(&format!("/smrt-link/datasets/subreads/{second}/reports"))
        .await;
    error_message(status, &body, 404);
    let path = format!(
        "{}/{}.subreadset.xml",
        one["collectionPathUri"].as_str().unwrap(),
        one["context"].as_str().unwrap()
    );
    let job = sim
        .post_created(
            "/smrt-link/job-manager/jobs/import-dataset",
            &json!({"path": path}),
        )
        .await;
    sim.wait_job(&job["id"]).await;
    let reports = sim
        .get_ok(&format!("/smrt-link/datasets/subreads/{second}/reports"))
        .await;
    let report_uuid = reports[0]["dataStoreFile"]["uuid"].as_str().unwrap();
    let resp = sim
        .client
        .get(sim.url(&format!(
            "/smrt-link/datastore-files/{report_uuid}/download"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let report: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(report["uuid"], report_uuid);
}

#[tokio::test]
async fn jobs_datasets_and_sat_analysis() {
    let sim = Sim::start().await;
    // GET /smrt-link/job-manager/job-types
    let types = sim.get_ok("/smrt-link/job-manager/job-types").await;
    let find = |id: &str| {
        types
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["jobTypeId"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        find("db-backup"),
        json!({"jobTypeId": "db-backup", "description": "Create a DB backup of the SMRT Link system", "isQuick": true, "isMultiJob": false})
    );
    assert_eq!(
        find("delete-datasets")["description"],
        "(Soft) delete of PacBio DataSet XML"
    );

    // POST /smrt-link/job-manager/jobs/import-dataset {"path": ...} -> 201 and the job model.
    let (status, job) = sim
        .post(
            "/smrt-link/job-manager/jobs/import-dataset",
            &json!({"path": fixture(TINY_SUBREADS)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_has_keys(
        &job,
        &[
            "name",
            "updatedAt",
            "workflow",
            "path",
            "state",
            "tags",
            "uuid",
            "projectId",
            "jobTypeId",
            "id",
            "smrtlinkVersion",
            "comment",
            "createdAt",
            "isActive",
            "createdBy",
            "isMultiJob",
            "jsonSettings",
            "jobUpdatedAt",
        ],
        "EngineJob",
    );
    assert_eq!(job["name"], "import-dataset");
    assert_eq!(job["workflow"], "{}");
    assert_eq!(job["tags"], "");
    assert_eq!(job["projectId"], 1);
    assert_eq!(job["comment"], "Description for job Import PacBio DataSet");
    assert_eq!(job["createdBy"], Value::Null);
    assert!(job["jsonSettings"].is_string());
    sim.wait_job(&job["id"]).await;
    sim.import(LAMBDA_REF).await;

    // Searching for a Data Set: GET ?name=human (case-insensitive partial), POST {"uuid": "in:..."}.
    assert_eq!(
        sim.get_ok("/smrt-link/datasets/subreads?name=human").await,
        json!([])
    );
    assert_eq!(
        sim.get_ok("/smrt-link/datasets/subreads?name=SEQUEL").await[0]["uuid"],
        TINY_UUID
    );
    let found = sim
        .post(
            "/smrt-link/datasets/subreads",
            &json!({"uuid": format!("in:{TINY_UUID},a836efbc-fd58-40f6-b586-43c743730fe0")}),
        )
        .await;
    assert_eq!(found.0, StatusCode::OK);
    assert_eq!(found.1.as_array().map(Vec::len), Some(1));

    // Data Set reports by UUID: dataset-types gives the shortName, then .../reports.
    let types = sim.get_ok("/smrt-link/dataset-types").await;
    let short = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "PacBio.DataSet.SubreadSet")
        .unwrap()["shortName"]
        .clone();
    assert_eq!(short, "subreads");
    let reports = sim
        .get_ok(&format!("/smrt-link/datasets/subreads/{TINY_UUID}/reports"))
        .await;
    assert_eq!(reports.as_array().map(Vec::len), Some(3));

    // Set up a SAT analysis: find the template by name, check the inputs, post the body.
    let templates = sim.get_ok("/smrt-link/resolved-pipeline-templates").await;
    let sat = templates
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Site Acceptance Test (SAT)")
        .unwrap();
    assert_eq!(sat["version"], "0.1.0");
    assert_eq!(
        sat["tags"],
        json!(["consensus", "mapping", "reports", "sat"])
    );
    let subreads = sim
        .get_ok(&format!("/smrt-link/datasets/subreads/{TINY_UUID}"))
        .await;
    assert_has_keys(
        &subreads,
        &[
            "name",
            "updatedAt",
            "path",
            "instrumentControlVersion",
            "tags",
            "instrumentName",
            "uuid",
            "totalLength",
            "projectId",
            "numRecords",
            "wellSampleName",
            "bioSampleName",
            "version",
            "cellId",
            "id",
            "md5",
            "importedAt",
            "jobId",
            "createdAt",
            "isActive",
            "createdBy",
            "wellName",
            "cellIndex",
            "metadataContextId",
            "numChildren",
            "runName",
            "datasetType",
            "comments",
        ],
        "SubreadSet record",
    );
    let reference = sim
        .get_ok(&format!("/smrt-link/datasets/references/{LAMBDA_UUID}"))
        .await;
    assert_has_keys(
        &reference,
        &[
            "name",
            "path",
            "ploidy",
            "tags",
            "uuid",
            "totalLength",
            "organism",
            "numChildren",
            "datasetType",
            "comments",
        ],
        "ReferenceSet record",
    );
    let body = json!({
        "pipelineId" : "cromwell.workflows.pb_sat",
        "entryPoints" : [
            {"datasetId": TINY_UUID, "entryId": "eid_subread", "fileTypeId": "PacBio.DataSet.SubreadSet"},
            {"datasetId": LAMBDA_UUID, "entryId": "eid_ref_dataset", "fileTypeId": "PacBio.DataSet.ReferenceSet"}
        ],
        "taskOptions" : [],
        "workflowOptions": [],
        "name": "My SAT Job"
    });
    let (status, analysis) = sim
        .post("/smrt-link/job-manager/jobs/analysis", &body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{analysis}");
    let id = analysis["id"].clone();
    let events = sim
        .get_ok(&format!("/smrt-link/job-manager/jobs/analysis/{id}/events"))
        .await;
    assert!(!events.as_array().unwrap().is_empty());
    sim.wait_job(&id).await;

    // Job history queries.
    assert_eq!(
        sim.get_ok("/smrt-link/job-manager/jobs/analysis?state=FAILED&subJobTypeId=cromwell")
            .await,
        json!([])
    );
    assert_eq!(sim.get_ok("/smrt-link/job-manager/jobs/analysis?createdAt=lt%3A2019-03-01T00:00:00.000Z&createdBy=myusername").await, json!([]));
    let bulk = sim
        .post(
            "/smrt-link/job-manager/jobs/analysis/search",
            &json!({"id": "in:1,2,3,4"}),
        )
        .await;
    assert_eq!(bulk.0, StatusCode::OK);
    assert_eq!(bulk.1[0]["id"], id);

    // Copy and rerun: GET .../options, POST it back; integer dataset ids resolve.
    let options = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/analysis/{id}/options"
        ))
        .await;
    assert_eq!(options["pipelineId"], "cromwell.workflows.pb_sat");
    assert_eq!(
        options["entryPoints"][0],
        json!({"entryId": "eid_subread", "fileTypeId": "PacBio.DataSet.SubreadSet", "datasetId": 1})
    );
    assert_eq!(options["entryPoints"][1]["datasetId"], 2);
    sim.get_ok("/smrt-link/datasets/subreads/1").await;
    sim.get_ok("/smrt-link/datasets/references/2").await;
    sim.post_created("/smrt-link/job-manager/jobs/analysis", &options)
        .await;
}

#[tokio::test]
async fn merge_delete_projects_and_mapping_metrics() {
    let sim = Sim::start().await;
    sim.import(TINY_SUBREADS).await;
    let (_, alice) = sim
        .import("datasets/SubreadSet/sample1.subreadset.xml")
        .await;
    sim.import(LAMBDA_REF).await;

    // Two-step merge: POST merge-datasets, then read its datastore.
    let merge = sim
        .post_created(
            "/smrt-link/job-manager/jobs/merge-datasets",
            &json!({"datasetType": "PacBio.DataSet.SubreadSet", "ids": [TINY_UUID, alice["uuid"]], "name": "Merge run 54001_SAT collections"}),
        )
        .await;
    let merge = sim.wait_job(&merge["id"]).await;
    let files = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/merge-datasets/{}/datastore",
            merge["id"]
        ))
        .await;
    for f in files.as_array().unwrap() {
        assert_has_keys(
            f,
            &[
                "modifiedAt",
                "name",
                "fileTypeId",
                "path",
                "description",
                "uuid",
                "fileSize",
                "importedAt",
                "jobId",
                "createdAt",
                "isActive",
                "jobUUID",
                "sourceId",
            ],
            "datastore file",
        );
        assert_eq!(f["jobId"], merge["id"], "all files of a job carry its id");
    }
    let merged = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["sourceId"] == "pbscala::merge_dataset")
        .unwrap();
    assert_eq!(merged["name"], "Merge run 54001_SAT collections");
    let log = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fileTypeId"] == "PacBio.FileTypes.log")
        .unwrap();
    assert_eq!(log["description"], "SMRT Link Job Log");

    // Delete the merge job: dry run returns the target, the real one a delete-job job.
    let target = merge["uuid"].as_str().unwrap();
    let dry = sim
        .post(
            "/smrt-link/job-manager/jobs/delete-job",
            &json!({"jobId": target, "removeFiles": true, "dryRun": true}),
        )
        .await;
    assert_eq!(dry.0, StatusCode::CREATED);
    assert_eq!(dry.1["jobTypeId"], "merge-datasets");
    let real = sim
        .post(
            "/smrt-link/job-manager/jobs/delete-job",
            &json!({"jobId": target, "removeFiles": true, "dryRun": false}),
        )
        .await;
    assert_eq!(real.0, StatusCode::CREATED);
    assert_eq!(real.1["jobTypeId"], "delete-job");
    assert_eq!(real.1["comment"], format!("Deleting job {target}"));
    sim.wait_job(&real.1["id"]).await;

    // Projects, with dataset ids of this simulator in place of 34 and 45.
    let created = sim
        .post_created(
            "/smrt-link/projects",
            &json!({
                "name": "Human Structural Variation",
                "description": "Human SV datasets and analyses",
                "state": "CREATED",
                "datasets": [{"id": 1}, {"id": 2}],
                "members": [
                    {"login": "user1", "role": "OWNER"},
                    {"login": "user2", "role": "CAN_EDIT"},
                    {"login": "collaborator1", "role": "CAN_VIEW"}
                ]
            }),
        )
        .await;
    assert_has_keys(
        &created,
        &[
            "id",
            "name",
            "description",
            "state",
            "createdAt",
            "updatedAt",
            "isActive",
            "grantRoleToAll",
            "datasets",
            "members",
        ],
        "FullProject",
    );
    let got = sim
        .get_ok(&format!("/smrt-link/projects/{}", created["id"]))
        .await;
    assert_eq!(got["name"], "Human Structural Variation");

    // Mapping report metrics of a HiFi mapping job.
    sim.import("datasets/ConsensusReadSet/m130727_114215_42211_c100569412550000001823090301191423_s1_p0.consensusreadset.xml").await;
    let body = json!({
        "name": "map", "pipelineId": "cromwell.workflows.pb_align_ccs", "taskOptions": [], "workflowOptions": [],
        "entryPoints": [
            {"entryId": "eid_ccs", "fileTypeId": "PacBio.DataSet.ConsensusReadSet", "datasetId": "7a70efd2-18ae-9861-3368-05f35562e3be"},
            {"entryId": "eid_ref_dataset", "fileTypeId": "PacBio.DataSet.ReferenceSet", "datasetId": LAMBDA_UUID},
        ],
    });
    let job = sim
        .post_created("/smrt-link/job-manager/jobs/analysis", &body)
        .await;
    let job = sim.wait_job(&job["id"]).await;
    let reports = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/analysis/{}/reports",
            job["id"]
        ))
        .await;
    let entry = reports
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reportTypeId"] == "pb_align_ccs.report_mapping_stats")
        .cloned()
        .unwrap();
    assert_has_keys(
        &entry["dataStoreFile"],
        &[
            "modifiedAt",
            "name",
            "fileTypeId",
            "path",
            "description",
            "uuid",
            "fileSize",
            "importedAt",
            "createdAt",
            "isActive",
            "sourceId",
        ],
        "report file",
    );
    assert_eq!(entry["dataStoreFile"]["name"], "Report mapping_stats_ccs");
    let uuid = entry["dataStoreFile"]["uuid"].as_str().unwrap();
    assert_eq!(
        entry["dataStoreFile"]["description"],
        format!("PacBio Report mapping_stats_ccs ({uuid})")
    );
    let report = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/analysis/{}/reports/{uuid}",
            job["id"]
        ))
        .await;
    assert_eq!(report["version"], "1.0.1");
    assert_eq!(report["id"], "mapping_stats_ccs");
    assert_eq!(report["title"], "Report mapping_stats_ccs");
    let metrics: std::collections::HashMap<String, Value> = report["attributes"]
        .as_array()
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
        .collect();
    for key in ["blast_identity", "mapped_reads_n", "mapped_readlength_mean"] {
        assert!(metrics.contains_key(key), "{key} in {report}");
    }
    assert!(
        metrics["blast_identity"].as_f64().unwrap() > 0.99,
        "HiFi concordance"
    );
}
