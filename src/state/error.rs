//! Errors from loading and saving the state file and from taking its lock.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// A state file that could not be read, understood or written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StateError {
    #[error("failed to read state file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("state file {} is corrupt: {detail}", path.display())]
    Corrupt {
        path: PathBuf,
        detail: String,
        #[help]
        hint: String,
    },

    #[error(
        "state file {} has format version {found}, but this slflow reads versions up to {supported}",
        path.display()
    )]
    #[diagnostic(help("it was written by a newer slflow; run that version, or upgrade this one"))]
    NewerFormat {
        path: PathBuf,
        found: u64,
        supported: u32,
    },

    #[error("failed to migrate state file {} from format version {from}: {detail}", path.display())]
    #[diagnostic(help(
        "the file may have been edited by hand; restore it from a copy or its .bak"
    ))]
    Migrate {
        path: PathBuf,
        from: u64,
        detail: String,
    },

    #[error("state file {} is missing, but its backup {} exists", path.display(), backup.display())]
    #[diagnostic(help(
        "restore the last saved state with `mv {} {}`, or start afresh with `rm {}` (every step \
         will then run again)",
        shell_quote(backup),
        shell_quote(path),
        shell_quote(backup)
    ))]
    MissingWithBackup { path: PathBuf, backup: PathBuf },

    #[error("failed to save state file {}: {action}", path.display())]
    #[diagnostic(help(
        "the run stops here because its progress could not be recorded; free disk \
                       space or fix permissions, then run again to resume"
    ))]
    Write {
        path: PathBuf,
        action: String,
        #[source]
        source: io::Error,
    },

    #[error("failed to serialise the state for {}", path.display())]
    Serialize {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// A lock on a state file that could not be taken.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LockError {
    #[error(
        "state {} is locked by pid {pid} on {host} since {}",
        state.display(),
        since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )]
    Held {
        state: PathBuf,
        pid: u32,
        host: String,
        since: DateTime<Utc>,
        #[help]
        hint: String,
    },

    #[error(
        "state {} has a stale lock: pid {pid} on {host} (since {}) is no longer running",
        state.display(),
        since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )]
    #[diagnostic(help(
        "remove the lock with `rm {}` and run the command again",
        shell_quote(lock)
    ))]
    Stale {
        state: PathBuf,
        lock: PathBuf,
        pid: u32,
        host: String,
        since: DateTime<Utc>,
    },

    #[error("lock file {} exists but is not a valid slflow lock: {detail}", lock.display())]
    #[diagnostic(help(
        "if no slflow is running on this state, remove the lock with `rm {}`",
        shell_quote(lock)
    ))]
    Invalid { lock: PathBuf, detail: String },

    #[error("failed to take lock {}: {action}", lock.display())]
    Io {
        lock: PathBuf,
        action: String,
        #[source]
        source: io::Error,
    },
}

/// Quotes a path for a POSIX shell when it contains anything beyond common path characters.
pub(crate) fn shell_quote(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c));
    if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_leaves_plain_paths() {
        assert_eq!(
            shell_quote(Path::new(".slflow/sat.state.json")),
            ".slflow/sat.state.json"
        );
    }

    #[test]
    fn shell_quote_quotes_spaces_and_quotes() {
        assert_eq!(shell_quote(Path::new("my dir/it's")), r"'my dir/it'\''s'");
    }
}
