//! Exit codes (a documented contract) and the errors that end a run early.

use std::process::ExitCode;

/// How a run ended, as the process exit code tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// 0: every expected record resolves correctly on every authoritative server.
    Pass,
    /// 1: at least one finding of severity error.
    Fail,
    /// 2: bad usage or bad input; nothing was checked.
    BadInput,
    /// 3: the check could not complete (no authoritative server answered).
    Incomplete,
    /// 130: stopped by Ctrl-C (SIGINT) while watching or in `bulk`, the shell's convention
    /// (128 + 2).
    Interrupted,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::BadInput => 2,
            Outcome::Incomplete => 3,
            Outcome::Interrupted => 130,
        }
    }

    /// How bad this outcome is, for "exit code = worst" in `bulk`: pass < fail < incomplete <
    /// bad input. An unchecked domain hides more than a failed one, and bad input means the
    /// file itself must be fixed.
    fn rank(self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::Incomplete => 2,
            Outcome::BadInput => 3,
            Outcome::Interrupted => 4,
        }
    }

    /// The worse of two outcomes.
    pub fn worst(self, other: Outcome) -> Outcome {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        ExitCode::from(outcome.code())
    }
}

/// Why a run stopped before it could report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The user's arguments or input files are wrong (exit 2). The message is one sentence.
    #[error("{0}")]
    BadInput(String),
    /// The check itself could not be carried out (exit 3), e.g. the demo network could not
    /// start.
    #[error("{0}")]
    CouldNotRun(String),
}

impl RunError {
    /// The outcome this error maps to.
    pub fn outcome(&self) -> Outcome {
        match self {
            RunError::BadInput(_) => Outcome::BadInput,
            RunError::CouldNotRun(_) => Outcome::Incomplete,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        assert_eq!(Outcome::Pass.code(), 0);
        assert_eq!(Outcome::Fail.code(), 1);
        assert_eq!(Outcome::BadInput.code(), 2);
        assert_eq!(Outcome::Incomplete.code(), 3);
        assert_eq!(Outcome::Interrupted.code(), 130);
    }

    #[test]
    fn worst_orders_pass_fail_incomplete_bad_input() {
        use Outcome::*;
        assert_eq!(Pass.worst(Fail), Fail);
        assert_eq!(Fail.worst(Pass), Fail);
        assert_eq!(Fail.worst(Incomplete), Incomplete);
        assert_eq!(Incomplete.worst(BadInput), BadInput);
        assert_eq!(BadInput.worst(Pass), BadInput);
    }
}
