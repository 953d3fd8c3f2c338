//! Migration of older state layouts to the current one.
//!
//! Format version 0 was a flatter layout, with the status as a bare string and the job beside
//! it:
//!
//! ```json
//! {
//!   "version": 0,
//!   "manifest": "sat-lambda",
//!   "manifest_path": "sat-lambda.toml",
//!   "server": "http://localhost:9091",
//!   "created": "2024-05-02T09:00:00Z",
//!   "updated": "2024-05-02T09:30:00Z",
//!   "steps": {
//!     "sat": {
//!       "kind": "analysis",
//!       "fingerprint": "…",
//!       "depends_on": ["subreads"],
//!       "status": "running",
//!       "job_id": 14,
//!       "job_uuid": "…",
//!       "tag": "slflow-…",
//!       "outputs": {},
//!       "attempts": 1,
//!       "error": null,
//!       "started": "…",
//!       "finished": null
//!     }
//!   }
//! }
//! ```
//!
//! `status` is one of `pending`, `submitting`, `running`, `succeeded`, `failed` and `skipped`;
//! `job_id` and `job_uuid` are present together or not at all. Version 0 had no lineage, serial,
//! checks, metrics or server job timestamps.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::fingerprint::submission_tag;
use super::model::{
    FORMAT_VERSION, JobRef, ManifestRef, RunState, StepRecord, StepStatus, StepTimes,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateV0 {
    #[allow(dead_code)]
    version: u64,
    manifest: String,
    manifest_path: PathBuf,
    #[serde(default)]
    server: Option<String>,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    #[serde(default)]
    steps: BTreeMap<String, StepV0>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepV0 {
    kind: String,
    fingerprint: String,
    #[serde(default)]
    depends_on: Vec<String>,
    status: String,
    #[serde(default)]
    job_id: Option<u64>,
    #[serde(default)]
    job_uuid: Option<Uuid>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    outputs: serde_json::Value,
    #[serde(default)]
    attempts: u32,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    started: Option<DateTime<Utc>>,
    #[serde(default)]
    finished: Option<DateTime<Utc>>,
}

/// Converts a version 0 state to the current layout. Returns a message naming the step and
/// field that could not be converted.
pub(super) fn from_v0(value: serde_json::Value) -> Result<RunState, String> {
    let old: StateV0 = serde_json::from_value(value).map_err(|err| err.to_string())?;

    // Version 0 had no lineage. Deriving it from the manifest path and creation time gives the
    // same lineage every time this file is loaded, until the migrated state is saved.
    let seed = format!(
        "slflow-v0:{}:{}",
        old.manifest_path.display(),
        old.created.to_rfc3339()
    );
    let lineage = Uuid::new_v5(&Uuid::NAMESPACE_OID, seed.as_bytes());

    let mut steps = BTreeMap::new();
    for (id, step) in old.steps {
        let record =
            migrate_step(step, old.updated).map_err(|err| format!("step `{id}`: {err}"))?;
        steps.insert(id, record);
    }

    Ok(RunState {
        format_version: FORMAT_VERSION,
        lineage,
        serial: 0,
        manifest: ManifestRef {
            name: old.manifest,
            path: old.manifest_path,
        },
        server_url: old.server,
        created_at: old.created,
        updated_at: old.updated,
        steps,
    })
}

fn migrate_step(step: StepV0, saved_at: DateTime<Utc>) -> Result<StepRecord, String> {
    let job = match (step.job_id, step.job_uuid) {
        (Some(id), Some(uuid)) => Some(JobRef { id, uuid }),
        (None, None) => None,
        (Some(id), None) => return Err(format!("`job_id` {id} has no `job_uuid`")),
        (None, Some(uuid)) => return Err(format!("`job_uuid` {uuid} has no `job_id`")),
    };
    let since = step.started.unwrap_or(saved_at);
    let finished_at = step.finished.unwrap_or(saved_at);

    let status = match step.status.as_str() {
        "pending" => StepStatus::Pending,
        "submitting" => StepStatus::Submitting {
            tag: step
                .tag
                .clone()
                .unwrap_or_else(|| submission_tag(&step.fingerprint)),
            since,
        },
        "running" => StepStatus::Running { job, since },
        "succeeded" => StepStatus::Succeeded { job, finished_at },
        "failed" => StepStatus::Failed {
            error: step
                .error
                .clone()
                .unwrap_or_else(|| "failed (no message was saved)".into()),
            job,
            finished_at,
        },
        "skipped" => StepStatus::Skipped {
            reason: step.error.clone().unwrap_or_else(|| "skipped".into()),
        },
        other => {
            return Err(format!(
                "unknown status `{other}` (expected pending, submitting, running, succeeded, \
                 failed or skipped)"
            ));
        }
    };

    Ok(StepRecord {
        kind: step.kind,
        fingerprint: step.fingerprint,
        needs: step.depends_on,
        status,
        outputs: step.outputs,
        attempts: step.attempts,
        checks: Vec::new(),
        metrics: BTreeMap::new(),
        times: StepTimes {
            started_at: step.started,
            finished_at: step.finished,
            ..StepTimes::default()
        },
        last_error: step.error,
    })
}
