//! JUnit XML: one test case per step and one per acceptance check.

use std::fmt::Write;

use super::format::{self, escape_xml as esc};
use super::order;
use crate::state::{CheckResult, RunState, StepRecord, StepStatus};

/// The JUnit verdict of one test case.
enum Verdict {
    Passed,
    /// A failed acceptance check: `<failure>`.
    Failure {
        message: String,
        detail: String,
    },
    /// A failed or cancelled step: `<error>`.
    Error {
        message: String,
        detail: String,
    },
    /// A step that did not run to the end: `<skipped>`.
    Skipped {
        message: String,
    },
}

struct Case {
    classname: String,
    name: String,
    seconds: f64,
    verdict: Verdict,
}

/// Renders a JUnit XML report. Steps are test cases of class `<manifest>.steps`; the checks of
/// step `s` are test cases of class `<manifest>.checks.s`, named `<metric> <op> <threshold>`.
/// Failed steps are errors, failed checks are failures, and steps that did not finish are
/// skipped, with the reason as the message.
pub fn junit_xml(state: &RunState) -> String {
    let suite = &state.manifest.name;
    let mut cases = Vec::new();
    for id in order::layers(state).ordered() {
        let record = &state.steps[id];
        cases.push(step_case(suite, id, record));
        for check in &record.checks {
            cases.push(check_case(suite, id, check));
        }
    }

    let count = |f: fn(&Verdict) -> bool| cases.iter().filter(|c| f(&c.verdict)).count();
    let failures = count(|v| matches!(v, Verdict::Failure { .. }));
    let errors = count(|v| matches!(v, Verdict::Error { .. }));
    let skipped = count(|v| matches!(v, Verdict::Skipped { .. }));
    let seconds: f64 = cases.iter().map(|c| c.seconds).sum();
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{seconds:.3}\"",
        cases.len()
    );

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"slflow {}\" {counts}>", esc(suite));
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" {counts} timestamp=\"{}\">",
        esc(suite),
        format::timestamp(state.created_at)
    );
    out.push_str("    <properties>\n");
    let mut properties = vec![
        ("manifest", state.manifest.path.display().to_string()),
        ("lineage", state.lineage.to_string()),
        ("serial", state.serial.to_string()),
        ("outcome", state.outcome().name().to_owned()),
    ];
    if let Some(url) = &state.server_url {
        properties.push(("server_url", crate::state::redact_url(url)));
    }
    for (name, value) in properties {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            esc(&value)
        );
    }
    out.push_str("    </properties>\n");
    for case in &cases {
        push_case(&mut out, case);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn push_case(out: &mut String, case: &Case) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
        esc(&case.classname),
        esc(&case.name),
        case.seconds
    );
    match &case.verdict {
        Verdict::Passed => out.push_str("/>\n"),
        Verdict::Skipped { message } => {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                esc(message)
            );
        }
        Verdict::Failure { message, detail } => {
            push_problem(out, "failure", "check-failed", message, detail);
        }
        Verdict::Error { message, detail } => {
            push_problem(out, "error", "step-failed", message, detail);
        }
    }
}

fn push_problem(out: &mut String, element: &str, kind: &str, message: &str, detail: &str) {
    let _ = writeln!(
        out,
        ">\n      <{element} message=\"{}\" type=\"{kind}\">{}</{element}>\n    </testcase>",
        esc(message),
        esc(detail)
    );
}

fn step_case(suite: &str, id: &str, record: &StepRecord) -> Case {
    let seconds = format::step_duration(record).map_or(0.0, |d| d.as_seconds_f64().max(0.0));
    let job = record
        .job()
        .map(|job| format!(" (job {})", job.id))
        .unwrap_or_default();
    let verdict = match &record.status {
        StepStatus::Succeeded { .. } => Verdict::Passed,
        StepStatus::Failed { error, .. } => Verdict::Error {
            message: format!("step `{id}` failed{job}: {error}"),
            detail: format!(
                "kind: {}\nattempts: {}\nerror: {error}",
                record.kind, record.attempts
            ),
        },
        StepStatus::Cancelled { .. } => Verdict::Error {
            message: format!("step `{id}` was cancelled{job}"),
            detail: format!("kind: {}\nattempts: {}", record.kind, record.attempts),
        },
        StepStatus::Skipped { reason } => Verdict::Skipped {
            message: format!("not run: {reason}"),
        },
        StepStatus::Pending => Verdict::Skipped {
            message: "not run".into(),
        },
        StepStatus::Submitting { .. } | StepStatus::Running { .. } => Verdict::Skipped {
            message: format!("not finished: still {}{job}", record.status.name()),
        },
    };
    Case {
        classname: format!("{suite}.steps"),
        name: id.to_owned(),
        seconds,
        verdict,
    }
}

fn check_case(suite: &str, id: &str, check: &CheckResult) -> Case {
    let threshold = format::value(&check.threshold);
    let expected = format!("{} {threshold}", check.op.symbol());
    let verdict = if check.passed {
        Verdict::Passed
    } else {
        let actual = check
            .actual
            .as_ref()
            .map_or_else(|| "missing".into(), format::value);
        let mut detail = format!(
            "metric: {}\noperator: {} ({})\nthreshold: {threshold}\nactual: {actual}",
            check.metric,
            check.op.keyword(),
            check.op.symbol()
        );
        if let Some(report) = &check.report {
            let _ = write!(detail, "\nreport: {report}");
        }
        let message = match &check.actual {
            Some(_) => format!("{} = {actual}, expected {expected}", check.metric),
            None => format!(
                "{} is missing from the reports, expected {expected}",
                check.metric
            ),
        };
        Verdict::Failure { message, detail }
    };
    Case {
        classname: format!("{suite}.checks.{id}"),
        name: format!("{} {expected}", check.metric),
        seconds: 0.0,
        verdict,
    }
}
