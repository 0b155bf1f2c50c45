//! `seedkit repair`: accept an intentionally edited migration file.

use super::{GlobalArgs, output};
use crate::error::{ExitCode, Result};
use crate::migrate::runner::version_arg;

/// Re-record the checksum of an applied migration whose file was edited on purpose
/// (or forget a failed no-transaction run so `migrate` runs it again)
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit repair 7        accept the edited file of applied migration 7 (re-record its checksum)
  seedkit repair 016      forget the failed no-transaction run of 016 so `seedkit migrate` runs it again")]
pub struct RepairArgs {
    /// The applied version whose file changed
    pub version: String,
}

pub async fn run(args: &RepairArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let server = global.database()?;
    let version = version_arg(&args.version)?;
    let report = crate::migrate::repair(&server, &global.migrate_settings(), version).await?;
    output::result(&report, global.format, output::print_repair)?;
    Ok(ExitCode::Success)
}
