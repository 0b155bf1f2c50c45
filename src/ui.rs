//! Messages, progress and output formats shared by every subcommand.
//!
//! stdout is for data (tables, JSON); stderr is for progress, logs and
//! errors. Progress bars are drawn only when stderr is a terminal; in CI logs
//! each long step prints one line when it finishes instead.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicI8, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

static VERBOSITY: AtomicI8 = AtomicI8::new(0);

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

/// Whether progress bars may be drawn: stderr is a terminal and not quiet.
pub fn bars_enabled() -> bool {
    verbosity() >= 0 && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// A progress bar for `total` items of `unit` (rows, keys) named `label`,
/// hidden when bars are disabled.
pub fn bar(label: &str, total: u64, unit: &str) -> ProgressBar {
    if !bars_enabled() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let template = format!(
        "{{prefix:>22}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} {{rate}} ETA {{eta}}"
    );
    bar.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            // indicatif's own {per_sec} prints four decimals ("117.5545/s").
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}/s", indicatif::HumanCount(state.per_sec() as u64));
                },
            )
            .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Formats a duration as seconds with millisecond precision (`1.234s`).
pub fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}
