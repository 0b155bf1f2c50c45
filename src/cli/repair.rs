//! `seedkit repair`: accept an intentionally edited migration file.

use super::GlobalArgs;
use crate::error::{Error, ExitCode, Result};

/// Re-record the checksum of an applied migration whose file was edited on purpose
#[derive(Debug, clap::Args)]
pub struct RepairArgs {
    /// The applied version whose file changed
    pub version: String,
}

pub async fn run(_args: &RepairArgs, _global: &GlobalArgs) -> Result<ExitCode> {
    Err(Error::usage("`seedkit repair` is not implemented yet"))
}
