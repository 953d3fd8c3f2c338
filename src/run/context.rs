//! Step context: the client, the poller and the settings a running step uses, and the
//! exactly-once job submission protocol with the coordinator.
//!
//! A step that creates a server job calls [`StepContext::submit`]. Before the POST, the intent
//! (the step's tag) is sent to the coordinator, which saves it. Only after the save is
//! acknowledged does the POST go out, with the tag in the job's `tags`. The job id is saved as
//! soon as the response arrives. On resume, a saved job id is re-attached and a saved intent
//! without a job id is looked up on the server by its tag before anything is submitted.

use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::plan::StepSettings;
use crate::run::poller::{JobFetcher, PollTiming, PolledJob, Poller};
use crate::smrtlink::{Client, EngineJob, JobState, JobTag, SearchCriteria};
use crate::state::{CheckResult, JobRef};

/// Starting point of a step instance, from its saved record.
#[derive(Debug, Clone)]
pub enum Resume {
    /// Nothing was submitted before.
    Fresh,
    /// A job is in flight: poll it, never submit again.
    Attach(JobRef),
    /// A job-creating request may have reached the server: look for this tag first.
    FindSubmitted(String),
}

/// A message from a running step to the coordinator.
#[derive(Debug)]
pub enum WorkerMessage {
    /// About to send a job-creating request with this tag; reply once the intent is saved.
    Intent {
        instance: String,
        tag: String,
        saved: oneshot::Sender<Result<(), String>>,
    },
    /// The server created (or returned) this job; reply once its id is saved.
    Submitted {
        instance: String,
        job: JobRef,
        job_type: String,
        created_at: Option<DateTime<Utc>>,
        attached: bool,
        saved: oneshot::Sender<Result<(), String>>,
    },
    /// A job changed state.
    JobUpdate {
        instance: String,
        job_id: u64,
        state: String,
        started_at: Option<DateTime<Utc>>,
        completed_at: Option<DateTime<Utc>>,
    },
    /// The step ended.
    Finished {
        instance: String,
        result: Result<StepSuccess, String>,
    },
}

/// Result of a successful step.
#[derive(Debug, Clone, Default)]
pub struct StepSuccess {
    /// The step kind's documented outputs, as a JSON object.
    pub outputs: serde_json::Value,
    pub metrics: std::collections::BTreeMap<String, serde_json::Value>,
    pub checks: Vec<CheckResult>,
    /// A short note for the log line, e.g. "skipped: the server already has it".
    pub detail: Option<String>,
}

impl StepSuccess {
    /// Creates a success with these outputs.
    pub fn with_outputs(outputs: serde_json::Value) -> Self {
        StepSuccess {
            outputs,
            ..StepSuccess::default()
        }
    }
}

/// Everything one running step instance may use.
pub struct StepContext {
    pub instance: String,
    pub client: Client,
    pub poller: Poller<EngineJob>,
    /// The request-rate cap shared with the job poller; steps that poll on their own (such as
    /// `wait-run`) take a permit before each poll.
    pub limiter: std::sync::Arc<crate::run::ratelimit::RateLimiter>,
    pub settings: StepSettings,
    /// Directory that relative local paths in options are relative to.
    pub base_dir: PathBuf,
    pub tag: String,
    pub(crate) resume: std::sync::Mutex<Resume>,
    pub(crate) coordinator: mpsc::UnboundedSender<WorkerMessage>,
}

impl StepContext {
    /// Resolves a local path from the manifest against the manifest's directory, as an absolute
    /// path (the server needs absolute paths).
    pub fn local_path(&self, path: &str) -> PathBuf {
        crate::steps::common::resolve_local_path(&self.base_dir, path)
    }

    /// Creates a server job after its intent is saved, or re-attaches to the job an earlier run
    /// created, found by its saved id or by its tag.
    pub async fn submit<B: Serialize + ?Sized>(
        &self,
        job_type: &str,
        options: &B,
    ) -> anyhow::Result<EngineJob> {
        let resume = std::mem::replace(
            &mut *self.resume.lock().unwrap_or_else(|e| e.into_inner()),
            Resume::Fresh,
        );
        let tag = JobTag::new(self.tag.clone()).map_err(|e| anyhow!("{e}"))?;
        match resume {
            Resume::Attach(job) => {
                let found = self
                    .client
                    .job(job_type, job.id as i64)
                    .await
                    .with_context(|| format!("re-attaching to job {}", job.id))?;
                self.report_submitted(job_type, &found, true).await?;
                return Ok(found);
            }
            Resume::FindSubmitted(saved_tag) => {
                let saved_tag = JobTag::new(saved_tag).map_err(|e| anyhow!("{e}"))?;
                let found = self
                    .client
                    .find_job_by_tag(job_type, &saved_tag)
                    .await
                    .with_context(|| {
                        format!(
                            "looking up the job submitted earlier with tag {}",
                            saved_tag.as_str()
                        )
                    })?;
                if let Some(job) = found {
                    tracing::info!(
                        step = %self.instance,
                        job_id = job.id,
                        "found the job an interrupted run submitted; attaching instead of submitting"
                    );
                    self.report_submitted(job_type, &job, true).await?;
                    return Ok(job);
                }
            }
            Resume::Fresh => {}
        }

        let (saved, ack) = oneshot::channel();
        self.send(WorkerMessage::Intent {
            instance: self.instance.clone(),
            tag: tag.as_str().to_string(),
            saved,
        })?;
        ack.await
            .map_err(|_| anyhow!("the run stopped before the submission could be recorded"))?
            .map_err(|e| anyhow!("saving the submission intent failed: {e}"))?;

        let job = self
            .client
            .create_job(job_type, options, Some(&tag))
            .await
            .with_context(|| format!("creating the {job_type} job"))?;
        self.report_submitted(job_type, &job, false).await?;
        Ok(job)
    }

    async fn report_submitted(
        &self,
        job_type: &str,
        job: &EngineJob,
        attached: bool,
    ) -> anyhow::Result<()> {
        let (saved, ack) = oneshot::channel();
        self.send(WorkerMessage::Submitted {
            instance: self.instance.clone(),
            job: job_ref(job)?,
            job_type: job_type.to_string(),
            created_at: Some(job.created_at.with_timezone(&Utc)),
            attached,
            saved,
        })?;
        ack.await
            .map_err(|_| anyhow!("the run stopped before the job id could be recorded"))?
            .map_err(|e| anyhow!("saving job {} failed: {e}", job.id))
    }

    /// Polls a job until it reaches a final state; a job that did not succeed is an error that
    /// carries the server's message.
    pub async fn wait(&self, job: &EngineJob) -> anyhow::Result<EngineJob> {
        let job_id = u64::try_from(job.id).map_err(|_| anyhow!("job id {} is negative", job.id))?;
        let done = if job.state.is_terminal() {
            job.clone()
        } else {
            let timing = PollTiming {
                interval: self.settings.poll_interval,
                max: self.settings.poll_max,
            };
            let watch = self.poller.watch(&job.job_type_id, job_id, timing);
            let instance = self.instance.clone();
            let coordinator = self.coordinator.clone();
            watch
                .until_terminal(|snapshot| {
                    let _ = coordinator.send(WorkerMessage::JobUpdate {
                        instance: instance.clone(),
                        job_id,
                        state: snapshot.state.to_string(),
                        started_at: snapshot.job_started_at.map(|t| t.with_timezone(&Utc)),
                        completed_at: snapshot.job_completed_at.map(|t| t.with_timezone(&Utc)),
                    });
                })
                .await
                .ok_or_else(|| anyhow!("the run stopped while waiting for job {job_id}"))?
        };
        if done.state != JobState::Successful {
            let message = done.error_message.as_deref().unwrap_or("no error message");
            bail!(
                "{} job {} ended {}: {message}",
                done.job_type_id,
                done.id,
                done.state
            );
        }
        Ok(done)
    }

    fn send(&self, message: WorkerMessage) -> anyhow::Result<()> {
        self.coordinator
            .send(message)
            .map_err(|_| anyhow!("the run stopped before step `{}` finished", self.instance))
    }
}

/// Converts a job record to the state's job reference.
pub fn job_ref(job: &EngineJob) -> anyhow::Result<JobRef> {
    let id = u64::try_from(job.id).map_err(|_| anyhow!("job id {} is negative", job.id))?;
    Ok(JobRef { id, uuid: job.uuid })
}

impl PolledJob for EngineJob {
    fn job_id(&self) -> u64 {
        u64::try_from(self.id).unwrap_or_default()
    }

    fn state_label(&self) -> String {
        self.state.to_string()
    }

    fn is_terminal(&self) -> bool {
        self.state.is_terminal()
    }
}

/// Fetches jobs for the poller through the client.
pub struct ClientJobs(pub Client);

impl JobFetcher for ClientJobs {
    type Job = EngineJob;

    async fn fetch_one(&self, job_type: &str, id: u64) -> anyhow::Result<EngineJob> {
        Ok(self.0.job(job_type, id as i64).await?)
    }

    async fn fetch_many(&self, job_type: &str, ids: &[u64]) -> anyhow::Result<Vec<EngineJob>> {
        let criteria = SearchCriteria::new().any_of("id", ids.iter());
        Ok(self.0.search_jobs(job_type, &criteria).await?)
    }
}
