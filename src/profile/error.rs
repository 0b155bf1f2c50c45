//! Profile errors: each names the profile file, line and column.

use crate::error::{Diagnostic, ExitCode};

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{0}")]
    Other(String),
}

impl Diagnostic for ProfileError {
    fn exit_code(&self) -> ExitCode {
        ExitCode::ProfileInvalid
    }
}
