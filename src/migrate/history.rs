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

use std::fmt;

/// Where the history table lives (`--history-schema`, `--history-table`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryTable {
    pub schema: String,
    pub table: String,
}

impl HistoryTable {
    pub fn new(schema: impl Into<String>, table: impl Into<String>) -> Self {
        HistoryTable {
            schema: schema.into(),
            table: table.into(),
        }
    }

    /// The quoted `"schema"."table"` for SQL.
    pub fn quoted(&self) -> String {
        format!(
            "{}.{}",
            crate::db::quote_ident(&self.schema),
            crate::db::quote_ident(&self.table)
        )
    }
}

impl fmt::Display for HistoryTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.table)
    }
}

/// The state of a history row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowState {
    Applied,
    /// A no-transaction migration failed part-way.
    Failed,
    /// A no-transaction migration was running when its process died.
    Running,
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Applied => "applied",
            RowState::Failed => "failed",
            RowState::Running => "running",
        }
    }

    pub fn parse(text: &str) -> RowState {
        match text {
            "applied" => RowState::Applied,
            "failed" => RowState::Failed,
            _ => RowState::Running,
        }
    }
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedRow {
    pub version: u64,
    pub name: String,
    pub checksum: String,
    pub state: RowState,
    /// RFC 3339, UTC.
    pub applied_at: String,
    pub execution_ms: i64,
    pub applied_by: String,
    pub no_transaction: bool,
    pub failed_statement: Option<String>,
    pub failed_line: Option<i32>,
    pub error: Option<String>,
}

/// What a run writes into `applied_by`, besides what the server knows
/// (current_user, client address, application_name): the client's host name.
pub fn client_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}
