//! `seedkit migrate`: apply pending migrations under the lock.

use super::GlobalArgs;
use crate::error::{ExitCode, Result};
use crate::migrate::runner::{RunReport, version_arg};
use crate::migrate::{HistoryTable, MigrateOptions, Settings};
use crate::ui::Format;

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

pub async fn run(args: &MigrateArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let url = global.database_url()?;
    let options = MigrateOptions {
        to: args.to.as_deref().map(version_arg).transpose()?,
        dry_run: args.dry_run,
        allow_out_of_order: args.allow_out_of_order,
    };
    let report = crate::migrate::migrate(url, &settings(global), &options).await?;
    print_run(&report, global.format, "apply", "applied");
    Ok(ExitCode::Success)
}

/// `println!` that ignores a closed stdout (`seedkit status | head`)
/// instead of panicking on the broken pipe.
macro_rules! emit {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
pub(super) use emit;

/// The migration settings the global options describe.
pub(super) fn settings(global: &GlobalArgs) -> Settings {
    Settings {
        dir: global.migrations_dir.clone(),
        history: HistoryTable::new(&global.history_schema, &global.history_table),
        lock_timeout: global.lock_timeout,
    }
}

/// Prints what `migrate` or `rollback` did (stdout: it is the result).
pub(super) fn print_run(report: &RunReport, format: Format, verb: &str, done: &str) {
    if format == Format::Json {
        emit!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
        return;
    }
    let at = report.current.map_or_else(
        || "no migration applied".to_string(),
        |v| format!("at version {v}"),
    );
    let count = report.steps.len();
    let plural = if count == 1 { "" } else { "s" };
    if report.dry_run {
        if count == 0 {
            emit!("dry run: nothing to {verb} ({at})");
            return;
        }
        emit!("dry run: would {verb} {count} migration{plural} ({at} now):");
        for step in &report.steps {
            let mode = if step.no_transaction {
                "  (no transaction)"
            } else {
                ""
            };
            emit!("  {} {}{mode}", step.version_text, step.name);
        }
    } else if count == 0 {
        emit!("nothing to {verb}: {at}");
    } else {
        emit!(
            "{done} {count} migration{plural} in {}, {at}",
            crate::ui::secs(std::time::Duration::from_millis(report.elapsed_ms))
        );
    }
}
