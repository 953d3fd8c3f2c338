//! End-to-end tests of `apply`: the SAT example, resume after a kill, exactly-once submission,
//! the state lock and the exit codes. The simulator runs in the test process on 127.0.0.1; the
//! real slflow binary talks to it.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{output_text, project, run_slflow, sat_manifest, server_jobs, simulator, slflow_bin};

async fn apply(dir: &Path, args: Vec<String>) -> std::process::Output {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_slflow(&dir, &args)
    })
    .await
    .expect("join")
}

fn apply_args(url: &str) -> Vec<String> {
    ["apply", "sat.toml", "--server", url]
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn read_state(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(".slflow/sat.state.json")).expect("state file");
    serde_json::from_str(&text).expect("state JSON")
}

/// Waits until the state file shows `step` running a server job, and returns the job id.
async fn wait_for_running_job(dir: &Path, step: &str) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(dir.join(".slflow/sat.state.json"))
            && let Ok(state) = serde_json::from_str::<serde_json::Value>(&text)
            && state["steps"][step]["status"]["state"] == "running"
            && let Some(id) = state["steps"][step]["status"]["job"]["id"].as_u64()
        {
            return id;
        }
        assert!(
            Instant::now() < deadline,
            "step `{step}` never reached a running job"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sat_example_passes_and_resumes_on_sim() {
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let run = |dir: std::path::PathBuf| {
        tokio::task::spawn_blocking(move || {
            Command::new(slflow_bin())
                .args(["apply", "sat.toml", "--sim"])
                .current_dir(&dir)
                .env("SLFLOW_SIM_SPEED", "400")
                .env("NO_COLOR", "1")
                .output()
                .expect("run slflow")
        })
    };
    let first = run(dir.path().to_path_buf()).await.expect("join");
    let text = output_text(&first);
    assert_eq!(first.status.code(), Some(0), "{text}");
    assert!(text.contains("3/3 passed"), "{text}");
    assert!(
        text.contains("[sim]"),
        "the output must say it used the simulator: {text}"
    );

    let second = run(dir.path().to_path_buf()).await.expect("join");
    let text = output_text(&second);
    assert_eq!(second.status.code(), Some(0), "{text}");
    assert_eq!(
        text.matches("skipped (done in an earlier run)").count(),
        4,
        "{text}"
    );
    assert!(
        !text.contains("submitted"),
        "a second --sim run must submit nothing: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_apply_submits_nothing() {
    let sim = simulator(200.0, &[]).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);

    let first = apply(dir.path(), apply_args(sim.base_url())).await;
    assert_eq!(first.status.code(), Some(0), "{}", output_text(&first));
    let imports = server_jobs(sim.base_url(), "import-dataset").await.len();
    let analyses = server_jobs(sim.base_url(), "analysis").await.len();
    assert_eq!((imports, analyses), (2, 1));

    let second = apply(dir.path(), apply_args(sim.base_url())).await;
    assert_eq!(second.status.code(), Some(0), "{}", output_text(&second));
    assert_eq!(
        server_jobs(sim.base_url(), "import-dataset").await.len(),
        imports
    );
    assert_eq!(
        server_jobs(sim.base_url(), "analysis").await.len(),
        analyses
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_analysis_reattaches() {
    // The analysis takes 4 s; imports are quick.
    let sim = simulator(1.0, &[("import-dataset", 0.2), ("analysis", 4.0)]).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);

    let mut child = Command::new(slflow_bin())
        .args(["apply", "sat.toml", "--server", sim.base_url()])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start slflow");
    let job_id = wait_for_running_job(dir.path(), "sat").await;
    child.kill().expect("SIGKILL");
    let _ = child.wait();

    let analyses = server_jobs(sim.base_url(), "analysis").await;
    assert_eq!(analyses.len(), 1);
    assert_ne!(
        analyses[0]["state"], "SUCCESSFUL",
        "the kill must land while the job runs"
    );

    // The killed process left its lock file: the next apply reports it as stale, with the fix.
    let refused = apply(dir.path(), apply_args(sim.base_url())).await;
    let text = output_text(&refused);
    assert_eq!(refused.status.code(), Some(3), "{text}");
    assert!(text.contains("stale"), "{text}");
    assert!(text.contains(&format!("pid {}", child.id())), "{text}");
    assert_eq!(server_jobs(sim.base_url(), "analysis").await.len(), 1);
    std::fs::remove_file(dir.path().join(".slflow/sat.state.json.lock")).expect("clear lock");

    let resumed = apply(dir.path(), apply_args(sim.base_url())).await;
    let text = output_text(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("re-attached to job {job_id}")),
        "{text}"
    );
    let analyses = server_jobs(sim.base_url(), "analysis").await;
    assert_eq!(analyses.len(), 1, "exactly one analysis job on the server");
    assert_eq!(analyses[0]["state"], "SUCCESSFUL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_submission_found_by_tag() {
    let sim = simulator(200.0, &[]).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let first = apply(dir.path(), apply_args(sim.base_url())).await;
    assert_eq!(first.status.code(), Some(0), "{}", output_text(&first));

    // Rewind the state to "the POST went out, its answer was never saved": the analysis step
    // holds only its intent, as after a kill between the POST and the save of the job id.
    let mut state = read_state(dir.path());
    let fingerprint = state["steps"]["sat"]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    let job_id = state["steps"]["sat"]["status"]["job"]["id"]
        .as_u64()
        .expect("job id");
    state["steps"]["sat"]["status"] = serde_json::json!({
        "state": "submitting",
        "tag": slflow::state::submission_tag(&fingerprint),
        "since": "2026-01-01T00:00:00Z",
    });
    state["steps"]
        .as_object_mut()
        .expect("steps")
        .remove("metrics");
    std::fs::write(
        dir.path().join(".slflow/sat.state.json"),
        serde_json::to_string_pretty(&state).expect("encode"),
    )
    .expect("write state");

    let second = apply(dir.path(), apply_args(sim.base_url())).await;
    let text = output_text(&second);
    assert_eq!(second.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("re-attached to job {job_id}")),
        "{text}"
    );
    assert_eq!(
        server_jobs(sim.base_url(), "analysis").await.len(),
        1,
        "{text}"
    );
    let state = read_state(dir.path());
    assert_eq!(
        state["steps"]["sat"]["status"]["job"]["id"].as_u64(),
        Some(job_id)
    );
    assert_eq!(state["steps"]["metrics"]["status"]["state"], "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_apply_is_refused_with_pid() {
    let sim = simulator(1.0, &[("import-dataset", 0.2), ("analysis", 30.0)]).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let mut child = Command::new(slflow_bin())
        .args(["apply", "sat.toml", "--server", sim.base_url()])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start slflow");
    wait_for_running_job(dir.path(), "sat").await;

    let second = apply(dir.path(), apply_args(sim.base_url())).await;
    let text = output_text(&second);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(second.status.code(), Some(3), "{text}");
    assert!(
        text.contains(&format!("locked by pid {}", child.id())),
        "{text}"
    );
    assert_eq!(server_jobs(sim.base_url(), "analysis").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impossible_threshold_exits_4() {
    let sim = simulator(200.0, &[]).await;
    let manifest = sat_manifest().replace("min_concordance = 0.80", "min_concordance = 1.5");
    let dir = project(&[("sat.toml", &manifest)]);
    let output = apply(dir.path(), apply_args(sim.base_url())).await;
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(4), "{text}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("acceptance check failed"))
        .unwrap_or_else(|| panic!("no failed-check line: {text}"));
    assert!(line.contains("blast_identity"), "{line}");
    assert!(line.contains("1.5"), "{line}");
    assert!(line.contains("actual: 0."), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_job_exits_3_and_reruns() {
    let mut config = slflow::sim::SimConfig {
        speed: 200.0,
        ..Default::default()
    };
    config.fail.insert("cromwell.workflows.pb_sat".into(), 1.0);
    let sim = slflow::sim::spawn(config).await.expect("simulator");
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let output = apply(dir.path(), apply_args(sim.base_url())).await;
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(3), "{text}");
    assert!(text.contains("ended FAILED"), "{text}");
    let state = read_state(dir.path());
    assert_eq!(state["steps"]["sat"]["status"]["state"], "failed");
    assert_eq!(state["steps"]["metrics"]["status"]["state"], "skipped");
    assert_eq!(state["steps"]["reference"]["status"]["state"], "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_format_state_resumes() {
    let sim = simulator(200.0, &[]).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);
    std::fs::create_dir_all(dir.path().join(".slflow")).expect("state dir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state/v0-sat-lambda.state.json"),
        dir.path().join(".slflow/sat.state.json"),
    )
    .expect("copy v0 state");

    let plan = apply(dir.path(), vec!["plan".into(), "sat.toml".into()]).await;
    assert_eq!(plan.status.code(), Some(0), "{}", output_text(&plan));

    let output = apply(dir.path(), apply_args(sim.base_url())).await;
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
    let state = read_state(dir.path());
    assert_eq!(state["format_version"], 1);
}

fn send_sigint(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -INT {pid} failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_saves_and_detaches() {
    let sim = simulator(1.0, &[("import-dataset", 0.2), ("analysis", 3.0)]).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let child = Command::new(slflow_bin())
        .args(["apply", "sat.toml", "--server", sim.base_url()])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start slflow");
    let job_id = wait_for_running_job(dir.path(), "sat").await;
    send_sigint(child.id());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(130), "{text}");
    assert!(
        text.contains(&format!("jobs still running on the server: {job_id}")),
        "{text}"
    );
    let state = read_state(dir.path());
    assert_eq!(state["steps"]["sat"]["status"]["state"], "running");
    assert!(
        !dir.path().join(".slflow/sat.state.json.lock").exists(),
        "the lock is released"
    );

    // The job was left running; the next apply re-attaches to it.
    let resumed = apply(dir.path(), apply_args(sim.base_url())).await;
    let text = output_text(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("re-attached to job {job_id}")),
        "{text}"
    );
    assert_eq!(server_jobs(sim.base_url(), "analysis").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_on_interrupt_terminates_jobs() {
    let sim = simulator(1.0, &[("import-dataset", 0.2), ("analysis", 30.0)]).await;
    let dir = project(&[("sat.toml", &sat_manifest())]);
    let child = Command::new(slflow_bin())
        .args([
            "apply",
            "sat.toml",
            "--cancel-on-interrupt",
            "--server",
            sim.base_url(),
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start slflow");
    let job_id = wait_for_running_job(dir.path(), "sat").await;
    // Let the job leave the queue: only a RUNNING job can be terminated.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let jobs = server_jobs(sim.base_url(), "analysis").await;
        if jobs[0]["state"] == "RUNNING" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the analysis never started running"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    send_sigint(child.id());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(130), "{text}");
    assert!(
        text.contains(&format!("terminated jobs: {job_id}")),
        "{text}"
    );
    let state = read_state(dir.path());
    assert_eq!(state["steps"]["sat"]["status"]["state"], "cancelled");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let jobs = server_jobs(sim.base_url(), "analysis").await;
        if jobs[0]["state"] == "TERMINATED" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "job not terminated: {}",
            jobs[0]["state"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
