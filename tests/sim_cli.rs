//! `slflow sim` as a process: it prints its URL, serves, and stops on SIGINT.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn sim_command_serves_until_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_slflow"))
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--speed",
            "100",
            "--data-dir",
        ])
        .arg(dir.path())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("slflow starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("SMRT Link simulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status: serde_json::Value = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        client
            .get(format!("{url}/status"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(status["id"], "smrtlink_analysis");

    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(exit.code(), Some(0), "{rest}");
    assert!(rest.contains("Stopping the simulator"), "{rest}");
    assert!(
        dir.path().join("store.json").exists(),
        "the store is saved on exit"
    );
}

#[test]
fn sim_command_rejects_bad_rates() {
    let out = Command::new(env!("CARGO_BIN_EXE_slflow"))
        .args(["sim", "--listen", "127.0.0.1:0", "--fail", "pb_sat=2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--fail") && stderr.contains("between 0 and 1"),
        "{stderr}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_slflow"))
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--job-seconds",
            "analysis",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TYPE=SECONDS"));
}
