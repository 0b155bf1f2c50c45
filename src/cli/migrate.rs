//! `seedkit migrate`: apply pending migrations under the lock.

use super::GlobalArgs;
use crate::error::{Error, ExitCode, Result};

/// Apply pending migrations (all of them, or up to --to VERSION)
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Stop after applying this version (014, 14 and 0014 are the same)
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,

    /// Print what would be applied, change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Apply a pending version lower than the highest applied one
    #[arg(long, env = "SEEDKIT_ALLOW_OUT_OF_ORDER")]
    pub allow_out_of_order: bool,
}

pub async fn run(_args: &MigrateArgs, _global: &GlobalArgs) -> Result<ExitCode> {
    Err(Error::usage("`seedkit migrate` is not implemented yet"))
}
