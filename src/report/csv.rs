//! Metrics as CSV, one row per metric and check.

use super::format;
use super::order;
use crate::state::{CheckResult, RunState};

/// Header of [`metrics_csv`].
const HEADER: [&str; 8] = [
    "step",
    "metric",
    "value",
    "check_op",
    "check_threshold",
    "check_passed",
    "check_actual",
    "report",
];

/// Renders the metrics as CSV with the columns of `HEADER`. Each metric gets one row per check
/// on it, or one row with empty check columns when nothing checks it. A check whose metric no
/// report had gets a row with an empty value and `check_passed` false.
///
/// # Errors
///
/// Fails only when the CSV writer fails, which writing to memory does not do in practice.
pub fn metrics_csv(state: &RunState) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;

    for id in order::layers(state).ordered() {
        let record = &state.steps[id];
        let mut unmatched: Vec<&CheckResult> = record.checks.iter().collect();
        for (metric, value) in &record.metrics {
            let checks: Vec<&CheckResult> = record
                .checks
                .iter()
                .filter(|c| checks_metric(c, metric))
                .collect();
            unmatched.retain(|c| !checks_metric(c, metric));
            let value = format::value(value);
            if checks.is_empty() {
                writer.write_record([id, metric, &value, "", "", "", "", ""])?;
            }
            for check in checks {
                writer.write_record(check_row(id, metric, &value, check))?;
            }
        }
        for check in unmatched {
            writer.write_record(check_row(id, &check.metric, "", check))?;
        }
    }

    let bytes = writer
        .into_inner()
        .map_err(|err| csv::Error::from(err.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn check_row(id: &str, metric: &str, value: &str, check: &CheckResult) -> [String; 8] {
    [
        id.to_owned(),
        metric.to_owned(),
        value.to_owned(),
        check.op.keyword().to_owned(),
        format::value(&check.threshold),
        check.passed.to_string(),
        check.actual.as_ref().map(format::value).unwrap_or_default(),
        check.report.clone().unwrap_or_default(),
    ]
}

/// Returns whether a check refers to a metric id: by its full id (`report.attr`) or by the
/// last segment, as the manifest allows.
fn checks_metric(check: &CheckResult, metric: &str) -> bool {
    check.metric == metric
        || metric
            .rsplit_once('.')
            .is_some_and(|(_, last)| last == check.metric)
}
