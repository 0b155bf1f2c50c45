//! How `migrate`, `rollback`, `status` and `repair` read for people.

use super::emit;
use crate::migrate::plan::State;
use crate::migrate::{RepairAction, RepairReport, RunReport, StatusReport};
use crate::ui::{column_width, count};

/// What `migrate` or `rollback` did: `verb` is what a dry run would do
/// ("apply"), `done` what a real run did ("applied").
pub fn print_run(report: &RunReport, verb: &str, done: &str) {
    let at = report.current.map_or_else(
        || "no migration applied".to_string(),
        |v| format!("at version {v}"),
    );
    let migrations = count(report.steps.len() as u64, "migration");
    if report.dry_run {
        if report.steps.is_empty() {
            emit!("dry run: nothing to {verb} ({at})");
            return;
        }
        emit!("dry run: would {verb} {migrations} ({at} now):");
        for step in &report.steps {
            let mode = match (step.no_transaction, step.no_transaction_because) {
                (true, Some(kind)) => format!("  (no transaction: {kind})"),
                (true, None) => "  (no transaction)".to_string(),
                (false, _) => String::new(),
            };
            emit!("  {} {}{mode}", step.version_text, step.name);
        }
    } else if report.steps.is_empty() {
        emit!("nothing to {verb}: {at}");
    } else {
        emit!(
            "{done} {migrations} in {}, {at}",
            crate::ui::secs(std::time::Duration::from_millis(report.elapsed_ms))
        );
    }
}

/// `status`: one line per migration, then the counts and the problems.
pub fn print_status(report: &StatusReport) {
    emit!(
        "{} in {} (history: {}, lock key {})",
        report.migrations_dir.display(),
        report.database,
        report.history_table,
        report.lock_key
    );
    let width = column_width(
        report.migrations.iter().map(|e| e.version_text.as_str()),
        "VERSION",
    );
    emit!(
        "{:<width$}  {:<11}  {:<19}  {:>8}  NAME",
        "VERSION",
        "STATE",
        "APPLIED AT (UTC)",
        "TIME"
    );
    for entry in &report.migrations {
        print_status_entry(entry, width);
    }
    let s = &report.summary;
    let at = s.current.map_or_else(
        || "nothing applied".to_string(),
        |v| format!("at version {v}"),
    );
    emit!(
        "{} applied, {} pending, {}; {at}",
        s.applied,
        s.pending,
        count(s.problems as u64, "problem")
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

fn print_status_entry(e: &crate::migrate::plan::Entry, width: usize) {
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
    let Some(row) = e
        .applied
        .as_ref()
        .filter(|_| matches!(e.state, State::Failed | State::Interrupted))
    else {
        return;
    };
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

/// What `repair` did to the history row.
pub fn print_repair(report: &RepairReport) {
    let what = match report.action {
        RepairAction::ChecksumUpdated => "checksum re-recorded",
        RepairAction::AlreadyMatching => "checksum already matches the file, nothing to do",
        RepairAction::FailedRunForgotten => {
            "failed run forgotten: `seedkit migrate` will run it again"
        }
    };
    emit!("{} {}: {what}", report.version, report.name);
    emit!("  old checksum: {}", report.old_checksum);
    emit!("  new checksum: {}", report.new_checksum);
}
