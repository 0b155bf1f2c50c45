//! A table's progress while its rows are generated and sent (or written
//! with `--out`): a bar on a terminal, one line at the end otherwise.

use std::time::Instant;

use indicatif::ProgressBar;

use super::summary::{TableSummary, round3};
use crate::ui;

/// A table's progress: a bar on a terminal, one line at the end otherwise.
pub struct TableProgress {
    bar: ProgressBar,
    started: Instant,
    name: String,
}

impl TableProgress {
    pub fn start(name: &str, rows: u64) -> Self {
        TableProgress {
            bar: ui::bar(name, rows, "rows"),
            started: Instant::now(),
            name: name.to_string(),
        }
    }

    pub fn bar(&self) -> &ProgressBar {
        &self.bar
    }

    /// Ends the bar (or prints the line) and returns the table's summary.
    pub fn finish(self, rows: u64, bytes: u64) -> TableSummary {
        let seconds = self.started.elapsed().as_secs_f64();
        if self.bar.is_hidden() {
            // A rate over a few milliseconds says nothing ("1 row, 174 rows/s").
            let rate = if seconds >= 0.5 {
                format!(
                    " ({} rows/s)",
                    ui::thousands((rows as f64 / seconds) as u64)
                )
            } else {
                String::new()
            };
            ui::info(format!(
                "{}: {} in {}{rate}",
                self.name,
                ui::count(rows, "row"),
                ui::secs(self.started.elapsed()),
            ));
        } else {
            self.bar.finish();
        }
        TableSummary {
            table: self.name,
            rows,
            bytes,
            seconds: round3(seconds),
        }
    }
}
