//! `delete-job`: delete a job (soft delete, optionally removing its files), after a dry run.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RequestPreview;
use super::common::{FieldError, IdRef};

/// Outputs: the deleted job's record, the dry-run result and the delete job's id.
pub const OUTPUTS: &[&str] = &["deleted_job", "dry_run", "job_id"];

/// Options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Job to delete (id or UUID).
    pub job: IdRef,
    /// Also delete the files in the job directory.
    #[serde(default)]
    pub remove_files: bool,
    /// Skip the server's checks that the job finished and has no active children.
    #[serde(default)]
    pub force: bool,
    /// Only check that the job can be deleted.
    #[serde(default)]
    pub dry_run_only: bool,
}

impl Options {
    /// Has nothing to check beyond the types.
    pub fn validate(&self) -> Result<(), FieldError> {
        Ok(())
    }

    fn body(&self, dry_run: bool) -> serde_json::Value {
        serde_json::json!({
            "jobId": self.job.to_json(),
            "removeFiles": self.remove_files,
            "dryRun": dry_run,
            "force": self.force,
        })
    }

    /// Returns the dry run and, unless `dry_run_only`, the real deletion.
    pub fn preview(&self) -> Vec<RequestPreview> {
        let mut out = vec![
            RequestPreview::post("/smrt-link/job-manager/jobs/delete-job", self.body(true))
                .note("dry run: checks that the job can be deleted"),
        ];
        if !self.dry_run_only {
            out.push(
                RequestPreview::post("/smrt-link/job-manager/jobs/delete-job", self.body(false))
                    .note("polled until the job ends"),
            );
        }
        out
    }

    // Execution: the runner adds `async fn execute` here.
}
