//! Run events: what the coordinator tells reporters. Reporters never drive the run.

use std::time::Duration;

use crate::exit::Exit;

/// One thing that happened during a run, in the user's terms.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// The run starts: how many step instances the plan has and how many will do work.
    Started {
        manifest: String,
        server: String,
        simulated: bool,
        total: usize,
        to_run: usize,
    },
    /// A step was already done in saved state and will not run again.
    Skipped {
        step: String,
        kind: String,
        reason: String,
    },
    /// A step started working (its inputs exist).
    StepStarted { step: String, kind: String },
    /// A step created a server job.
    JobSubmitted {
        step: String,
        job_id: u64,
        job_type: String,
    },
    /// A step re-attached to a server job from an earlier run.
    JobAttached { step: String, job_id: u64 },
    /// A server job changed state.
    JobState {
        step: String,
        job_id: u64,
        state: String,
    },
    /// A runtime fan-out expanded into instances.
    Expanded {
        step: String,
        instances: Vec<String>,
    },
    /// A step finished successfully.
    StepSucceeded {
        step: String,
        elapsed: Duration,
        detail: Option<String>,
    },
    /// A step failed.
    StepFailed { step: String, error: String },
    /// An acceptance check was evaluated.
    Check {
        step: String,
        metric: String,
        op: String,
        threshold: String,
        actual: String,
        passed: bool,
    },
    /// Scheduling stopped because of Ctrl-C; jobs in flight were left running or terminated.
    Interrupted {
        jobs_left_running: Vec<u64>,
        jobs_terminated: Vec<u64>,
    },
    /// The run ended.
    Finished { exit: Exit, elapsed: Duration },
}

/// Consumes run events, e.g. to draw progress or write log lines.
pub trait Reporter: Send {
    fn on_event(&mut self, event: &RunEvent);
}
