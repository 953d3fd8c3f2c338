//! The SMRT Link simulator: an axum router over an in-memory store, a job engine with quick
//! and general worker pools, a simulated instrument for imported run designs, and (optionally)
//! the API gateway, TLS, fault injection and persistence.
//!
//! Tests and `slflow apply --sim` call [`spawn`], which serves on 127.0.0.1 in the background;
//! `slflow sim` serves on `--listen` until Ctrl-C.

mod config;
mod engine;
mod error;
mod faults;
mod gateway;
mod instrument;
mod jobs;
mod jobtypes;
pub mod models;
mod outputs;
mod pipelines;
mod reports;
mod routes;
mod rundesign;
mod search;
mod server;
mod store;
mod tls;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use anyhow::Context;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use config::SimConfig;
pub use error::ApiError;
pub use gateway::{CLIENT_ID, CLIENT_SECRET};
pub use routes::router;
pub use server::{SimHandle, spawn, spawn_simulator};
use store::Store;

/// A simulator instance. Cloning shares the same store and engine.
#[derive(Clone)]
pub struct Simulator {
    pub(crate) inner: Arc<SimInner>,
}

pub(crate) struct SimInner {
    pub config: SimConfig,
    pub store: Mutex<Store>,
    /// Wakes idle workers when a job is submitted.
    pub wake: Notify,
    /// Per running job: notified when the job is terminated.
    pub cancels: Mutex<HashMap<i64, Arc<Notify>>>,
    pub started_at: Instant,
    pub status_uuid: Uuid,
    /// Directory holding `jobs_root/` and `runs/`.
    pub root: PathBuf,
    /// Set when `root` is a temporary directory to remove on drop.
    pub remove_root: bool,
    pub tasks: Mutex<Vec<JoinHandle<()>>>,
    pub started: AtomicBool,
    /// Bumped on every change; the persistence task saves when it moves.
    pub revision: AtomicU64,
    /// Jobs found RUNNING when a persisted store was loaded; workers pick them up first.
    pub resume: Mutex<Vec<i64>>,
    pub tokens: Mutex<gateway::Tokens>,
    pub faults: faults::Faults,
    /// Held while the store is written to `data_dir`: the persistence task and `stop` may save
    /// at the same moment, and they share one temporary file.
    pub saving: Mutex<()>,
}

impl Drop for SimInner {
    fn drop(&mut self) {
        if self.remove_root {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

impl Simulator {
    /// Creates a simulator: an empty store (or the one persisted in `data_dir`) and its
    /// directories. Nothing runs until [`Simulator::start`] or [`spawn`].
    ///
    /// # Errors
    /// Invalid settings, a directory that cannot be created, or a persisted store that cannot
    /// be read.
    pub fn new(config: SimConfig) -> anyhow::Result<Simulator> {
        config.validate()?;
        let (root, remove_root) = match &config.data_dir {
            Some(dir) => (dir.clone(), false),
            None => (temp_root(), true),
        };
        for sub in ["jobs_root", "runs"] {
            let dir = root.join(sub);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create simulator directory {}", dir.display()))?;
        }
        let (store, resume) = match &config.data_dir {
            Some(dir) => server::load_store(dir, config.seed)?,
            None => (Store::new(config.seed), Vec::new()),
        };
        let config_seed = config.seed;
        let status_uuid = Uuid::new_v5(
            &Uuid::NAMESPACE_OID,
            format!("slflow-sim-{}", config.seed).as_bytes(),
        );
        Ok(Simulator {
            inner: Arc::new(SimInner {
                config,
                store: Mutex::new(store),
                wake: Notify::new(),
                cancels: Mutex::new(HashMap::new()),
                started_at: Instant::now(),
                status_uuid,
                root,
                remove_root,
                tasks: Mutex::new(Vec::new()),
                started: AtomicBool::new(false),
                revision: AtomicU64::new(0),
                resume: Mutex::new(resume),
                tokens: Mutex::new(gateway::Tokens::default()),
                faults: faults::Faults::new(config_seed),
                saving: Mutex::new(()),
            }),
        })
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// Directory under which job directories (`000/000123`) are created.
    pub fn jobs_root(&self) -> PathBuf {
        self.inner.root.join("jobs_root")
    }

    /// Directory under which the simulated instrument writes collections.
    pub fn runs_root(&self) -> PathBuf {
        self.inner.root.join("runs")
    }

    /// Directory holding `jobs_root/`, `runs/` and, with TLS, `ca.pem`: `--data-dir`, or a
    /// temporary directory removed when the simulator is dropped.
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    /// Starts the job workers and resumes instruments on the current tokio runtime. Calling it
    /// again does nothing.
    pub fn start(&self) {
        if self.inner.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let mut handles = engine::start_workers(self);
        handles.extend(instrument::resume_runs(self));
        if self.config().data_dir.is_some() {
            handles.push(server::start_persistence(self));
        }
        lock(&self.inner.tasks).extend(handles);
    }

    /// Stops the workers and instruments; a store persisted in `data_dir` is saved first.
    pub fn stop(&self) {
        for handle in lock(&self.inner.tasks).drain(..) {
            handle.abort();
        }
        if let Some(dir) = &self.config().data_dir
            && let Err(e) = server::save_store(self, dir)
        {
            tracing::error!(
                "saving the simulator store in {} failed: {e:#}",
                dir.display()
            );
        }
        self.inner.started.store(false, Ordering::SeqCst);
    }

    /// Locks the store. A panic while it was held leaves the data usable, so poisoning is
    /// ignored.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner.store)
    }

    /// Records that the store changed, for persistence.
    pub(crate) fn touch(&self) {
        self.inner.revision.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn spawn_task(&self, handle: JoinHandle<()>) {
        lock(&self.inner.tasks).push(handle);
    }

    /// Moves an unfinished job to ABORTED, as SMRT Link does when Cromwell aborts a workflow.
    /// It is a test hook because no API route leads there. Returns false when the job is
    /// unknown or already finished.
    pub fn abort_job(&self, id: i64) -> bool {
        let mut store = self.store();
        let open = store
            .jobs
            .get(&id)
            .is_some_and(|r| !r.job.state.is_completed());
        if open {
            engine::set_state(
                &mut store,
                id,
                models::JobState::Aborted,
                "Job aborted",
                Some("Aborted by the workflow engine".into()),
            );
            if let Some(cancel) = lock(&self.inner.cancels).get(&id) {
                cancel.notify_one();
            }
        }
        drop(store);
        self.touch();
        open
    }

    pub(crate) fn job_dir(&self, id: i64) -> PathBuf {
        job_dir(&self.jobs_root(), id)
    }
}

/// Returns `<jobs_root>/<first 3 of 6 digits>/<6 digits>`, e.g. 8767 -> `008/008767`.
pub(crate) fn job_dir(jobs_root: &Path, id: i64) -> PathBuf {
    let six = format!("{id:06}");
    jobs_root.join(&six[..3]).join(six)
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn temp_root() -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("slflow-sim-{}-{nanos}-{n}", std::process::id()))
}
