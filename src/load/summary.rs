//! The end-of-seed summary, pgbench style: rows per table, time per phase,
//! total rows per second; as text or as JSON (`--format json`).

use std::fmt;
use std::time::Duration;

use serde::Serialize;

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
#[derive(Debug, Clone, Serialize)]
pub struct CachePhase {
    pub ok: bool,
    /// Whatever the cache step reports (keys written, per-kind counts...).
    pub detail: serde_json::Value,
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

pub fn round3(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `153600000` -> `146.5 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "profile: {}  seed: {}  strategy: {}  jobs: {}",
            self.profile, self.seed, self.strategy, self.jobs
        )?;
        if let Some(dir) = &self.out_dir {
            writeln!(f, "written to: {dir}")?;
        }
        let width = self
            .tables
            .iter()
            .map(|t| t.table.len())
            .max()
            .unwrap_or(5)
            .max(5);
        writeln!(
            f,
            "{:<width$} {:>12} {:>11} {:>9}",
            "table", "rows", "bytes", "seconds"
        )?;
        for t in &self.tables {
            writeln!(
                f,
                "{:<width$} {:>12} {:>11} {:>9.3}",
                t.table,
                thousands(t.rows),
                bytes(t.bytes),
                t.seconds
            )?;
        }
        let p = &self.phases;
        let cache = match p.cache {
            Some(s) => format!("{s:.3}s"),
            None => "skipped".into(),
        };
        writeln!(
            f,
            "phases: generate+copy {:.3}s, indexes {:.3}s, constraints {:.3}s, analyze {:.3}s, cache {cache}",
            p.generate_copy, p.indexes, p.constraints, p.analyze
        )?;
        if self.retries > 0 {
            writeln!(f, "retried chunks: {}", self.retries)?;
        }
        if let Some(c) = &self.cache
            && let Some(e) = &c.error
        {
            writeln!(f, "cache: FAILED: {e}")?;
        }
        write!(
            f,
            "total: {} rows ({}) in {:.3}s, {} rows/s",
            thousands(self.total_rows),
            bytes(self.total_bytes),
            self.total_seconds,
            thousands(self.rows_per_second as u64)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_pgbench() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
    }
}
