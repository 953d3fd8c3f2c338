//! The line `slflow validate` prints, run from the repository root as the README shows it.

use std::process::Command;

fn validate(manifest: &str) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_slflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--color", "never", "validate", manifest])
        .output()
        .expect("slflow runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn validate_line_counts_steps_plainly() {
    let cases = [
        (
            "examples/sat.toml",
            "examples/sat.toml: manifest `sat-lambda` is valid: 4 steps\n",
        ),
        (
            "tests/fixtures/ok/fanout_vars.toml",
            "tests/fixtures/ok/fanout_vars.toml: manifest `batch` is valid: 4 steps, \
             6 step instances after fan-out\n",
        ),
        (
            "tests/fixtures/ok/fanout_runtime.toml",
            "tests/fixtures/ok/fanout_runtime.toml: manifest `reanalyse` is valid: 3 steps, \
             2 step instances known before the run and 1 fan-out that expands at run time\n",
        ),
    ];
    for (manifest, expected) in cases {
        let (code, stdout) = validate(manifest);
        assert_eq!(code, Some(0), "{manifest}");
        assert_eq!(stdout, expected, "{manifest}");
    }
}

#[test]
fn validate_line_uses_singular_for_one_step() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("one.toml");
    std::fs::write(
        &manifest,
        "version = 1\n\n[steps.only]\nkind = \"import-dataset\"\npath = \"a.subreadset.xml\"\n",
    )
    .expect("write manifest");
    let (code, stdout) = validate(manifest.to_str().expect("UTF-8 temp path"));
    assert_eq!(code, Some(0));
    assert!(
        stdout.ends_with("manifest `one` is valid: 1 step\n"),
        "{stdout}"
    );
}
