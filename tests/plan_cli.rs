//! `slflow plan` through the binary: what its header shows about the server, and its exit
//! codes with and without `--detailed-exitcode`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PASSWORD: &str = "hunter2";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn slflow() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slflow"));
    command
        .args(["--color", "never"])
        .env_remove("SLFLOW_SERVER");
    command
}

/// Copies examples/sat.toml into a temp dir, with `extra` appended, and returns its path.
fn sat_copy(dir: &Path, extra: &str) -> PathBuf {
    let mut text = std::fs::read_to_string(repo().join("examples/sat.toml")).expect("read sat");
    text.push_str(extra);
    let path = dir.join("sat.toml");
    std::fs::write(&path, text).expect("write manifest");
    path
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn plan(manifest: &Path, args: &[&str], server_env: Option<&str>) -> Output {
    let mut command = slflow();
    command.arg("plan").arg(manifest).args(args);
    if let Some(server) = server_env {
        command.env("SLFLOW_SERVER", server);
    }
    command.output().expect("slflow runs")
}

#[test]
fn plan_redacts_password_from_env_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = sat_copy(dir.path(), "");
    let server = format!("http://a:{PASSWORD}@127.0.0.1:1");

    let text = plan(&manifest, &[], Some(&server));
    assert_eq!(text.status.code(), Some(0));
    assert!(!stdout(&text).contains(PASSWORD), "{}", stdout(&text));
    assert!(stdout(&text).contains("Server: http://127.0.0.1:1 (not contacted)"));

    let json = plan(&manifest, &["--format", "json"], Some(&server));
    assert_eq!(json.status.code(), Some(0));
    assert!(!stdout(&json).contains(PASSWORD), "{}", stdout(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("plan JSON");
    assert_eq!(doc["server"], "http://127.0.0.1:1");
}

#[test]
fn plan_redacts_password_from_manifest_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = sat_copy(
        dir.path(),
        &format!("\n[server]\nurl = \"https://labtech:{PASSWORD}@127.0.0.1:8243\"\n"),
    );

    let text = plan(&manifest, &[], None);
    assert_eq!(text.status.code(), Some(0), "{text:?}");
    assert!(!stdout(&text).contains(PASSWORD), "{}", stdout(&text));
    assert!(stdout(&text).contains("Server: https://127.0.0.1:8243 (not contacted)"));

    let json = plan(&manifest, &["--format", "json"], None);
    assert!(!stdout(&json).contains(PASSWORD), "{}", stdout(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("plan JSON");
    assert_eq!(doc["server"], "https://127.0.0.1:8243");
}

#[test]
fn detailed_exitcode_separates_errors_from_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = sat_copy(dir.path(), "");
    let broken = repo().join("tests/fixtures/err/cycle.toml");

    let work = plan(&manifest, &["--detailed-exitcode"], None);
    assert_eq!(work.status.code(), Some(2), "work to do");

    let error = plan(&broken, &["--detailed-exitcode"], None);
    assert_eq!(error.status.code(), Some(1), "manifest error with the flag");
    assert!(
        String::from_utf8_lossy(&error.stderr).contains("cycle"),
        "{}",
        String::from_utf8_lossy(&error.stderr)
    );

    let bad_var = plan(&manifest, &["--detailed-exitcode", "--var", "nope=1"], None);
    assert_eq!(bad_var.status.code(), Some(1), "bad --var with the flag");

    let plain_error = plan(&broken, &[], None);
    assert_eq!(
        plain_error.status.code(),
        Some(2),
        "manifest error without the flag"
    );
}

#[test]
fn plan_header_names_server_of_last_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = sat_copy(dir.path(), "");

    let before = plan(&manifest, &[], None);
    assert!(
        stdout(&before).contains("Server: not set (set [server].url or SLFLOW_SERVER)"),
        "{}",
        stdout(&before)
    );

    let mut state = slflow::state::RunState::new(
        slflow::state::ManifestRef {
            name: "sat-lambda".to_string(),
            path: manifest.clone(),
        },
        Some("http://labtech:secret@127.0.0.1:9091"),
        chrono::Utc::now(),
    );
    let state_path = slflow::state::default_path(&manifest);
    std::fs::create_dir_all(state_path.parent().expect("state dir")).expect("create state dir");
    slflow::state::save(&mut state, &state_path).expect("save state");

    let after = plan(&manifest, &[], None);
    assert_eq!(after.status.code(), Some(0), "{after:?}");
    assert!(
        stdout(&after).contains(
            "Server: not set; comparing against the server of the last run (http://127.0.0.1:9091)"
        ),
        "{}",
        stdout(&after)
    );
    assert!(!stdout(&after).contains("secret"), "{}", stdout(&after));
}

#[test]
fn plan_preview_shows_absolute_import_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = sat_copy(dir.path(), "");
    let absolute = std::path::absolute(dir.path().join("data/lambdaNEB/referenceset.xml"))
        .expect("absolute path");
    let absolute = absolute.display().to_string();

    let text = plan(&manifest, &[], None);
    assert!(
        stdout(&text).contains(&format!("\"path\": \"{absolute}\"")),
        "{}",
        stdout(&text)
    );

    let json = plan(&manifest, &["--format", "json"], None);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("plan JSON");
    let reference = doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|node| node["id"] == "reference")
        .expect("reference node");
    assert_eq!(reference["requests"][1]["body"]["path"], absolute.as_str());
}
