//! Everything the command line prints, in one place (as nextest's reporter):
//! each subcommand's result on stdout, as text for people or as JSON for
//! scripts (`--format json`), and errors: text on stderr, or with
//! `--format json` a JSON object on stdout too, so a script never has to
//! parse text. Writing to a closed stdout (`seedkit status | head -1`) ends
//! quietly instead of panicking on the broken pipe.

mod baseline;
mod fixture;
mod migrate;
mod preview;
mod seed;
mod verify;

use serde::Serialize;

pub use baseline::print_baseline;
pub use fixture::{print_clone, print_drop, print_gc, print_prepared};
pub use migrate::{print_repair, print_run, print_status};
pub use preview::print_preview;
pub use seed::{print_cache, print_plan, print_summary};
pub use verify::{print_lint, print_verify, print_with_data};

use crate::error::{Diagnostic, Error, Report, Result};
use crate::ui::Format;

/// `println!` that ignores a closed stdout instead of panicking.
macro_rules! emit {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
pub(crate) use emit;

/// Prints `value` as pretty JSON on stdout. A value that cannot be rendered
/// is an error, never an empty line.
pub fn json(value: &impl Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| anyhow::anyhow!("cannot render the result as JSON: {e}"))?;
    emit!("{text}");
    Ok(())
}

/// Prints a result: as JSON, or for people through `human`.
pub fn result<T: Serialize>(value: &T, format: Format, human: impl FnOnce(&T)) -> Result<()> {
    match format {
        Format::Json => json(value),
        Format::Human => {
            human(value);
            Ok(())
        }
    }
}

/// An error as a script reads it with `--format json`.
#[derive(Debug, Serialize)]
pub struct ErrorReport {
    /// The process exit code (the README's table).
    pub code: u8,
    pub message: String,
    /// The chain of causes under the message, outermost first.
    pub causes: Vec<String>,
    pub hint: Option<String>,
}

impl ErrorReport {
    pub fn new(err: &Error) -> ErrorReport {
        ErrorReport {
            code: err.exit_code().code(),
            message: err.to_string(),
            causes: err.causes(),
            hint: err.hint(),
        }
    }
}

/// Prints an error: `error: …` on stderr, and with `--format json` also
/// `{"error": {code, message, causes, hint}}` on stdout.
pub fn error(err: &Error, format: Format) {
    eprintln!("{}", Report(err));
    if format == Format::Json {
        #[derive(Serialize)]
        struct Wrapper {
            error: ErrorReport,
        }
        let wrapped = Wrapper {
            error: ErrorReport::new(err),
        };
        let text = serde_json::to_string_pretty(&wrapped)
            .expect("numbers and strings always render as JSON");
        emit!("{text}");
    }
}
