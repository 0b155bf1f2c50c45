//! `seedkit status`: every migration and its state.

use super::GlobalArgs;
use crate::error::{Error, ExitCode, Result};

/// Show every migration with its state (applied, pending, changed, missing, failed)
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Exit non-zero when anything is pending (7) or wrong (6), for CI gates
    #[arg(long)]
    pub exit_code: bool,
}

pub async fn run(_args: &StatusArgs, _global: &GlobalArgs) -> Result<ExitCode> {
    Err(Error::usage("`seedkit status` is not implemented yet"))
}
