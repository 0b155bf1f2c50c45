//! The migration lock: one run at a time per database and history table.
//!
//! On PostgreSQL it is a session-level advisory lock held on the run's one
//! dedicated connection. It is taken by polling `pg_try_advisory_lock` with
//! backoff rather than blocking in `pg_advisory_lock`: a blocked waiter
//! deadlocks against `CREATE INDEX CONCURRENTLY` in the holder's run
//! (flyway#1654, golang-migrate#960), and polling lets us give up at
//! `--lock-timeout` and say who holds it. The session owns the lock, so a
//! killed process releases it when its connection goes away.
//!
//! The key is [`lock_key`]: the first 8 bytes (big-endian, as i64) of
//! SHA-256 of `seedkit-migrations:<database>:<schema>.<table>`. Runs against
//! different databases, or different history tables in one database, do not
//! block each other.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::error::MigrateError;
use super::history::HistoryTable;
use crate::db::dialect::Dialect;

/// The advisory lock key for a database and history table.
pub fn lock_key(database: &str, history: &HistoryTable) -> i64 {
    let text = format!(
        "seedkit-migrations:{database}:{}.{}",
        history.schema, history.table
    );
    let digest = Sha256::digest(text.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Polls the dialect's `try_lock` with backoff (50 ms growing to 500 ms)
/// until it succeeds or `timeout` passes; on timeout the error names the
/// sessions holding the lock.
pub async fn acquire<D: Dialect>(
    db: &mut D,
    key: i64,
    timeout: Duration,
) -> Result<(), MigrateError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(50);
    let mut announced = false;
    loop {
        if db.try_lock(key).await? {
            return Ok(());
        }
        let waited = started.elapsed();
        if waited >= timeout {
            let holders = db.lock_holders(key).await.unwrap_or_default();
            return Err(MigrateError::LockTimeout {
                waited: timeout,
                key,
                holders,
            });
        }
        if !announced && waited >= Duration::from_millis(500) {
            crate::ui::info(format!(
                "waiting for the migration lock (key {key}, up to {})",
                humantime::format_duration(timeout)
            ));
            announced = true;
        }
        tokio::time::sleep(pause.min(timeout - waited)).await;
        pause = (pause * 3 / 2).min(Duration::from_millis(500));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_depends_on_database_and_table() {
        let h = HistoryTable::new("public", "seedkit_migrations");
        assert_eq!(lock_key("app", &h), lock_key("app", &h));
        assert_ne!(lock_key("app", &h), lock_key("other", &h));
        assert_ne!(
            lock_key("app", &h),
            lock_key("app", &HistoryTable::new("ops", "seedkit_migrations"))
        );
    }
}
