//! `seedkit status`: every migration and its state.

use super::{GlobalArgs, output};
use crate::error::{ExitCode, Result};

/// Show every migration with its state (applied, pending, changed, missing, failed)
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit status                      every migration and its state
  seedkit status --exit-code          CI gate: 7 when pending, 6 when something is wrong
  seedkit status --format json        the same as JSON on stdout")]
pub struct StatusArgs {
    /// Exit non-zero when anything is pending (7) or wrong (6), for CI gates
    #[arg(long)]
    pub exit_code: bool,
}

pub async fn run(args: &StatusArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let server = global.database()?;
    let report = crate::migrate::status(&server, &global.migrate_settings()).await?;
    output::result(&report, global.format, output::print_status)?;
    Ok(if args.exit_code {
        report.exit_code()
    } else {
        ExitCode::Success
    })
}
