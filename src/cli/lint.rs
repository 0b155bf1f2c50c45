//! `seedkit lint`: flag statements that are dangerous on a live database.

use std::path::PathBuf;

use super::{GlobalArgs, output};
use crate::error::{ExitCode, Result};
use crate::lint::{Input, LintOptions, LintReport};
use crate::migrate::plan::State;
use crate::migrate::source::{self, has_no_transaction_directive};

/// Flag statements that lock or rewrite tables in use (exit 12 when any is found).
/// Without FILE: the up scripts of migrations not applied yet to --database-url,
/// or of every migration when no database URL is given
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// SQL files to lint instead of the migrations folder
    pub files: Vec<PathBuf>,

    /// Lint every migration's up script, applied or not
    #[arg(long, conflicts_with = "files")]
    pub all: bool,

    /// Also flag several DDL statements in one transaction (CockroachDB)
    #[arg(long, env = "SEEDKIT_LINT_COCKROACHDB")]
    pub cockroachdb: bool,
}

pub async fn run(args: &LintArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let files = files_to_lint(args, global).await?;
    let options = LintOptions {
        cockroachdb: args.cockroachdb,
    };
    let mut report = LintReport::default();
    for path in &files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| crate::Error::usage(format!("cannot read {}: {e}", path.display())))?;
        report.add(
            &Input {
                path,
                text: &text,
                in_transaction: !has_no_transaction_directive(&text),
            },
            options,
        );
    }
    output::result(&report, global.format, output::print_lint)?;
    Ok(if report.findings.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::LintFlagged
    })
}

/// The files named, else the pending (or all) migrations' up scripts.
async fn files_to_lint(args: &LintArgs, global: &GlobalArgs) -> Result<Vec<PathBuf>> {
    if !args.files.is_empty() {
        return Ok(args.files.clone());
    }
    let settings = global.migrate_settings();
    let source = source::read(&settings.dir)?;
    let url = match (&global.database_url, args.all) {
        (Some(url), false) => url,
        _ => {
            return Ok(source
                .migrations
                .iter()
                .map(|m| m.up.path.clone())
                .collect());
        }
    };
    let status = crate::migrate::status(&crate::db::Connector::new(url.clone()), &settings).await?;
    Ok(status
        .migrations
        .iter()
        .filter(|e| e.state == State::Pending)
        .filter_map(|e| source.get(e.version))
        .map(|m| m.up.path.clone())
        .collect())
}
