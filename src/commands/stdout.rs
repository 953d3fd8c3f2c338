//! The one place where commands write their results to stdout.

use std::io::{self, Write as _};

use crate::exit::Failure;

/// Writes `text` to stdout and flushes it. A closed pipe (as with `| head`) is not an error:
/// the reader has all it wanted, so the command goes on and exits as it would have.
///
/// # Errors
///
/// Any other write failure (e.g. a full disk behind a redirect) is an internal error (exit 1).
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    write_stdout_bytes(text.as_bytes())
}

/// Writes raw bytes to stdout, like [`write_stdout`].
///
/// # Errors
///
/// As for [`write_stdout`].
pub fn write_stdout_bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => Err(Failure::internal(
            miette::miette!("failed to write to stdout: {err}"),
        )),
        _ => Ok(()),
    }
}
