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
//! always returns true), so there the lock is a lease row (see [`lease`]),
//! renewed by a heartbeat and taken over once expired. The dialect picks
//! the kind ([`crate::db::Dialect::migration_lock`]); `--lock-strategy
//! lease|advisory` ([`LockSettings`]) picks one explicitly, which is how
//! the lease is tested against PostgreSQL; `advisory` is refused on
//! CockroachDB, where it would silently lock nothing.
//!
//! [`advisory`] and [`lease`] are the two kinds; both are polled by
//! [`poll`], below them. This module only picks one and holds it.
//!
//! The key is [`lock_key`]: the first 8 bytes (big-endian, as i64) of
//! SHA-256 of `seedkit-migrations:<database>:<schema>.<table>`. Runs against
//! different databases, or different history tables in one database, do not
//! block each other.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::error::MigrateError;
use super::history::HistoryTable;
use crate::db::Connector;
use crate::db::dialect::LockKind;
use crate::db::session::Migrate;

pub mod advisory;
pub mod lease;
pub mod poll;

use advisory::Advisory;
use lease::Lease;

/// How long a lease lasts unless renewed (`--lock-lease`); the heartbeat
/// renews it every third of that.
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

/// How the migration lock is taken (`--lock-strategy`, `--lock-lease`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockSettings {
    /// `None`: the kind the server's dialect calls for.
    pub kind: Option<LockKind>,
    /// How long a lease lasts unless renewed.
    pub lease: Duration,
}

impl Default for LockSettings {
    fn default() -> Self {
        LockSettings {
            kind: None,
            lease: DEFAULT_LEASE,
        }
    }
}

impl LockSettings {
    /// The kind to take on a server of `dialect`: the one asked for, unless
    /// it would lock nothing there.
    fn kind_for(&self, dialect: &dyn crate::db::Dialect) -> Result<LockKind, MigrateError> {
        let kind = self.kind.unwrap_or_else(|| dialect.migration_lock());
        dialect
            .check_lock(kind)
            .map_err(|why| MigrateError::Unsupported {
                message: why.into(),
                hint: format!(
                    "leave --lock-strategy (SEEDKIT_LOCK_STRATEGY) at auto: seedkit takes a {} \
                     lock on {}",
                    dialect.migration_lock().name(),
                    dialect.name()
                ),
            })?;
        Ok(kind)
    }
}

/// The lock a run holds until it calls [`RunLock::release`].
pub enum RunLock {
    Advisory { key: i64 },
    Lease(Lease),
}

/// Takes the migration lock for `history` on the session's database, of the
/// kind its dialect calls for (or `settings` asks for).
pub async fn acquire<D: Migrate>(
    db: &mut D,
    server: &Connector,
    history: &HistoryTable,
    timeout: Duration,
    settings: &LockSettings,
) -> crate::Result<RunLock> {
    let kind = settings.kind_for(db.dialect())?;
    let database = db.current_database().await?;
    let key = lock_key(&database, history);
    match kind {
        LockKind::Advisory => {
            poll::poll(&mut Advisory { db, key }, timeout).await?;
            crate::ui::debug(format!("took the migration lock (advisory key {key})"));
            Ok(RunLock::Advisory { key })
        }
        LockKind::Lease => {
            let lease = Lease::acquire(server, history, key, settings.lease, timeout).await?;
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
            RunLock::Advisory { key } => Ok(db.unlock(key).await?),
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
