//! The job engine: quick and general worker pools that take SUBMITTED jobs (lowest id first),
//! run them for their configured duration and record every state change as a job event.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::models::{JobEvent, JobRecord, JobState, now_ts};
use super::store::Store;
use super::{Simulator, jobtypes, lock, outputs};

/// Spawns the worker pools on the current runtime.
pub(crate) fn start_workers(sim: &Simulator) -> Vec<JoinHandle<()>> {
    let c = sim.config();
    let quick = (0..c.quick_workers).map(|_| tokio::spawn(worker(sim.clone(), true)));
    let general = (0..c.general_workers).map(|_| tokio::spawn(worker(sim.clone(), false)));
    quick.chain(general).collect()
}

async fn worker(sim: Simulator, quick_only: bool) {
    loop {
        // Register for wake-ups before looking at the queue, so a job submitted between the
        // look and the wait is not missed.
        let notified = sim.inner.wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        match take_next(&sim, quick_only) {
            Some(id) => run_job(&sim, id).await,
            None => notified.await,
        }
    }
}

/// Picks the next job for a worker and marks it RUNNING: first jobs that were running when a
/// persisted store was loaded, then the oldest SUBMITTED job. Quick workers take quick types
/// only; general workers take any type.
fn take_next(sim: &Simulator, quick_only: bool) -> Option<i64> {
    let mut store = sim.store();
    let fits = |r: &JobRecord| !quick_only || jobtypes::is_quick(&r.job.job_type_id);
    {
        let mut resume = lock(&sim.inner.resume);
        if let Some(pos) = resume
            .iter()
            .position(|id| store.jobs.get(id).is_some_and(fits))
        {
            return Some(resume.remove(pos));
        }
    }
    let id = store
        .jobs
        .values()
        .find(|r| r.job.state == JobState::Submitted && !r.job.is_multi_job && fits(r))?
        .job
        .id;
    set_state(
        &mut store,
        id,
        JobState::Running,
        "Updating state to RUNNING (from get-next-job)",
        None,
    );
    drop(store);
    sim.touch();
    Some(id)
}

async fn run_job(sim: &Simulator, id: i64) {
    let (job_type, pipeline, uuid) = {
        let store = sim.store();
        let Some(r) = store.jobs.get(&id) else { return };
        (
            r.job.job_type_id.clone(),
            r.job.sub_job_type_id.clone(),
            r.job.uuid,
        )
    };
    let cancel = Arc::new(Notify::new());
    lock(&sim.inner.cancels).insert(id, cancel.clone());
    let duration = sim.config().job_duration(&job_type, pipeline.as_deref());
    tokio::select! {
        () = tokio::time::sleep(duration) => {}
        () = cancel.notified() => {}
    }
    lock(&sim.inner.cancels).remove(&id);

    if sim.store().jobs.get(&id).map(|r| r.job.state) != Some(JobState::Running) {
        // Terminated while it ran: terminate() already recorded the final state.
        return;
    }
    let rate = sim.config().fail_rate(&job_type, pipeline.as_deref());
    let simulated_failure = rate > 0.0 && unit_hash(sim.config().seed, uuid.as_bytes()) < rate;
    let result = if simulated_failure {
        let what = pipeline.as_deref().unwrap_or(&job_type);
        Err(format!(
            "{what} failed: a task exited with code 1 (simulated failure, --fail rate {rate})"
        ))
    } else {
        outputs::produce(sim, id)
    };
    if let Err(e) = outputs::write_log(sim, id, result.as_ref().err()) {
        tracing::warn!(job = id, "writing the job log failed: {e}");
    }
    let mut store = sim.store();
    match result {
        Ok(()) => set_state(
            &mut store,
            id,
            JobState::Successful,
            "Job completed successfully",
            None,
        ),
        Err(message) => {
            tracing::info!(job = id, "job failed: {message}");
            let text = format!("Job failed: {message}");
            set_state(&mut store, id, JobState::Failed, &text, Some(message));
        }
    }
    drop(store);
    sim.touch();
}

/// Moves a job to `state`, updating timestamps, tasks and events.
pub(crate) fn set_state(
    store: &mut Store,
    id: i64,
    state: JobState,
    message: &str,
    error: Option<String>,
) {
    let event_id = store.next_uuid();
    let Some(r) = store.jobs.get_mut(&id) else {
        return;
    };
    let now = now_ts();
    r.job.state = state;
    r.job.updated_at.clone_from(&now);
    r.job.job_updated_at.clone_from(&now);
    if state == JobState::Running {
        r.job.job_started_at = Some(now.clone());
    }
    if state.is_completed() {
        r.job.job_completed_at = Some(now.clone());
    }
    if error.is_some() {
        r.job.error_message.clone_from(&error);
    }
    let task_count = r.tasks.len();
    for (i, task) in r.tasks.iter_mut().enumerate() {
        let task_state = match state {
            JobState::Running if i == 0 => JobState::Running,
            JobState::Successful => JobState::Successful,
            // The last task is the one that failed; the ones before it finished.
            JobState::Failed if i + 1 == task_count => JobState::Failed,
            JobState::Failed => JobState::Successful,
            JobState::Terminated | JobState::Aborted if task.state == JobState::Running => state,
            _ => continue,
        };
        task.state = task_state;
        task.updated_at.clone_from(&now);
        if task_state == JobState::Failed {
            task.error_message.clone_from(&error);
        }
    }
    r.events.push(JobEvent {
        event_id,
        job_id: id,
        state,
        message: message.to_string(),
        created_at: now,
        event_type_id: "smrtlink_job_status".into(),
    });
}

/// Submits a CREATED job and wakes the workers.
pub(crate) fn submit(sim: &Simulator, store: &mut Store, id: i64) {
    let msg = format!("Submitted job {id}");
    set_state(store, id, JobState::Submitted, &msg, None);
    sim.inner.wake.notify_waiters();
}

/// Terminates a RUNNING job now and interrupts its worker.
pub(crate) fn terminate(sim: &Simulator, store: &mut Store, id: i64) {
    set_state(
        store,
        id,
        JobState::Terminated,
        "Job terminated by user request",
        None,
    );
    if let Some(cancel) = lock(&sim.inner.cancels).get(&id) {
        cancel.notify_one();
    }
}

/// Maps `(seed, key)` to a number in [0, 1): the seeded coin behind simulated failures.
pub(crate) fn unit_hash(seed: u64, key: &[u8]) -> f64 {
    let digest = Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(key)
        .finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}
