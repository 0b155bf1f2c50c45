//! `seedkit baseline`: take over a database another tool migrated (or one
//! built by hand) by recording what is applied, without running anything.

use super::{GlobalArgs, output};
use crate::error::{ExitCode, Result};
use crate::migrate::baseline::{BaselineFrom, Tool};

/// Record migrations as applied without running them: those another tool's history table
/// lists (--from TOOL), or every migration up to VERSION for a database built by hand
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit baseline --from golang-migrate --dry-run   # what would be recorded
  seedkit baseline --from flyway --table app.flyway_schema_history
  seedkit baseline 014                                # built by hand up to 014")]
#[command(group(clap::ArgGroup::new("source").required(true).args(["version", "from"])))]
pub struct BaselineArgs {
    /// Record every migration up to this version as applied
    pub version: Option<String>,

    /// Read what is applied from this tool's history table (left unchanged)
    #[arg(long, value_enum, value_name = "TOOL")]
    pub from: Option<Tool>,

    /// The tool's history table when it is not the tool's default (schema.table allowed)
    #[arg(long, requires = "from", value_name = "NAME")]
    pub table: Option<String>,

    /// Print what would be recorded, change nothing
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(args: &BaselineArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let server = global.database()?;
    let from = match (&args.from, &args.version) {
        (Some(tool), _) => BaselineFrom::Tool {
            tool: *tool,
            table: args.table.clone(),
        },
        (None, Some(version)) => BaselineFrom::UpTo(version.clone()),
        (None, None) => unreachable!("clap requires VERSION or --from"),
    };
    let settings = global.migrate_settings();
    let report =
        crate::migrate::baseline::baseline(&server, &settings, &from, args.dry_run).await?;
    output::result(&report, global.format, output::print_baseline)?;
    Ok(ExitCode::Success)
}
