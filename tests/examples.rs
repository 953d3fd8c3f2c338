//! Every manifest in examples/ runs on `--sim` and exits 0, and examples/README.md documents
//! each one. The examples run in parallel, each in its own copy of examples/, with the
//! simulator sped up so that the whole file stays within about a minute.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn example_manifests() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(examples_dir())
        .expect("read examples/")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    names
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        // Skip state and downloads a local run may have left in examples/.
        if name == ".slflow" || name == "out" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

#[test]
fn every_example_runs_on_sim() {
    let manifests = example_manifests();
    assert!(manifests.len() >= 9, "examples found: {manifests:?}");

    let started = Instant::now();
    let mut running = Vec::new();
    for name in &manifests {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(&examples_dir(), dir.path());
        let child = Command::new(env!("CARGO_BIN_EXE_slflow"))
            .args(["apply", name, "--sim"])
            .current_dir(dir.path())
            .env("SLFLOW_SIM_SPEED", "400")
            .env("NO_COLOR", "1")
            .env_remove("SLFLOW_SERVER")
            .env_remove("SLFLOW_PASSWORD")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start slflow");
        running.push((name.clone(), dir, child));
    }

    let mut failures = Vec::new();
    for (name, dir, child) in running {
        let output = child.wait_with_output().expect("wait for slflow");
        if output.status.code() != Some(0) {
            failures.push(format!(
                "{name}: exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
                output.status.code(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        drop(dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(90),
        "the examples took {elapsed:?}; keep them short on the simulator"
    );
}

#[test]
fn readme_documents_every_example() {
    let readme =
        std::fs::read_to_string(examples_dir().join("README.md")).expect("read examples/README.md");
    for name in example_manifests() {
        assert!(
            readme.contains(&format!("`{name}`")),
            "examples/README.md does not mention `{name}`"
        );
    }
}

#[test]
fn mapping_metrics_report_writes_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&examples_dir(), dir.path());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_slflow"))
            .args(args)
            .current_dir(dir.path())
            .env("SLFLOW_SIM_SPEED", "400")
            .env("NO_COLOR", "1")
            .env_remove("SLFLOW_SERVER")
            .output()
            .expect("run slflow")
    };

    let applied = run(&["apply", "mapping_metrics.toml", "--sim"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );

    let reported = run(&["report", "mapping_metrics.toml", "--csv", "metrics.csv"]);
    assert_eq!(
        reported.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&reported.stderr)
    );

    let csv = std::fs::read_to_string(dir.path().join("metrics.csv")).expect("read CSV");
    let header = csv.lines().next().unwrap_or_default();
    assert!(header.starts_with("step,metric,value"), "{csv}");
    let mapped = csv
        .lines()
        .find(|line| line.contains("mapped_reads_n"))
        .unwrap_or_else(|| panic!("no mapped_reads_n row: {csv}"));
    assert!(mapped.contains(",gt,0,true,"), "{mapped}");
}
