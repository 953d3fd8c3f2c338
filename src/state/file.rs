//! Loading and atomically saving the state file.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::error::{StateError, shell_quote};
use super::migrate;
use super::model::{FORMAT_VERSION, RunState};

/// Returns the default state path for a manifest: `.slflow/<file stem>.state.json` in the
/// manifest's directory.
pub fn default_path(manifest_path: &Path) -> PathBuf {
    let dir = manifest_path.parent().unwrap_or(Path::new(""));
    let stem = manifest_path
        .file_stem()
        .map_or_else(|| OsString::from("manifest"), OsString::from);
    let mut name = stem;
    name.push(".state.json");
    dir.join(".slflow").join(name)
}

/// Returns the path of the backup that [`save`] keeps: `<state>.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    with_suffix(path, ".bak")
}

/// Loads a state file, migrating older format versions. Returns `Ok(None)` when there is no
/// state yet.
///
/// # Errors
///
/// Fails when the file cannot be read, is not a valid state (the message names the backup and
/// how to restore it), comes from a newer slflow, or is missing while its backup exists.
pub fn load(path: &Path) -> Result<Option<RunState>, StateError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let backup = backup_path(path);
            if backup.exists() {
                return Err(StateError::MissingWithBackup {
                    path: path.to_owned(),
                    backup,
                });
            }
            return Ok(None);
        }
        Err(source) => {
            return Err(StateError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };

    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|err| corrupt(path, err.to_string()))?;
    let version = format_version(&value).ok_or_else(|| {
        corrupt(
            path,
            "it has no `format_version` (or `version`) number".to_owned(),
        )
    })?;

    let mut state = match version {
        0 => migrate::from_v0(value).map_err(|detail| StateError::Migrate {
            path: path.to_owned(),
            from: 0,
            detail,
        })?,
        v if v == u64::from(FORMAT_VERSION) => {
            // Parse the bytes again rather than the Value, so that errors carry line and column.
            serde_json::from_slice::<RunState>(&bytes)
                .map_err(|err| corrupt(path, err.to_string()))?
        }
        found => {
            return Err(StateError::NewerFormat {
                path: path.to_owned(),
                found,
                supported: FORMAT_VERSION,
            });
        }
    };
    // A hand-edited file might carry user info; never hand it on.
    let url = state.server_url.take();
    state.set_server_url(url.as_deref());
    Ok(Some(state))
}

/// Saves `state` to `path` atomically, keeping the previous file as `<path>.bak`.
///
/// Increments `serial` and sets `updated_at`. The new content goes to a temporary file in the
/// same directory, which is flushed to disk before it is renamed over `path`. The directory is
/// then flushed too, so a crash at any point leaves either the old or the new state at `path`.
/// The directory is created when missing. On failure, `serial` and `updated_at` are restored.
///
/// # Errors
///
/// Fails when any write, flush or rename fails. The caller must stop the run: work done after
/// a failed save could not be resumed.
pub fn save(state: &mut RunState, path: &Path) -> Result<(), StateError> {
    let previous = (state.serial, state.updated_at);
    state.serial += 1;
    state.updated_at = Utc::now();
    let result = write_atomically(state, path);
    if result.is_err() {
        (state.serial, state.updated_at) = previous;
    }
    result
}

fn write_atomically(state: &RunState, path: &Path) -> Result<(), StateError> {
    let mut bytes = serde_json::to_vec_pretty(state).map_err(|source| StateError::Serialize {
        path: path.to_owned(),
        source,
    })?;
    bytes.push(b'\n');

    let write_err = |action: String| {
        move |source: io::Error| StateError::Write {
            path: path.to_owned(),
            action,
            source,
        }
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(write_err(format!("creating directory {}", dir.display())))?;

    let temp = with_suffix(path, ".tmp");
    write_synced(&temp, &bytes).map_err(write_err(format!("writing {}", temp.display())))?;

    if path.exists() {
        keep_backup(path).map_err(write_err(format!(
            "keeping the previous state as {}",
            backup_path(path).display()
        )))?;
    }
    fs::rename(&temp, path)
        .map_err(write_err(format!("renaming {} into place", temp.display())))?;
    sync_dir(&dir).map_err(write_err(format!("flushing directory {}", dir.display())))?;
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Points `<path>.bak` at the current file. A hard link costs no copy and leaves `path` in
/// place, so there is no moment without a state file. A copy is the fallback on file systems
/// without hard links. Either way the backup appears under its name by an atomic rename.
fn keep_backup(path: &Path) -> io::Result<()> {
    let backup_temp = with_suffix(path, ".bak.tmp");
    match fs::remove_file(&backup_temp) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
        _ => {}
    }
    if fs::hard_link(path, &backup_temp).is_err() {
        let bytes = fs::read(path)?;
        write_synced(&backup_temp, &bytes)?;
    }
    fs::rename(&backup_temp, backup_path(path))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    // Opening a directory read-only and calling fsync on it is how POSIX flushes the entries
    // that the renames above changed.
    File::open(dir)?.sync_all()
}

fn format_version(value: &serde_json::Value) -> Option<u64> {
    value
        .get("format_version")
        .or_else(|| value.get("version"))
        .and_then(serde_json::Value::as_u64)
}

fn corrupt(path: &Path, detail: String) -> StateError {
    let backup = backup_path(path);
    let hint = if backup.exists() {
        format!(
            "the previous save is kept in {}; restore it with `cp {} {}` and run again",
            backup.display(),
            shell_quote(&backup),
            shell_quote(path)
        )
    } else {
        format!(
            "there is no backup ({} does not exist); move the file aside with `mv {} {}.corrupt` \
             to start afresh (every step will then run again)",
            backup.display(),
            shell_quote(path),
            shell_quote(path)
        )
    };
    StateError::Corrupt {
        path: path.to_owned(),
        detail,
        hint,
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_path_is_beside_manifest() {
        assert_eq!(
            default_path(Path::new("examples/sat-lambda.toml")),
            PathBuf::from("examples/.slflow/sat-lambda.state.json")
        );
        assert_eq!(
            default_path(Path::new("sat.toml")),
            PathBuf::from(".slflow/sat.state.json")
        );
    }
}
