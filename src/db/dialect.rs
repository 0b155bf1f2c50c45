//! What differs between the servers seedkit speaks to, as answers to
//! questions the callers ask: which migration lock works, whether DDL is
//! transactional (which load strategy fits), how to prepare a session, how
//! to drop a database, whether databases can be copied from a template,
//! what a server-specific SQLSTATE means.
//!
//! One small impl per server: [`Postgres`](super::postgres::Postgres) and
//! [`Cockroach`](super::cockroach::Cockroach). A connection knows its
//! dialect ([`Db::dialect`](super::Db::dialect)); the migration engine, the
//! loader, fixtures and verify ask it these questions and never which
//! server it is. The SQL both servers accept alike (the history table,
//! COPY, the catalog reads) is written once, in [`session`](super::session)
//! and the modules above.

use std::fmt;

use super::Flavor;

/// The kind of migration lock a server supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// A session-level advisory lock: released with the session.
    Advisory,
    /// A lease row renewed by a heartbeat, taken over once expired.
    Lease,
}

impl LockKind {
    pub fn name(self) -> &'static str {
        match self {
            LockKind::Advisory => "advisory",
            LockKind::Lease => "lease",
        }
    }
}

/// A statement that prepares every migration session.
#[derive(Debug, Clone, Copy)]
pub struct SessionSetting {
    pub sql: &'static str,
    /// Whether the run must stop when the server refuses it (the engine's
    /// guarantees depend on it), or may go on (a refinement only).
    pub required: bool,
    /// Why the setting is there, for the error when a required one fails.
    pub why: &'static str,
}

/// The behaviour of one kind of server.
pub trait Dialect: fmt::Debug + Send + Sync {
    /// The server's name in messages ("PostgreSQL").
    fn name(&self) -> &'static str;

    /// Which one it is, for reports (JSON `flavor`) only: callers ask the
    /// questions below instead of matching on it.
    fn flavor(&self) -> Flavor;

    /// The migration lock to take when the user does not pick one.
    fn migration_lock(&self) -> LockKind;

    /// Refuses a lock kind that would not lock anything on this server,
    /// with the reason.
    fn check_lock(&self, kind: LockKind) -> Result<(), &'static str>;

    /// Settings for a migration session.
    fn session_settings(&self) -> &'static [SessionSetting];

    /// Whether DDL is transactional: a failure after `ALTER TABLE … DROP
    /// CONSTRAINT` rolls the drop back. The single-transaction load (drop
    /// keys and indexes, COPY, re-create them) needs it.
    fn transactional_ddl(&self) -> bool;

    /// Whether `CREATE DATABASE … TEMPLATE` copies a database (fixture
    /// clones); otherwise each clone is built anew.
    fn template_databases(&self) -> bool;

    /// `DROP DATABASE` for a quoted name; `force` ends its sessions first
    /// where the server can.
    fn drop_database(&self, quoted: &str, force: bool) -> String;

    /// What a failed migration's SQLSTATE means beyond the server's message,
    /// when it means more on this server.
    fn explain_failure(&self, sqlstate: &str) -> Option<&'static str>;
}

/// The dialect for a detected flavour.
pub fn for_flavor(flavor: Flavor) -> &'static dyn Dialect {
    match flavor {
        Flavor::Postgres => &super::postgres::Postgres,
        Flavor::Cockroach => &super::cockroach::Cockroach,
    }
}
