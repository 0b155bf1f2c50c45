//! The lease lock, for servers without session advisory locks (CockroachDB).
//!
//! A row in `<history table>_lock` (same schema) says who holds the lock and
//! until when: `lock_key` (primary key), `owner_id` (a random id per run),
//! `owner_pid`, `owner_host`, `acquired_at`, `heartbeat_at`, `expires_at`.
//! Taking it is one statement that inserts the row, or takes over a row
//! whose lease has expired; all times come from the server's clock, so client
//! clocks do not matter. While the run works, a heartbeat task on its own
//! connection pushes `expires_at` forward every third of the lease. Release
//! deletes the row. A killed run leaves its row behind, and the next run
//! takes it over once it expires (Flyway's CockroachDB lock works the same
//! way; golang-migrate's never expires, its users' top complaint).
//!
//! If the heartbeat finds the row taken over (it was too late), the lock is
//! lost: the runner stops before its next migration.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Executor as _, PgConnection};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::poll::{TryLock, poll};
use crate::db::holder::LockHolder;
use crate::db::{Connector, client_host, quote_ident};
use crate::migrate::error::MigrateError;
use crate::migrate::history::HistoryTable;

/// A held lease; dropping it without [`Lease::release`] leaves the row to expire.
pub struct Lease {
    table: String,
    lost: Arc<AtomicBool>,
    stop: oneshot::Sender<()>,
    heartbeat: JoinHandle<Result<(), MigrateError>>,
}

/// The lease row's connection and identity.
struct LeaseConn {
    conn: PgConnection,
    /// Quoted `"schema"."table_lock"`.
    table: String,
    key: i64,
    owner_id: String,
    length: Duration,
}

impl Lease {
    /// Connects, creates the lease table if needed, and polls for the lease
    /// until `timeout`; then starts the heartbeat.
    pub async fn acquire(
        server: &Connector,
        history: &HistoryTable,
        key: i64,
        length: Duration,
        timeout: Duration,
    ) -> crate::Result<Lease> {
        let db = server.connect().await?;
        let table = format!(
            "{}.{}",
            quote_ident(&history.schema),
            quote_ident(&format!("{}_lock", history.table))
        );
        let mut lease = LeaseConn {
            conn: db.conn,
            table: table.clone(),
            key,
            owner_id: uuid::Uuid::new_v4().to_string(),
            length,
        };
        lease.ensure_table().await?;
        poll(&mut lease, timeout).await?;
        let lost = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = oneshot::channel();
        let heartbeat = tokio::spawn(heartbeat(lease, lost.clone(), stopped));
        Ok(Lease {
            table,
            lost,
            stop,
            heartbeat,
        })
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn check(&self) -> Result<(), MigrateError> {
        if self.lost.load(Ordering::SeqCst) {
            Err(MigrateError::LockLost {
                message: format!(
                    "the lease in {} was taken over or could not be renewed",
                    self.table
                ),
            })
        } else {
            Ok(())
        }
    }

    /// Stops the heartbeat and deletes the lease row.
    pub async fn release(self) -> Result<(), MigrateError> {
        let _ = self.stop.send(());
        match self.heartbeat.await {
            Ok(result) => result,
            Err(e) => Err(MigrateError::LockLost {
                message: format!("the lease heartbeat task failed: {e}"),
            }),
        }
    }
}

/// Renews the lease every third of its length until told to stop, then
/// deletes it.
async fn heartbeat(
    mut lease: LeaseConn,
    lost: Arc<AtomicBool>,
    mut stopped: oneshot::Receiver<()>,
) -> Result<(), MigrateError> {
    let every = lease.length / 3;
    let mut renewed = Instant::now();
    loop {
        tokio::select! {
            _ = &mut stopped => return lease.delete().await,
            () = tokio::time::sleep(every) => match lease.renew().await {
                Ok(true) => renewed = Instant::now(),
                Ok(false) => lost.store(true, Ordering::SeqCst),
                Err(e) => {
                    crate::ui::warn(format!("could not renew the migration lease: {e}"));
                    if renewed.elapsed() >= lease.length {
                        lost.store(true, Ordering::SeqCst);
                    }
                }
            },
        }
    }
}

fn db_error(context: &str, e: &sqlx::Error) -> MigrateError {
    MigrateError::database(context, e)
}

impl LeaseConn {
    async fn ensure_table(&mut self) -> Result<(), MigrateError> {
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (
                 lock_key     bigint PRIMARY KEY,
                 owner_id     text NOT NULL,
                 owner_pid    bigint NOT NULL,
                 owner_host   text NOT NULL,
                 acquired_at  timestamptz NOT NULL,
                 heartbeat_at timestamptz NOT NULL,
                 expires_at   timestamptz NOT NULL
             )",
            self.table
        );
        // Concurrent first runs can race on CREATE TABLE IF NOT EXISTS
        // (a unique violation in the catalog): the loser retries once and
        // then finds the table.
        for attempt in 0..2 {
            match self
                .conn
                .execute(sqlx::raw_sql(AssertSqlSafe(sql.clone())))
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if attempt == 0 => {
                    crate::ui::debug(format!("creating the lease table: {e}; retrying"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => {
                    return Err(db_error(
                        &format!("creating the lease table {}", self.table),
                        &e,
                    ));
                }
            }
        }
        Ok(())
    }

    fn length_ms(&self) -> i64 {
        self.length.as_millis() as i64
    }

    async fn renew(&mut self) -> Result<bool, MigrateError> {
        let sql = format!(
            "UPDATE {} SET heartbeat_at = now(), expires_at = now() + $3::INT8 * INTERVAL '1 millisecond' \
             WHERE lock_key = $1 AND owner_id = $2",
            self.table
        );
        let done = sqlx::query(AssertSqlSafe(sql))
            .bind(self.key)
            .bind(&self.owner_id)
            .bind(self.length_ms())
            .execute(&mut self.conn)
            .await
            .map_err(|e| db_error("renewing the migration lease", &e))?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete(&mut self) -> Result<(), MigrateError> {
        let sql = format!(
            "DELETE FROM {} WHERE lock_key = $1 AND owner_id = $2",
            self.table
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(self.key)
            .bind(&self.owner_id)
            .execute(&mut self.conn)
            .await
            .map(drop)
            .map_err(|e| db_error("releasing the migration lease", &e))
    }
}

type HolderRow = (i64, String, String, String, String);

impl TryLock for LeaseConn {
    /// Inserts the row, or takes over an expired one, in one statement.
    async fn try_lock(&mut self) -> Result<bool, MigrateError> {
        let sql = format!(
            "INSERT INTO {t} AS l (lock_key, owner_id, owner_pid, owner_host, acquired_at, heartbeat_at, expires_at) \
             VALUES ($1, $2, $3, $4, now(), now(), now() + $5::INT8 * INTERVAL '1 millisecond') \
             ON CONFLICT (lock_key) DO UPDATE SET owner_id = excluded.owner_id, \
                 owner_pid = excluded.owner_pid, owner_host = excluded.owner_host, \
                 acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at, \
                 expires_at = excluded.expires_at \
             WHERE l.expires_at < now() \
             RETURNING owner_id",
            t = self.table
        );
        let taken: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(self.key)
            .bind(&self.owner_id)
            .bind(i64::from(std::process::id()))
            .bind(client_host())
            .bind(self.length_ms())
            .fetch_optional(&mut self.conn)
            .await
            .map_err(|e| db_error("taking the migration lease", &e))?;
        Ok(taken.is_some_and(|owner| owner == self.owner_id))
    }

    async fn holders(&mut self) -> Vec<LockHolder> {
        let utc = |column: &str| {
            format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"')")
        };
        let sql = format!(
            "SELECT owner_pid, owner_host, {}, {}, {} FROM {} WHERE lock_key = $1",
            utc("acquired_at"),
            utc("heartbeat_at"),
            utc("expires_at"),
            self.table
        );
        let rows: Vec<HolderRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(self.key)
            .fetch_all(&mut self.conn)
            .await
            .unwrap_or_default();
        rows.into_iter()
            .map(|(pid, host, acquired, heartbeat, expires)| LockHolder {
                pid: pid as i32,
                application_name: "seedkit".into(),
                client_addr: Some(host),
                usename: None,
                backend_start: Some(acquired),
                state_change: Some(heartbeat),
                state: Some("last heartbeat".into()),
                lease_expires_at: Some(expires),
            })
            .collect()
    }

    fn describe(&self) -> String {
        format!("lease in {}", self.table)
    }
}
