//! How `verify`, `verify --with-data` and `lint` read for people.

use super::emit;
use crate::lint::LintReport;
use crate::ui::count;
use crate::verify::data::{DataReport, Tried};
use crate::verify::{Outcome, VerifyReport};

/// Each migration's round trip, the problems of the failed ones, a total.
pub fn print_verify(report: &VerifyReport) {
    for c in &report.migrations {
        let label = match c.outcome {
            Outcome::Restored => "ok",
            Outcome::Skipped => "skipped",
            Outcome::NotRestored => "NOT RESTORED",
            Outcome::NotReappliable => "NOT RE-APPLIABLE",
            Outcome::DownFailed => "DOWN FAILED",
        };
        emit!("{:<16} {} {}", label, c.version_text, c.name);
        if let Some(note) = &c.note {
            emit!("    {note}");
        }
        if c.failed() {
            let file = c.down_file.as_ref().unwrap_or(&c.up_file);
            emit!("    in {}", file.display());
            for problem in c.problems() {
                emit!("  - {problem}");
            }
        }
    }
    if !report.not_reached.is_empty() {
        let versions: Vec<String> = report.not_reached.iter().map(u64::to_string).collect();
        emit!(
            "not checked (after a failed re-apply): {}",
            versions.join(", ")
        );
    }
    emit!(
        "{} checked: {} restored, {} failed, {} skipped ({})",
        count(report.checked as u64, "migration"),
        report.restored,
        report.failed,
        report.skipped,
        crate::ui::secs(std::time::Duration::from_millis(report.elapsed_ms))
    );
}

/// Each finding with why and the safe form; silenced ones on stderr.
pub fn print_lint(report: &LintReport) {
    for f in &report.findings {
        emit!(
            "{}:{}:{}: {}: {}",
            f.file.display(),
            f.line,
            f.column,
            f.rule,
            f.statement
        );
        emit!("    why:  {}", f.why);
        if !f.safe.is_empty() {
            emit!("    safe: {}", f.safe);
        }
    }
    for s in &report.silenced {
        crate::ui::info(format!(
            "{}:{}:{}: {} silenced: {}",
            s.file.display(),
            s.line,
            s.column,
            s.rule,
            s.reason
        ));
    }
    emit!(
        "{} linted: {}, {} silenced",
        count(report.files.len() as u64, "file"),
        count(report.findings.len() as u64, "finding"),
        report.silenced.len()
    );
}

/// What each pending migration did to the seeded tables.
pub fn print_with_data(report: &DataReport) {
    if report.migrations.is_empty() {
        emit!("nothing pending: no migration to try");
        return;
    }
    let at = report.seeded_at.map_or_else(
        || "before any migration".to_string(),
        |v| format!("at version {v}"),
    );
    emit!(
        "{} seeded {at} ({}); each pending migration applied alone:",
        report.profile,
        count(report.seeded_rows, "row")
    );
    for t in &report.migrations {
        print_tried(t);
    }
    if let Some(stopped) = &report.stopped {
        emit!("stopped: {stopped}");
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

fn print_tried(t: &Tried) {
    emit!(
        "{} {}: {}",
        t.version_text,
        t.name,
        crate::ui::secs(std::time::Duration::from_millis(t.elapsed_ms))
    );
    emit!("    rewrote: {}", list(&t.rewritten));
    if !t.created.is_empty() {
        emit!("    created: {}", list(&t.created));
    }
    let locks: Vec<String> = t
        .locks
        .iter()
        .map(|l| format!("{} {} ~{}ms", l.table, l.mode, l.held_ms))
        .collect();
    emit!("    locks:   {}", list(&locks));
    let rows: Vec<String> = t
        .rows
        .iter()
        .map(|r| {
            format!(
                "{} {} inserted, {} updated, {} deleted",
                r.table, r.inserted, r.updated, r.deleted
            )
        })
        .collect();
    emit!("    rows:    {}", list(&rows));
    let down = match (&t.down_skipped, &t.down_error) {
        (Some(why), _) => format!("not run ({why})"),
        (None, Some(e)) => format!("FAILED: {e}"),
        (None, None) if t.changed_after_down.is_empty() => format!(
            "ok, the {} there before the up have their checksums back",
            count(t.restored_after_down as u64, "table")
        ),
        (None, None) => format!(
            "DID NOT RESTORE {} (checksum differs from before the up)",
            t.changed_after_down.join(", ")
        ),
    };
    emit!("    down:    {down}");
}
