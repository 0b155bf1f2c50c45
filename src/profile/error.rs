//! Profile errors: each names the profile file, line and column.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Diagnostic, ExitCode};

/// Where something is in a profile file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The profile disagrees with the live database catalog (unknown table
    /// or column, a type that cannot be encoded, a NOT NULL column without a
    /// generator, a child table loaded before its parent).
    #[error("{location}: {message}")]
    Catalog {
        location: Location,
        message: String,
        hint: Option<String>,
    },
    #[error("{0}")]
    Other(String),
}

impl Diagnostic for ProfileError {
    fn exit_code(&self) -> ExitCode {
        ExitCode::ProfileInvalid
    }

    fn hint(&self) -> Option<String> {
        match self {
            ProfileError::Catalog { hint, .. } => hint.clone(),
            ProfileError::Other(_) => None,
        }
    }
}
