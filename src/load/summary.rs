//! The end-of-seed summary, pgbench style: rows per table, time per phase,
//! total rows per second. The command line renders it (as text or as JSON).

use std::time::Duration;

use serde::Serialize;

use crate::cache::CacheSummary;
pub use crate::ui::round3;

/// What one table received.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    pub table: String,
    pub rows: u64,
    /// Bytes of COPY data sent (or written with `--out`).
    pub bytes: u64,
    /// Seconds spent generating and copying this table.
    pub seconds: f64,
}

/// Seconds per phase. `cache` is `None` when the cache step did not run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Phases {
    /// Generating, encoding and COPY of every table.
    pub generate_copy: f64,
    /// Re-creating primary keys, unique constraints and secondary indexes.
    pub indexes: f64,
    /// Re-creating and validating foreign keys; moving sequences.
    pub constraints: f64,
    pub analyze: f64,
    pub cache: Option<f64>,
}

/// The result of the cache step as the summary shows it.
///
/// The load does not warm Redis itself: `seed` runs the cache step after it
/// and records the cache module's own typed report here.
#[derive(Debug, Clone, Serialize)]
pub struct CachePhase {
    pub ok: bool,
    /// What the warm did (sets, keys, commands); `null` when it failed.
    pub detail: Option<CacheSummary>,
    /// Why it failed, when it did (the database load is committed anyway).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub profile: String,
    pub seed: u64,
    /// `single-transaction`, `chunked` or `files`.
    pub strategy: &'static str,
    pub jobs: usize,
    pub tables: Vec<TableSummary>,
    pub phases: Phases,
    pub total_rows: u64,
    pub total_bytes: u64,
    pub total_seconds: f64,
    pub rows_per_second: f64,
    /// Chunks retried after a serialization failure (chunked strategy).
    pub retries: u64,
    /// Where `--out` wrote the files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_dir: Option<String>,
    /// `i/n` when this run was one shard of several (`--shard`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<CachePhase>,
}

impl Summary {
    pub fn new(profile: String, seed: u64, strategy: &'static str, jobs: usize) -> Self {
        Summary {
            profile,
            seed,
            strategy,
            jobs,
            tables: Vec::new(),
            phases: Phases::default(),
            total_rows: 0,
            total_bytes: 0,
            total_seconds: 0.0,
            rows_per_second: 0.0,
            retries: 0,
            out_dir: None,
            shard: None,
            cache: None,
        }
    }

    /// Fills the totals from the tables and the wall time.
    pub fn finish(&mut self, elapsed: Duration) {
        self.total_rows = self.tables.iter().map(|t| t.rows).sum();
        self.total_bytes = self.tables.iter().map(|t| t.bytes).sum();
        self.total_seconds = round3(elapsed.as_secs_f64());
        self.rows_per_second = if self.total_seconds > 0.0 {
            (self.total_rows as f64 / elapsed.as_secs_f64()).round()
        } else {
            0.0
        };
    }

    /// Records the cache step (H5's warm) and adds its time to the total.
    pub fn set_cache(&mut self, seconds: f64, cache: CachePhase) {
        self.phases.cache = Some(round3(seconds));
        self.total_seconds = round3(self.total_seconds + seconds);
        self.cache = Some(cache);
    }
}
