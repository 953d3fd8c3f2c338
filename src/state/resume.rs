//! Resume rules: the action a new apply takes for a step, from its saved record and its current
//! fingerprint.

use std::fmt;

use super::model::{JobRef, StepRecord, StepStatus};

/// Action for one step instance when a run starts or resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeAction {
    /// Never run (or never started): run it.
    Run,
    /// Succeeded with the same fingerprint: keep its outputs.
    Skip { job: Option<JobRef> },
    /// Its job is in flight: poll that job, never submit again.
    Attach { job: JobRef },
    /// A job-creating request may have reached the server without its response being saved.
    /// Search the server's jobs for `tag` and attach to a match before submitting anything.
    FindSubmitted { tag: String },
    /// Run it again, for this reason.
    Rerun { reason: RerunReason },
}

/// Reason that a step which ran before runs again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RerunReason {
    /// It failed; carries the saved error.
    Failed { error: String },
    /// Its server job was terminated on request.
    Cancelled,
    /// Its kind, rendered request or server changed since it ran.
    FingerprintChanged,
    /// It was interrupted with no server job to re-attach to.
    Interrupted,
}

impl fmt::Display for RerunReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RerunReason::Failed { error } => write!(f, "it failed: {error}"),
            RerunReason::Cancelled => f.write_str("its job was cancelled"),
            RerunReason::FingerprintChanged => f.write_str("its request changed"),
            RerunReason::Interrupted => f.write_str("it was interrupted before finishing"),
        }
    }
}

/// Decides what to do with a step, given its saved record (if any) and the fingerprint of its
/// request now.
///
/// A changed fingerprint wins over an in-flight job or a saved intent, because attaching
/// would return the result of the old request. The old job then keeps running on the server
/// unattended; slflow does not cancel it.
pub fn resume_action(saved: Option<&StepRecord>, fingerprint: &str) -> ResumeAction {
    let Some(saved) = saved else {
        return ResumeAction::Run;
    };
    let same_request = saved.fingerprint == fingerprint;
    let rerun = |reason| ResumeAction::Rerun { reason };

    match &saved.status {
        StepStatus::Pending | StepStatus::Skipped { .. } => ResumeAction::Run,
        StepStatus::Failed { error, .. } => rerun(RerunReason::Failed {
            error: error.clone(),
        }),
        StepStatus::Cancelled { .. } => rerun(RerunReason::Cancelled),
        _ if !same_request => rerun(RerunReason::FingerprintChanged),
        StepStatus::Submitting { tag, .. } => ResumeAction::FindSubmitted { tag: tag.clone() },
        StepStatus::Running { job: Some(job), .. } => ResumeAction::Attach { job: *job },
        StepStatus::Running { job: None, .. } => rerun(RerunReason::Interrupted),
        StepStatus::Succeeded { job, .. } => ResumeAction::Skip { job: *job },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use uuid::Uuid;

    fn record(status: StepStatus) -> StepRecord {
        let mut record = StepRecord::new("analysis", "fp1", Vec::new());
        record.status = status;
        record
    }

    fn job() -> JobRef {
        JobRef {
            id: 14,
            uuid: Uuid::nil(),
        }
    }

    #[test]
    fn unknown_step_runs() {
        assert_eq!(resume_action(None, "fp1"), ResumeAction::Run);
    }

    #[test]
    fn succeeded_same_fingerprint_skips() {
        let saved = record(StepStatus::Succeeded {
            job: Some(job()),
            finished_at: Utc::now(),
        });
        assert_eq!(
            resume_action(Some(&saved), "fp1"),
            ResumeAction::Skip { job: Some(job()) }
        );
    }

    #[test]
    fn succeeded_changed_fingerprint_reruns() {
        let saved = record(StepStatus::Succeeded {
            job: None,
            finished_at: Utc::now(),
        });
        assert_eq!(
            resume_action(Some(&saved), "fp2"),
            ResumeAction::Rerun {
                reason: RerunReason::FingerprintChanged
            }
        );
    }

    #[test]
    fn running_with_job_attaches() {
        let saved = record(StepStatus::Running {
            job: Some(job()),
            since: Utc::now(),
        });
        assert_eq!(
            resume_action(Some(&saved), "fp1"),
            ResumeAction::Attach { job: job() }
        );
    }

    #[test]
    fn running_without_job_reruns() {
        let saved = record(StepStatus::Running {
            job: None,
            since: Utc::now(),
        });
        assert_eq!(
            resume_action(Some(&saved), "fp1"),
            ResumeAction::Rerun {
                reason: RerunReason::Interrupted
            }
        );
    }

    #[test]
    fn submitting_looks_up_tag() {
        let saved = record(StepStatus::Submitting {
            tag: "slflow-abc".into(),
            since: Utc::now(),
        });
        assert_eq!(
            resume_action(Some(&saved), "fp1"),
            ResumeAction::FindSubmitted {
                tag: "slflow-abc".into()
            }
        );
    }

    #[test]
    fn failed_reruns_with_error() {
        let saved = record(StepStatus::Failed {
            error: "job 14 FAILED".into(),
            job: Some(job()),
            finished_at: Utc::now(),
        });
        let action = resume_action(Some(&saved), "fp1");
        assert_eq!(
            action,
            ResumeAction::Rerun {
                reason: RerunReason::Failed {
                    error: "job 14 FAILED".into()
                }
            }
        );
    }
}
