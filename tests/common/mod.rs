//! Helpers shared by the end-to-end tests: a project directory with the example data, the
//! slflow binary, and a simulator served in the test process on 127.0.0.1.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use slflow::sim::{SimConfig, SimHandle};

/// Returns the path of the slflow binary built for the tests.
pub fn slflow_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_slflow"))
}

/// Creates a temporary directory holding `examples/data` and the given manifests.
pub fn project(manifests: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data"),
        &dir.path().join("data"),
    );
    for (name, text) in manifests {
        std::fs::write(dir.path().join(name), text).expect("write manifest");
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Returns the SAT example manifest text.
pub fn sat_manifest() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sat.toml"))
        .expect("read examples/sat.toml")
}

/// Starts a simulator on 127.0.0.1:0 with the given speed and job durations (seconds at speed 1).
pub async fn simulator(speed: f64, job_seconds: &[(&str, f64)]) -> SimHandle {
    let mut config = SimConfig {
        speed,
        ..SimConfig::default()
    };
    for (key, secs) in job_seconds {
        config.job_seconds.insert((*key).to_string(), *secs);
    }
    slflow::sim::spawn(config).await.expect("start simulator")
}

/// Runs slflow with these arguments in `dir` and waits for it (blocking; call from
/// `spawn_blocking` inside async tests).
pub fn run_slflow(dir: &Path, args: &[&str]) -> Output {
    Command::new(slflow_bin())
        .args(args)
        .current_dir(dir)
        .env_remove("SLFLOW_SERVER")
        .env_remove("SLFLOW_PASSWORD")
        .env("NO_COLOR", "1")
        .output()
        .expect("run slflow")
}

/// Lists the jobs of one type on the simulator, inactive ones included.
pub async fn server_jobs(base_url: &str, job_type: &str) -> Vec<serde_json::Value> {
    let url = format!("{base_url}/smrt-link/job-manager/jobs/{job_type}?isActive=false");
    reqwest::get(&url)
        .await
        .expect("list jobs")
        .json::<Vec<serde_json::Value>>()
        .await
        .expect("job list JSON")
}

/// Returns stdout and stderr as one string, for assertion messages.
pub fn output_text(output: &Output) -> String {
    format!(
        "exit: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
