//! `seedkit status`: every migration and its state.

use super::GlobalArgs;
use super::migrate::emit;
use super::migrate::settings;
use crate::error::{ExitCode, Result};
use crate::migrate::StatusReport;
use crate::migrate::plan::State;
use crate::ui::Format;

/// Show every migration with its state (applied, pending, changed, missing, failed)
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Exit non-zero when anything is pending (7) or wrong (6), for CI gates
    #[arg(long)]
    pub exit_code: bool,
}

pub async fn run(args: &StatusArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let url = global.database_url()?;
    let report = crate::migrate::status(url, &settings(global)).await?;
    match global.format {
        Format::Json => emit!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        Format::Human => print_human(&report),
    }
    Ok(if args.exit_code {
        report.exit_code()
    } else {
        ExitCode::Success
    })
}

fn print_human(report: &StatusReport) {
    emit!(
        "{} in {} (history: {}, lock key {})",
        report.migrations_dir.display(),
        report.database,
        report.history_table,
        report.lock_key
    );
    let width = report
        .migrations
        .iter()
        .map(|e| e.version_text.len())
        .max()
        .unwrap_or(7)
        .max(7);
    emit!(
        "{:<width$}  {:<11}  {:<19}  {:>8}  NAME",
        "VERSION",
        "STATE",
        "APPLIED AT (UTC)",
        "TIME"
    );
    for e in &report.migrations {
        let state = match (e.state, e.out_of_order) {
            (State::Pending, true) => "pending*",
            (state, _) => state.as_str(),
        };
        let (at, time) = match &e.applied {
            Some(row) => (
                row.applied_at
                    .replace('T', " ")
                    .chars()
                    .take(19)
                    .collect::<String>(),
                format!("{}ms", row.execution_ms),
            ),
            None => (String::new(), String::new()),
        };
        let mode = if e.no_transaction {
            "  (no transaction)"
        } else {
            ""
        };
        emit!(
            "{:<width$}  {state:<11}  {at:<19}  {time:>8}  {}{mode}",
            e.version_text,
            e.name
        );
        if let Some(row) = e
            .applied
            .as_ref()
            .filter(|_| matches!(e.state, State::Failed | State::Interrupted))
        {
            if let Some(statement) = &row.failed_statement {
                let line = row
                    .failed_line
                    .map(|l| format!(" (line {l})"))
                    .unwrap_or_default();
                emit!(
                    "{:width$}    failed statement{line}: {}",
                    "",
                    statement.lines().next().unwrap_or("")
                );
            }
            if let Some(error) = &row.error {
                emit!(
                    "{:width$}    error: {}",
                    "",
                    error.lines().next().unwrap_or("")
                );
            }
        }
    }
    let s = &report.summary;
    let at = s.current.map_or_else(
        || "nothing applied".to_string(),
        |v| format!("at version {v}"),
    );
    emit!(
        "{} applied, {} pending, {} problem{}; {at}",
        s.applied,
        s.pending,
        s.problems,
        if s.problems == 1 { "" } else { "s" }
    );
    if report.migrations.iter().any(|e| e.out_of_order) {
        emit!("* pending below the highest applied version (out of order)");
    }
    if !report.problems.is_empty() {
        emit!("\nproblems (`seedkit migrate` refuses until they are solved):");
        for p in &report.problems {
            emit!("  - {p}");
        }
    }
}
