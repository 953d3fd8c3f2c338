//! The advisory lock beside a state file, so that two runs never write the same state.
//!
//! The lock file `<state>.lock` is created with `O_EXCL` and then held with `flock`, and it
//! contains the holder's pid, host and start time as JSON. The kernel releases a `flock` when
//! its holder dies, so a lock file whose `flock` is free was left behind by a process that did
//! not clean up. Such a lock is reported as stale when its pid is gone from this host. It is
//! never removed silently, because the user should see that a run ended badly.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::LockError;

/// Times to retry when the lock file changes under us (created, released or being written by
/// another process at the same moment). Each retry waits [`RETRY_DELAY`].
const MAX_ATTEMPTS: u32 = 20;
const RETRY_DELAY: Duration = Duration::from_millis(25);

/// Holder of a lock, as stored in the lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    pub pid: u32,
    pub host: String,
    pub since: DateTime<Utc>,
}

/// A held lock on a state file. Dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub struct StateLock {
    path: PathBuf,
    info: LockInfo,
    // Holds the flock; it is released when the file is closed on drop.
    _file: File,
}

impl StateLock {
    /// Takes the lock on `state_path`, creating its directory when missing.
    ///
    /// # Errors
    ///
    /// Fails at once, without waiting, when another process holds the lock
    /// ([`LockError::Held`]), when a dead process left it behind ([`LockError::Stale`]), or when
    /// the lock file is unreadable.
    pub fn acquire(state_path: &Path) -> Result<StateLock, LockError> {
        let path = lock_path(state_path);
        let io_err = |action: &str| {
            let lock = path.clone();
            let action = action.to_owned();
            move |source: io::Error| LockError::Io {
                lock,
                action,
                source,
            }
        };
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(io_err("creating its directory"))?;
        }

        for _ in 0..MAX_ATTEMPTS {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return take_new(path, file),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(io_err("creating the lock file")(err)),
            }
            match inspect_existing(state_path, &path)? {
                Inspection::Retry => thread::sleep(RETRY_DELAY),
                Inspection::Refused(err) => return Err(err),
            }
        }
        Err(LockError::Io {
            lock: path,
            action: format!("the lock file kept changing over {MAX_ATTEMPTS} attempts"),
            source: io::Error::from(io::ErrorKind::WouldBlock),
        })
    }

    /// Returns the lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns what this lock file records about its holder.
    pub fn info(&self) -> &LockInfo {
        &self.info
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Remove the file while the flock is still held. A waiting process then cannot take
        // this file's flock and mistake it for a stale lock (see `inspect_existing`).
        if let Err(err) = fs::remove_file(&self.path) {
            tracing::warn!(lock = %self.path.display(), error = %err, "failed to remove lock file");
        }
    }
}

/// Returns the lock file path for a state file: `<state>.lock`.
pub fn lock_path(state_path: &Path) -> PathBuf {
    let mut name = state_path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn take_new(path: PathBuf, mut file: File) -> Result<StateLock, LockError> {
    let io_err = |action: &str, source: io::Error| LockError::Io {
        lock: path.clone(),
        action: action.to_owned(),
        source,
    };
    // Another process may have opened the new file to inspect it and hold its flock for a
    // moment; wait for that instead of failing.
    file.lock()
        .map_err(|err| io_err("locking the lock file", err))?;
    let info = LockInfo {
        pid: std::process::id(),
        host: hostname(),
        since: Utc::now(),
    };
    let text = serde_json::to_string(&info)
        .map_err(|err| io_err("encoding the holder", io::Error::other(err)))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|err| io_err("writing the holder", err))?;
    Ok(StateLock {
        path,
        info,
        _file: file,
    })
}

enum Inspection {
    Retry,
    Refused(LockError),
}

fn inspect_existing(state_path: &Path, path: &Path) -> Result<Inspection, LockError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        // Released between our create and this open: try to create it again.
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Inspection::Retry),
        Err(source) => {
            return Err(LockError::Io {
                lock: path.to_owned(),
                action: "opening the existing lock file".into(),
                source,
            });
        }
    };
    let flock_held = match file.try_lock() {
        Ok(()) => false,
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(source)) => {
            return Err(LockError::Io {
                lock: path.to_owned(),
                action: "testing the existing lock".into(),
                source,
            });
        }
    };
    if !flock_held && !still_at_path(&file, path) {
        // The holder removed this file and released it; the name is free or newly taken.
        return Ok(Inspection::Retry);
    }

    let mut text = String::new();
    if let Err(source) = file.read_to_string(&mut text) {
        return Err(LockError::Io {
            lock: path.to_owned(),
            action: "reading the existing lock file".into(),
            source,
        });
    }
    if text.is_empty() {
        if flock_held {
            // Its creator has not written the holder yet.
            return Ok(Inspection::Retry);
        }
        // Nobody holds it: its creator stopped between creating and writing it.
        return Ok(Inspection::Refused(LockError::Invalid {
            lock: path.to_owned(),
            detail: "the lock file is empty and no process holds it; the process that created \
                     it stopped before writing its pid"
                .into(),
        }));
    }
    let info: LockInfo = match serde_json::from_str(&text) {
        Ok(info) => info,
        Err(err) => {
            return Ok(Inspection::Refused(LockError::Invalid {
                lock: path.to_owned(),
                detail: err.to_string(),
            }));
        }
    };

    let state = state_path.to_owned();
    let on_this_host = info.host == hostname();
    let error = if flock_held {
        LockError::Held {
            state,
            pid: info.pid,
            host: info.host,
            since: info.since,
            hint: "another slflow is working on this state; wait for it to finish or stop it"
                .into(),
        }
    } else if on_this_host && !process_alive(info.pid) {
        LockError::Stale {
            state,
            lock: path.to_owned(),
            pid: info.pid,
            host: info.host,
            since: info.since,
        }
    } else {
        // The flock is free but the holder cannot be shown to be gone: it runs on another
        // host (whose flock this host may not see), or its pid now belongs to another process.
        let hint = format!(
            "if pid {} on {} is not slflow working on this state, remove the lock with `rm {}`",
            info.pid,
            info.host,
            super::error::shell_quote(path)
        );
        LockError::Held {
            state,
            pid: info.pid,
            host: info.host,
            since: info.since,
            hint,
        }
    };
    Ok(Inspection::Refused(error))
}

fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

#[cfg(unix)]
fn still_at_path(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at_path(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Returns whether a process with this pid exists on this host. Only a definite "no such
/// process" counts as gone; a pid that we may not signal (EPERM) exists.
#[cfg(unix)]
#[allow(unsafe_code)]
fn process_alive(pid: u32) -> bool {
    // Pid 0 and values that overflow pid_t would make kill() address a process group.
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    if pid <= 0 {
        return true;
    }
    // SAFETY: kill() with signal 0 sends nothing; it only checks that the pid exists and
    // that we may signal it. It has no memory-safety preconditions.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}
