//! Flyway's repeatable migrations (`R__<description>.sql`): applied after
//! the versioned migrations, in description order, and applied again
//! whenever their checksum changes, as Flyway does.
//!
//! They are recorded in the same history table as the versioned ones, so
//! one lock and one table keep the whole story: the row's `version` is a
//! negative bigint derived from the description ([`key`]: the first 8
//! bytes of SHA-256 of `repeatable:<description>`, top bit set), its `name`
//! is `R__<description>`, its `checksum` that of the file as last applied.
//! Versioned migrations never have negative versions, so the two cannot
//! collide; plans and `status` of versioned migrations skip these rows.
//!
//! A rollback forgets the repeatables' rows: what they create usually
//! depends on versioned objects (a view over a table), so the next
//! `migrate` applies them again after the versioned migrations.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::error::{Failure, MigrateError};
use super::history::{AppliedRow, HistoryTable, RowState};
use super::source::{Repeatable, Source};
use crate::db::session::{HistoryChange, Migrate, Record};

/// The top bit: set on every repeatable's key (stored as a negative bigint).
const REPEATABLE_BIT: u64 = 1 << 63;

/// The history key of a repeatable migration.
pub fn key(name: &str) -> u64 {
    let digest = Sha256::digest(format!("repeatable:{name}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) | REPEATABLE_BIT
}

/// Whether a history row belongs to a repeatable migration.
pub fn is_repeatable(version: u64) -> bool {
    version & REPEATABLE_BIT != 0
}

/// The repeatables whose file is new or changed since last applied.
pub fn due<'a>(source: &'a Source, rows: &[AppliedRow]) -> Vec<&'a Repeatable> {
    source
        .repeatables
        .iter()
        .filter(|r| {
            let key = key(&r.name);
            !rows.iter().any(|row| {
                row.version == key && row.state == RowState::Applied && row.checksum == r.checksum
            })
        })
        .collect()
}

/// The history row of a repeatable as its file is now.
pub fn record(r: &Repeatable) -> Record {
    Record {
        version: key(&r.name),
        name: format!("R__{}", r.name),
        checksum: r.checksum.clone(),
        state: RowState::Applied,
        execution_ms: 0,
        no_transaction: r.script.no_transaction,
        failed_statement: None,
        failed_line: None,
        error: None,
    }
}

/// Applies one repeatable with its history row: in one transaction, or
/// statement by statement (then the row) when it cannot run in one.
pub async fn apply<D: Migrate>(
    db: &mut D,
    history: &HistoryTable,
    r: &Repeatable,
) -> Result<Duration, Box<Failure>> {
    let failure = |message: String, statement: Option<(usize, String)>| {
        Box::new(Failure {
            version: key(&r.name),
            name: format!("R__{}", r.name),
            file: r.script.path.clone(),
            direction: "up",
            line: statement.as_ref().map(|s| s.0),
            statement: statement.map(|s| s.1),
            error_at: None,
            message,
            sqlstate: None,
            no_transaction: r.script.no_transaction,
            completed: Vec::new(),
            connection_lost: false,
        })
    };
    let change = HistoryChange::Record(record(r));
    if !r.script.no_transaction {
        return db
            .run_in_transaction(&r.script.body, history, &change)
            .await
            .map_err(|e| failure(e.message, None));
    }
    let started = std::time::Instant::now();
    for s in &r.script.statements {
        if let Err(e) = db.execute_alone(&s.text).await {
            return Err(failure(e.message, Some((s.line, s.text.clone()))));
        }
    }
    db.change_history(history, &change)
        .await
        .map_err(|e| failure(e.to_string(), None))?;
    Ok(started.elapsed())
}

/// Forgets every repeatable's row (after a rollback).
pub async fn forget_all<D: Migrate>(
    db: &mut D,
    history: &HistoryTable,
    rows: &[AppliedRow],
) -> Result<(), MigrateError> {
    for row in rows.iter().filter(|r| is_repeatable(r.version)) {
        db.change_history(history, &HistoryChange::Forget(row.version))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_negative_bigints() {
        assert_eq!(key("views"), key("views"));
        assert_ne!(key("views"), key("functions"));
        assert!(is_repeatable(key("views")) && (key("views") as i64) < 0);
        assert!(!is_repeatable(i64::MAX as u64));
    }
}
