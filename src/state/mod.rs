//! The state file: its format, atomic save, lock, fingerprints and resume rules.
//!
//! One JSON file per manifest records every step instance of the last runs (see [`RunState`]).
//! The coordinator of `apply` owns the state in memory and calls [`save`] after every
//! transition; `status`, `plan` and `report` read it with [`load`]. Step options and outputs are
//! plain JSON here, so this module depends on neither the plan nor the client.

mod error;
mod file;
mod fingerprint;
mod lock;
mod migrate;
mod model;
mod resume;

pub use error::{LockError, StateError};
pub use file::{backup_path, default_path, load, save};
pub use fingerprint::{fingerprint, redact_url, submission_tag};
pub use lock::{LockInfo, StateLock, lock_path};
pub use model::{
    CheckOp, CheckResult, FORMAT_VERSION, JobRef, ManifestRef, Outcome, RunState, StepRecord,
    StepStatus, StepTimes,
};
pub use resume::{RerunReason, ResumeAction, resume_action};
