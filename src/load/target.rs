//! What a load strategy works on, and how much of its work the database
//! has already made permanent.
//!
//! Both strategies ([`atomic`](super::atomic), [`chunked`](super::chunked))
//! and the steps they share ([`steps`](super::steps)) take a [`Target`]:
//! the dataset, each table's catalog entry and encoder, the URL, and the
//! [`CommitState`]. Every database error is made here, so whether it says
//! "nothing was changed" follows from what had committed when it happened,
//! not from which function caught it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use sqlx::PgConnection;

use super::LoadError;
use super::catalog::TableInfo;
use super::copy::RowEncoder;
use crate::db::{self, SecretUrl};
use crate::generate::Dataset;
use crate::ui;

/// How much of a load the database had committed when it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Committed {
    /// Nothing: the tables are as they were.
    Nothing,
    /// Some chunks (or the chunked `--reset`'s DELETE), not the whole load.
    Part,
    /// Every row: what failed or was interrupted came after the data
    /// (ANALYZE, or the chunked strategy's sequences).
    All,
}

impl Committed {
    /// What stays, for the error hint and the Ctrl-C report.
    pub fn outcome(self) -> &'static str {
        match self {
            Committed::Nothing => "the load was rolled back, the tables are as they were",
            Committed::Part => {
                "the chunks committed so far stay (the chunked strategy commits each chunk \
                 on its own): run `seedkit seed --reset` to load again"
            }
            Committed::All => {
                "the load had committed and stays (every table holds its new rows); what \
                 came after it did not finish: run ANALYZE on the tables (autovacuum will \
                 too), or `seedkit seed --reset` to load again"
            }
        }
    }
}

/// Shared, monotonic record of what a running load has committed: the
/// strategies raise it, errors and the command line's Ctrl-C report read it.
#[derive(Debug, Clone, Default)]
pub struct CommitState(Arc<AtomicU8>);

impl CommitState {
    pub fn get(&self) -> Committed {
        match self.0.load(Ordering::SeqCst) {
            0 => Committed::Nothing,
            1 => Committed::Part,
            _ => Committed::All,
        }
    }

    /// Raises the state to `committed` (it never goes back down).
    pub fn reached(&self, committed: Committed) {
        let level = match committed {
            Committed::Nothing => 0,
            Committed::Part => 1,
            Committed::All => 2,
        };
        self.0.fetch_max(level, Ordering::SeqCst);
    }
}

/// What the strategies share: the dataset and each table's catalog entry
/// and encoder, in load order, and what has committed so far.
pub struct Target {
    pub dataset: Arc<Dataset>,
    pub tables: Vec<TableInfo>,
    pub encoders: Vec<Arc<RowEncoder>>,
    pub url: SecretUrl,
    pub committed: CommitState,
}

impl Target {
    /// Quoted, qualified names of the tables, in load order.
    pub fn qualified(&self) -> Vec<String> {
        self.tables.iter().map(|t| t.qualified.clone()).collect()
    }

    /// A driver error for `step`, password scrubbed (see [`db_error`]),
    /// saying what had committed.
    pub fn db_error(&self, step: &str, err: &sqlx::Error) -> LoadError {
        db_error(&self.url, step, err, self.committed.get())
    }

    /// A failure of `step` that is not a driver error (opening connections).
    pub fn failed(&self, step: &str, message: String) -> LoadError {
        LoadError::Database {
            step: step.to_string(),
            message: self.url.scrub(&message),
            committed: self.committed.get(),
        }
    }
}

/// A driver error as a [`LoadError`] for `step`, password scrubbed. Before
/// anything committed a lock timeout becomes [`LoadError::LockTimeout`]
/// (exit 4, "nothing was changed"), whose holders the loader fills in; after
/// a commit it is a [`LoadError::Database`] that says what stays.
pub fn db_error(url: &SecretUrl, step: &str, err: &sqlx::Error, committed: Committed) -> LoadError {
    let lock_timeout = err
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "55P03");
    if lock_timeout && committed == Committed::Nothing {
        return LoadError::LockTimeout {
            step: step.to_string(),
            waited: Duration::ZERO,
            holders: Vec::new(),
        };
    }
    LoadError::Database {
        step: step.to_string(),
        message: url.scrub(&db::describe(err)),
        committed,
    }
}

/// Runs one statement, mapping a failure to a [`LoadError`].
pub async fn execute(
    conn: &mut PgConnection,
    target: &Target,
    step: &str,
    sql: String,
) -> Result<(), LoadError> {
    ui::debug(format!("  {sql}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(|e| target.db_error(step, &e))
}
