//! `seedkit rollback`: run down scripts, newest first.

use super::{GlobalArgs, confirm, output};
use crate::error::{ExitCode, Result};
use crate::migrate::RollbackTarget;
use crate::migrate::runner::folder_version_arg;

/// Undo VERSION and every migration applied after it, newest first
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit rollback 014             undo 014 and every migration applied after it
  seedkit rollback --steps 1       undo the last applied migration
  seedkit rollback --all --dry-run show what undoing everything would run")]
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

pub async fn run(args: &RollbackArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let server = global.database()?;
    let settings = global.migrate_settings();
    let target = match (&args.version, args.steps) {
        (Some(version), _) => RollbackTarget::Version(folder_version_arg(&settings, version)?),
        (None, Some(steps)) => RollbackTarget::Steps(steps),
        (None, None) => RollbackTarget::All,
    };
    // How many a VERSION undoes is known only once connected; it may be
    // several, so it asks like --all does.
    let several = !matches!(target, RollbackTarget::Steps(0 | 1));
    if several && !args.dry_run {
        confirm::destructive("roll back several migrations", &server.url, global.yes)?;
    }
    let report = crate::migrate::rollback(&server, &settings, target, args.dry_run).await?;
    output::result(&report, global.format, |r| {
        output::print_run(r, "roll back", "rolled back")
    })?;
    Ok(ExitCode::Success)
}
