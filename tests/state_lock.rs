//! The advisory lock beside the state file: one holder at a time, stale locks reported.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::Utc;
use slflow::state::{self, LockError, LockInfo, StateLock};

fn state_path(dir: &Path) -> PathBuf {
    dir.join(".slflow").join("sat.state.json")
}

fn this_host() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

fn help_of(err: &LockError) -> String {
    use miette::Diagnostic;
    err.help().map(|help| help.to_string()).unwrap_or_default()
}

#[test]
fn second_holder_refused_with_pid() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let first = StateLock::acquire(&path).unwrap();

    let err = StateLock::acquire(&path).unwrap_err();

    let LockError::Held { pid, host, .. } = &err else {
        panic!("expected Held, got {err:?}")
    };
    assert_eq!(*pid, std::process::id());
    assert_eq!(*host, this_host());
    let expected = format!(
        "state {} is locked by pid {} on {} since ",
        path.display(),
        pid,
        host
    );
    assert!(err.to_string().starts_with(&expected), "{err}");
    drop(first);
}

#[test]
fn lock_file_records_holder() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let lock = StateLock::acquire(&path).unwrap();

    let text = fs::read_to_string(state::lock_path(&path)).unwrap();
    let info: LockInfo = serde_json::from_str(&text).unwrap();
    assert_eq!(&info, lock.info());
    assert_eq!(info.pid, std::process::id());
}

#[test]
fn drop_releases_and_removes_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let lock = StateLock::acquire(&path).unwrap();
    let lock_file = lock.path().to_owned();

    drop(lock);

    assert!(!lock_file.exists());
    StateLock::acquire(&path).expect("lock is free again after drop");
}

#[test]
fn dead_process_lock_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let mut child = Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let info = LockInfo {
        pid: dead_pid,
        host: this_host(),
        since: Utc::now(),
    };
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(
        state::lock_path(&path),
        serde_json::to_string(&info).unwrap(),
    )
    .unwrap();

    let err = StateLock::acquire(&path).unwrap_err();

    let LockError::Stale { pid, .. } = &err else {
        panic!("expected Stale, got {err:?}")
    };
    assert_eq!(*pid, dead_pid);
    assert!(err.to_string().contains("stale lock"), "{err}");
    let help = help_of(&err);
    let command = format!("rm {}", state::lock_path(&path).display());
    assert!(help.contains(&command), "{help}");

    // Following the hint frees the state.
    fs::remove_file(state::lock_path(&path)).unwrap();
    StateLock::acquire(&path).expect("lock is free after removing the stale file");
}

#[test]
fn other_host_lock_is_held_with_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let info = LockInfo {
        pid: 4242,
        host: "other-host.invalid".into(),
        since: Utc::now(),
    };
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(
        state::lock_path(&path),
        serde_json::to_string(&info).unwrap(),
    )
    .unwrap();

    let err = StateLock::acquire(&path).unwrap_err();

    assert!(matches!(&err, LockError::Held { pid: 4242, .. }), "{err:?}");
    assert!(help_of(&err).contains("rm "), "{}", help_of(&err));
}

#[test]
fn garbage_lock_file_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(state::lock_path(&path), "pid=12").unwrap();

    let err = StateLock::acquire(&path).unwrap_err();

    assert!(matches!(err, LockError::Invalid { .. }), "{err:?}");
}

/// Holds the lock until killed; driven by `child_holder_refused_then_stale`.
#[test]
#[ignore = "child process of child_holder_refused_then_stale"]
fn hold_lock_child() {
    let Some(path) = std::env::var_os("SLFLOW_TEST_HOLD_LOCK") else {
        return;
    };
    let _lock = StateLock::acquire(Path::new(&path)).unwrap();
    println!("locked");
    std::thread::sleep(std::time::Duration::from_secs(30));
}

#[test]
fn child_holder_refused_then_stale() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "hold_lock_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--quiet",
        ])
        .env("SLFLOW_TEST_HOLD_LOCK", &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("locked") {
        line.clear();
        assert_ne!(
            stdout.read_line(&mut line).unwrap(),
            0,
            "child exited before locking"
        );
    }

    let held = StateLock::acquire(&path).unwrap_err();
    assert!(
        matches!(&held, LockError::Held { pid, .. } if *pid == child.id()),
        "{held:?}"
    );

    // SIGKILL skips the child's Drop: the file stays, but the kernel releases its flock.
    child.kill().unwrap();
    child.wait().unwrap();
    let stale = StateLock::acquire(&path).unwrap_err();
    assert!(
        matches!(&stale, LockError::Stale { pid, .. } if *pid == child.id()),
        "{stale:?}"
    );
}

#[test]
fn empty_unheld_lock_reported_with_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_path(dir.path());
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(state::lock_path(&path), "").unwrap();

    let err = StateLock::acquire(&path).unwrap_err();

    assert!(matches!(err, LockError::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("empty"), "{err}");
    assert!(help_of(&err).contains("rm "), "{}", help_of(&err));
}
