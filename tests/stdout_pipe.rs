//! A reader that closes stdout early (as `| head -1` does) must not make slflow panic: every
//! command that prints to stdout exits as it would have with an open pipe.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn slflow() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slflow"));
    command.args(["--color", "never"]);
    command
}

/// Writes a manifest of `count` import-dataset steps, large enough that `plan` fills a pipe.
fn big_manifest(dir: &Path, count: usize) -> PathBuf {
    let mut text = String::from("version = 1\nname = \"big\"\n");
    for i in 0..count {
        text.push_str(&format!(
            "\n[steps.import_{i}]\nkind = \"import-dataset\"\npath = \"data/movie_{i}.subreadset.xml\"\n"
        ));
    }
    let path = dir.join("big.toml");
    std::fs::write(&path, text).expect("write manifest");
    path
}

/// Runs slflow with a stdout pipe whose read end is already closed, so the first write fails
/// with a broken pipe. Returns the exit code and stderr.
fn run_with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("create pipe");
    drop(reader);
    let output = slflow()
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("slflow runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn closed_stdout_exits_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = big_manifest(dir.path(), 50);
    let manifest = manifest.to_str().expect("UTF-8 temp path");
    let cases: [&[&str]; 8] = [
        &["plan", manifest],
        &["plan", manifest, "--format", "json"],
        &["graph", manifest],
        &["graph", manifest, "--format", "mermaid"],
        &["validate", manifest],
        &["validate", manifest, "--format", "json"],
        &["schema"],
        &["completions", "bash"],
    ];
    for args in cases {
        let (code, stderr) = run_with_closed_stdout(args);
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        assert_eq!(code, Some(0), "{args:?} exit code; stderr: {stderr}");
    }
}

#[test]
fn plan_read_by_head_exits_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = big_manifest(dir.path(), 2000);
    let mut child = slflow()
        .arg("plan")
        .arg(&manifest)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("slflow starts");

    // Read the first line the way `head -1` does, then close the pipe while slflow still
    // has most of the plan to write: 2000 steps give far more than a pipe buffer holds.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut first = Vec::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).expect("read stdout") == 1 && byte[0] != b'\n' {
        first.push(byte[0]);
    }
    drop(stdout);

    let output = child.wait_with_output().expect("slflow finishes");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        String::from_utf8_lossy(&first).starts_with("Plan for `big`"),
        "first line: {}",
        String::from_utf8_lossy(&first)
    );
    assert!(!stderr.contains("panicked"), "plan panicked: {stderr}");
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
}
