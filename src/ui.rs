//! Messages, progress and output formats shared by every subcommand.
//!
//! stdout is for data (tables, JSON); stderr is for progress, logs and
//! errors. Progress bars are drawn only when stderr is a terminal; in CI logs
//! each long step prints one line when it finishes instead.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicI8, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

static VERBOSITY: AtomicI8 = AtomicI8::new(0);
static IN_CI: AtomicBool = AtomicBool::new(false);

/// Output format for commands whose output a script may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Human,
    Json,
}

/// Sets the verbosity from `-v` (positive) and `-q` (negative) counts.
pub fn set_verbosity(level: i8) {
    VERBOSITY.store(level, Ordering::Relaxed);
}

pub fn verbosity() -> i8 {
    VERBOSITY.load(Ordering::Relaxed)
}

/// A normal progress message on stderr (hidden by `-q`).
pub fn info(message: impl AsRef<str>) {
    if verbosity() >= 0 {
        eprintln!("{}", message.as_ref());
    }
}

/// A detail shown with `-v`.
pub fn debug(message: impl AsRef<str>) {
    if verbosity() >= 1 {
        eprintln!("{}", message.as_ref());
    }
}

/// A warning on stderr (hidden only by `-qq`).
pub fn warn(message: impl AsRef<str>) {
    if verbosity() >= -1 {
        eprintln!("warning: {}", message.as_ref());
    }
}

/// Says whether the program runs in CI (the command line reads `CI`): a CI
/// runner that gives stderr a terminal still gets lines, not bars.
pub fn set_in_ci(in_ci: bool) {
    IN_CI.store(in_ci, Ordering::Relaxed);
}

/// Whether progress bars may be drawn: stderr is a terminal, not in CI, not quiet.
pub fn bars_enabled() -> bool {
    verbosity() >= 0 && std::io::stderr().is_terminal() && !IN_CI.load(Ordering::Relaxed)
}

/// A progress bar for `total` items of `unit` (rows, keys) named `label`,
/// hidden when bars are disabled. The rate and ETA appear only once they
/// mean something: not while the bar waits at 0, not for a bar that
/// finished in an instant.
pub fn bar(label: &str, total: u64, unit: &str) -> ProgressBar {
    if !bars_enabled() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template =
        format!("{{prefix:>22}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit}{{rate_eta}}");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key("rate_eta", rate_and_eta)
            .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// ` 12,345/s ETA 3s` once a bar has run for a moment and moved; nothing
/// before (a waiting table's `0/s ETA 0s` says nothing). indicatif's own
/// {per_sec} prints four decimals ("117.5545/s").
fn rate_and_eta(state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
    let moving = state.pos() > 0 && state.elapsed() >= Duration::from_millis(500);
    if !moving {
        return;
    }
    let _ = write!(w, " {}/s", thousands(state.per_sec() as u64));
    if !state.is_finished() && state.pos() < state.len().unwrap_or(0) {
        let _ = write!(w, " ETA {}", indicatif::HumanDuration(state.eta()));
    }
}

/// A phase made of a few slow steps after the rows are in (re-creating
/// indexes, foreign keys, ANALYZE). On a terminal a line shows which step
/// runs, `n of m`; elsewhere (CI logs) one line when the phase ends.
pub struct Phase {
    bar: ProgressBar,
    name: &'static str,
    noun: &'static str,
    started: Instant,
    steps: u64,
}

/// Starts a phase of `total` steps, each one `noun` (index, table).
pub fn phase(name: &'static str, total: u64, noun: &'static str) -> Phase {
    let bar = if bars_enabled() && total > 0 {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{prefix:>22} {spinner} {pos} of {len}: {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(name);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    } else {
        ProgressBar::hidden()
    };
    Phase {
        bar,
        name,
        noun,
        started: Instant::now(),
        steps: 0,
    }
}

impl Phase {
    /// Says that the next step, `what`, starts now.
    pub fn step(&mut self, what: &str) {
        self.steps += 1;
        self.bar.set_position(self.steps);
        self.bar.set_message(what.to_string());
    }

    /// Ends the phase: the bar goes, one line says what was done.
    pub fn finish(self) {
        self.bar.finish_and_clear();
        if self.steps > 0 {
            info(format!(
                "{}: {} in {}",
                self.name,
                count(self.steps, self.noun),
                secs(self.started.elapsed())
            ));
        }
    }
}

/// Formats a duration as seconds with millisecond precision (`1.234s`).
pub fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// Milliseconds as [`secs`] prints them (`0.125s`).
pub fn secs_ms(ms: u64) -> String {
    secs(Duration::from_millis(ms))
}

/// Seconds rounded to the millisecond, as every JSON output carries them.
pub fn round3(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with its noun, separated and in the right number:
/// `count(1, "row")` is `1 row`, `count(5760, "row")` is `5,760 rows`.
pub fn count(n: u64, noun: &str) -> String {
    let plural = match n {
        1 => "",
        _ if noun.ends_with('x') || noun.ends_with('s') || noun.ends_with("ch") => "es",
        _ => "s",
    };
    format!("{} {noun}{plural}", thousands(n))
}

/// `153600000` -> `146.5 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The width of a text column: its longest cell, at least its header.
pub fn column_width<'a>(cells: impl IntoIterator<Item = &'a str>, header: &str) -> usize {
    cells
        .into_iter()
        .map(str::len)
        .max()
        .unwrap_or(0)
        .max(header.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_pgbench() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
    }

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(1, "row"), "1 row");
        assert_eq!(count(0, "key"), "0 keys");
        assert_eq!(count(86_030, "command"), "86,030 commands");
        assert_eq!(count(14, "index"), "14 indexes");
    }

    #[test]
    fn column_is_as_wide_as_its_longest_cell_or_header() {
        assert_eq!(column_width(["a", "players"], "table"), 7);
        assert_eq!(column_width([], "VERSION"), 7);
    }
}
