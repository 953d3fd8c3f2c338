//! `apply` command-line behaviour that needs no long run: where the server comes from, early
//! checks before anything is contacted, and errors that must reach stderr.

mod common;

use std::process::Command;

use common::{output_text, project, sat_manifest, slflow_bin};

fn slflow(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(slflow_bin());
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("SLFLOW_SERVER");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run slflow")
}

#[test]
fn sim_ignores_server_variable() {
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let output = slflow(
        dir.path(),
        &["apply", "sat.toml", "--sim", "--target", "reference"],
        &[
            ("SLFLOW_SERVER", "http://127.0.0.1:1"),
            ("SLFLOW_SIM_SPEED", "400"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
}

#[test]
fn target_run_leaves_other_steps_pending() {
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let output = slflow(
        dir.path(),
        &["apply", "sat.toml", "--sim", "--target", "subreads"],
        &[("SLFLOW_SIM_SPEED", "400")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
    let status = slflow(dir.path(), &["status", "sat.toml", "--format", "json"], &[]);
    let state: serde_json::Value = serde_json::from_slice(&status.stdout).expect("state JSON");
    assert_eq!(state["steps"]["subreads"]["status"]["state"], "succeeded");
    assert_eq!(state["steps"]["sat"]["status"]["state"], "pending");
    assert_eq!(state["steps"]["metrics"]["status"]["state"], "pending");
}

#[test]
fn unknown_target_rejected_before_connecting() {
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let output = slflow(
        dir.path(),
        &["apply", "sat.toml", "--sim", "--target", "sta"],
        &[],
    );
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("unknown --target `sta`") && text.contains("`sat`"),
        "{text}"
    );
    assert!(
        !dir.path().join(".slflow/sat.sim").exists(),
        "no simulator may start: {text}"
    );
}

#[test]
fn unreachable_server_fails_fast() {
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let output = slflow(
        dir.path(),
        &["apply", "sat.toml", "--server", "http://127.0.0.1:1"],
        &[],
    );
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(3), "{text}");
    assert!(
        text.contains("cannot reach the SMRT Link server at http://127.0.0.1:1"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_smrtlink_server_is_named() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new().route(
        "/status",
        axum::routing::get(|| async { "<html>a web page</html>" }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = project(&[("sat.toml", &sat_manifest())]);
    let path = dir.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        slflow(&path, &["apply", "sat.toml", "--server", &url], &[])
    })
    .await
    .expect("join");
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(3), "{text}");
    assert!(
        text.contains("does not look like a SMRT Link server"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_step_reported_on_stderr_when_quiet() {
    let mut config = slflow::sim::SimConfig {
        speed: 200.0,
        ..Default::default()
    };
    config.fail.insert("cromwell.workflows.pb_sat".into(), 1.0);
    let sim = slflow::sim::spawn(config).await.expect("simulator");
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let path = dir.path().to_path_buf();
    let url = sim.base_url().to_string();
    let output = tokio::task::spawn_blocking(move || {
        slflow(&path, &["apply", "sat.toml", "-q", "--server", &url], &[])
    })
    .await
    .expect("join");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{}", output_text(&output));
    assert!(stderr.contains("step `sat` failed: "), "{stderr}");
    assert!(stderr.contains("ended FAILED"), "{stderr}");
}
