//! `seed --dry-run`: what would be loaded, in which order, how big, worked
//! out from the profile alone (no database connection).

use serde::Serialize;

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
