//! The history table: what seedkit has applied to this database.
//!
//! One row per migration, written in the same transaction as the migration
//! itself, so the two can never disagree. Columns:
//! `version` (bigint primary key), `name`, `checksum` (hex SHA-256 of the up
//! script, CRLF normalised), `state` (`applied`; `failed` for a
//! no-transaction migration that stopped half-way; `running` while a
//! no-transaction migration runs, left behind only if the process died),
//! `applied_at`, `execution_ms`, `applied_by` (database user, client host and
//! application), `no_transaction`, and for a failure `failed_statement`,
//! `failed_line` and `error`.

pub use crate::db::history::{AppliedRow, HistoryTable, RowState};
