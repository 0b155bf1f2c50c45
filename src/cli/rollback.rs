//! `seedkit rollback`: run down scripts, newest first.

use super::GlobalArgs;
use crate::error::{Error, ExitCode, Result};

/// Undo VERSION and every migration applied after it, newest first
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["version", "steps", "all"])))]
pub struct RollbackArgs {
    /// Undo this version and every applied version after it (`rollback 014` leaves 013 as the latest)
    pub version: Option<String>,

    /// Undo the last N applied migrations
    #[arg(long, value_name = "N")]
    pub steps: Option<u32>,

    /// Undo every applied migration
    #[arg(long)]
    pub all: bool,

    /// Print what would be undone, change nothing
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(_args: &RollbackArgs, _global: &GlobalArgs) -> Result<ExitCode> {
    Err(Error::usage("`seedkit rollback` is not implemented yet"))
}
