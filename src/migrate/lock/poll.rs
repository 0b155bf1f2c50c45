//! Waiting for a lock of either kind: one attempt at a time, with backoff,
//! until it is taken or `--lock-timeout` passes; then the error names who
//! holds it.

use std::time::{Duration, Instant};

use crate::db::holder::LockHolder;
use crate::migrate::error::MigrateError;

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
