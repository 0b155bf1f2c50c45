//! How `verify` and `lint` read for people.

use super::emit;
use crate::lint::LintReport;
use crate::ui::count;
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
