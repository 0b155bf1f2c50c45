//! Load errors: why a seed was refused or failed, and what to do about it.
//!
//! Every variant maps to exit code 9 (seed failed or refused), but a lock
//! held by another session past `--lock-timeout`, which exits 4 as the
//! migration lock does. Errors from
//! the profile itself, including its disagreements with the live catalog,
//! are [`crate::profile::ProfileError`]s (exit 8) instead.

use std::time::Duration;

use super::target::Committed;
use crate::db::holder::LockHolder;
use crate::error::{Diagnostic, ExitCode};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Other(String),

    /// The profile's tables already hold rows and `--reset` was not given.
    #[error("refusing to seed: {} already hold rows ({})", tables_word(.tables.len()), list_counts(.tables))]
    NotEmpty { tables: Vec<(String, u64)> },

    /// `--reset` would have to empty a table outside the profile.
    #[error(
        "refusing to reset: {referencing} ({rows} rows) is not in the profile but references {table} \
         through foreign key {constraint}"
    )]
    ReferencedBy {
        table: String,
        referencing: String,
        constraint: String,
        rows: u64,
    },

    /// Another session held a lock on a table the seed needs (or reads the
    /// catalog of) past `--lock-timeout`; nothing was changed.
    #[error("{}", lock_message(.step, *.waited, .holders))]
    LockTimeout {
        step: String,
        waited: Duration,
        holders: Vec<LockHolder>,
    },

    /// A generated value does not fit its column.
    #[error("cannot encode {table}.{column} at row {row}: {message}")]
    Encode {
        table: String,
        column: String,
        row: u64,
        message: String,
    },

    /// The database rejected a step of the load (or the connection broke).
    #[error("{step} failed: {message}")]
    Database {
        step: String,
        message: String,
        /// What of the load had committed when it failed: the hint says
        /// what stays.
        committed: Committed,
    },

    /// After re-creating the dropped indexes and constraints, the catalog
    /// did not match what it was before (a bug; the transaction was rolled back).
    #[error("the re-created indexes and constraints differ from the originals: {0}")]
    SchemaMismatch(String),

    /// A chunk kept failing with serialization errors (SQLSTATE 40001).
    #[error("{table}: chunk at row {first_row} still failed after {attempts} attempts: {message}")]
    RetriesExhausted {
        table: String,
        first_row: u64,
        attempts: u32,
        message: String,
    },

    /// Writing `--out` files failed.
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },

    /// `seed --shard`: this shard's own rows are already in a table.
    #[error("refusing to seed shard {shard}: its rows are already in {table} (the row with {key})")]
    ShardLoaded {
        shard: String,
        table: String,
        key: String,
    },

    /// `seed --shard`: the other shards did not load a referenced table in time.
    #[error(
        "{table} references {parent}, which still holds {have} of its {want} rows after \
         {} (--shard-wait): the other shards did not finish loading it",
        humantime::format_duration(*.waited)
    )]
    ShardWait {
        table: String,
        parent: String,
        have: u64,
        want: u64,
        waited: Duration,
    },
}

fn tables_word(n: usize) -> &'static str {
    if n == 1 { "this table" } else { "these tables" }
}

fn list_counts(tables: &[(String, u64)]) -> String {
    tables
        .iter()
        .map(|(name, rows)| format!("{name}: {}", crate::ui::count(*rows, "row")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn lock_message(step: &str, waited: Duration, holders: &[LockHolder]) -> String {
    let waited = humantime::format_duration(Duration::from_millis(waited.as_millis() as u64));
    let mut text =
        format!("{step}: waited {waited} (--lock-timeout) for a lock on the profile's tables");
    if holders.is_empty() {
        text.push_str("; the holder released it or could not be seen");
    }
    for h in holders {
        text.push_str(&format!("\n  held by {h}"));
    }
    text
}

impl Diagnostic for LoadError {
    fn exit_code(&self) -> ExitCode {
        match self {
            LoadError::LockTimeout { .. } => ExitCode::LockTimeout,
            _ => ExitCode::SeedFailed,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            LoadError::NotEmpty { tables } => Some(format!(
                "`seedkit seed --reset` empties exactly {} ({}) and loads them again; \
                 no other table is touched",
                tables_word(tables.len()),
                tables
                    .iter()
                    .map(|(t, _)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            LoadError::ReferencedBy { referencing, .. } => Some(format!(
                "empty {referencing} yourself, or add it to the profile so seedkit fills it too"
            )),
            LoadError::LockTimeout { .. } => Some(
                "nothing was changed; wait for that session to finish, raise --lock-timeout, \
                 or end it with SELECT pg_terminate_backend(<pid>)"
                    .into(),
            ),
            LoadError::Encode { .. } => Some(
                "change the column's generator in the profile so it produces values of the \
                 column's type"
                    .into(),
            ),
            LoadError::Database { committed, .. } => Some(committed.outcome().into()),
            LoadError::SchemaMismatch(_) => Some(
                "nothing was changed (rolled back); please report this with the table's \
                 definition"
                    .into(),
            ),
            LoadError::RetriesExhausted { .. } => Some(
                "the database is under heavy contention; retry later with fewer --jobs, then \
                 `seedkit seed --reset`"
                    .into(),
            ),
            LoadError::Write { .. } => {
                Some("check that the folder is writable and has space".into())
            }
            LoadError::ShardLoaded { .. } => Some(
                "each shard loads once, into tables that may hold the other shards' rows but \
                 not its own; to load again, empty the tables first (docs/sharding.md)"
                    .into(),
            ),
            LoadError::ShardWait { .. } => Some(
                "start every shard (0/N .. N-1/N) against this database, or raise --shard-wait; \
                 the chunks this shard committed stay, and it refuses to load them twice"
                    .into(),
            ),
            LoadError::Other(_) => None,
        }
    }
}
