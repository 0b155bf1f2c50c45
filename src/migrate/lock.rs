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
//! CockroachDB has no session advisory locks (its `pg_try_advisory_lock`
//! always returns true), so there the lock is a lease row (see [`super::lease`]),
//! renewed by a heartbeat and taken over once expired. The hidden variable
//! `SEEDKIT_LOCK_STRATEGY=lease|advisory` picks one explicitly, which is how
//! the lease is tested against PostgreSQL; `advisory` is refused on
//! CockroachDB, where it would silently lock nothing.
//!
//! The key is [`lock_key`]: the first 8 bytes (big-endian, as i64) of
//! SHA-256 of `seedkit-migrations:<database>:<schema>.<table>`. Runs against
//! different databases, or different history tables in one database, do not
//! block each other.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::error::{LockHolder, MigrateError};
use super::history::HistoryTable;
use super::lease::Lease;
use crate::db::session::Migrate;
use crate::db::{Connector, Flavor};

/// How long a lease lasts unless renewed (`SEEDKIT_LOCK_LEASE`); the
/// heartbeat renews it every third of that.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(15);

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

/// Which kind of lock a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Advisory,
    Lease(Duration),
}

impl Strategy {
    /// The server's natural lock, unless `SEEDKIT_LOCK_STRATEGY` says otherwise.
    pub fn choose(flavor: Flavor) -> Result<Strategy, MigrateError> {
        let lease = match std::env::var("SEEDKIT_LOCK_LEASE") {
            Ok(text) => humantime::parse_duration(&text).map_err(|e| MigrateError::BadVersion {
                message: format!("SEEDKIT_LOCK_LEASE={text}: {e}"),
                hint: "a duration such as 15s".into(),
            })?,
            Err(_) => DEFAULT_LEASE,
        };
        let asked = std::env::var("SEEDKIT_LOCK_STRATEGY").unwrap_or_default();
        match (asked.as_str(), flavor) {
            ("lease", _) | ("", Flavor::Cockroach) => Ok(Strategy::Lease(lease)),
            ("advisory" | "", Flavor::Postgres) => Ok(Strategy::Advisory),
            ("advisory", Flavor::Cockroach) => Err(MigrateError::Unsupported {
                message: "CockroachDB has no session advisory locks: pg_try_advisory_lock \
                          always succeeds there, so it would lock nothing"
                    .into(),
                hint: "unset SEEDKIT_LOCK_STRATEGY: seedkit uses a lease lock on CockroachDB"
                    .into(),
            }),
            (other, _) => Err(MigrateError::BadVersion {
                message: format!("SEEDKIT_LOCK_STRATEGY={other} is not a lock strategy"),
                hint: "use `advisory` or `lease`, or unset it".into(),
            }),
        }
    }
}

/// One attempt at a lock, and who holds it when the attempt fails.
#[allow(async_fn_in_trait)]
pub trait TryLock {
    async fn try_lock(&mut self) -> Result<bool, MigrateError>;
    async fn holders(&mut self) -> Vec<LockHolder>;
    /// Names the lock in messages.
    fn describe(&self) -> String;
}

/// Polls `lock` with backoff (50 ms growing to 500 ms) until it is taken or
/// `timeout` passes; on timeout the error names the holders.
pub async fn poll<L: TryLock>(lock: &mut L, timeout: Duration) -> Result<(), MigrateError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(50);
    let mut announced = false;
    loop {
        if lock.try_lock().await? {
            return Ok(());
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(MigrateError::LockTimeout {
                waited: timeout,
                lock: lock.describe(),
                holders: lock.holders().await,
            });
        }
        if !announced && waited >= Duration::from_millis(500) {
            crate::ui::info(format!(
                "waiting for the migration lock ({}, up to {})",
                lock.describe(),
                humantime::format_duration(timeout)
            ));
            announced = true;
        }
        tokio::time::sleep(pause.min(timeout - waited)).await;
        pause = (pause * 3 / 2).min(Duration::from_millis(500));
    }
}

/// The advisory lock, taken on the run's own connection.
struct Advisory<'a, D> {
    db: &'a mut D,
    key: i64,
}

impl<D: Migrate> TryLock for Advisory<'_, D> {
    async fn try_lock(&mut self) -> Result<bool, MigrateError> {
        self.db.try_lock(self.key).await
    }

    async fn holders(&mut self) -> Vec<LockHolder> {
        self.db.lock_holders(self.key).await.unwrap_or_default()
    }

    fn describe(&self) -> String {
        format!("advisory lock key {}", self.key)
    }
}

/// The lock a run holds until it calls [`RunLock::release`].
pub enum RunLock {
    Advisory { key: i64 },
    Lease(Lease),
}

/// Takes the migration lock for `history` on the dialect's database.
pub async fn acquire<D: Migrate>(
    db: &mut D,
    server: &Connector,
    history: &HistoryTable,
    timeout: Duration,
) -> crate::Result<RunLock> {
    let strategy = Strategy::choose(db.flavor())?;
    let database = db.current_database().await?;
    let key = lock_key(&database, history);
    match strategy {
        Strategy::Advisory => {
            poll(&mut Advisory { db, key }, timeout).await?;
            crate::ui::debug(format!("took the migration lock (advisory key {key})"));
            Ok(RunLock::Advisory { key })
        }
        Strategy::Lease(length) => {
            let lease = Lease::acquire(server, history, key, length, timeout).await?;
            crate::ui::debug(format!("took the migration lease ({})", lease.table()));
            Ok(RunLock::Lease(lease))
        }
    }
}

impl RunLock {
    /// Fails when the lock is no longer ours (a lease that could not be
    /// renewed); the runner checks before each migration.
    pub fn check(&self) -> Result<(), MigrateError> {
        match self {
            RunLock::Advisory { .. } => Ok(()),
            RunLock::Lease(lease) => lease.check(),
        }
    }

    /// Releases the lock explicitly.
    pub async fn release<D: Migrate>(self, db: &mut D) -> Result<(), MigrateError> {
        match self {
            RunLock::Advisory { key } => db.unlock(key).await,
            RunLock::Lease(lease) => lease.release().await,
        }
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
