//! Every manifest in tests/fixtures/err/ must fail to plan with a diagnostic that points at the
//! source; the rendered diagnostic (no colour, fixed width) is snapshotted.

use std::path::Path;

use miette::{GraphicalReportHandler, GraphicalTheme};
use slflow::manifest::SourceFile;
use slflow::manifest::vars::VarOverrides;
use slflow::plan::{Plan, PlanInput};

fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn render(err: &slflow::manifest::ManifestError) -> String {
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    let mut out = String::new();
    handler
        .render_report(&mut out, err)
        .expect("rendering a report into a String cannot fail");
    out
}

#[test]
fn error_fixtures_render_diagnostics() {
    insta::glob!("fixtures/err/*.toml", |path| {
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        let input = PlanInput {
            manifest: SourceFile::new(relative(path), text),
            base_dir: path
                .parent()
                .expect("fixture has a directory")
                .to_path_buf(),
            overrides: VarOverrides::default(),
            server: None,
        };
        let err = match Plan::build(&input) {
            Ok(_) => panic!("{} should fail to plan", relative(path)),
            Err(err) => err,
        };
        assert!(
            err.location().is_some(),
            "{}: error has no location: {err}",
            relative(path)
        );
        assert!(
            err.help_text().is_some() || err.message().contains("wrong type"),
            "{}: error has no hint: {err}",
            relative(path)
        );
        insta::assert_snapshot!(render(&err));
    });
}

#[test]
fn error_fixtures_exit_with_code_2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/err");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fixture directory exists") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        count += 1;
        let output = assert_cmd::Command::cargo_bin("slflow")
            .expect("binary is built")
            .args(["--color", "never", "validate"])
            .arg(&path)
            .output()
            .expect("slflow runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", path.display());
        assert!(
            stderr.contains(&*path.file_name().unwrap_or_default().to_string_lossy())
                || stderr.contains("--var"),
            "{}: no file name in {stderr}",
            path.display()
        );
    }
    assert!(
        count >= 30,
        "expected at least 30 error fixtures, found {count}"
    );
}

#[test]
fn bad_var_argument_is_usage_error() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok/sat.toml");
    let output = assert_cmd::Command::cargo_bin("slflow")
        .expect("binary is built")
        .args(["validate", "--var", "no-equals-sign"])
        .arg(&path)
        .output()
        .expect("slflow runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("expected NAME=VALUE"));
}

#[test]
fn missing_manifest_is_usage_error() {
    let output = assert_cmd::Command::cargo_bin("slflow")
        .expect("binary is built")
        .args(["plan", "does/not/exist.toml"])
        .output()
        .expect("slflow runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read manifest"));
}
