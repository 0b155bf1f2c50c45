//! PostgreSQL's answers to the [`Dialect`] questions.

use super::Flavor;
use super::dialect::{Dialect, LockKind, SessionSetting};

/// PostgreSQL (13 or later).
#[derive(Debug, Clone, Copy)]
pub struct Postgres;

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }

    fn flavor(&self) -> Flavor {
        Flavor::Postgres
    }

    /// A session-level advisory lock: the session owns it, so a killed run
    /// releases it when its connection goes away.
    fn migration_lock(&self) -> LockKind {
        LockKind::Advisory
    }

    fn check_lock(&self, _kind: LockKind) -> Result<(), &'static str> {
        Ok(())
    }

    /// Asks the server to notice a vanished client during a long statement
    /// (`client_connection_check_interval`, PG 14+): without it a SIGKILLed
    /// run's `pg_sleep` or long `CREATE INDEX` would keep running, and keep
    /// the lock, until it finished. Older servers refuse the name; they
    /// notice at the next write to the socket, so the run goes on.
    fn session_settings(&self) -> &'static [SessionSetting] {
        &[SessionSetting {
            sql: "SET client_connection_check_interval = 1000",
            required: false,
            why: "to notice a vanished client during a long statement",
        }]
    }

    fn transactional_ddl(&self) -> bool {
        true
    }

    fn template_databases(&self) -> bool {
        true
    }

    /// `WITH (FORCE)` (PostgreSQL 13+) ends the sessions still connected.
    fn drop_database(&self, quoted: &str, force: bool) -> String {
        let with = if force { " WITH (FORCE)" } else { "" };
        format!("DROP DATABASE IF EXISTS {quoted}{with}")
    }

    fn explain_failure(&self, _sqlstate: &str) -> Option<&'static str> {
        None
    }
}
