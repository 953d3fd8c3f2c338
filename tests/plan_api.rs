//! The Plan API the runner uses: rendering with real outputs, run-time fan-out, fingerprints
//! and labels against saved state.

use std::collections::BTreeMap;

use serde_json::json;
use slflow::manifest::SourceFile;
use slflow::manifest::vars::VarOverrides;
use slflow::plan::labels::{self, Action, SavedRecord, SavedStatus};
use slflow::plan::{Plan, PlanInput, PlanNode, StepOutputs};
use slflow::steps::{IdRef, StepOptions};

fn build(text: &str, args: &[&str]) -> Plan {
    let input = PlanInput {
        manifest: SourceFile::new("test.toml", text.to_string()),
        base_dir: ".".into(),
        overrides: VarOverrides {
            file: None,
            args: args.iter().map(|s| s.to_string()).collect(),
        },
        server: Some("http://localhost:9091".into()),
    };
    match Plan::build(&input) {
        Ok(plan) => plan,
        Err(err) => panic!("{err:?}"),
    }
}

const SAT: &str = include_str!("fixtures/ok/sat.toml");
const RUNTIME: &str = include_str!("fixtures/ok/fanout_runtime.toml");
const BATCH: &str = include_str!("fixtures/ok/fanout_vars.toml");

#[test]
fn render_instance_uses_real_outputs() {
    let plan = build(SAT, &[]);
    let sat = plan.instance("sat").expect("sat instance");
    assert!(
        sat.options().is_none(),
        "sat reads step outputs, so its options are not final"
    );
    let mut outputs = StepOutputs::new();
    outputs.insert(
        "subreads",
        json!({ "uuid": "c9074f64-37e0-d795-9b8e-7190ac6f87a5", "id": 2 }),
    );
    outputs.insert(
        "reference",
        json!({ "uuid": "ffa9b910-cb1b-4f48-ada7-4ac440ffa91a", "id": 1 }),
    );
    let options = plan.render_instance(sat, &outputs).expect("renders");
    let StepOptions::Analysis(analysis) = options else {
        panic!("analysis options expected")
    };
    assert_eq!(analysis.name, "SAT sat-lambda");
    let subread = analysis
        .entry_points
        .get("eid_subread")
        .expect("eid_subread");
    assert_eq!(
        subread.ids(),
        vec![&IdRef::Text("c9074f64-37e0-d795-9b8e-7190ac6f87a5".into())]
    );
    assert_eq!(
        analysis.task_options.get("downsample_factor"),
        Some(&json!(0))
    );
}

#[test]
fn whole_expression_keeps_its_type() {
    let plan = build(SAT, &[]);
    let metrics = plan.instance("metrics").expect("metrics");
    let mut outputs = StepOutputs::new();
    outputs.insert(
        "sat",
        json!({ "id": 42, "uuid": "u", "state": "SUCCESSFUL", "path": "/p" }),
    );
    let StepOptions::ReportMetrics(options) =
        plan.render_instance(metrics, &outputs).expect("renders")
    else {
        panic!("report-metrics options expected")
    };
    assert_eq!(options.job, Some(IdRef::Int(42)));
    let checks = options.checks().expect("checks parse");
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0].attr, "blast_identity");
    assert_eq!(checks[0].value, json!(0.8));
}

#[test]
fn var_override_changes_rendered_value() {
    let plan = build(SAT, &["min_concordance=0.9"]);
    let metrics = plan.instance("metrics").expect("metrics");
    let mut outputs = StepOutputs::new();
    outputs.insert("sat", json!({ "id": 42 }));
    let StepOptions::ReportMetrics(options) =
        plan.render_instance(metrics, &outputs).expect("renders")
    else {
        panic!("report-metrics options expected")
    };
    assert_eq!(options.checks().expect("checks")[0].value, json!(0.9));
}

#[test]
fn missing_output_is_an_error_not_a_panic() {
    let plan = build(SAT, &[]);
    let sat = plan.instance("sat").expect("sat");
    let err = plan
        .render_instance(sat, &StepOutputs::new())
        .expect_err("outputs are missing");
    assert!(err.message().contains("not recorded"), "{err}");
}

#[test]
fn undefined_output_attribute_fails_strictly() {
    let plan = build(SAT, &[]);
    let sat = plan.instance("sat").expect("sat");
    let mut outputs = StepOutputs::new();
    outputs.insert("subreads", json!({ "id": 2 }));
    outputs.insert("reference", json!({ "uuid": "r" }));
    let err = plan
        .render_instance(sat, &outputs)
        .expect_err("uuid is missing from subreads");
    assert!(
        err.location().is_some_and(|l| l.starts_with("test.toml:")),
        "{err:?}"
    );
}

#[test]
fn runtime_fanout_expands_with_stable_keys() {
    let plan = build(RUNTIME, &[]);
    let Some(PlanNode::Fanout(node)) = plan.node("each") else {
        panic!("each is a fan-out node")
    };
    assert_eq!(node.expands_after, vec!["found".to_string()]);
    let mut outputs = StepOutputs::new();
    outputs.insert(
        "found",
        json!({ "datasets": [
        { "uuid": "u-2", "name": "two" },
        { "uuid": "u-1", "name": "one" },
    ] }),
    );
    let instances = plan.expand_fanout("each", &outputs).expect("expands");
    let ids: Vec<&str> = instances.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, vec!["each[u-2]", "each[u-1]"]);
    let again = plan.expand_fanout("each", &outputs).expect("expands again");
    assert_eq!(again.iter().map(|i| i.id.clone()).collect::<Vec<_>>(), ids);
    let Some(StepOptions::Analysis(first)) = instances[0].options() else {
        panic!("final analysis options")
    };
    assert_eq!(first.name, "align two");
    assert_eq!(instances[0].needs, vec!["found".to_string()]);
}

#[test]
fn fanned_out_step_is_a_list_for_readers() {
    let plan = build(BATCH, &[]);
    let merged = plan.instance("merged").expect("merged");
    assert_eq!(
        merged.needs,
        vec!["imports[alice]".to_string(), "imports[bob]".to_string()]
    );
    let mut outputs = StepOutputs::new();
    outputs.insert("imports[alice]", json!({ "uuid": "a" }));
    outputs.insert("imports[bob]", json!({ "uuid": "b" }));
    let StepOptions::MergeDatasets(merge) =
        plan.render_instance(merged, &outputs).expect("renders")
    else {
        panic!("merge options expected")
    };
    assert_eq!(
        merge.datasets,
        vec![IdRef::Text("a".into()), IdRef::Text("b".into())]
    );
}

#[test]
fn fingerprint_ignores_order_comments_and_poll_settings() {
    let a = build(
        "version = 1\n[steps.a]\nkind = \"import-dataset\"\npath = \"x.xml\"\nproject = 3\n",
        &[],
    );
    let b = build(
        "# comment\nversion = 1\n[steps.a]\nproject = 3 # why\npoll_interval = \"1s\"\ntimeout = \"1h\"\npath = \"x.xml\"\nkind = \"import-dataset\"\n",
        &[],
    );
    let c = build(
        "version = 1\n[steps.a]\nkind = \"import-dataset\"\npath = \"y.xml\"\nproject = 3\n",
        &[],
    );
    let fp = |p: &Plan| {
        p.instance("a")
            .and_then(|i| i.options())
            .expect("final")
            .fingerprint("http://localhost:9091")
    };
    assert_eq!(fp(&a), fp(&b));
    assert_ne!(fp(&a), fp(&c));
    let options = a.instance("a").and_then(|i| i.options()).expect("final");
    assert_ne!(
        options.fingerprint("http://localhost:9091"),
        options.fingerprint("https://other:8243")
    );
    assert_eq!(
        options.fingerprint("http://localhost:9091"),
        options.fingerprint("http://localhost:9091/")
    );
}

#[test]
fn labels_follow_saved_state() {
    let plan = build(SAT, &[]);
    let first = labels::label(&plan, &labels::NoState);
    assert!(first.iter().all(|l| l.action == Action::Run));
    let reference_fp = first[0].fingerprint.clone().expect("reference is final");
    let subreads_fp = first[1].fingerprint.clone().expect("subreads is final");
    let mut state = BTreeMap::new();
    state.insert(
        "reference".to_string(),
        SavedRecord {
            status: SavedStatus::Succeeded,
            fingerprint: reference_fp,
            outputs: json!({ "uuid": "r", "id": 1 }),
        },
    );
    state.insert(
        "subreads".to_string(),
        SavedRecord {
            status: SavedStatus::Succeeded,
            fingerprint: "stale".into(),
            outputs: json!({ "uuid": "s", "id": 2 }),
        },
    );
    state.insert(
        "sat".to_string(),
        SavedRecord {
            status: SavedStatus::Running { job_id: 17 },
            fingerprint: String::new(),
            outputs: json!(null),
        },
    );
    state.insert(
        "metrics".to_string(),
        SavedRecord {
            status: SavedStatus::Failed {
                error: "blast_identity 0.7 < 0.8".into(),
            },
            fingerprint: String::new(),
            outputs: json!(null),
        },
    );
    let labels = labels::label(&plan, &state);
    let text: Vec<String> = labels.iter().map(|l| l.action.to_string()).collect();
    assert_eq!(text[0], "done (skip)");
    assert_eq!(
        text[1],
        "run again because its request changed since the last run"
    );
    assert_eq!(text[2], "in flight (attach to job 17)");
    assert_eq!(
        text[3],
        "run again because it failed last time: blast_identity 0.7 < 0.8"
    );
    let _ = subreads_fp;
}

#[test]
fn detailed_exitcode_reports_work() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok/sat.toml");
    let output = assert_cmd::Command::cargo_bin("slflow")
        .expect("binary")
        .args(["plan", "--detailed-exitcode"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let output = assert_cmd::Command::cargo_bin("slflow")
        .expect("binary")
        .args(["plan", "--format", "json"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("plan JSON parses");
    assert_eq!(doc["format_version"], json!(1));
    assert_eq!(doc["summary"]["run"], json!(4));
    assert_eq!(
        doc["nodes"][3]["requests"][0]["path"],
        json!("/smrt-link/job-manager/jobs/analysis/(known after sat)/reports")
    );
}

#[test]
fn vars_file_then_var_arguments_override_defaults() {
    let dir = tempfile::tempdir().expect("temp dir");
    let vars = dir.path().join("site.toml");
    std::fs::write(
        &vars,
        "min_concordance = 0.85\nreference = \"/site/ref.xml\"\n",
    )
    .expect("write vars file");
    let manifest =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok/sat.toml");
    let input = PlanInput::read(
        &manifest,
        Some(&vars),
        vec!["min_concordance=0.9".into()],
        None,
    )
    .expect("reads");
    let plan = Plan::build(&input).expect("builds");
    let Some(StepOptions::ImportDataset(reference)) =
        plan.instance("reference").and_then(|i| i.options())
    else {
        panic!("final import options expected")
    };
    assert_eq!(reference.path, "/site/ref.xml");
    let mut outputs = StepOutputs::new();
    outputs.insert("sat", json!({ "id": 1 }));
    let metrics = plan.instance("metrics").expect("metrics");
    let StepOptions::ReportMetrics(options) =
        plan.render_instance(metrics, &outputs).expect("renders")
    else {
        panic!("report-metrics options expected")
    };
    assert_eq!(options.checks().expect("checks")[0].value, json!(0.9));
}

/// Cuts every fixture at many points and mutates bytes: building must return, never panic.
#[test]
fn truncated_and_mutated_manifests_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok");
    let mut cases = 0;
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("fixture text");
        let cuts: Vec<usize> = (0..text.len())
            .step_by(7)
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        for cut in cuts {
            let truncated = &text[..cut];
            for variant in [
                truncated.to_string(),
                truncated.replace('"', "'"),
                truncated.replace("}}", "}"),
                truncated.replace('=', " "),
            ] {
                let input = PlanInput {
                    manifest: SourceFile::new("fuzz.toml", variant),
                    base_dir: ".".into(),
                    overrides: VarOverrides::default(),
                    server: None,
                };
                if let Ok(plan) = Plan::build(&input) {
                    let _ = labels::label(&plan, &labels::NoState);
                }
                cases += 1;
            }
        }
    }
    assert!(cases > 500, "only {cases} cases ran");
}

#[test]
fn plan_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Plan>();
    assert_send_sync::<slflow::plan::StepInstance>();
    assert_send_sync::<StepOptions>();
    assert_send_sync::<StepOutputs>();
    assert_send_sync::<slflow::manifest::ManifestError>();
}
