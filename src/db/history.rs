//! The history table's rows as Rust values: where the table lives
//! ([`HistoryTable`]), one row ([`AppliedRow`]) and its [`RowState`].
//! Below both the migration engine and the [`session`](super::session)
//! that reads and writes them; `migrate::history` documents the columns.

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
