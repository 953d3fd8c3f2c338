//! Saving and loading the state file: atomic writes, the backup, old formats and bad files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use serde_json::json;
use slflow::state::{
    self, CheckOp, CheckResult, JobRef, ManifestRef, RunState, StateError, StepRecord, StepStatus,
};
use uuid::Uuid;

fn sample_state() -> RunState {
    let t0 = Utc.with_ymd_and_hms(2024, 5, 2, 9, 0, 0).unwrap();
    let manifest = ManifestRef {
        name: "sat-lambda".into(),
        path: PathBuf::from("sat.toml"),
    };
    let mut state = RunState::new(manifest, Some("http://localhost:9091"), t0);
    let mut sat = StepRecord::new("analysis", "ab".repeat(32), vec!["subreads".into()]);
    sat.status = StepStatus::Succeeded {
        job: Some(JobRef {
            id: 14,
            uuid: Uuid::nil(),
        }),
        finished_at: t0,
    };
    sat.metrics
        .insert("mapping_stats.mapped_reads_n".into(), json!(1234));
    sat.checks.push(CheckResult {
        metric: "mapped_reads_n".into(),
        op: CheckOp::Gt,
        threshold: json!(0),
        actual: Some(json!(1234)),
        passed: true,
        report: Some("pbreports.tasks.mapping_stats".into()),
    });
    state.steps.insert("sat".into(), sat);
    state.steps.insert(
        "subreads".into(),
        StepRecord::new("import-dataset", "cd".repeat(32), vec![]),
    );
    state
}

fn state_path(dir: &Path) -> PathBuf {
    dir.join(".slflow").join("sat.state.json")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/state")
        .join(name)
}

#[test]
fn missing_file_loads_as_none() {
    let dir = tempfile::tempdir().unwrap();
    assert!(state::load(&state_path(dir.path())).unwrap().is_none());
}

#[test]
fn save_then_load_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let mut saved = sample_state();

    state::save(&mut saved, &path).unwrap();

    assert_eq!(saved.serial, 1);
    let loaded = state::load(&path).unwrap().expect("state file exists");
    assert_eq!(loaded, saved);
}

#[test]
fn second_save_keeps_previous_as_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let mut saved = sample_state();

    state::save(&mut saved, &path).unwrap();
    saved.steps.remove("subreads");
    state::save(&mut saved, &path).unwrap();

    let current = state::load(&path).unwrap().unwrap();
    let backup = state::load(&state::backup_path(&path)).unwrap().unwrap();
    assert_eq!(current.serial, 2);
    assert_eq!(backup.serial, 1);
    assert!(backup.steps.contains_key("subreads"));
    assert!(!current.steps.contains_key("subreads"));
    assert!(
        !path.with_extension("json.tmp").exists(),
        "temporary file left behind"
    );
}

#[test]
fn leftover_temp_file_does_not_hide_last_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let mut saved = sample_state();
    state::save(&mut saved, &path).unwrap();

    // What a kill after writing the temporary file and before the rename leaves behind.
    let temp = PathBuf::from(format!("{}.tmp", path.display()));
    fs::write(&temp, b"{\"format_version\": 1, \"lineage\": ").unwrap();

    let loaded = state::load(&path).unwrap().unwrap();
    assert_eq!(loaded.serial, 1);
    state::save(&mut saved, &path).unwrap();
    assert_eq!(state::load(&path).unwrap().unwrap().serial, 2);
}

/// Saves in a loop until killed; driven by `kill_during_save_leaves_loadable_file`.
#[test]
#[ignore = "child process of kill_during_save_leaves_loadable_file"]
fn save_loop_child() {
    let Some(path) = std::env::var_os("SLFLOW_TEST_SAVE_LOOP") else {
        return;
    };
    let path = PathBuf::from(path);
    let mut saved = state::load(&path).unwrap().unwrap();
    loop {
        let serial = saved.serial;
        saved.steps.get_mut("sat").unwrap().attempts = u32::try_from(serial % 1000).unwrap();
        state::save(&mut saved, &path).unwrap();
    }
}

#[test]
fn kill_during_save_leaves_loadable_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let mut saved = sample_state();
    state::save(&mut saved, &path).unwrap();

    let exe = std::env::current_exe().unwrap();
    let mut last_serial = 1;
    for round in 0..8u64 {
        let mut child = Command::new(&exe)
            .args(["save_loop_child", "--exact", "--ignored", "--nocapture"])
            .env("SLFLOW_TEST_SAVE_LOOP", &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let the child save for a while, at a different moment each round.
        let deadline = Instant::now() + Duration::from_millis(60 + round * 17);
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap();
        child.wait().unwrap();

        let loaded = state::load(&path)
            .unwrap_or_else(|err| panic!("round {round}: {err:?}"))
            .expect("state file exists after kill");
        assert!(
            loaded.serial >= last_serial,
            "round {round}: serial went back"
        );
        assert!(state::load(&state::backup_path(&path)).unwrap().is_some());
        last_serial = loaded.serial;
    }
    assert!(
        last_serial > 1,
        "the child never saved; the test proved nothing"
    );
}

#[test]
fn corrupt_file_names_backup_and_restore_command() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let mut saved = sample_state();
    state::save(&mut saved, &path).unwrap();
    state::save(&mut saved, &path).unwrap();
    fs::write(&path, b"{\"format_version\": 1, \"steps\": {").unwrap();

    let err = state::load(&path).unwrap_err();
    let StateError::Corrupt { hint, .. } = &err else {
        panic!("expected Corrupt, got {err:?}")
    };
    let message = err.to_string();
    let backup = state::backup_path(&path);

    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        hint.contains(&format!("cp {} {}", backup.display(), path.display())),
        "{hint}"
    );

    // Following the hint restores the previous save.
    fs::copy(&backup, &path).unwrap();
    assert_eq!(state::load(&path).unwrap().unwrap().serial, 1);
}

#[test]
fn corrupt_file_without_backup_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, b"not json").unwrap();

    let err = state::load(&path).unwrap_err();
    let StateError::Corrupt { hint, .. } = &err else {
        panic!("expected Corrupt, got {err:?}")
    };
    assert!(hint.contains("there is no backup"), "{hint}");
    assert!(hint.contains(&format!("mv {}", path.display())), "{hint}");
}

#[test]
fn missing_file_with_backup_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let mut saved = sample_state();
    state::save(&mut saved, &path).unwrap();
    state::save(&mut saved, &path).unwrap();
    fs::remove_file(&path).unwrap();

    let err = state::load(&path).unwrap_err();
    assert!(
        matches!(err, StateError::MissingWithBackup { .. }),
        "{err:?}"
    );
}

#[test]
fn newer_format_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, br#"{"format_version": 99}"#).unwrap();

    let err = state::load(&path).unwrap_err();
    assert!(
        matches!(err, StateError::NewerFormat { found: 99, .. }),
        "{err:?}"
    );
}

#[test]
fn unwritable_location_fails_and_keeps_serial() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where the state directory should be.
    let blocker = dir.path().join(".slflow");
    fs::write(&blocker, b"").unwrap();
    let path = state_path(dir.path());
    let mut saved = sample_state();

    let err = state::save(&mut saved, &path).unwrap_err();

    assert!(matches!(err, StateError::Write { .. }), "{err:?}");
    assert_eq!(saved.serial, 0);
}

#[test]
fn server_url_user_info_never_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let mut saved = sample_state();
    saved.set_server_url(Some("https://user:pw@smrtlink.example:8243"));
    state::save(&mut saved, &path).unwrap();

    // Also when a caller bypasses the setter.
    saved.server_url = Some("https://user:hunter2@smrtlink.example:8243".into());
    state::save(&mut saved, &path).unwrap();

    let text = fs::read_to_string(&path).unwrap();
    let backup = fs::read_to_string(state::backup_path(&path)).unwrap();
    assert!(text.contains("\"https://smrtlink.example:8243\""), "{text}");
    assert!(!text.contains("hunter2"));
    assert!(!text.contains("user:"));
    assert!(!backup.contains(":pw@"));
}

#[test]
fn version_0_fixture_loads() {
    let loaded = state::load(&fixture("v0-sat-lambda.state.json"))
        .unwrap()
        .unwrap();

    assert_eq!(loaded.format_version, state::FORMAT_VERSION);
    assert_eq!(loaded.manifest.name, "sat-lambda");
    assert_eq!(loaded.server_url.as_deref(), Some("http://localhost:9091"));
    assert_eq!(loaded.steps.len(), 6);

    let sat = &loaded.steps["sat"];
    let StepStatus::Running { job: Some(job), .. } = &sat.status else {
        panic!("sat: expected running with a job, got {:?}", sat.status)
    };
    assert_eq!(job.id, 14);
    assert_eq!(sat.needs, ["reference", "subreads"]);
    assert_eq!(sat.attempts, 2);

    let merge = &loaded.steps["merge"];
    assert_eq!(
        merge.status,
        StepStatus::Submitting {
            tag: "slflow-55aa55aa55aa55aa".into(),
            since: Utc.with_ymd_and_hms(2024, 5, 2, 9, 0, 4).unwrap()
        }
    );
    assert!(matches!(
        loaded.steps["reference"].status,
        StepStatus::Succeeded { job: Some(_), .. }
    ));
    assert!(matches!(
        loaded.steps["subreads"].status,
        StepStatus::Succeeded { job: None, .. }
    ));
    assert!(
        matches!(&loaded.steps["cleanup"].status, StepStatus::Failed { error, .. } if error.contains("in use"))
    );
    assert_eq!(loaded.steps["metrics"].status, StepStatus::Pending);
}

#[test]
fn version_0_migration_is_stable() {
    let first = state::load(&fixture("v0-sat-lambda.state.json"))
        .unwrap()
        .unwrap();
    let second = state::load(&fixture("v0-sat-lambda.state.json"))
        .unwrap()
        .unwrap();
    assert_eq!(first.lineage, second.lineage);

    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let mut migrated = first;
    state::save(&mut migrated, &path).unwrap();
    let reloaded = state::load(&path).unwrap().unwrap();
    assert_eq!(reloaded, migrated);
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .contains("\"format_version\": 1")
    );
}

#[test]
fn version_0_unknown_status_names_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.state.json");
    let text = fs::read_to_string(fixture("v0-sat-lambda.state.json")).unwrap();
    fs::write(
        &path,
        text.replace("\"status\": \"pending\"", "\"status\": \"paused\""),
    )
    .unwrap();

    let err = state::load(&path).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, StateError::Migrate { from: 0, .. }),
        "{err:?}"
    );
    assert!(message.contains("`metrics`"), "{message}");
    assert!(message.contains("`paused`"), "{message}");
}
