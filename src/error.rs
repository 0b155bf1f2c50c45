//! The crate-wide error type and the documented exit codes.
//!
//! Each concern has its own typed error (`MigrateError`, `ProfileError`, ...)
//! that knows its exit code and a hint for the user; [`Error`] only gathers
//! them so the CLI can print `error: ...`, `(hint: ...)` and exit with the
//! right code. [`ExitCode`] is the one table of codes; the README's table
//! is checked against it by a test.

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
    /// A lock (the migration lock, or a table `seed` loads) was held by
    /// someone else past `--lock-timeout`.
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
    /// The database part succeeded but warming Redis failed (or was
    /// interrupted by Ctrl-C).
    CacheFailed = 10,
    /// `verify` found a down script that does not restore what its up
    /// changed, or an up that cannot be applied again after its down.
    VerifyFailed = 11,
    /// `lint` flagged a statement that is dangerous on a live database.
    LintFlagged = 12,
    /// Interrupted by Ctrl-C / SIGTERM; everything was rolled back or released.
    Interrupted = 130,
}

impl ExitCode {
    /// Every code, in the order of the README's table.
    pub const ALL: [ExitCode; 14] = [
        ExitCode::Success,
        ExitCode::Failure,
        ExitCode::Usage,
        ExitCode::Unreachable,
        ExitCode::LockTimeout,
        ExitCode::MigrationFailed,
        ExitCode::Refused,
        ExitCode::Pending,
        ExitCode::ProfileInvalid,
        ExitCode::SeedFailed,
        ExitCode::CacheFailed,
        ExitCode::VerifyFailed,
        ExitCode::LintFlagged,
        ExitCode::Interrupted,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    /// What the code tells a script, as the README's table says it.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Success => "done (`status --exit-code`: everything applied, nothing wrong)",
            ExitCode::Failure => "unexpected failure",
            ExitCode::Usage => {
                "usage: bad flag or value, no database URL, a destructive command refused \
                 (remote host without `--yes`, `--reset` with an empty Redis prefix)"
            }
            ExitCode::Unreachable => "the database or Redis cannot be reached",
            ExitCode::LockTimeout => {
                "a lock was held by someone else past `--lock-timeout` (the migration lock, \
                 or a table `seed` loads); the message names the holder"
            }
            ExitCode::MigrationFailed => {
                "a migration failed; earlier ones stay applied, nothing of the failing one remains"
            }
            ExitCode::Refused => {
                "refused before any change: drift, missing file, out of order, missing down \
                 script, broken folder (`status --exit-code`: something is wrong); `fixture drop` of a \
                 database seedkit did not make"
            }
            ExitCode::Pending => "`status --exit-code`: migrations are pending",
            ExitCode::ProfileInvalid => {
                "the profile is invalid (file:line:column in the message), also a value \
                 beyond seedkit's bounds or a profile with no table to load"
            }
            ExitCode::SeedFailed => {
                "seeding failed or was refused (tables not empty without `--reset`)"
            }
            ExitCode::CacheFailed => {
                "the database load committed but warming Redis failed or was interrupted \
                 (`seedkit warm` finishes it)"
            }
            ExitCode::VerifyFailed => {
                "`verify`: a down script did not restore what its up changed, or an up could \
                 not be applied again after its down"
            }
            ExitCode::LintFlagged => {
                "`lint`: a statement is dangerous on a live database (and not silenced with a reason)"
            }
            ExitCode::Interrupted => {
                "interrupted (Ctrl-C / SIGTERM): the open transaction rolled back, the lock released"
            }
        }
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
    /// Ctrl-C or SIGTERM; `outcome` says what became of the data.
    #[error("interrupted: {outcome}")]
    Interrupted { outcome: &'static str },
    #[error(transparent)]
    Fixture(#[from] crate::fixture::FixtureError),
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
            Error::Fixture(e) => e.exit_code(),
            Error::Interrupted { .. } => ExitCode::Interrupted,
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
            Error::Fixture(e) => e.hint(),
            Error::Interrupted { .. } | Error::Io(_) | Error::Other(_) => None,
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

#[cfg(test)]
mod tests {
    use super::ExitCode;

    /// The README's exit-code table, as (code, meaning) rows.
    fn readme_rows() -> Vec<(u8, String)> {
        let readme = include_str!("../README.md");
        let table = readme
            .split("## Exit codes")
            .nth(1)
            .expect("the README has an Exit codes section");
        table
            .lines()
            .skip_while(|line| !line.starts_with("| code"))
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .map(|line| {
                let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
                let code = cells[0].trim().parse().expect("a numeric code");
                (code, cells[1].trim().to_string())
            })
            .collect()
    }

    #[test]
    fn the_readme_table_is_the_exit_code_table() {
        let code_rows: Vec<(u8, String)> = ExitCode::ALL
            .iter()
            .map(|c| (c.code(), c.meaning().to_string()))
            .collect();
        assert_eq!(
            readme_rows(),
            code_rows,
            "README.md's exit-code table must list ExitCode::ALL with ExitCode::meaning"
        );
    }
}
