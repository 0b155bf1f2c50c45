//! What can go wrong with migrations, each with its exit code and a hint.
//!
//! Refusals list every problem at once with its way out; a failed migration
//! names the file, the statement (first line and line number) and the
//! server's message, and carries what was applied before it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::source::FolderProblem;
pub use crate::db::holder::{ActivityRow, LockHolder};
use crate::error::{Diagnostic, ExitCode};

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The migrations folder does not exist or cannot be listed.
    #[error("cannot read the migrations folder {}: {message}", path.display())]
    FolderUnreadable { path: PathBuf, message: String },

    /// Files in the folder that cannot be used; nothing touched the database.
    #[error("{}", folder_message(dir, problems))]
    Folder {
        dir: PathBuf,
        problems: Vec<FolderProblem>,
    },

    /// `migrate`, `rollback` or `repair` refused before changing anything.
    #[error("{}", refused_message(action, problems))]
    Refused {
        action: &'static str,
        problems: Vec<Problem>,
    },

    /// Another session held the migration lock past `--lock-timeout`.
    #[error("{}", lock_message(*waited, lock, holders))]
    LockTimeout {
        waited: Duration,
        /// Which lock: `advisory lock key N` or `lease in <table>`.
        lock: String,
        holders: Vec<LockHolder>,
    },

    /// The lease lock could not be renewed (another run took it over).
    #[error("lost the migration lock: {message}")]
    LockLost { message: String },

    /// A migration (or a down script) failed.
    #[error("{0}")]
    Failed(Box<Failure>),

    /// A version given on the command line that cannot be used.
    #[error("{message}")]
    BadVersion { message: String, hint: String },

    /// The server cannot give seedkit what it needs (e.g. a safe lock).
    #[error("{message}")]
    Unsupported { message: String, hint: String },

    /// A query on the history table or the lock failed.
    #[error("{context}: {message}")]
    Database { context: String, message: String },

    /// The database session failed (a history or lock query, a setting).
    #[error(transparent)]
    Db(#[from] crate::db::DbError),

    /// Creating files for `seedkit new` failed.
    #[error("cannot write {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
}

/// One reason a command refuses to run, with its way out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub version: Option<u64>,
    /// `changed`, `missing`, `out_of_order`, `failed`, `interrupted`,
    /// `no_down_script`.
    pub kind: &'static str,
    pub message: String,
    pub way_out: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n      -> {}", self.message, self.way_out)
    }
}

/// A failed migration or down script, pointing at the statement.
#[derive(Debug, Clone)]
pub struct Failure {
    pub version: u64,
    pub name: String,
    pub file: PathBuf,
    /// `up` or `down`.
    pub direction: &'static str,
    /// 1-based line of the failing statement in the file, when known.
    pub line: Option<usize>,
    /// The failing statement's text, when known.
    pub statement: Option<String>,
    /// Where in the file the server's error position points (line, column).
    pub error_at: Option<(usize, usize)>,
    /// The server's message, with SQLSTATE, detail and hint.
    pub message: String,
    /// The SQLSTATE, when the server sent one.
    pub sqlstate: Option<String>,
    pub no_transaction: bool,
    /// The connection broke (server restarted, network): the file is
    /// probably fine, the server is what to check.
    pub connection_lost: bool,
    /// Versions this run completed before the failure (applied or undone).
    pub completed: Vec<u64>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "migration {} ({}) failed, {} script {}",
            self.version,
            self.name,
            self.direction,
            self.file.display()
        )?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(statement) = &self.statement {
            write!(f, "\n  statement: {}", first_lines(statement, 3))?;
        }
        if let Some((line, column)) = self.error_at {
            write!(f, "\n  error at line {line}, column {column}")?;
        }
        write!(f, "\n  {}", self.message)?;
        if self.no_transaction {
            write!(
                f,
                "\n  it ran outside a transaction: the statements before this one stay applied \
                 and it is recorded as failed"
            )?;
        } else if self.connection_lost {
            write!(
                f,
                "\n  the connection to the server was lost: an open transaction is rolled back \
                 by the server; `seedkit status` shows whether this migration was applied"
            )?;
        } else {
            write!(
                f,
                "\n  nothing of this migration remains (its transaction was rolled back)"
            )?;
        }
        if !self.completed.is_empty() {
            let done: Vec<String> = self.completed.iter().map(u64::to_string).collect();
            write!(
                f,
                "\n  completed before it in this run: {}",
                done.join(", ")
            )?;
        }
        Ok(())
    }
}

fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= n {
        lines.join("\n             ")
    } else {
        format!("{}\n             ...", lines[..n].join("\n             "))
    }
}

fn folder_message(dir: &std::path::Path, problems: &[FolderProblem]) -> String {
    let mut text = format!(
        "the migrations folder {} has {} problem{}, nothing was run:",
        dir.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        text.push_str(&format!("\n  - {p}"));
    }
    text
}

fn refused_message(action: &str, problems: &[Problem]) -> String {
    let mut text = format!("{action} refused, nothing was changed:");
    for p in problems {
        text.push_str(&format!("\n  - {p}"));
    }
    text
}

fn lock_message(waited: Duration, lock: &str, holders: &[LockHolder]) -> String {
    let mut text = format!(
        "could not take the migration lock within {} ({lock})",
        humantime::format_duration(Duration::from_millis(waited.as_millis() as u64))
    );
    if holders.is_empty() {
        text.push_str("; the holder released it or could not be seen");
    }
    for h in holders {
        text.push_str(&format!("\n  held by {h}"));
    }
    text
}

impl MigrateError {
    pub fn database(context: impl Into<String>, err: &sqlx::Error) -> Self {
        MigrateError::Database {
            context: context.into(),
            message: err.to_string(),
        }
    }
}

impl Diagnostic for MigrateError {
    fn exit_code(&self) -> ExitCode {
        match self {
            MigrateError::Db(e) => e.exit_code(),
            MigrateError::FolderUnreadable { .. }
            | MigrateError::BadVersion { .. }
            | MigrateError::Unsupported { .. } => ExitCode::Usage,
            MigrateError::Folder { .. } | MigrateError::Refused { .. } => ExitCode::Refused,
            MigrateError::LockTimeout { .. } | MigrateError::LockLost { .. } => {
                ExitCode::LockTimeout
            }
            MigrateError::Failed(_) => ExitCode::MigrationFailed,
            MigrateError::Database { .. } | MigrateError::Write { .. } => ExitCode::Failure,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            MigrateError::Db(e) => e.hint(),
            MigrateError::FolderUnreadable { .. } => Some(
                "pass --migrations DIR or set SEEDKIT_MIGRATIONS (default ./migrations)".into(),
            ),
            MigrateError::Folder { .. } => Some(
                "fix, rename or remove the files above; hidden files and files not ending \
                 in .sql are ignored"
                    .into(),
            ),
            MigrateError::Refused { .. } => None,
            MigrateError::LockTimeout { holders, .. }
                if holders.iter().any(|h| h.lease_expires_at.is_some()) =>
            {
                Some(
                    "another migration is probably running: wait for it, or raise \
                     --lock-timeout; a lease whose run was killed expires by itself at the \
                     time shown"
                        .into(),
                )
            }
            MigrateError::LockTimeout { .. } => Some(
                "another migration is probably running: wait for it, or raise --lock-timeout; \
                 if the holder is stuck, end it with SELECT pg_terminate_backend(<pid>)"
                    .into(),
            ),
            MigrateError::Failed(f) if f.connection_lost => Some(format!(
                "the connection to the server was lost (a restart, a network cut), not a \
                 mistake in the file: check that the server is up, look at `seedkit status`, \
                 then run `seedkit {}` again",
                if f.direction == "down" {
                    "rollback"
                } else {
                    "migrate"
                }
            )),
            MigrateError::Failed(f) if f.no_transaction => Some(format!(
                "undo what the statements before the failing one did (or make them idempotent, \
                 e.g. IF NOT EXISTS; a failed CREATE INDEX CONCURRENTLY leaves an INVALID index \
                 to DROP), fix the file, then run `seedkit repair {}` and `seedkit migrate`",
                f.version
            )),
            // 25001 active_sql_transaction: CREATE INDEX CONCURRENTLY, VACUUM
            // and their kin refuse to run inside the migration's transaction.
            MigrateError::Failed(f) if f.sqlstate.as_deref() == Some("25001") => Some(format!(
                "this statement cannot run inside a transaction: make `-- seedkit:no-transaction` \
                 the first line of {} (its statements then run one by one, outside a \
                 transaction; keep such a file to that statement), then run the command again",
                f.file.display()
            )),
            MigrateError::Failed(f) if f.direction == "down" => Some(format!(
                "fix the down script of {} and run the rollback again; the migrations after it \
                 that were already undone stay undone",
                f.version
            )),
            MigrateError::Failed(_) => Some(
                "fix the file and run `seedkit migrate` again; earlier migrations stay applied"
                    .into(),
            ),
            MigrateError::LockLost { .. } => Some(
                "the run stopped before its next migration because its lease was not renewed \
                 in time (--lock-lease or SEEDKIT_LOCK_LEASE sets its length): check \
                 `seedkit status` and run again"
                    .into(),
            ),
            MigrateError::BadVersion { hint, .. } | MigrateError::Unsupported { hint, .. } => {
                Some(hint.clone())
            }
            MigrateError::Database { .. } | MigrateError::Write { .. } => None,
        }
    }
}
