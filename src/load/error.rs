//! Load errors.

use crate::error::{Diagnostic, ExitCode};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Other(String),
}

impl Diagnostic for LoadError {
    fn exit_code(&self) -> ExitCode {
        ExitCode::SeedFailed
    }
}
