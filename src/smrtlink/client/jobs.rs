//! Job manager endpoints: create (without duplicates), read, search, and per-job resources.
//!
//! The `job_type` path segment of per-job calls is not checked by the server, so any type works
//! for any job; passing the job's own `jobTypeId` keeps logs readable.

use reqwest::Method;
use serde::Serialize;
use uuid::Uuid;

use super::request::Call;
use super::{Client, segment};
use crate::smrtlink::error::ApiError;
use crate::smrtlink::ids::IdOrUuid;
use crate::smrtlink::models::{
    AnalysisOptions, DataStoreReportFile, DataStoreServiceFile, DeleteJobOptions, EngineJob,
    EngineJobEntryPoint, ImportDatasetOptions, JobEvent, JobTask, JobUpdate, MergeDatasetsOptions,
    MessageResponse, Report,
};
use crate::smrtlink::retry::{Safety, Verdict, verdict};
use crate::smrtlink::search::SearchCriteria;
use crate::smrtlink::tag::JobTag;

impl Client {
    /// Creates a job of any type (`POST /smrt-link/job-manager/jobs/{job_type}`).
    ///
    /// With a `tag`, the tag is added to the body's `tags`, and a failure after which the job
    /// may exist anyway (a reset, a timeout or a 5xx) is followed by a search for a job with
    /// that tag: an existing job is returned instead of POSTing again. Without a tag such a
    /// failure is returned as is, because re-sending could create a second job. Connect errors
    /// and 429 are retried either way.
    pub async fn create_job<B: Serialize + ?Sized>(
        &self,
        job_type: &str,
        options: &B,
        tag: Option<&JobTag>,
    ) -> Result<EngineJob, ApiError> {
        let path = format!("/smrt-link/job-manager/jobs/{}", segment(job_type));
        let mut body = serde_json::to_value(options).map_err(|error| {
            ApiError::config(format!(
                "options for a `{job_type}` job cannot be encoded: {error}"
            ))
        })?;
        if let Some(tag) = tag {
            add_tag(&mut body, tag);
        }

        let policy = &self.inner.retry;
        let mut attempts = 0;
        loop {
            let call = Call::with_body(Method::POST, path.clone(), body.clone(), Safety::Unsafe);
            let error = match self.json::<EngineJob>(call).await {
                Ok(job) => return Ok(job),
                Err(error) => error,
            };
            attempts += error.attempts();
            let ambiguous = verdict(Safety::Unsafe, error.kind()) == Verdict::Ambiguous;
            let Some(tag) = tag.filter(|_| ambiguous && attempts < policy.max_attempts) else {
                return Err(error.with_attempts(attempts));
            };
            let delay = policy.delay(attempts, None);
            tracing::info!(
                job_type,
                tag = tag.as_str(),
                error = %error,
                "job creation outcome unknown; looking the job up by its tag before sending again"
            );
            tokio::time::sleep(delay).await;
            if let Some(job) = self.find_job_by_tag(job_type, tag).await? {
                tracing::info!(
                    job_type,
                    job_id = job.id,
                    tag = tag.as_str(),
                    "found the job created by the earlier attempt"
                );
                return Ok(job);
            }
        }
    }

    /// Imports a dataset XML that the server can read (an `import-dataset` job).
    ///
    /// A dataset whose UUID the server already has creates no new job: the server returns the
    /// original import job.
    pub async fn import_dataset(
        &self,
        options: &ImportDatasetOptions,
        tag: Option<&JobTag>,
    ) -> Result<EngineJob, ApiError> {
        self.create_job("import-dataset", options, tag).await
    }

    /// Merges two or more datasets of one type (a `merge-datasets` job).
    pub async fn merge_datasets(
        &self,
        options: &MergeDatasetsOptions,
        tag: Option<&JobTag>,
    ) -> Result<EngineJob, ApiError> {
        self.create_job("merge-datasets", options, tag).await
    }

    /// Starts an analysis (an `analysis` job running `options.pipeline_id`).
    pub async fn create_analysis(
        &self,
        options: &AnalysisOptions,
        tag: Option<&JobTag>,
    ) -> Result<EngineJob, ApiError> {
        self.create_job("analysis", options, tag).await
    }

    /// Deletes a job (a `delete-job` job). With `dry_run` nothing changes and the server returns
    /// the target job itself.
    pub async fn delete_job(
        &self,
        options: &DeleteJobOptions,
        tag: Option<&JobTag>,
    ) -> Result<EngineJob, ApiError> {
        self.create_job("delete-job", options, tag).await
    }

    /// Finds an active job of this type that carries `tag` in its tags or, failing that, in its
    /// name. Matches are checked here too, because servers differ in how they match `like:`.
    pub async fn find_job_by_tag(
        &self,
        job_type: &str,
        tag: &JobTag,
    ) -> Result<Option<EngineJob>, ApiError> {
        let by_tags = self
            .jobs(job_type, &SearchCriteria::new().like("tags", tag))
            .await?;
        if let Some(job) = by_tags
            .into_iter()
            .find(|job| job.tag_list().any(|each| each == tag.as_str()))
        {
            return Ok(Some(job));
        }
        let by_name = self
            .jobs(job_type, &SearchCriteria::new().like("name", tag))
            .await?;
        Ok(by_name
            .into_iter()
            .find(|job| job.name.contains(tag.as_str())))
    }

    /// Fetches one job by id or UUID.
    pub async fn job(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
    ) -> Result<EngineJob, ApiError> {
        self.get_json(job_path(job_type, id.into(), "")).await
    }

    /// Lists jobs of one type matching `criteria`, as GET query parameters; newest first.
    pub async fn jobs(
        &self,
        job_type: &str,
        criteria: &SearchCriteria,
    ) -> Result<Vec<EngineJob>, ApiError> {
        let path = format!("/smrt-link/job-manager/jobs/{}", segment(job_type));
        self.json(Call::get(path).with_query(criteria.to_query()))
            .await
    }

    /// Searches jobs of one type with a POST body (SMRT Link 12 and later), e.g. `id` `in:` a
    /// long list of jobs being polled.
    pub async fn search_jobs(
        &self,
        job_type: &str,
        criteria: &SearchCriteria,
    ) -> Result<Vec<EngineJob>, ApiError> {
        let path = format!("/smrt-link/job-manager/jobs/{}/search", segment(job_type));
        self.json(Call::with_body(
            Method::POST,
            path,
            criteria.to_body(),
            Safety::Idempotent,
        ))
        .await
    }

    /// Lists a job's state changes and task events.
    pub async fn job_events(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
    ) -> Result<Vec<JobEvent>, ApiError> {
        self.get_json(job_path(job_type, id.into(), "/events"))
            .await
    }

    /// Lists a job's tasks.
    pub async fn job_tasks(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
    ) -> Result<Vec<JobTask>, ApiError> {
        self.get_json(job_path(job_type, id.into(), "/tasks")).await
    }

    /// Fetches the options the job was created with; entry-point dataset ids come back as
    /// integers, and the body can be POSTed again to re-run the job.
    pub async fn job_options(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
    ) -> Result<serde_json::Value, ApiError> {
        self.get_json(job_path(job_type, id.into(), "/options"))
            .await
    }

    /// Lists the datasets a job used as input.
    pub async fn job_entry_points(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
    ) -> Result<Vec<EngineJobEntryPoint>, ApiError> {
        self.get_json(job_path(job_type, id.into(), "/entry-points"))
            .await
    }

    /// Lists the jobs that used this job's output datasets as input.
    pub async fn job_children(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
    ) -> Result<Vec<EngineJob>, ApiError> {
        self.get_json(job_path(job_type, id.into(), "/children"))
            .await
    }

    /// Lists all of a job's output files, inactive ones included.
    pub async fn job_datastore(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
    ) -> Result<Vec<DataStoreServiceFile>, ApiError> {
        self.get_json(job_path(job_type, id.into(), "/datastore"))
            .await
    }

    /// Lists a job's report files with their report type ids.
    pub async fn job_reports(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
    ) -> Result<Vec<DataStoreReportFile>, ApiError> {
        self.get_json(job_path(job_type, id.into(), "/reports"))
            .await
    }

    /// Fetches and parses one report of a job by the UUID of its datastore file.
    pub async fn job_report(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
        report_uuid: Uuid,
    ) -> Result<Report, ApiError> {
        self.get_json(job_path(
            job_type,
            id.into(),
            &format!("/reports/{report_uuid}"),
        ))
        .await
    }

    /// Terminates a RUNNING analysis job. Other states answer 422 and other job types 501.
    ///
    /// Not retried after an ambiguous failure: a second request would answer 422 once the
    /// first took effect.
    pub async fn terminate_job(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
    ) -> Result<MessageResponse, ApiError> {
        let path = job_path(job_type, id.into(), "/terminate");
        self.json(Call {
            method: Method::POST,
            path,
            query: &[],
            body: None,
            safety: Safety::Unsafe,
        })
        .await
    }

    /// Queues a job created with `submit: false`. Jobs in other states answer 422.
    pub async fn submit_job(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
    ) -> Result<MessageResponse, ApiError> {
        let path = job_path(job_type, id.into(), "/submit");
        self.json(Call {
            method: Method::POST,
            path,
            query: &[],
            body: None,
            safety: Safety::Unsafe,
        })
        .await
    }

    /// Changes a job's name, comment or tags.
    pub async fn update_job(
        &self,
        job_type: &str,
        id: impl Into<IdOrUuid>,
        update: &JobUpdate,
    ) -> Result<EngineJob, ApiError> {
        self.send_json(
            Method::PUT,
            job_path(job_type, id.into(), ""),
            update,
            Safety::Idempotent,
        )
        .await
    }
}

/// Builds `/smrt-link/job-manager/jobs/{job_type}/{id}{suffix}`.
fn job_path(job_type: &str, id: IdOrUuid, suffix: &str) -> String {
    format!(
        "/smrt-link/job-manager/jobs/{}/{id}{suffix}",
        segment(job_type)
    )
}

/// Adds `tag` to the `tags` string of a job options body.
fn add_tag(body: &mut serde_json::Value, tag: &JobTag) {
    if let Some(object) = body.as_object_mut() {
        let existing = object.get("tags").and_then(serde_json::Value::as_str);
        let tags = tag.add_to(existing);
        object.insert("tags".to_string(), serde_json::Value::String(tags));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_is_added_to_options_body() {
        let tag = JobTag::new("slflow-abcdef12").expect("valid");
        let mut options = AnalysisOptions::new("SAT", "cromwell.workflows.pb_sat", Vec::new());
        options.tags = Some("sat".into());
        let mut body = serde_json::to_value(&options).expect("encodes");
        add_tag(&mut body, &tag);
        assert_eq!(body["tags"], "sat,slflow-abcdef12");
        assert_eq!(body["workflowOptions"], serde_json::json!([]));

        let mut body = serde_json::to_value(ImportDatasetOptions::new("/data/x.subreadset.xml"))
            .expect("encodes");
        add_tag(&mut body, &tag);
        assert_eq!(body["tags"], "slflow-abcdef12");
    }

    #[test]
    fn job_path_encodes_type() {
        assert_eq!(
            job_path("analysis", IdOrUuid::Id(42), "/events"),
            "/smrt-link/job-manager/jobs/analysis/42/events"
        );
    }
}
