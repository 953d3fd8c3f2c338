//! The run state as saved on disk: one record per step instance, keyed by instance id.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::fingerprint::redact_url;

/// The format version that [`super::save`] writes. [`super::load`] also reads version 0.
pub const FORMAT_VERSION: u32 = 1;

/// The saved state of one manifest's runs: what every step instance did and produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// Format version of this layout; see [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Identity of this state's history. It stays the same across saves and resumes, so a state
    /// file copied from another manifest's history can be detected.
    pub lineage: Uuid,
    /// Save counter: incremented by every [`super::save`].
    pub serial: u64,
    pub manifest: ManifestRef,
    /// Server base URL without user info; serialisation strips user info again in case a caller
    /// set the field directly.
    #[serde(serialize_with = "serialize_redacted_url", default)]
    pub server_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Step instances keyed by instance id: `step`, or `step[key]` inside a fan-out.
    pub steps: BTreeMap<String, StepRecord>,
}

/// The manifest that a state belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRef {
    /// The manifest's `name`.
    pub name: String,
    /// The manifest path as the user gave it.
    pub path: PathBuf,
}

/// Record of one step instance: its request fingerprint, status, outputs, checks and timings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Step kind, such as `import-dataset` or `analysis`.
    pub kind: String,
    /// Hash of the kind, the rendered request and the server URL; see [`super::fingerprint()`].
    pub fingerprint: String,
    /// Instance ids that this step depends on (the DAG edges, kept so reports can draw it).
    #[serde(default)]
    pub needs: Vec<String>,
    pub status: StepStatus,
    /// The step kind's outputs; `null` until the step succeeds.
    #[serde(default)]
    pub outputs: serde_json::Value,
    /// Number of times the step was started, counting resumes that re-attached to a job.
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub checks: Vec<CheckResult>,
    /// Report metrics by attribute id (`report.attr`).
    #[serde(default)]
    pub metrics: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub times: StepTimes,
    /// Message of the most recent error, kept after a retry succeeds.
    #[serde(default)]
    pub last_error: Option<String>,
}

impl StepRecord {
    /// Creates a pending record.
    pub fn new(
        kind: impl Into<String>,
        fingerprint: impl Into<String>,
        needs: Vec<String>,
    ) -> Self {
        StepRecord {
            kind: kind.into(),
            fingerprint: fingerprint.into(),
            needs,
            status: StepStatus::Pending,
            outputs: serde_json::Value::Null,
            attempts: 0,
            checks: Vec::new(),
            metrics: BTreeMap::new(),
            times: StepTimes::default(),
            last_error: None,
        }
    }

    /// Returns the server job of the current status, if it has one.
    pub fn job(&self) -> Option<&JobRef> {
        self.status.job()
    }
}

/// Timestamps of one step instance. Local times come from slflow's clock. The `job_*` times are
/// the server's `createdAt`, `jobStartedAt` and `jobCompletedAt`, so that the timeline can show
/// the time a job waited in the server's queue apart from the time it ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTimes {
    /// When every input was ready and the step waited for a free slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_completed_at: Option<DateTime<Utc>>,
}

/// A server job: its numeric id and its UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRef {
    pub id: u64,
    pub uuid: Uuid,
}

/// Life-cycle state of a step instance. Each variant carries the data that only it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepStatus {
    /// Not started yet.
    Pending,
    /// A job-creating request is about to be sent, or was sent without a saved response. On
    /// resume, look the job up on the server by `tag` before submitting anything.
    Submitting { tag: String, since: DateTime<Utc> },
    /// In progress. `job` is the server job to re-attach to on resume; steps that create no job
    /// (such as `wait-run` or `report-metrics`) have none.
    Running {
        job: Option<JobRef>,
        since: DateTime<Utc>,
    },
    Succeeded {
        job: Option<JobRef>,
        finished_at: DateTime<Utc>,
    },
    /// Failed for good: a terminal server state, a timeout or an API error. Runs again next time.
    Failed {
        error: String,
        job: Option<JobRef>,
        finished_at: DateTime<Utc>,
    },
    /// Not run in this apply, for instance because a step it needs failed.
    Skipped { reason: String },
    /// Its server job was terminated on request (`--cancel-on-interrupt`). Runs again next time.
    Cancelled {
        job: Option<JobRef>,
        at: DateTime<Utc>,
    },
}

impl StepStatus {
    /// Returns the lower-case name used in tables and in the JSON report.
    pub fn name(&self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Submitting { .. } => "submitting",
            StepStatus::Running { .. } => "running",
            StepStatus::Succeeded { .. } => "succeeded",
            StepStatus::Failed { .. } => "failed",
            StepStatus::Skipped { .. } => "skipped",
            StepStatus::Cancelled { .. } => "cancelled",
        }
    }

    /// Returns the server job that this status refers to, if any.
    pub fn job(&self) -> Option<&JobRef> {
        match self {
            StepStatus::Running { job, .. }
            | StepStatus::Succeeded { job, .. }
            | StepStatus::Failed { job, .. }
            | StepStatus::Cancelled { job, .. } => job.as_ref(),
            StepStatus::Pending | StepStatus::Submitting { .. } | StepStatus::Skipped { .. } => {
                None
            }
        }
    }

    /// Returns whether the step has finished in this or an earlier apply, whatever the result.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            StepStatus::Succeeded { .. } | StepStatus::Failed { .. } | StepStatus::Cancelled { .. }
        )
    }
}

/// The comparison of an acceptance check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CheckOp {
    /// Returns the operator as a symbol, such as `>=`.
    pub fn symbol(self) -> &'static str {
        match self {
            CheckOp::Eq => "==",
            CheckOp::Ne => "!=",
            CheckOp::Lt => "<",
            CheckOp::Le => "<=",
            CheckOp::Gt => ">",
            CheckOp::Ge => ">=",
        }
    }

    /// Returns the manifest keyword, such as `ge`.
    pub fn keyword(self) -> &'static str {
        match self {
            CheckOp::Eq => "eq",
            CheckOp::Ne => "ne",
            CheckOp::Lt => "lt",
            CheckOp::Le => "le",
            CheckOp::Gt => "gt",
            CheckOp::Ge => "ge",
        }
    }
}

/// The result of one acceptance check (`expect`) on a report metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Attribute id as written in the manifest: `report.attr` or the last segment.
    pub metric: String,
    pub op: CheckOp,
    pub threshold: serde_json::Value,
    /// The metric's value; `None` when no report had that attribute (the check fails).
    pub actual: Option<serde_json::Value>,
    pub passed: bool,
    /// Report type id the value came from, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

impl RunState {
    /// Creates an empty state with a fresh lineage. User info in `server_url` is dropped.
    pub fn new(manifest: ManifestRef, server_url: Option<&str>, now: DateTime<Utc>) -> Self {
        RunState {
            format_version: FORMAT_VERSION,
            lineage: Uuid::new_v4(),
            serial: 0,
            manifest,
            server_url: server_url.map(redact_url),
            created_at: now,
            updated_at: now,
            steps: BTreeMap::new(),
        }
    }

    /// Sets the server URL, dropping any user info.
    pub fn set_server_url(&mut self, url: Option<&str>) {
        self.server_url = url.map(redact_url);
    }

    /// Returns the overall result of the saved steps.
    pub fn outcome(&self) -> Outcome {
        let mut outcome = Outcome::Succeeded;
        for record in self.steps.values() {
            let this = match &record.status {
                StepStatus::Failed { .. } | StepStatus::Cancelled { .. } => Outcome::StepFailed,
                StepStatus::Succeeded { .. } if record.checks.iter().any(|c| !c.passed) => {
                    Outcome::CheckFailed
                }
                StepStatus::Succeeded { .. } => Outcome::Succeeded,
                StepStatus::Pending
                | StepStatus::Submitting { .. }
                | StepStatus::Running { .. }
                | StepStatus::Skipped { .. } => Outcome::Incomplete,
            };
            outcome = outcome.worst(this);
        }
        outcome
    }
}

/// The overall result of a run, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every step succeeded and every check passed.
    Succeeded,
    /// Some steps have not finished (pending, in flight or skipped), and none failed.
    Incomplete,
    /// Every finished step succeeded but an acceptance check failed.
    CheckFailed,
    /// A step failed or was cancelled. This wins over a failed check.
    StepFailed,
}

impl Outcome {
    fn worst(self, other: Outcome) -> Outcome {
        self.max(other)
    }

    /// Returns the lower-case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Incomplete => "incomplete",
            Outcome::CheckFailed => "check_failed",
            Outcome::StepFailed => "step_failed",
        }
    }
}

fn serialize_redacted_url<S: serde::Serializer>(
    url: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => serializer.serialize_some(&redact_url(url)),
        None => serializer.serialize_none(),
    }
}
