//! Run design import, the simulated instrument, and projects against the simulator.

mod sim_support;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sim_support::*;

const HEADER: &str = "Experiment Name,Run Name,System Name,Run Comments,Is Collection,Sample Well,Sample Name,Movie Time per SMRT Cell (hours),Insert Size (bp),Template Prep Kit Box Barcode,Binding Kit Box Barcode,Sequencing Kit Box Barcode,Barcode Name,Bio Sample Name";
const KITS: &str = "DM1117100259100111716,DM1117100862200111716,DM0001100861800123120";

fn two_cell_csv(run: &str) -> String {
    format!(
        "{HEADER}\n\
         SAT,{run},Sequel II,SAT run,TRUE,A01,lambda_A,2,2000,{KITS},,\n\
         ,,,,FALSE,,,,,,,,bc1001--bc1001,Alice\n\
         SAT,{run},Sequel II,SAT run,TRUE,B01,lambda_B,1,2000,{KITS},,\n"
    )
}

async fn wait_run_complete(sim: &Sim, uuid: &str) -> Value {
    let mut seen = Vec::new();
    for _ in 0..1000 {
        let cols = sim
            .get_ok(&format!("/smrt-link/runs/{uuid}/collections"))
            .await;
        let status = cols[0]["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&status) {
            seen.push(status);
        }
        if cols
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "Complete")
        {
            let run = sim.get_ok(&format!("/smrt-link/runs/{uuid}")).await;
            if run["status"] == "Complete" {
                return json!({"collections": cols, "run": run, "seen": seen});
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("run {uuid} did not complete");
}

#[tokio::test]
async fn run_design_to_subreadset() {
    let sim = Sim::start().await;
    let design = sim
        .post_created(
            "/smrt-link/import-run-design",
            &json!({"content": two_cell_csv("54001_SAT")}),
        )
        .await;
    let uuid = design["uuid"].as_str().unwrap().to_string();
    assert_eq!(design["name"], "54001_SAT");
    assert_eq!(design["collections"].as_array().map(Vec::len), Some(2));

    let runs = sim.get_ok("/smrt-link/runs").await;
    assert_eq!(runs[0]["uniqueId"], uuid.as_str());
    assert_eq!(runs[0]["totalCells"], 2);
    assert!(runs[0].get("dataModel").is_none(), "summaries carry no XML");
    let run = sim.get_ok(&format!("/smrt-link/runs/{uuid}")).await;
    assert!(run["dataModel"].as_str().unwrap().contains(&uuid));
    let resp = sim
        .client
        .get(sim.url(&format!("/smrt-link/runs/{uuid}/datamodel")))
        .send()
        .await
        .unwrap();
    assert!(resp.text().await.unwrap().starts_with("<?xml"));

    let done = wait_run_complete(&sim, &uuid).await;
    let seen: Vec<&str> = done["seen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(seen.last(), Some(&"Complete"));
    assert!(
        seen.len() >= 3,
        "the first collection went through several states: {seen:?}"
    );
    assert_eq!(done["run"]["numCellsCompleted"], 2);
    assert!(done["run"]["completedAt"].is_string());

    let col = &done["collections"][0];
    let one = sim
        .get_ok(&format!(
            "/smrt-link/runs/{uuid}/collections/{}",
            col["uniqueId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(one["well"], "A01");
    let path = format!(
        "{}/{}.subreadset.xml",
        col["collectionPathUri"].as_str().unwrap(),
        col["context"].as_str().unwrap()
    );
    let xml =
        slflow::dataset_xml::read_dataset_xml(&path).expect("the instrument wrote a SubreadSet");
    assert_eq!(
        xml.unique_id.to_string(),
        col["uniqueId"].as_str().unwrap(),
        "collection UUID = SubreadSet UUID"
    );
    assert_eq!(xml.collections[0].run_name.as_deref(), Some("54001_SAT"));
    assert_eq!(xml.collections[0].bio_sample_names, vec!["Alice"]);
    assert!(xml.num_records > 0);

    let job = sim
        .post_created(
            "/smrt-link/job-manager/jobs/import-dataset",
            &json!({"path": path}),
        )
        .await;
    assert_eq!(sim.wait_job(&job["id"]).await["state"], "SUCCESSFUL");
    let ds = sim
        .get_ok(&format!(
            "/smrt-link/datasets/subreads/{}",
            col["uniqueId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ds["wellName"], "A01");
    assert_eq!(ds["bioSampleName"], "Alice");
    let reports = sim
        .get_ok(&format!(
            "/smrt-link/datasets/subreads/{}/reports",
            col["uniqueId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        reports.as_array().map(Vec::len),
        Some(3),
        "a collection with sts.xml gets QC reports"
    );
}

#[tokio::test]
async fn run_design_from_path_and_filters() {
    let sim = Sim::start().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    std::fs::write(&csv, two_cell_csv("54001_ecoli")).unwrap();
    sim.post_created("/smrt-link/import-run-design", &json!({"path": csv}))
        .await;
    sim.post_created(
        "/smrt-link/import-run-design",
        &json!({"content": two_cell_csv("54001_hla")}),
    )
    .await;
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(sim.get_ok("/smrt-link/runs?name=54001_hla").await),
        vec!["54001_hla"]
    );
    assert_eq!(
        names(sim.get_ok("/smrt-link/runs?substring=ecoli").await),
        vec!["54001_ecoli"]
    );
    assert_eq!(
        sim.get_ok("/smrt-link/runs?substring=SAT%20run")
            .await
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(sim.get_ok("/smrt-link/runs?reserved=true").await, json!([]));
    assert_eq!(
        sim.get_ok("/smrt-link/runs?chipType=8mChip")
            .await
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    let uuid = sim.get_ok("/smrt-link/runs?name=54001_hla").await[0]["uniqueId"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = sim
        .post(
            &format!("/smrt-link/runs/{uuid}"),
            &json!({"reserved": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        names(sim.get_ok("/smrt-link/runs?reserved=true").await),
        vec!["54001_hla"]
    );
    let (status, _) = sim
        .call(
            reqwest::Method::DELETE,
            &format!("/smrt-link/runs/{uuid}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = sim.get(&format!("/smrt-link/runs/{uuid}")).await;
    error_message(status, &body, 404);
}

#[tokio::test]
async fn invalid_run_designs_are_422() {
    let sim = Sim::start().await;
    let cases = [
        (
            json!({"content": format!("{HEADER}\nSAT,r,Sequel II,,TRUE,Z01,s,2,2000,{KITS},,\n")}),
            "`Z01`",
        ),
        (
            json!({"content": format!("{HEADER}\nSAT,r,Sequel II,,TRUE,A01,s,99,2000,{KITS},,\n")}),
            "Movie Time",
        ),
        (
            json!({"content": "Run Name\nr\n"}),
            "missing required column",
        ),
        (
            json!({"path": "/nonexistent/run.csv"}),
            "/nonexistent/run.csv",
        ),
        (json!({}), "exactly one of"),
    ];
    for (body, needle) in cases {
        let (status, resp) = sim.post("/smrt-link/import-run-design", &body).await;
        let msg = error_message(status, &resp, 422);
        assert!(msg.contains(needle), "{body}: {msg}");
    }
}

#[tokio::test]
async fn projects_crud() {
    let sim = Sim::start().await;
    let (_, ds) = sim.import(TINY_SUBREADS).await;
    let request = json!({
        "name": "Human Structural Variation",
        "description": "Human SV datasets and analyses",
        "state": "CREATED",
        "datasets": [{"id": ds["id"]}],
        "members": [
            {"login": "user1", "role": "OWNER"},
            {"login": "user2", "role": "CAN_EDIT"},
            {"login": "collaborator1", "role": "CAN_VIEW"},
        ],
    });
    let project = sim.post_created("/smrt-link/projects", &request).await;
    let id = project["id"].as_i64().unwrap();
    assert_eq!(id, 2);
    assert_eq!(project["grantRoleToAll"], Value::Null);
    assert_eq!(project["datasets"][0]["id"], ds["id"]);
    assert_eq!(project["members"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/datasets/subreads?projectId={id}"))
            .await[0]["uuid"],
        TINY_UUID
    );

    let (status, body) = sim.post("/smrt-link/projects", &request).await;
    assert!(error_message(status, &body, 409).contains("Human Structural Variation"));
    let mut no_owner = request.clone();
    no_owner["name"] = json!("other");
    no_owner["members"] = json!([{"login": "user2", "role": "CAN_EDIT"}]);
    let (status, body) = sim.post("/smrt-link/projects", &no_owner).await;
    assert!(error_message(status, &body, 409).contains("OWNER"));
    let (status, body) = sim
        .put(
            &format!("/smrt-link/projects/{id}"),
            &json!({"members": [{"login": "user2", "role": "CAN_VIEW"}]}),
        )
        .await;
    error_message(status, &body, 409);

    let (status, updated) = sim
        .put(
            &format!("/smrt-link/projects/{id}"),
            &json!({"description": "changed", "grantRoleToAll": "CAN_VIEW"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["description"], "changed");
    assert_eq!(
        updated["name"], "Human Structural Variation",
        "absent fields are unchanged"
    );
    assert_eq!(updated["grantRoleToAll"], "CAN_VIEW");

    let job = sim
        .post_created(
            "/smrt-link/job-manager/jobs/hello-world",
            &json!({"projectId": id}),
        )
        .await;
    assert_eq!(job["projectId"], id);
    let listed = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/hello-world?projectId={id}"
        ))
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    let (status, deleted) = sim
        .call(
            reqwest::Method::DELETE,
            &format!("/smrt-link/projects/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["isActive"], false);
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/datasets/{TINY_UUID}"))
            .await["projectId"],
        1
    );
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/job-manager/jobs/{}", job["id"]))
            .await["projectId"],
        1
    );
    let all = sim.get_ok("/smrt-link/projects").await;
    assert!(
        all.as_array().unwrap().iter().all(|p| p["id"] != id),
        "deleted projects are hidden"
    );
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/projects/{id}")).await["isActive"],
        false
    );
    let (status, body) = sim
        .post(
            "/smrt-link/job-manager/jobs/hello-world",
            &json!({"projectId": id}),
        )
        .await;
    error_message(status, &body, 422);
    let (status, body) = sim.get("/smrt-link/projects/abc").await;
    error_message(status, &body, 404);
}

#[tokio::test]
async fn user_header_scopes_lists() {
    let sim = Sim::start().await;
    let resp = sim
        .client
        .post(sim.url("/smrt-link/projects"))
        .header("X-User-ID", "alice")
        .json(&json!({"name": "private", "description": "d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let project: Value = resp.json().await.unwrap();
    assert_eq!(
        project["members"],
        json!([{"login": "alice", "role": "OWNER"}])
    );
    let for_bob: Value = sim
        .client
        .get(sim.url("/smrt-link/projects"))
        .header("X-User-ID", "bob")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        for_bob
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"] != "private")
    );
    let for_alice: Value = sim
        .client
        .get(sim.url("/smrt-link/projects"))
        .header("X-User-ID", "alice")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        for_alice
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "private")
    );
}
