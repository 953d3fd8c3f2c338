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

impl Options {
    /// Sends the dry run first, as the v12.0 use-case document requires, and stops at its error.
    /// Then, unless `dry_run_only`, submits the real delete exactly once and waits for it.
    pub async fn execute(
        &self,
        ctx: &crate::run::context::StepContext,
    ) -> anyhow::Result<crate::run::context::StepSuccess> {
        use anyhow::Context as _;

        use crate::run::context::Resume;
        use crate::smrtlink::models::DeleteJobOptions;

        let target = super::exec_util::id_or_uuid(&self.job, "job")?;
        let mut options = DeleteJobOptions::new(target);
        options.remove_files = self.remove_files;
        options.force = self.force;

        // After an interrupted run the delete may already have happened. A dry run on a
        // deleted job proves nothing, so the step re-attaches to the delete job instead.
        let resuming = !matches!(
            *ctx.resume.lock().unwrap_or_else(|e| e.into_inner()),
            Resume::Fresh
        );
        let dry_run = if resuming {
            None
        } else {
            let mut dry = options.clone();
            dry.dry_run = true;
            let checked = ctx.client.delete_job(&dry, None).await.with_context(|| {
                format!(
                    "the dry run of deleting job {} failed, so nothing was deleted",
                    self.job
                )
            })?;
            Some(checked)
        };
        let dry_run_json = serde_json::to_value(&dry_run).context("encoding the dry-run result")?;
        if self.dry_run_only {
            return Ok(crate::run::context::StepSuccess {
                detail: Some(format!("dry run only: job {} can be deleted", self.job)),
                ..crate::run::context::StepSuccess::with_outputs(serde_json::json!({
                    "deleted_job": null,
                    "dry_run": dry_run_json,
                    "job_id": null,
                }))
            });
        }

        let job = ctx.submit("delete-job", &options).await?;
        let job = ctx.wait(&job).await?;
        let deleted = ctx
            .client
            .job("analysis", target)
            .await
            .with_context(|| format!("reading job {} after its deletion", self.job))?;
        Ok(crate::run::context::StepSuccess {
            detail: Some(format!("job {} deleted by job {}", deleted.id, job.id)),
            ..crate::run::context::StepSuccess::with_outputs(serde_json::json!({
                "deleted_job": deleted,
                "dry_run": dry_run_json,
                "job_id": job.id,
            }))
        })
    }
}
