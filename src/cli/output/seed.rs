//! How `seed` (its plan and its summary) and `warm` read for people.

use super::emit;
use crate::cache::{CacheSummary, Destination};
use crate::load::{Plan, Summary};
use crate::ui::{bytes, column_width, count, thousands};

/// `seed --dry-run`: the tables in load order with their sizes.
pub fn print_plan(plan: &Plan) {
    emit!(
        "plan for {} (seed {}), nothing written:",
        plan.profile,
        plan.seed
    );
    let width = column_width(plan.tables.iter().map(|t| t.table.as_str()), "table");
    emit!(
        "  # {:<width$} {:>12} {:>11}  after",
        "table",
        "rows",
        "~bytes"
    );
    for (i, t) in plan.tables.iter().enumerate() {
        let after = if t.parents.is_empty() {
            "-".to_string()
        } else {
            t.parents.join(", ")
        };
        emit!(
            "{:>3} {:<width$} {:>12} {:>11}  {after}",
            i + 1,
            t.table,
            thousands(t.rows),
            bytes(t.estimated_bytes),
        );
    }
    emit!(
        "total: {}, ~{} of COPY data",
        count(plan.total_rows, "row"),
        bytes(plan.estimated_bytes)
    );
}

/// The end-of-seed summary, pgbench style.
pub fn print_summary(summary: &Summary) {
    emit!(
        "profile: {}  seed: {}  strategy: {}  jobs: {}",
        summary.profile,
        summary.seed,
        summary.strategy,
        summary.jobs
    );
    if let Some(dir) = &summary.out_dir {
        emit!("written to: {dir}");
    }
    if let Some(shard) = &summary.shard {
        emit!("shard: {shard} (this run's rows only)");
    }
    let width = column_width(summary.tables.iter().map(|t| t.table.as_str()), "table");
    emit!(
        "{:<width$} {:>12} {:>11} {:>9}",
        "table",
        "rows",
        "bytes",
        "seconds"
    );
    for t in &summary.tables {
        emit!(
            "{:<width$} {:>12} {:>11} {:>9.3}",
            t.table,
            thousands(t.rows),
            bytes(t.bytes),
            t.seconds
        );
    }
    let p = &summary.phases;
    let cache = match p.cache {
        Some(s) => format!("{s:.3}s"),
        None => "skipped".into(),
    };
    emit!(
        "phases: generate+copy {:.3}s, indexes {:.3}s, constraints {:.3}s, analyze {:.3}s, cache {cache}",
        p.generate_copy,
        p.indexes,
        p.constraints,
        p.analyze
    );
    if summary.retries > 0 {
        emit!("retried chunks: {}", thousands(summary.retries));
    }
    if let Some(error) = summary.cache.as_ref().and_then(|c| c.error.as_ref()) {
        emit!("cache: FAILED: {error}");
    }
    emit!(
        "total: {} ({}) in {:.3}s, {} rows/s",
        count(summary.total_rows, "row"),
        bytes(summary.total_bytes),
        summary.total_seconds,
        thousands(summary.rows_per_second as u64)
    );
}

/// What `warm` wrote: one line per cache set, then the totals.
pub fn print_cache(summary: &CacheSummary) {
    let target = match &summary.destination {
        Destination::Server { url } => format!("Redis {url}"),
        Destination::Cluster { url, masters } => {
            format!("Redis Cluster {url} ({} masters)", masters.len())
        }
        Destination::RespFile { path } => format!("RESP file {path}"),
    };
    emit!("warmed {target}, keys under \"{}\"", summary.prefix);
    if let Some(removed) = summary.reset_removed {
        emit!(
            "  reset: removed {} under \"{}\"",
            count(removed, "key"),
            summary.prefix
        );
    }
    let width = column_width(summary.sets.iter().map(|s| s.name.as_str()), "set").max(24);
    emit!(
        "  {:<width$} {:<8} {:>10} {:>10} {:>10}",
        "set",
        "type",
        "rows",
        "keys",
        "commands"
    );
    for set in &summary.sets {
        emit!(
            "  {:<width$} {:<8} {:>10} {:>10} {:>10}",
            set.name,
            set.kind,
            thousands(set.rows),
            thousands(set.keys),
            thousands(set.commands)
        );
    }
    emit!(
        "  total: {}, {} in {:.3}s ({} commands/s)",
        count(summary.keys, "key"),
        count(summary.commands, "command"),
        summary.seconds,
        thousands(summary.commands_per_second as u64)
    );
}
