//! `--var` and `--vars-file` through the binary: values that break an acceptance threshold
//! and names that no `[vars]` entry defines.

use std::path::Path;
use std::process::{Command, Output};

fn validate_sat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--color", "never", "validate", "examples/sat.toml"])
        .args(args)
        .output()
        .expect("slflow runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn non_numeric_threshold_var_exits_2() {
    for value in ["abc", "", "nan", "1e400", "inf", "true"] {
        let output = validate_sat(&["--var", &format!("min_concordance={value}")]);
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "value {value:?}: {stderr}");
        assert!(
            stderr.contains("`ge` needs a finite number"),
            "value {value:?}: {stderr}"
        );
        assert!(
            stderr.contains("examples/sat.toml:"),
            "value {value:?} has no location: {stderr}"
        );
    }
}

#[test]
fn numeric_threshold_var_is_valid() {
    for value in ["0.9", "1", " 0.75"] {
        let output = validate_sat(&["--var", &format!("min_concordance={value}")]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "value {value:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn threshold_from_step_output_is_checked_later() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("deferred.toml");
    std::fs::write(
        &manifest,
        r#"version = 1

[steps.first]
kind = "report-metrics"
job = 7

[steps.second]
kind = "report-metrics"
job = 8
[steps.second.expect]
accuracy = { ge = "{{ steps.first.metrics.accuracy }}" }
"#,
    )
    .expect("write manifest");
    let output = Command::new(env!("CARGO_BIN_EXE_slflow"))
        .args(["--color", "never", "validate"])
        .arg(Path::new(&manifest))
        .output()
        .expect("slflow runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn misspelt_var_name_exits_2_with_hint() {
    let output = validate_sat(&["--var", "min_concordnce=0.99"]);
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`min_concordnce`"), "{stderr}");
    assert!(
        stderr.contains("did you mean `min_concordance`?"),
        "{stderr}"
    );
    for defined in ["`subreads`", "`reference`", "`min_concordance`"] {
        assert!(stderr.contains(defined), "{defined} not listed: {stderr}");
    }
}

#[test]
fn unknown_var_name_lists_defined_vars() {
    let output = validate_sat(&["--var", "zzz=1"]);
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("did you mean"), "{stderr}");
    assert!(stderr.contains("`min_concordance`"), "{stderr}");
}

#[test]
fn vars_file_extra_key_only_warns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let vars = dir.path().join("site.toml");
    std::fs::write(
        &vars,
        "min_concordance = 0.85\nother_manifest_var = \"x\"\n",
    )
    .expect("write vars file");
    let output = validate_sat(&["--vars-file", vars.to_str().expect("UTF-8 temp path")]);
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("WARN"), "{stderr}");
    assert!(stderr.contains("`other_manifest_var`"), "{stderr}");
    assert!(!stderr.contains("`min_concordance`"), "{stderr}");
}
