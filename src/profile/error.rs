//! Profile errors: each names the profile file, line and column.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Diagnostic, ExitCode};

/// Where something is in a profile file (1-based line and column).
///
/// Values given with `--set KEY=VALUE` are located in the argument itself:
/// the file reads `--set KEY=VALUE` and the line is 1.
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
    /// The profile file (or one it extends) could not be read.
    #[error("cannot read profile {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
        hint: Option<String>,
    },
    /// The file is not valid TOML.
    #[error("{location}: invalid TOML: {message}")]
    Syntax { location: Location, message: String },
    /// The profile is valid TOML but says something seedkit cannot do.
    #[error("{location}: {message}")]
    Invalid {
        location: Location,
        message: String,
        hint: Option<String>,
    },
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

impl ProfileError {
    /// A profile mistake at `location`, with an optional hint.
    pub fn invalid(location: &Location, message: impl Into<String>) -> Self {
        ProfileError::Invalid {
            location: location.clone(),
            message: message.into(),
            hint: None,
        }
    }

    /// Adds (or replaces) the hint of an `Invalid`, `Catalog` or `Read` error.
    pub fn with_hint(mut self, text: impl Into<String>) -> Self {
        match &mut self {
            ProfileError::Invalid { hint, .. }
            | ProfileError::Catalog { hint, .. }
            | ProfileError::Read { hint, .. } => *hint = Some(text.into()),
            ProfileError::Syntax { .. } | ProfileError::Other(_) => {}
        }
        self
    }

    /// Where the error points, when it points somewhere.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ProfileError::Syntax { location, .. }
            | ProfileError::Invalid { location, .. }
            | ProfileError::Catalog { location, .. } => Some(location),
            ProfileError::Read { .. } | ProfileError::Other(_) => None,
        }
    }
}

impl Diagnostic for ProfileError {
    fn exit_code(&self) -> ExitCode {
        ExitCode::ProfileInvalid
    }

    fn hint(&self) -> Option<String> {
        match self {
            ProfileError::Read { hint, .. }
            | ProfileError::Invalid { hint, .. }
            | ProfileError::Catalog { hint, .. } => hint.clone(),
            ProfileError::Syntax { .. } => {
                Some("fix the TOML at that line and column (see docs/profiles.md)".into())
            }
            ProfileError::Other(_) => None,
        }
    }
}
