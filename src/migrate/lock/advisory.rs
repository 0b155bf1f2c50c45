//! The advisory lock: `pg_try_advisory_lock` on the run's own session (the
//! SQL is the session's, [`Migrate::try_lock`]).

use super::poll::TryLock;
use crate::db::holder::LockHolder;
use crate::db::session::Migrate;
use crate::migrate::error::MigrateError;

/// The advisory lock, taken on the run's own connection.
pub struct Advisory<'a, D> {
    pub db: &'a mut D,
    pub key: i64,
}

impl<D: Migrate> TryLock for Advisory<'_, D> {
    async fn try_lock(&mut self) -> Result<bool, MigrateError> {
        Ok(self.db.try_lock(self.key).await?)
    }

    async fn holders(&mut self) -> Vec<LockHolder> {
        self.db.lock_holders(self.key).await.unwrap_or_default()
    }

    fn describe(&self) -> String {
        format!("advisory lock key {}", self.key)
    }
}
