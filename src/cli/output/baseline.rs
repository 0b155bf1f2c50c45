//! What `seedkit baseline` recorded (or would), for people.

use super::emit;
use crate::migrate::baseline::BaselineReport;

/// Prints the migrations a baseline recorded and what `migrate` will do next.
pub fn print_baseline(report: &BaselineReport) {
    let source = match &report.table {
        Some(table) => format!("{} ({table}: {})", report.from, report.tool_state),
        None => report.tool_state.clone(),
    };
    let verb = if report.dry_run {
        "would record"
    } else {
        "recorded"
    };
    emit!("baseline from {source}:");
    for r in &report.recorded {
        emit!("  {verb} {} {}", r.version_text, r.name);
    }
    for name in &report.repeatables {
        emit!("  {verb} repeatable {name}");
    }
    let count = report.recorded.len();
    let pending = if report.pending.is_empty() {
        "nothing is pending".to_string()
    } else {
        format!("`seedkit migrate` will apply {}", report.pending.join(", "))
    };
    emit!(
        "{}{verb} {count} migration{} as applied; {pending}",
        if report.dry_run { "dry run: " } else { "" },
        if count == 1 { "" } else { "s" }
    );
}
