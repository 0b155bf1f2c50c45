//! `seedkit migrate`: apply pending migrations under the lock.

use super::{GlobalArgs, output};
use crate::error::{ExitCode, Result};
use crate::migrate::MigrateOptions;
use crate::migrate::runner::folder_version_arg;

/// Apply pending migrations (all of them, or up to --to VERSION)
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit migrate                          apply everything pending
  seedkit migrate --to 012 --dry-run       show what would run up to 012, change nothing
  seedkit --format json migrate            the applied steps as JSON on stdout")]
pub struct MigrateArgs {
    /// Stop after applying this version (014, 14 and 0014 are the same)
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,

    /// Print what would be applied, change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Apply a pending version lower than the highest applied one
    #[arg(long, hide_env_values = true, env = "SEEDKIT_ALLOW_OUT_OF_ORDER")]
    pub allow_out_of_order: bool,
}

pub async fn run(args: &MigrateArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let server = global.database()?;
    let settings = global.migrate_settings();
    let options = MigrateOptions {
        to: args
            .to
            .as_deref()
            .map(|to| folder_version_arg(&settings, to))
            .transpose()?,
        dry_run: args.dry_run,
        allow_out_of_order: args.allow_out_of_order,
    };
    let report = crate::migrate::migrate(&server, &settings, &options).await?;
    output::result(&report, global.format, |r| {
        output::print_run(r, "apply", "applied")
    })?;
    Ok(ExitCode::Success)
}
