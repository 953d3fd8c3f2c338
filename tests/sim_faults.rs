//! Fault injection (5xx, dropped connections, latency) and persistence across restarts.

mod sim_support;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sim_support::*;
use slflow::sim::SimConfig;

/// Number of requests per fault-rate test: enough for a +/-0.07 band at rate 0.3 (more than
/// four standard deviations), small enough to finish in well under a second.
const REQUESTS: usize = 400;

#[tokio::test]
async fn error_rate_roughly_as_configured() {
    let sim = Sim::with(SimConfig {
        error_rate: 0.3,
        seed: 11,
        ..test_config()
    })
    .await;
    let mut errors = 0;
    for _ in 0..REQUESTS {
        let (status, body) = sim.get("/status").await;
        if status.is_server_error() {
            let msg = error_message(status, &body, status.as_u16());
            assert!(msg.contains("Simulated server error"), "{msg}");
            errors += 1;
        } else {
            assert_eq!(status, StatusCode::OK);
        }
    }
    let rate = errors as f64 / REQUESTS as f64;
    assert!((0.23..=0.37).contains(&rate), "error rate {rate}");
}

#[tokio::test]
async fn reset_rate_drops_connections() {
    let sim = Sim::with(SimConfig {
        reset_rate: 0.3,
        seed: 12,
        ..test_config()
    })
    .await;
    let mut dropped = 0;
    for _ in 0..REQUESTS {
        match sim.client.get(sim.url("/status")).send().await {
            Ok(resp) => assert_eq!(resp.status(), StatusCode::OK),
            Err(e) => {
                assert!(
                    !e.is_status() && !e.is_timeout(),
                    "a reset is a transport error: {e}"
                );
                dropped += 1;
            }
        }
    }
    let rate = dropped as f64 / REQUESTS as f64;
    assert!((0.23..=0.37).contains(&rate), "reset rate {rate}");
}

#[tokio::test]
async fn faults_follow_the_seed() {
    async fn pattern(seed: u64) -> Vec<bool> {
        let sim = Sim::with(SimConfig {
            error_rate: 0.5,
            seed,
            ..test_config()
        })
        .await;
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(sim.get("/status").await.0.is_success());
        }
        out
    }
    assert_eq!(pattern(3).await, pattern(3).await);
    assert_ne!(pattern(3).await, pattern(4).await);
}

#[tokio::test]
async fn latency_delays_each_request() {
    let sim = Sim::with(SimConfig {
        latency: Duration::from_millis(40),
        ..test_config()
    })
    .await;
    let started = Instant::now();
    for _ in 0..5 {
        sim.get_ok("/status").await;
    }
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn restart_keeps_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = SimConfig {
        data_dir: Some(dir.path().to_path_buf()),
        ..test_config()
    };
    // Analyses run for 10 minutes at test speed, so one is still RUNNING at shutdown.
    config.job_seconds.insert("analysis".into(), 600_000.0);
    let sim = Sim::with(config.clone()).await;
    sim.import(TINY_SUBREADS).await;
    sim.import(LAMBDA_REF).await;
    let body = json!({
        "name": "SAT", "pipelineId": "cromwell.workflows.pb_sat", "taskOptions": [], "workflowOptions": [],
        "entryPoints": [
            {"entryId": "eid_subread", "fileTypeId": "PacBio.DataSet.SubreadSet", "datasetId": TINY_UUID},
            {"entryId": "eid_ref_dataset", "fileTypeId": "PacBio.DataSet.ReferenceSet", "datasetId": LAMBDA_UUID},
        ],
    });
    let analysis = sim
        .post_created("/smrt-link/job-manager/jobs/analysis", &body)
        .await;
    for _ in 0..200 {
        if sim
            .get_ok(&format!("/smrt-link/job-manager/jobs/{}", analysis["id"]))
            .await["state"]
            == "RUNNING"
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let project = sim.post_created("/smrt-link/projects", &json!({"name": "kept", "description": "d", "members": [{"login": "admin", "role": "OWNER"}]})).await;
    let csv = "Run Name,Sample Well,Sample Name,Movie Time per SMRT Cell (hours),Insert Size (bp),Template Prep Kit Box Barcode,Binding Kit Box Barcode,Sequencing Kit Box Barcode\n\
               kept_run,A01,s,2,2000,DM1117100259100111716,DM1117100862200111716,DM0001100861800123120\n";
    let run = sim
        .post_created("/smrt-link/import-run-design", &json!({"content": csv}))
        .await;
    let jobs_before = sim
        .get_ok("/smrt-link/job-manager/jobs/import-dataset")
        .await;
    let datasets_before = sim.get_ok("/smrt-link/datasets/subreads").await;
    let reports_before = sim
        .get_ok(&format!("/smrt-link/datasets/subreads/{TINY_UUID}/reports"))
        .await;
    sim.handle.shutdown().await;
    assert!(dir.path().join("store.json").exists());

    // Restart on the same directory with fast analyses: everything is back and the analysis
    // that was running finishes.
    config.job_seconds.clear();
    let sim = Sim::with(config).await;
    assert_eq!(
        sim.get_ok("/smrt-link/job-manager/jobs/import-dataset")
            .await,
        jobs_before
    );
    assert_eq!(
        sim.get_ok("/smrt-link/datasets/subreads").await,
        datasets_before
    );
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/datasets/subreads/{TINY_UUID}/reports"))
            .await,
        reports_before
    );
    assert_eq!(
        sim.get_ok(&format!("/smrt-link/projects/{}", project["id"]))
            .await["name"],
        "kept"
    );
    assert_eq!(
        sim.get_ok(&format!(
            "/smrt-link/runs/{}",
            run["uuid"].as_str().unwrap()
        ))
        .await["name"],
        "kept_run"
    );
    let done = sim.wait_job(&analysis["id"]).await;
    assert_eq!(done["state"], "SUCCESSFUL", "{done}");
    let events = sim
        .get_ok(&format!(
            "/smrt-link/job-manager/jobs/{}/events",
            analysis["id"]
        ))
        .await;
    assert_eq!(
        event_states(&events),
        vec!["CREATED", "SUBMITTED", "RUNNING", "SUCCESSFUL"]
    );
    // Ids continue where they stopped.
    let next = sim
        .post_created("/smrt-link/job-manager/jobs/hello-world", &json!({}))
        .await;
    assert_eq!(next["id"], analysis["id"].as_i64().unwrap() + 1);
    let next_project = sim.post_created("/smrt-link/projects", &json!({"name": "second", "description": "d", "members": [{"login": "admin", "role": "OWNER"}]})).await;
    assert_eq!(next_project["id"], project["id"].as_i64().unwrap() + 1);
    // The downloaded report still has its bytes: job directories live in the data directory.
    let uuid = reports_before[0]["dataStoreFile"]["uuid"].as_str().unwrap();
    let report: Value = sim
        .get_ok(&format!("/smrt-link/datastore-files/{uuid}/download"))
        .await;
    assert_eq!(report["uuid"], uuid);
}

#[tokio::test]
async fn corrupt_store_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("store.json"), "{ not json").unwrap();
    let err = slflow::sim::spawn(SimConfig {
        data_dir: Some(dir.path().to_path_buf()),
        ..test_config()
    })
    .await
    .err()
    .expect("a corrupt store fails the start");
    let text = format!("{err:#}");
    assert!(
        text.contains("store.json") && text.contains("corrupt"),
        "{text}"
    );
}
