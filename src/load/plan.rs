//! `seed --dry-run`: what would be loaded, in which order, how big, worked
//! out from the profile alone (no database connection).

use std::fmt;

use serde::Serialize;

use super::summary::{bytes, thousands};
use crate::generate::Dataset;
use crate::profile::Profile;

#[derive(Debug, Clone, Serialize)]
pub struct PlannedTable {
    pub table: String,
    pub rows: u64,
    pub estimated_bytes: u64,
    /// Tables it references (loaded before it).
    pub parents: Vec<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub profile: String,
    pub seed: u64,
    /// Tables in load order: parents before children.
    pub tables: Vec<PlannedTable>,
    pub total_rows: u64,
    pub estimated_bytes: u64,
}

impl Plan {
    pub fn new(profile: &Profile, dataset: &Dataset) -> Plan {
        let tables: Vec<PlannedTable> = dataset
            .tables()
            .iter()
            .map(|t| PlannedTable {
                table: t.name().to_string(),
                rows: t.row_count(),
                estimated_bytes: t.row_count().saturating_mul(t.estimated_row_bytes()),
                parents: t.parents().iter().map(|p| p.to_string()).collect(),
                columns: t.columns().to_vec(),
            })
            .collect();
        Plan {
            profile: profile.path.display().to_string(),
            seed: dataset.seed(),
            total_rows: tables.iter().map(|t| t.rows).sum(),
            estimated_bytes: tables.iter().map(|t| t.estimated_bytes).sum(),
            tables,
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "plan for {} (seed {}), nothing written:",
            self.profile, self.seed
        )?;
        let width = self
            .tables
            .iter()
            .map(|t| t.table.len())
            .max()
            .unwrap_or(5)
            .max(5);
        writeln!(
            f,
            "  # {:<width$} {:>12} {:>11}  after",
            "table", "rows", "~bytes"
        )?;
        for (i, t) in self.tables.iter().enumerate() {
            writeln!(
                f,
                "{:>3} {:<width$} {:>12} {:>11}  {}",
                i + 1,
                t.table,
                thousands(t.rows),
                bytes(t.estimated_bytes),
                if t.parents.is_empty() {
                    "-".to_string()
                } else {
                    t.parents.join(", ")
                }
            )?;
        }
        write!(
            f,
            "total: {} rows, ~{} of COPY data",
            thousands(self.total_rows),
            bytes(self.estimated_bytes)
        )
    }
}
