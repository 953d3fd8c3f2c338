//! Report writers on a hand-built state: snapshots of the summary, JUnit and CSV output, and
//! checks on the JSON and HTML reports.

use std::path::PathBuf;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::json;
use slflow::report::{self, ReportFiles};
use slflow::state::{
    CheckOp, CheckResult, JobRef, ManifestRef, RunState, StepRecord, StepStatus, StepTimes,
};
use uuid::Uuid;

fn at(minutes: i64, seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 2, 9, 0, 0).unwrap()
        + TimeDelta::minutes(minutes)
        + TimeDelta::seconds(seconds)
}

fn job(id: u64) -> Option<JobRef> {
    Some(JobRef {
        id,
        uuid: Uuid::from_u128(u128::from(id)),
    })
}

fn step(kind: &str, needs: &[&str], status: StepStatus) -> StepRecord {
    let needs = needs.iter().map(|n| (*n).to_owned()).collect();
    let mut record = StepRecord::new(kind, "00".repeat(32), needs);
    record.status = status;
    record
}

fn check(
    metric: &str,
    op: CheckOp,
    threshold: serde_json::Value,
    actual: Option<f64>,
) -> CheckResult {
    let passed = match (op, actual, threshold.as_f64()) {
        (CheckOp::Gt, Some(a), Some(t)) => a > t,
        (CheckOp::Ge, Some(a), Some(t)) => a >= t,
        _ => false,
    };
    CheckResult {
        metric: metric.into(),
        op,
        threshold,
        actual: actual.map(|a| json!(a)),
        passed,
        report: Some("pbreports.tasks.mapping_stats".into()),
    }
}

/// Builds a SAT run: two imports, an analysis, metrics with one failing and one missing check, a
/// failed cleanup, a skipped download and a pending step.
fn sat_state() -> RunState {
    let manifest = ManifestRef {
        name: "sat-lambda".into(),
        path: PathBuf::from("sat-lambda.toml"),
    };
    let mut state = RunState::new(
        manifest,
        Some("https://admin:s3cret@smrtlink.example:8243"),
        at(0, 0),
    );
    state.lineage = Uuid::from_u128(0x5af0_0000_0000_4000_8000_0000_0000_0001);
    state.serial = 12;
    state.updated_at = at(45, 0);

    let mut reference = step(
        "import-dataset",
        &[],
        StepStatus::Succeeded {
            job: job(11),
            finished_at: at(0, 31),
        },
    );
    reference.attempts = 1;
    reference.times = StepTimes {
        queued_at: Some(at(0, 1)),
        started_at: Some(at(0, 2)),
        finished_at: Some(at(0, 31)),
        ..StepTimes::default()
    };
    state.steps.insert("reference".into(), reference);

    let mut subreads = step(
        "import-dataset",
        &[],
        StepStatus::Succeeded {
            job: None,
            finished_at: at(0, 3),
        },
    );
    subreads.attempts = 1;
    subreads.times = StepTimes {
        queued_at: Some(at(0, 1)),
        started_at: Some(at(0, 2)),
        finished_at: Some(at(0, 3)),
        ..StepTimes::default()
    };
    state.steps.insert("subreads".into(), subreads);

    let mut sat = step(
        "analysis",
        &["reference", "subreads"],
        StepStatus::Succeeded {
            job: job(14),
            finished_at: at(41, 34),
        },
    );
    sat.attempts = 2;
    sat.last_error = Some("polling job 14: connection reset by peer".into());
    sat.outputs = json!({"id": 14, "uuid": Uuid::from_u128(14), "state": "SUCCESSFUL", "path": "/data/jobs/0000/0000000014"});
    sat.times = StepTimes {
        queued_at: Some(at(0, 31)),
        started_at: Some(at(0, 32)),
        finished_at: Some(at(41, 34)),
        job_created_at: Some(at(0, 33)),
        job_started_at: Some(at(5, 0)),
        job_completed_at: Some(at(41, 30)),
    };
    state.steps.insert("sat".into(), sat);

    let mut metrics = step(
        "report-metrics",
        &["sat"],
        StepStatus::Succeeded {
            job: None,
            finished_at: at(41, 40),
        },
    );
    metrics.attempts = 1;
    metrics.times = StepTimes {
        queued_at: Some(at(41, 34)),
        started_at: Some(at(41, 35)),
        finished_at: Some(at(41, 40)),
        ..StepTimes::default()
    };
    metrics
        .metrics
        .insert("mapping_stats.mapped_reads_n".into(), json!(21_345));
    metrics
        .metrics
        .insert("mapping_stats.blast_identity".into(), json!(0.78));
    metrics.metrics.insert(
        "mapping_stats.sample_name".into(),
        json!("lambda, \"NEB\" <control>"),
    );
    metrics.checks.push(check(
        "mapped_reads_n",
        CheckOp::Gt,
        json!(0),
        Some(21_345.0),
    ));
    metrics.checks.push(check(
        "mapping_stats.blast_identity",
        CheckOp::Ge,
        json!(0.8),
        Some(0.78),
    ));
    metrics
        .checks
        .push(check("concordance", CheckOp::Ge, json!(0.9), None));
    state.steps.insert("metrics".into(), metrics);

    let mut cleanup = step(
        "delete-job",
        &[],
        StepStatus::Failed {
            error: "job 9 FAILED: <script>alert(1)</script> & \"quotes\"".into(),
            job: job(9),
            finished_at: at(0, 20),
        },
    );
    cleanup.attempts = 1;
    cleanup.times = StepTimes {
        queued_at: Some(at(0, 1)),
        started_at: Some(at(0, 2)),
        finished_at: Some(at(0, 20)),
        ..StepTimes::default()
    };
    state.steps.insert("cleanup".into(), cleanup);

    state.steps.insert(
        "download[mapped]".into(),
        step(
            "download",
            &["sat", "cleanup"],
            StepStatus::Skipped {
                reason: "step `cleanup` failed".into(),
            },
        ),
    );
    state.steps.insert(
        "archive".into(),
        step("download", &["download[mapped]"], StepStatus::Pending),
    );
    state
}

#[test]
fn summary_table_snapshot() {
    insta::assert_snapshot!(report::summary_table(&sat_state(), false));
}

#[test]
fn summary_table_colour_only_when_asked() {
    let state = sat_state();
    assert!(!report::summary_table(&state, false).contains('\x1b'));
    assert!(report::summary_table(&state, true).contains("\x1b[31mfailed"));
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!(report::junit_xml(&sat_state()));
}

#[test]
fn junit_parses_as_xml_with_counts() {
    let xml = report::junit_xml(&sat_state());
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut testcases = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                if e.name().as_ref() == b"testcase" =>
            {
                testcases += 1;
            }
            Ok(_) => {}
            Err(err) => panic!("invalid XML at {}: {err}", reader.buffer_position()),
        }
    }
    // Seven steps and three checks.
    assert_eq!(testcases, 10);
    assert!(
        xml.contains("tests=\"10\" failures=\"2\" errors=\"1\" skipped=\"2\""),
        "{xml}"
    );
}

#[test]
fn csv_snapshot() {
    insta::assert_snapshot!(report::metrics_csv(&sat_state()).unwrap());
}

#[test]
fn json_report_shape() {
    let value = serde_json::to_value(report::json_report(&sat_state())).unwrap();

    assert_eq!(value["report_version"], 1);
    assert_eq!(value["outcome"], "step_failed");
    assert_eq!(value["server_url"], "https://smrtlink.example:8243");
    assert_eq!(value["totals"]["steps"], 7);
    assert_eq!(value["totals"]["checks_failed"], 2);
    let ids: Vec<&str> = value["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "cleanup",
            "reference",
            "subreads",
            "sat",
            "download[mapped]",
            "metrics",
            "archive"
        ]
    );
    let sat = &value["steps"][3];
    assert_eq!(sat["job"]["id"], 14);
    assert_eq!(sat["duration_seconds"], 2462.0);
    assert_eq!(sat["times"]["job_started_at"], "2024-05-02T09:05:00Z");
    assert_eq!(value["steps"][4]["skip_reason"], "step `cleanup` failed");
}

#[test]
fn html_contains_checks_and_escapes() {
    let html = report::html_report(&sat_state());

    assert!(!html.contains("<script>"), "unescaped script tag");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("lambda, &quot;NEB&quot; &lt;control&gt;"));
    assert!(html.contains("mapping_stats.blast_identity"));
    assert!(html.contains(">FAIL</span>"));
    assert!(html.contains(">PASS</span>"));
    assert!(html.contains("<svg class=\"dag\""));
    assert!(html.contains("class=\"seg queued\""));
    assert!(!html.contains("src="), "external asset");
    assert!(!html.contains("<link"), "external stylesheet");
}

#[test]
fn no_report_contains_password() {
    let state = sat_state();
    let outputs = [
        report::summary_table(&state, false),
        report::junit_xml(&state),
        report::metrics_csv(&state).unwrap(),
        serde_json::to_string(&report::json_report(&state)).unwrap(),
        report::html_report(&state),
    ];
    for output in outputs {
        assert!(!output.contains("s3cret"));
        assert!(!output.contains("admin:"));
    }
}

#[test]
fn write_reports_writes_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = ReportFiles {
        junit: Some(dir.path().join("r.xml")),
        json: Some(dir.path().join("r.json")),
        html: Some(dir.path().join("r.html")),
        csv: Some(dir.path().join("r.csv")),
    };

    let written = report::write_reports(&sat_state(), &files).unwrap();

    assert_eq!(written.len(), 4);
    for path in written {
        assert!(
            std::fs::metadata(&path).unwrap().len() > 100,
            "{} is too small",
            path.display()
        );
    }
}

#[test]
fn write_reports_creates_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new-dir").join("r.xml");
    let files = ReportFiles {
        junit: Some(path.clone()),
        ..ReportFiles::default()
    };

    report::write_reports(&sat_state(), &files).unwrap();

    assert!(path.is_file());
}

#[test]
fn write_reports_names_unwritable_file() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where the report's directory should be: the directory cannot be created.
    std::fs::write(dir.path().join("not-a-dir"), "").unwrap();
    let path = dir.path().join("not-a-dir").join("r.xml");
    let files = ReportFiles {
        junit: Some(path.clone()),
        ..ReportFiles::default()
    };

    let err = report::write_reports(&sat_state(), &files).unwrap_err();

    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}
