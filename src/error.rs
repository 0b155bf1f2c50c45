//! The crate-wide error type and the documented exit codes.
//!
//! Each concern has its own typed error (`MigrateError`, `ProfileError`, ...)
//! that knows its exit code and a hint for the user; [`Error`] only gathers
//! them so the CLI can print `error: ...`, `(hint: ...)` and exit with the
//! right code. The table of codes is mirrored in the README.

use std::fmt;

/// Process exit codes. Stable: scripts and CI gates depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[repr(u8)]
pub enum ExitCode {
    /// Everything asked for was done.
    Success = 0,
    /// An unexpected failure (a bug, an I/O error).
    Failure = 1,
    /// Bad command-line usage or configuration (missing URL, bad flag).
    Usage = 2,
    /// The database or Redis server could not be reached or refused the login.
    Unreachable = 3,
    /// The migration lock was held by someone else past `--lock-timeout`.
    LockTimeout = 4,
    /// A migration failed; the database is as it was before that migration.
    MigrationFailed = 5,
    /// Refused before any change: drift, missing file, out-of-order version,
    /// missing down script, or a broken migrations folder. With
    /// `status --exit-code`: something is wrong.
    Refused = 6,
    /// `status --exit-code`: migrations are pending (and nothing is wrong).
    Pending = 7,
    /// The profile is invalid (syntax, unknown table/column, bad generator).
    ProfileInvalid = 8,
    /// Seeding failed or was refused (tables not empty without `--reset`).
    SeedFailed = 9,
    /// The database part succeeded but warming Redis failed.
    CacheFailed = 10,
    /// Interrupted by Ctrl-C / SIGTERM; everything was rolled back or released.
    Interrupted = 130,
}

impl ExitCode {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

/// What every typed error in the crate can tell the CLI.
pub trait Diagnostic: std::error::Error {
    /// The exit code this error maps to.
    fn exit_code(&self) -> ExitCode;
    /// What the user can do about it, if we know.
    fn hint(&self) -> Option<String> {
        None
    }
}

/// The crate-wide error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Migrate(#[from] crate::migrate::MigrateError),
    #[error(transparent)]
    Profile(#[from] crate::profile::ProfileError),
    #[error(transparent)]
    Load(#[from] crate::load::LoadError),
    #[error(transparent)]
    Cache(#[from] crate::cache::CacheError),
    #[error("interrupted")]
    Interrupted,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }

    pub fn usage_with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

impl Diagnostic for Error {
    fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage { .. } => ExitCode::Usage,
            Error::Db(e) => e.exit_code(),
            Error::Migrate(e) => e.exit_code(),
            Error::Profile(e) => e.exit_code(),
            Error::Load(e) => e.exit_code(),
            Error::Cache(e) => e.exit_code(),
            Error::Interrupted => ExitCode::Interrupted,
            Error::Io(_) | Error::Other(_) => ExitCode::Failure,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::Usage { hint, .. } => hint.clone(),
            Error::Db(e) => e.hint(),
            Error::Migrate(e) => e.hint(),
            Error::Profile(e) => e.hint(),
            Error::Load(e) => e.hint(),
            Error::Cache(e) => e.hint(),
            Error::Interrupted | Error::Io(_) | Error::Other(_) => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Renders an error the way the CLI prints it: the message, its causes, and
/// the hint. Kept here so tests can assert on the exact text.
pub struct Report<'a>(pub &'a Error);

impl Error {
    /// The causes under the message, outermost first. `transparent` variants
    /// forward `source()` to the inner error, whose message is already the
    /// top message: causes that repeat it are skipped.
    pub fn causes(&self) -> Vec<String> {
        let top = self.to_string();
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !top.contains(&text) {
                causes.push(text);
            }
            source = cause.source();
        }
        causes
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.0)?;
        for cause in self.0.causes() {
            write!(f, "\n  caused by: {cause}")?;
        }
        if let Some(hint) = self.0.hint() {
            write!(f, "\n  (hint: {hint})")?;
        }
        Ok(())
    }
}
