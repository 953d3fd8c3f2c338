//! `slflow status` and `slflow report` on saved state, through the real binary.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::Utc;
use predicates::prelude::*;
use serde_json::json;
use slflow::state::{
    self, CheckOp, CheckResult, JobRef, ManifestRef, RunState, StepRecord, StepStatus,
};
use uuid::Uuid;

/// Saves a small state at the default path of `<dir>/sat.toml` and returns the manifest path.
fn saved_manifest(dir: &Path) -> PathBuf {
    let manifest = dir.join("sat.toml");
    let mut saved = RunState::new(
        ManifestRef {
            name: "sat".into(),
            path: manifest.clone(),
        },
        Some("https://admin:pw@smrtlink.example:8243"),
        Utc::now(),
    );
    let mut sat = StepRecord::new("analysis", "ab".repeat(32), vec![]);
    sat.status = StepStatus::Succeeded {
        job: Some(JobRef {
            id: 14,
            uuid: Uuid::from_u128(14),
        }),
        finished_at: Utc::now(),
    };
    sat.metrics
        .insert("mapping_stats.mapped_reads_n".into(), json!(99));
    sat.checks.push(CheckResult {
        metric: "mapped_reads_n".into(),
        op: CheckOp::Gt,
        threshold: json!(0),
        actual: Some(json!(99)),
        passed: true,
        report: None,
    });
    saved.steps.insert("sat".into(), sat);
    state::save(&mut saved, &state::default_path(&manifest)).unwrap();
    manifest
}

fn slflow() -> Command {
    Command::cargo_bin("slflow").unwrap()
}

#[test]
fn status_without_state_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("sat.toml");

    slflow()
        .arg("status")
        .arg(&manifest)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no state at"))
        .stderr(predicate::str::contains("slflow apply"));
}

#[test]
fn status_prints_steps_jobs_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = saved_manifest(dir.path());

    slflow()
        .arg("status")
        .arg(&manifest)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("sat"))
        .stdout(predicate::str::contains("1/1 passed"))
        .stdout(predicate::str::contains("job       14"))
        .stdout(predicate::str::contains("PASS mapped_reads_n > 0"))
        .stdout(predicate::str::contains(":pw@").not());
}

#[test]
fn status_json_is_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = saved_manifest(dir.path());

    let output = slflow()
        .args(["status", "--format", "json"])
        .arg(&manifest)
        .output()
        .unwrap();

    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["serial"], 1);
    assert_eq!(value["steps"]["sat"]["status"]["state"], "succeeded");
    assert_eq!(value["server_url"], "https://smrtlink.example:8243");
}

#[test]
fn state_option_overrides_default_path() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = saved_manifest(dir.path());
    let moved = dir.path().join("elsewhere.json");
    fs::rename(state::default_path(&manifest), &moved).unwrap();

    slflow().arg("status").arg(&manifest).assert().code(2);
    slflow()
        .arg("status")
        .arg(&manifest)
        .arg("--state")
        .arg(&moved)
        .assert()
        .code(0);
}

#[test]
fn report_writes_requested_files() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = saved_manifest(dir.path());
    let out = |name: &str| dir.path().join(name);

    slflow()
        .arg("report")
        .arg(&manifest)
        .arg("--junit")
        .arg(out("r.xml"))
        .arg("--json")
        .arg(out("r.json"))
        .arg("--html")
        .arg(out("r.html"))
        .arg("--csv")
        .arg(out("r.csv"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote"));

    assert!(
        fs::read_to_string(out("r.xml"))
            .unwrap()
            .contains("<testcase classname=\"sat.steps\" name=\"sat\"")
    );
    assert!(
        fs::read_to_string(out("r.csv"))
            .unwrap()
            .contains("sat,mapping_stats.mapped_reads_n,99,gt,0,true")
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out("r.json")).unwrap()).unwrap();
    assert_eq!(json["outcome"], "succeeded");
    assert!(
        fs::read_to_string(out("r.html"))
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
}

#[test]
fn report_without_files_prints_summary() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = saved_manifest(dir.path());

    slflow()
        .arg("report")
        .arg(&manifest)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("STEP"));
}

#[test]
fn corrupt_state_exits_2_with_hint() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = saved_manifest(dir.path());
    fs::write(state::default_path(&manifest), "{").unwrap();

    slflow()
        .arg("status")
        .arg(&manifest)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is corrupt"))
        .stderr(predicate::str::contains("mv "));
}
