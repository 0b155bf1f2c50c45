//! CockroachDB's answers to the [`Dialect`] questions.
//! /work/shared/notes/cockroachdb.md gathers the sources; each behaviour is
//! tested against PostgreSQL with the CockroachDB behaviour reproduced
//! (docs/migrations.md, docs/seeding.md).

use super::Flavor;
use super::dialect::{Dialect, LockKind, SessionSetting};

/// CockroachDB (wire-compatible with PostgreSQL, detected from `version()`).
#[derive(Debug, Clone, Copy)]
pub struct Cockroach;

impl Dialect for Cockroach {
    fn name(&self) -> &'static str {
        "CockroachDB"
    }

    fn flavor(&self) -> Flavor {
        Flavor::Cockroach
    }

    /// No session advisory locks (cockroach#13546): a lease row, as Flyway.
    fn migration_lock(&self) -> LockKind {
        LockKind::Lease
    }

    /// `pg_try_advisory_lock` is a stub that always returns true there
    /// (ariga/atlas#1330): an advisory lock would lock nothing.
    fn check_lock(&self, kind: LockKind) -> Result<(), &'static str> {
        match kind {
            LockKind::Lease => Ok(()),
            LockKind::Advisory => Err(
                "CockroachDB has no session advisory locks: pg_try_advisory_lock always \
                 succeeds there, so it would lock nothing",
            ),
        }
    }

    /// Since 25.1 a DDL statement commits the open transaction first
    /// (`autocommit_before_ddl`, cockroach#118440), which would commit a
    /// migration before its history row is written. Turning it off is what
    /// keeps "migration and history row in one transaction" true, so a
    /// server that refuses it stops the run. Older releases know no such
    /// setting and never auto-committed; there the refusal is ignored
    /// (SQLSTATE 42704, unrecognized configuration parameter).
    fn session_settings(&self) -> &'static [SessionSetting] {
        &[SessionSetting {
            sql: "SET autocommit_before_ddl = false",
            required: true,
            why: "so a DDL statement does not commit the migration before its history row",
        }]
    }

    /// A DDL statement is atomic only on its own: the chunked load.
    fn transactional_ddl(&self) -> bool {
        false
    }

    /// No `CREATE DATABASE … TEMPLATE` (cockroach#10151).
    fn template_databases(&self) -> bool {
        false
    }

    /// No `WITH (FORCE)`; `CASCADE` drops a database that still has tables.
    fn drop_database(&self, quoted: &str, _force: bool) -> String {
        format!("DROP DATABASE IF EXISTS {quoted} CASCADE")
    }

    /// XXA00: the transaction committed but the schema change failed.
    fn explain_failure(&self, sqlstate: &str) -> Option<&'static str> {
        (sqlstate == "XXA00").then_some(
            "CockroachDB committed the transaction but the schema change failed (XXA00): \
             the migration may be partly applied and is not recorded; check the schema \
             before running it again",
        )
    }
}
