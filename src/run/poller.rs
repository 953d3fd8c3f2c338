//! One poller for every server job in flight.
//!
//! Steps register the jobs they wait for; the poller fetches them in rounds under the shared
//! request-rate cap, backing off each job from its `poll_interval` towards `poll_max`. When many
//! jobs of one type are due in a round, it fetches them with one search request (`id = in:...`)
//! instead of one request each. A failed poll is logged and retried at the next round: only a
//! terminal server state ends a wait.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::ratelimit::RateLimiter;

/// Fewer due jobs of one type than this are fetched one by one; more go through one search.
pub const BATCH_THRESHOLD: usize = 3;

/// A job record as the poller needs to see it.
pub trait PolledJob: Clone + Send + Sync + 'static {
    fn job_id(&self) -> u64;
    /// The state as the server spells it (shown to the user on every change).
    fn state_label(&self) -> String;
    /// Whether the job reached a final state (an unknown state is not final).
    fn is_terminal(&self) -> bool;
}

/// How the poller reads jobs from the server.
pub trait JobFetcher: Send + Sync + 'static {
    type Job: PolledJob;

    /// Fetches one job by id.
    fn fetch_one(
        &self,
        job_type: &str,
        id: u64,
    ) -> impl Future<Output = anyhow::Result<Self::Job>> + Send;

    /// Fetches several jobs of one type in one request. Jobs missing from the response are then
    /// fetched one by one.
    fn fetch_many(
        &self,
        job_type: &str,
        ids: &[u64],
    ) -> impl Future<Output = anyhow::Result<Vec<Self::Job>>> + Send;
}

/// Poll timing for one job.
#[derive(Debug, Clone, Copy)]
pub struct PollTiming {
    pub interval: Duration,
    pub max: Duration,
}

impl PollTiming {
    fn next(self, current: Duration) -> Duration {
        current
            .mul_f64(1.5)
            .clamp(self.interval, self.max.max(self.interval))
    }
}

struct Registration<J> {
    job_type: String,
    job_id: u64,
    timing: PollTiming,
    updates: mpsc::UnboundedSender<J>,
}

struct Entry<J> {
    job_type: String,
    timing: PollTiming,
    current: Duration,
    due: Instant,
    last_state: Option<String>,
    subscribers: Vec<mpsc::UnboundedSender<J>>,
}

/// Handle to the poller task; cheap to clone.
pub struct Poller<J> {
    register: mpsc::UnboundedSender<Registration<J>>,
}

impl<J> Clone for Poller<J> {
    fn clone(&self) -> Self {
        Poller {
            register: self.register.clone(),
        }
    }
}

/// A stream of snapshots of one job, ending after the first terminal one.
pub struct JobWatch<J> {
    updates: mpsc::UnboundedReceiver<J>,
}

impl<J: PolledJob> JobWatch<J> {
    /// Returns the next snapshot whose state differs from the previous one, or `None` when the
    /// poller has stopped.
    pub async fn next(&mut self) -> Option<J> {
        self.updates.recv().await
    }

    /// Waits for the terminal snapshot, calling `on_change` for every state change on the way.
    pub async fn until_terminal(mut self, mut on_change: impl FnMut(&J)) -> Option<J> {
        while let Some(job) = self.next().await {
            on_change(&job);
            if job.is_terminal() {
                return Some(job);
            }
        }
        None
    }
}

impl<J: PolledJob> Poller<J> {
    /// Starts the poller task on the current runtime.
    pub fn spawn<F>(fetcher: Arc<F>, limiter: Arc<RateLimiter>) -> Self
    where
        F: JobFetcher<Job = J>,
    {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run_poller(fetcher, limiter, rx));
        Poller { register: tx }
    }

    /// Starts watching a job. The first snapshot arrives after the first poll, which happens
    /// at once.
    pub fn watch(&self, job_type: &str, job_id: u64, timing: PollTiming) -> JobWatch<J> {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = self.register.send(Registration {
            job_type: job_type.to_string(),
            job_id,
            timing,
            updates: tx,
        });
        JobWatch { updates: rx }
    }
}

async fn run_poller<F: JobFetcher>(
    fetcher: Arc<F>,
    limiter: Arc<RateLimiter>,
    mut registrations: mpsc::UnboundedReceiver<Registration<F::Job>>,
) {
    let mut entries: HashMap<u64, Entry<F::Job>> = HashMap::new();
    let mut failures_logged = 0_u64;
    loop {
        let next_due = entries.values().map(|e| e.due).min();
        let registration = match next_due {
            None => match registrations.recv().await {
                Some(r) => Some(r),
                None => return,
            },
            Some(due) => tokio::select! {
                r = registrations.recv() => match r {
                    Some(r) => Some(r),
                    None => return,
                },
                () = tokio::time::sleep_until(due) => None,
            },
        };
        if let Some(r) = registration {
            add_registration(&mut entries, r);
            while let Ok(r) = registrations.try_recv() {
                add_registration(&mut entries, r);
            }
        }
        entries.retain(|_, e| {
            e.subscribers.retain(|s| !s.is_closed());
            !e.subscribers.is_empty()
        });

        let now = Instant::now();
        let mut due_by_type: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (id, entry) in &entries {
            if entry.due <= now {
                due_by_type
                    .entry(entry.job_type.clone())
                    .or_default()
                    .push(*id);
            }
        }
        for (job_type, mut ids) in due_by_type {
            ids.sort_unstable();
            let fetched = fetch_round(fetcher.as_ref(), &limiter, &job_type, &ids).await;
            for id in &ids {
                let Some(entry) = entries.get_mut(id) else {
                    continue;
                };
                match fetched.get(id) {
                    Some(Ok(job)) => {
                        let label = job.state_label();
                        let changed = entry.last_state.as_deref() != Some(label.as_str());
                        if changed || job.is_terminal() {
                            entry.subscribers.retain(|s| s.send(job.clone()).is_ok());
                            entry.last_state = Some(label);
                        }
                        if job.is_terminal() {
                            entries.remove(id);
                            continue;
                        }
                    }
                    Some(Err(message)) => {
                        failures_logged += 1;
                        if failures_logged <= 20 || failures_logged.is_multiple_of(100) {
                            tracing::warn!(
                                "polling {job_type} job {id} failed (will retry): {message} \
                                 [{failures_logged} poll failures so far]"
                            );
                        }
                    }
                    None => {}
                }
                entry.current = entry.timing.next(entry.current);
                entry.due = Instant::now() + entry.current;
            }
        }
    }
}

fn add_registration<J>(entries: &mut HashMap<u64, Entry<J>>, r: Registration<J>) {
    let entry = entries.entry(r.job_id).or_insert_with(|| Entry {
        job_type: r.job_type,
        timing: r.timing,
        current: r.timing.interval,
        due: Instant::now(),
        last_state: None,
        subscribers: Vec::new(),
    });
    // A new subscriber gets the current state at the next poll, which is now.
    entry.due = Instant::now();
    entry.last_state = None;
    entry.timing.interval = entry.timing.interval.min(r.timing.interval);
    entry.timing.max = entry.timing.max.min(r.timing.max);
    entry.subscribers.push(r.updates);
}

async fn fetch_round<F: JobFetcher>(
    fetcher: &F,
    limiter: &RateLimiter,
    job_type: &str,
    ids: &[u64],
) -> HashMap<u64, Result<F::Job, String>> {
    let mut results = HashMap::new();
    if ids.len() >= BATCH_THRESHOLD {
        limiter.acquire().await;
        match fetcher.fetch_many(job_type, ids).await {
            Ok(jobs) => {
                for job in jobs {
                    results.insert(job.job_id(), Ok(job));
                }
            }
            Err(e) => {
                for id in ids {
                    results.insert(*id, Err(format!("{e:#}")));
                }
                return results;
            }
        }
    }
    // Without a batch, or for jobs the search did not return (a search hides inactive jobs),
    // fetch one by one.
    let missing: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|id| !results.contains_key(id))
        .collect();
    for id in missing {
        limiter.acquire().await;
        let result = fetcher
            .fetch_one(job_type, id)
            .await
            .map_err(|e| format!("{e:#}"));
        results.insert(id, result);
    }
    results
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[derive(Clone, Debug)]
    struct FakeJob {
        id: u64,
        state: &'static str,
    }

    impl PolledJob for FakeJob {
        fn job_id(&self) -> u64 {
            self.id
        }
        fn state_label(&self) -> String {
            self.state.to_string()
        }
        fn is_terminal(&self) -> bool {
            matches!(self.state, "SUCCESSFUL" | "FAILED")
        }
    }

    /// Serves each job through a scripted list of states, one per fetch; an "ERR" entry fails.
    struct Scripted {
        scripts: Mutex<HashMap<u64, Vec<&'static str>>>,
        single: AtomicUsize,
        batch: AtomicUsize,
    }

    impl Scripted {
        fn new(scripts: &[(u64, &[&'static str])]) -> Self {
            Scripted {
                scripts: Mutex::new(scripts.iter().map(|(id, s)| (*id, s.to_vec())).collect()),
                single: AtomicUsize::new(0),
                batch: AtomicUsize::new(0),
            }
        }

        fn step(&self, id: u64) -> anyhow::Result<FakeJob> {
            let mut scripts = self.scripts.lock().unwrap();
            let script = scripts
                .get_mut(&id)
                .ok_or_else(|| anyhow::anyhow!("no job {id}"))?;
            let state = if script.len() > 1 {
                script.remove(0)
            } else {
                script[0]
            };
            if state == "ERR" {
                anyhow::bail!("503 Service Unavailable");
            }
            Ok(FakeJob { id, state })
        }
    }

    impl JobFetcher for Scripted {
        type Job = FakeJob;

        async fn fetch_one(&self, _job_type: &str, id: u64) -> anyhow::Result<FakeJob> {
            self.single.fetch_add(1, Ordering::SeqCst);
            self.step(id)
        }

        async fn fetch_many(&self, _job_type: &str, ids: &[u64]) -> anyhow::Result<Vec<FakeJob>> {
            self.batch.fetch_add(1, Ordering::SeqCst);
            ids.iter().map(|id| self.step(*id)).collect()
        }
    }

    fn timing() -> PollTiming {
        PollTiming {
            interval: Duration::from_secs(1),
            max: Duration::from_secs(4),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn poll_errors_do_not_end_wait() {
        let fetcher = Arc::new(Scripted::new(&[(
            7,
            &["RUNNING", "ERR", "ERR", "SUCCESSFUL"],
        )]));
        let poller = Poller::spawn(fetcher.clone(), Arc::new(RateLimiter::new(100.0, 10)));
        let mut seen = Vec::new();
        let last = poller
            .watch("analysis", 7, timing())
            .until_terminal(|j| seen.push(j.state))
            .await
            .expect("terminal snapshot");
        assert_eq!(last.state, "SUCCESSFUL");
        assert_eq!(seen, vec!["RUNNING", "SUCCESSFUL"]);
        assert_eq!(fetcher.single.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn many_jobs_polled_through_search() {
        let script: &[&'static str] = &["RUNNING", "SUCCESSFUL"];
        let fetcher = Arc::new(Scripted::new(&[
            (1, script),
            (2, script),
            (3, script),
            (4, script),
        ]));
        let poller = Poller::spawn(fetcher.clone(), Arc::new(RateLimiter::new(100.0, 10)));
        let watches: Vec<_> = (1..=4)
            .map(|id| poller.watch("analysis", id, timing()))
            .collect();
        for watch in watches {
            let job = watch.until_terminal(|_| {}).await.expect("terminal");
            assert_eq!(job.state, "SUCCESSFUL");
        }
        assert_eq!(fetcher.single.load(Ordering::SeqCst), 0);
        assert_eq!(fetcher.batch.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn interval_backs_off_to_max() {
        let states: &[&'static str] = &["RUNNING"; 1];
        let fetcher = Arc::new(Scripted::new(&[(9, states)]));
        let poller = Poller::spawn(fetcher.clone(), Arc::new(RateLimiter::new(100.0, 10)));
        let _watch = poller.watch("analysis", 9, timing());
        tokio::time::sleep(Duration::from_secs(60)).await;
        // 1 s, 1.5 s, 2.25 s, 3.375 s, then every 4 s: about 15 polls in a minute, not 60.
        let polls = fetcher.single.load(Ordering::SeqCst);
        assert!((13..=17).contains(&polls), "polls = {polls}");
    }
}
