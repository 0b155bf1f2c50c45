//! Cache (Redis) errors.

use crate::error::{Diagnostic, ExitCode};

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{0}")]
    Other(String),
}

impl Diagnostic for CacheError {
    fn exit_code(&self) -> ExitCode {
        ExitCode::CacheFailed
    }
}
