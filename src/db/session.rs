//! The seam between the migration engine and a database session.
//!
//! The engine (`migrate::runner`) writes the algorithm once: read the folder,
//! lock, read the history, plan, apply or undo, record. [`Migrate`] is what
//! it needs from a session: the history table's SQL, the advisory lock
//! primitive, and how a script and its history row are run together.
//! Modelled on sqlx's `Migrate` trait and refinery's tiny driver traits.
//!
//! [`Session`] implements it once for PostgreSQL and CockroachDB, which
//! accept the same SQL here; where they behave differently the session's
//! [`Dialect`] decides (its settings, its lock kind, what a SQLSTATE means).
//! CockroachDB is migrated with a lease lock instead of the advisory lock
//! (`migrate::lock`); docs/migrations.md describes both.

use std::time::{Duration, Instant};

use sqlx::postgres::{PgDatabaseError, PgErrorPosition};
use sqlx::{AssertSqlSafe, Connection as _, Executor as _};

use super::client_host;
use super::dialect::Dialect;
use super::history::{AppliedRow, HistoryTable, RowState};
use super::holder::{ActivityRow, LockHolder};
use super::{Db, DbError};

/// A history row to write.
#[derive(Debug, Clone)]
pub struct Record {
    pub version: u64,
    pub name: String,
    pub checksum: String,
    pub state: RowState,
    pub execution_ms: i64,
    pub no_transaction: bool,
    pub failed_statement: Option<String>,
    pub failed_line: Option<i32>,
    pub error: Option<String>,
}

/// What to do to the history in the migration's transaction.
#[derive(Debug, Clone)]
pub enum HistoryChange {
    /// Insert (or replace) a row.
    Record(Record),
    /// Insert (or replace) several rows (`baseline`).
    Records(Vec<Record>),
    /// Remove a version's row (a rollback, or `repair` of a failed run).
    Forget(u64),
    /// Re-record a checksum (`repair`).
    SetChecksum { version: u64, checksum: String },
}

/// A statement the server rejected.
#[derive(Debug, Clone)]
pub struct ExecError {
    /// `SQLSTATE: message`, then detail and hint when the server sent them.
    pub message: String,
    /// The server's error position: 1-based, in characters, into the text sent.
    pub position: Option<usize>,
    /// SQLSTATE, when the server sent one.
    pub code: Option<String>,
}

impl ExecError {
    /// The server's error, with what its SQLSTATE means on this
    /// `dialect` when it means more than the message says.
    fn from_sqlx(err: &sqlx::Error, dialect: &dyn Dialect) -> Self {
        let mut error = Self::describe(err);
        if let Some(note) = error
            .code
            .as_deref()
            .and_then(|c| dialect.explain_failure(c))
        {
            error.message.push_str(&format!("\n  {note}"));
        }
        error
    }

    fn describe(err: &sqlx::Error) -> Self {
        let Some(pg) = err
            .as_database_error()
            .and_then(|e| e.try_downcast_ref::<PgDatabaseError>())
        else {
            return ExecError {
                message: err.to_string(),
                position: None,
                code: None,
            };
        };
        let mut message = format!("{} (SQLSTATE {})", pg.message(), pg.code());
        if let Some(detail) = pg.detail() {
            message.push_str(&format!("\n  detail: {detail}"));
        }
        if let Some(hint) = pg.hint() {
            message.push_str(&format!("\n  server hint: {hint}"));
        }
        if let Some(context) = pg.r#where() {
            message.push_str(&format!(
                "\n  context: {}",
                context.replace('\n', "\n           ")
            ));
        }
        let position = match pg.position() {
            Some(PgErrorPosition::Original(p)) => Some(p),
            _ => None,
        };
        ExecError {
            message,
            position,
            code: Some(pg.code().to_string()),
        }
    }
}

/// What the migration engine needs from a database.
///
/// `async fn` in a public trait: the engine awaits it in place (never sends
/// the future to another task), so the missing `Send` bound costs nothing.
#[allow(async_fn_in_trait)]
pub trait Migrate {
    /// How the server behaves where servers differ.
    fn dialect(&self) -> &'static dyn Dialect;

    /// The name of the connected database (part of the lock key).
    async fn current_database(&mut self) -> Result<String, DbError>;

    /// Tries once to take the migration lock; true when taken.
    async fn try_lock(&mut self, key: i64) -> Result<bool, DbError>;
    async fn unlock(&mut self, key: i64) -> Result<(), DbError>;
    /// The sessions holding the lock, for the timeout message.
    async fn lock_holders(&mut self, key: i64) -> Result<Vec<LockHolder>, DbError>;

    async fn history_exists(&mut self, history: &HistoryTable) -> Result<bool, DbError>;
    /// Creates the history table (and its schema) if missing.
    async fn ensure_history(&mut self, history: &HistoryTable) -> Result<(), DbError>;
    /// Every history row, by version.
    async fn applied(&mut self, history: &HistoryTable) -> Result<Vec<AppliedRow>, DbError>;

    /// Runs `body` (several statements, sent as one batch) and the history
    /// change in one transaction; nothing remains if either fails.
    async fn run_in_transaction(
        &mut self,
        body: &str,
        history: &HistoryTable,
        change: &HistoryChange,
    ) -> Result<Duration, ExecError>;

    /// Runs `statements` one at a time in a transaction that is always
    /// rolled back; returns the index and error of the first one that fails.
    /// Used only to find the failing statement of a failed batch.
    async fn find_failing_statement(&mut self, statements: &[&str]) -> Option<(usize, ExecError)>;

    /// Runs one statement on its own (autocommit), outside any transaction.
    async fn execute_alone(&mut self, statement: &str) -> Result<(), ExecError>;

    /// Applies a history change on its own (no-transaction migrations, repair).
    async fn change_history(
        &mut self,
        history: &HistoryTable,
        change: &HistoryChange,
    ) -> Result<(), DbError>;
}

/// PostgreSQL.
pub struct Session {
    pub db: Db,
    host: String,
}

impl Session {
    /// Wraps a connection and applies the dialect's session settings
    /// (each one says why it is there: [`Dialect::session_settings`]). A
    /// required setting the server refuses stops the run, except for an
    /// unknown name (SQLSTATE 42704): a release without the setting does
    /// not have the behaviour it guards against either.
    pub async fn new(mut db: Db) -> Result<Session, DbError> {
        let dialect = db.dialect();
        for setting in dialect.session_settings() {
            let Err(e) = db.conn.execute(setting.sql).await else {
                continue;
            };
            let unknown = e
                .as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|code| code == "42704");
            if setting.required && !unknown {
                return Err(DbError::Setting {
                    name: dialect.name(),
                    sql: setting.sql,
                    why: setting.why,
                    message: db.url().scrub(&e.to_string()),
                });
            }
            crate::ui::debug(format!("{} refused `{}`: {e}", dialect.name(), setting.sql));
        }
        Ok(Session {
            db,
            host: client_host(),
        })
    }

    fn error(&self, context: &str, err: &sqlx::Error) -> DbError {
        DbError::Statement {
            context: context.to_string(),
            message: self.db.url().scrub(&err.to_string()),
        }
    }

    /// Inserts (or replaces) one history row.
    async fn insert_record(
        conn: &mut sqlx::PgConnection,
        host: &str,
        history: &HistoryTable,
        r: &Record,
    ) -> Result<(), sqlx::Error> {
        let table = history.quoted();
        let sql = format!(
            "INSERT INTO {table} (version, name, checksum, state, applied_at, execution_ms, \
             applied_by, no_transaction, failed_statement, failed_line, error) \
             VALUES ($1, $2, $3, $4, now(), $5, \
             current_user || '@' || $6 || ' (' || coalesce(host(inet_client_addr()), 'local socket') \
             || ', ' || current_setting('application_name') || ')', $7, $8, $9, $10) \
             ON CONFLICT (version) DO UPDATE SET name = excluded.name, \
             checksum = excluded.checksum, state = excluded.state, \
             applied_at = excluded.applied_at, execution_ms = excluded.execution_ms, \
             applied_by = excluded.applied_by, no_transaction = excluded.no_transaction, \
             failed_statement = excluded.failed_statement, \
             failed_line = excluded.failed_line, error = excluded.error"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(r.version as i64)
            .bind(&r.name)
            .bind(&r.checksum)
            .bind(r.state.as_str())
            .bind(r.execution_ms)
            .bind(host)
            .bind(r.no_transaction)
            .bind(&r.failed_statement)
            .bind(r.failed_line)
            .bind(&r.error)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    async fn write_change(
        conn: &mut sqlx::PgConnection,
        host: &str,
        history: &HistoryTable,
        change: &HistoryChange,
    ) -> Result<(), sqlx::Error> {
        let table = history.quoted();
        match change {
            HistoryChange::Records(records) => {
                for r in records {
                    Self::insert_record(conn, host, history, r).await?;
                }
            }
            HistoryChange::Record(r) => Self::insert_record(conn, host, history, r).await?,
            HistoryChange::Forget(version) => {
                sqlx::query(AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE version = $1"
                )))
                .bind(*version as i64)
                .execute(&mut *conn)
                .await?;
            }
            HistoryChange::SetChecksum { version, checksum } => {
                sqlx::query(AssertSqlSafe(format!(
                    "UPDATE {table} SET checksum = $2 WHERE version = $1"
                )))
                .bind(*version as i64)
                .bind(checksum)
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }
}

/// One row of the history query.
type HistoryRow = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    bool,
    Option<String>,
    Option<i32>,
    Option<String>,
);

impl Migrate for Session {
    fn dialect(&self) -> &'static dyn Dialect {
        self.db.dialect()
    }

    async fn current_database(&mut self) -> Result<String, DbError> {
        sqlx::query_scalar("SELECT current_database()::text")
            .fetch_one(&mut self.db.conn)
            .await
            .map_err(|e| self.error("reading the database name", &e))
    }

    async fn try_lock(&mut self, key: i64) -> Result<bool, DbError> {
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut self.db.conn)
            .await
            .map_err(|e| self.error("taking the migration lock", &e))
    }

    async fn unlock(&mut self, key: i64) -> Result<(), DbError> {
        sqlx::query_scalar::<_, bool>("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .fetch_one(&mut self.db.conn)
            .await
            .map(drop)
            .map_err(|e| self.error("releasing the migration lock", &e))
    }

    async fn lock_holders(&mut self, key: i64) -> Result<Vec<LockHolder>, DbError> {
        // A bigint advisory key is stored as classid = high 32 bits,
        // objid = low 32 bits, objsubid = 1.
        let bits = key as u64;
        let rows: Vec<ActivityRow> = sqlx::query_as(
            "SELECT a.pid, coalesce(a.application_name, ''), host(a.client_addr), a.usename::text, \
                    to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'), \
                    to_char(a.state_change AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'), \
                    a.state \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::bigint = $1 AND l.objid::bigint = $2 \
             ORDER BY a.pid",
        )
        .bind((bits >> 32) as i64)
        .bind((bits & 0xffff_ffff) as i64)
        .fetch_all(&mut self.db.conn)
        .await
        .map_err(|e| self.error("finding who holds the migration lock", &e))?;
        Ok(rows.into_iter().map(LockHolder::from).collect())
    }

    async fn history_exists(&mut self, history: &HistoryTable) -> Result<bool, DbError> {
        sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(history.quoted())
            .fetch_one(&mut self.db.conn)
            .await
            .map_err(|e| self.error("looking for the history table", &e))
    }

    async fn ensure_history(&mut self, history: &HistoryTable) -> Result<(), DbError> {
        if self.history_exists(history).await? {
            return Ok(());
        }
        // CREATE SCHEMA needs the CREATE privilege on the database even with
        // IF NOT EXISTS: only ask for it when the schema is really missing.
        let schema_missing: bool = sqlx::query_scalar("SELECT to_regnamespace($1) IS NULL")
            .bind(crate::db::quote_ident(&history.schema))
            .fetch_one(&mut self.db.conn)
            .await
            .map_err(|e| self.error("looking for the history schema", &e))?;
        if schema_missing {
            let sql = format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                crate::db::quote_ident(&history.schema)
            );
            self.db
                .conn
                .execute(sqlx::raw_sql(AssertSqlSafe(sql)))
                .await
                .map_err(|e| self.error(&format!("creating the schema {}", history.schema), &e))?;
        }
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (
                 version          bigint PRIMARY KEY,
                 name             text NOT NULL,
                 checksum         text NOT NULL,
                 state            text NOT NULL DEFAULT 'applied'
                                  CHECK (state IN ('applied', 'failed', 'running')),
                 applied_at       timestamptz NOT NULL DEFAULT now(),
                 execution_ms     bigint NOT NULL DEFAULT 0,
                 applied_by       text NOT NULL DEFAULT current_user,
                 no_transaction   boolean NOT NULL DEFAULT false,
                 failed_statement text,
                 failed_line      integer,
                 error            text
             )",
            history.quoted()
        );
        self.db
            .conn
            .execute(sqlx::raw_sql(AssertSqlSafe(sql)))
            .await
            .map(drop)
            .map_err(|e| self.error(&format!("creating the history table {history}"), &e))
    }

    async fn applied(&mut self, history: &HistoryTable) -> Result<Vec<AppliedRow>, DbError> {
        let sql = format!(
            "SELECT version, name, checksum, state, \
                    to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), \
                    execution_ms, applied_by, no_transaction, failed_statement, failed_line, error \
             FROM {} ORDER BY version",
            history.quoted()
        );
        let rows: Vec<HistoryRow> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&mut self.db.conn)
            .await
            .map_err(|e| self.error(&format!("reading the history table {history}"), &e))?;
        Ok(rows
            .into_iter()
            .map(|r| AppliedRow {
                version: r.0 as u64,
                name: r.1,
                checksum: r.2,
                state: RowState::parse(&r.3),
                applied_at: r.4,
                execution_ms: r.5,
                applied_by: r.6,
                no_transaction: r.7,
                failed_statement: r.8,
                failed_line: r.9,
                error: r.10,
            })
            .collect())
    }

    async fn run_in_transaction(
        &mut self,
        body: &str,
        history: &HistoryTable,
        change: &HistoryChange,
    ) -> Result<Duration, ExecError> {
        let dialect = self.db.dialect();
        let started = Instant::now();
        let mut tx = self
            .db
            .conn
            .begin()
            .await
            .map_err(|e| ExecError::from_sqlx(&e, dialect))?;
        // The whole script goes as one simple-query batch: one round trip,
        // as fast as psql or faster; a failure's position points into it.
        if !body.trim().is_empty()
            && let Err(e) = sqlx::raw_sql(AssertSqlSafe(body.to_string()))
                .execute(&mut *tx)
                .await
        {
            let _ = tx.rollback().await;
            return Err(ExecError::from_sqlx(&e, dialect));
        }
        let elapsed = started.elapsed();
        let change = match change {
            HistoryChange::Record(r) => HistoryChange::Record(Record {
                execution_ms: elapsed.as_millis() as i64,
                ..r.clone()
            }),
            other => other.clone(),
        };
        if let Err(e) = Self::write_change(&mut tx, &self.host, history, &change).await {
            let _ = tx.rollback().await;
            return Err(ExecError::from_sqlx(&e, dialect));
        }
        tx.commit()
            .await
            .map_err(|e| ExecError::from_sqlx(&e, dialect))?;
        Ok(elapsed)
    }

    async fn find_failing_statement(&mut self, statements: &[&str]) -> Option<(usize, ExecError)> {
        let dialect = self.db.dialect();
        let mut tx = self.db.conn.begin().await.ok()?;
        let mut failing = None;
        for (i, statement) in statements.iter().enumerate() {
            if let Err(e) = sqlx::raw_sql(AssertSqlSafe(statement.to_string()))
                .execute(&mut *tx)
                .await
            {
                failing = Some((i, ExecError::from_sqlx(&e, dialect)));
                break;
            }
        }
        let _ = tx.rollback().await;
        failing
    }

    async fn execute_alone(&mut self, statement: &str) -> Result<(), ExecError> {
        let dialect = self.db.dialect();
        self.db
            .conn
            .execute(sqlx::raw_sql(AssertSqlSafe(statement.to_string())))
            .await
            .map(drop)
            .map_err(|e| ExecError::from_sqlx(&e, dialect))
    }

    async fn change_history(
        &mut self,
        history: &HistoryTable,
        change: &HistoryChange,
    ) -> Result<(), DbError> {
        Self::write_change(&mut self.db.conn, &self.host, history, change)
            .await
            .map_err(|e| self.error(&format!("writing the history table {history}"), &e))
    }
}
