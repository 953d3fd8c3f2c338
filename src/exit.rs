//! Process exit codes. Every code here is part of the command-line contract and is covered by an
//! end-to-end test.

use std::fmt;

/// The outcome of a command, as the process exit code reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exit {
    /// Everything succeeded (for `plan --detailed-exitcode`: nothing to do).
    Success,
    /// A bug in slflow: an invariant broke or an unexpected condition was hit (for
    /// `plan --detailed-exitcode`: any error).
    Internal,
    /// A usage or manifest error (for `plan --detailed-exitcode`: work to do).
    Usage,
    /// A step failed: a server job failed or timed out, or an API call failed for good.
    StepFailed,
    /// Every step succeeded but an acceptance check failed.
    CheckFailed,
    /// Interrupted by Ctrl-C or SIGTERM; state was saved.
    Interrupted,
}

impl Exit {
    /// Returns the numeric process exit code.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Internal => 1,
            Exit::Usage => 2,
            Exit::StepFailed => 3,
            Exit::CheckFailed => 4,
            Exit::Interrupted => 130,
        }
    }

    /// Combines two outcomes: a step failure wins over a check failure, which wins over success.
    #[must_use]
    pub fn worst(self, other: Exit) -> Exit {
        fn rank(e: Exit) -> u8 {
            match e {
                Exit::Success => 0,
                Exit::CheckFailed => 1,
                Exit::StepFailed => 2,
                Exit::Usage => 3,
                Exit::Interrupted => 4,
                Exit::Internal => 5,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

/// A command that could not complete: the exit code to use and the error to print.
pub struct Failure {
    pub exit: Exit,
    pub report: miette::Report,
}

impl Failure {
    /// Creates a usage or manifest error (exit 2).
    pub fn usage(report: impl Into<miette::Report>) -> Self {
        Failure {
            exit: Exit::Usage,
            report: report.into(),
        }
    }

    /// Creates a runtime failure talking to the server or running a step (exit 3).
    pub fn runtime(report: impl Into<miette::Report>) -> Self {
        Failure {
            exit: Exit::StepFailed,
            report: report.into(),
        }
    }

    /// Creates an internal error (exit 1).
    pub fn internal(report: impl Into<miette::Report>) -> Self {
        Failure {
            exit: Exit::Internal,
            report: report.into(),
        }
    }

    /// Wraps any error with a chosen exit code, keeping its cause chain.
    pub fn with_exit(exit: Exit, err: anyhow::Error) -> Self {
        Failure {
            exit,
            report: miette::miette!("{err:#}"),
        }
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Failure({:?}): {:?}", self.exit, self.report)
    }
}

/// Result type of every command.
pub type CommandResult = Result<Exit, Failure>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_failure_wins_over_check_failure() {
        assert_eq!(Exit::CheckFailed.worst(Exit::StepFailed), Exit::StepFailed);
        assert_eq!(Exit::StepFailed.worst(Exit::CheckFailed), Exit::StepFailed);
        assert_eq!(Exit::Success.worst(Exit::CheckFailed), Exit::CheckFailed);
    }

    #[test]
    fn codes_match_contract() {
        let codes: Vec<u8> = [
            Exit::Success,
            Exit::Internal,
            Exit::Usage,
            Exit::StepFailed,
            Exit::CheckFailed,
            Exit::Interrupted,
        ]
        .iter()
        .map(|e| e.code())
        .collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 130]);
    }
}
