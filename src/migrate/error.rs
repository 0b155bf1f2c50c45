//! What can go wrong with migrations, each with its exit code and a hint.

use crate::error::{Diagnostic, ExitCode};

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("{0}")]
    Other(String),
}

impl Diagnostic for MigrateError {
    fn exit_code(&self) -> ExitCode {
        match self {
            MigrateError::Other(_) => ExitCode::Failure,
        }
    }
}
