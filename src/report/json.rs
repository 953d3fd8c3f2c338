//! The JSON report: the full result of a run in a stable shape.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::format;
use super::order;
use crate::state::{CheckResult, JobRef, Outcome, RunState, redact_url};

/// Version of the JSON report shape. It changes only when a field is removed or changes
/// meaning; new fields may appear without a change.
pub const JSON_REPORT_VERSION: u32 = 1;

/// The JSON report, as `--json FILE` writes it. The shape, with timestamps in RFC 3339 UTC and
/// absent values as `null`:
///
/// ```text
/// {
///   "report_version": 1,
///   "manifest": { "name": "sat-lambda", "path": "sat-lambda.toml" },
///   "server_url": "http://localhost:9091",        // never with user info
///   "lineage": "<uuid>", "serial": 12,
///   "created_at": "...", "updated_at": "...",
///   "outcome": "succeeded" | "incomplete" | "check_failed" | "step_failed",
///   "totals": { "steps", "succeeded", "failed", "cancelled", "running", "submitting",
///               "pending", "skipped", "checks", "checks_passed", "checks_failed" },
///   "steps": [                                    // in dependency order
///     { "id": "sat", "kind": "analysis", "needs": ["subreads"],
///       "state": "succeeded",                     // as in the summary table
///       "job": { "id": 14, "uuid": "<uuid>" } | null,
///       "attempts": 1, "duration_seconds": 2462.0 | null,
///       "error": "..." | null,                    // failure message, else the last error seen
///       "skip_reason": "..." | null,
///       "times": { "queued_at", "started_at", "finished_at",
///                  "job_created_at", "job_started_at", "job_completed_at" },
///       "outputs": { ... } | null,
///       "metrics": { "mapping_stats.mapped_reads_n": 1234, ... },
///       "checks": [ { "metric", "op": "ge", "threshold", "actual" | null,
///                     "passed", "report" | null } ] }
///   ]
/// }
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct JsonReport {
    pub report_version: u32,
    pub manifest: JsonManifest,
    pub server_url: Option<String>,
    pub lineage: Uuid,
    pub serial: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub outcome: Outcome,
    pub totals: BTreeMap<&'static str, usize>,
    pub steps: Vec<JsonStep>,
}

/// The manifest of a [`JsonReport`].
#[derive(Debug, Clone, Serialize)]
pub struct JsonManifest {
    pub name: String,
    pub path: PathBuf,
}

/// One step of a [`JsonReport`].
#[derive(Debug, Clone, Serialize)]
pub struct JsonStep {
    pub id: String,
    pub kind: String,
    pub needs: Vec<String>,
    pub state: &'static str,
    pub job: Option<JobRef>,
    pub attempts: u32,
    pub duration_seconds: Option<f64>,
    pub error: Option<String>,
    pub skip_reason: Option<String>,
    pub times: JsonTimes,
    pub outputs: serde_json::Value,
    pub metrics: BTreeMap<String, serde_json::Value>,
    pub checks: Vec<JsonCheck>,
}

/// Step timestamps of a [`JsonReport`]; every field is always present.
#[derive(Debug, Clone, Serialize)]
pub struct JsonTimes {
    pub queued_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub job_created_at: Option<DateTime<Utc>>,
    pub job_started_at: Option<DateTime<Utc>>,
    pub job_completed_at: Option<DateTime<Utc>>,
}

/// One acceptance check of a [`JsonReport`]; `report` is always present.
#[derive(Debug, Clone, Serialize)]
pub struct JsonCheck {
    pub metric: String,
    pub op: crate::state::CheckOp,
    pub threshold: serde_json::Value,
    pub actual: Option<serde_json::Value>,
    pub passed: bool,
    pub report: Option<String>,
}

impl From<&CheckResult> for JsonCheck {
    fn from(check: &CheckResult) -> Self {
        JsonCheck {
            metric: check.metric.clone(),
            op: check.op,
            threshold: check.threshold.clone(),
            actual: check.actual.clone(),
            passed: check.passed,
            report: check.report.clone(),
        }
    }
}

/// Builds the JSON report of a state.
pub fn json_report(state: &RunState) -> JsonReport {
    use crate::state::StepStatus;

    let steps: Vec<JsonStep> = order::layers(state)
        .ordered()
        .map(|id| {
            let record = &state.steps[id];
            let (error, skip_reason) = match &record.status {
                StepStatus::Failed { error, .. } => (Some(error.clone()), None),
                StepStatus::Skipped { reason } => (record.last_error.clone(), Some(reason.clone())),
                _ => (record.last_error.clone(), None),
            };
            let times = &record.times;
            JsonStep {
                id: id.to_owned(),
                kind: record.kind.clone(),
                needs: record.needs.clone(),
                state: record.status.name(),
                job: record.job().copied(),
                attempts: record.attempts,
                duration_seconds: format::step_duration(record).map(|d| d.as_seconds_f64()),
                error,
                skip_reason,
                times: JsonTimes {
                    queued_at: times.queued_at,
                    started_at: times.started_at,
                    finished_at: times.finished_at,
                    job_created_at: times.job_created_at,
                    job_started_at: times.job_started_at,
                    job_completed_at: times.job_completed_at,
                },
                outputs: record.outputs.clone(),
                metrics: record.metrics.clone(),
                checks: record.checks.iter().map(JsonCheck::from).collect(),
            }
        })
        .collect();

    JsonReport {
        report_version: JSON_REPORT_VERSION,
        manifest: JsonManifest {
            name: state.manifest.name.clone(),
            path: state.manifest.path.clone(),
        },
        server_url: state.server_url.as_deref().map(redact_url),
        lineage: state.lineage,
        serial: state.serial,
        created_at: state.created_at,
        updated_at: state.updated_at,
        outcome: state.outcome(),
        totals: totals(state),
        steps,
    }
}

fn totals(state: &RunState) -> BTreeMap<&'static str, usize> {
    let mut totals: BTreeMap<&'static str, usize> = [
        "succeeded",
        "failed",
        "cancelled",
        "running",
        "submitting",
        "pending",
        "skipped",
    ]
    .into_iter()
    .map(|name| (name, 0))
    .collect();
    for record in state.steps.values() {
        *totals.entry(record.status.name()).or_default() += 1;
    }
    let checks: Vec<_> = state.steps.values().flat_map(|r| &r.checks).collect();
    let passed = checks.iter().filter(|c| c.passed).count();
    totals.insert("steps", state.steps.len());
    totals.insert("checks", checks.len());
    totals.insert("checks_passed", passed);
    totals.insert("checks_failed", checks.len() - passed);
    totals
}
