//! Warming Redis from the generated rows.
//!
//! A profile's `[redis]` part ([`CacheSpec`]) declares cache sets: keys built
//! from a table's rows (sessions, leaderboards, rate limits, ...). [`warm`]
//! computes those rows with the same generators the database load uses, so
//! cache and database agree without reading PostgreSQL back, and streams the
//! commands to Redis (or a Redis Cluster, or a RESP file) through a
//! pipeline with a bounded window.
//!
//! - [`spec`]: the `[redis]` format, checked when the profile loads.
//! - [`plan`]: rows -> commands.
//! - [`examples`]: the same plan into memory: keys and values per set,
//!   without Redis (`seedkit preview`).
//! - `conn`, `cluster`: connections through the `redis` crate (TLS, AUTH,
//!   timeouts, cluster detection and redirections) and their error messages.
//! - `writer`, `sink`, `resp`: seedkit's batching into pipelines, where
//!   commands go (a server, a cluster's masters, a RESP file).
//! - [`reset`](reset()): SCAN + UNLINK of the keys under the prefix.

mod cluster;
mod conn;
mod error;
pub mod examples;
pub mod plan;
mod reset;
mod resp;
mod sink;
pub mod spec;
mod summary;
mod writer;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use conn::DEFAULT_CONNECT_TIMEOUT;
pub use error::CacheError;
pub use plan::SetReport;
pub use sink::Destination;
pub use spec::{CacheSpec, DEFAULT_PREFIX};
pub use summary::CacheSummary;

use crate::db::SecretUrl;
use crate::generate::{Dataset, Shard};
use crate::ui;

/// How to warm: where to, and what first.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    /// The Redis server (or any node of a cluster). Not needed with `resp_file`.
    pub redis_url: Option<SecretUrl>,
    /// Write the commands as RESP into this file instead of sending them.
    pub resp_file: Option<PathBuf>,
    /// Remove the keys under the prefix first (SCAN + UNLINK, never FLUSHDB).
    pub reset: bool,
    /// Warm only these sets (all when empty).
    pub only: Vec<String>,
    /// How long connecting to Redis may take (`None`: no limit).
    pub connect_timeout: Option<Duration>,
    /// Warm only this shard's rows (`--shard i/n`; see `plan::warm_sets`).
    pub shard: Shard,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            redis_url: None,
            resp_file: None,
            reset: false,
            only: Vec::new(),
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            shard: Shard::WHOLE,
        }
    }
}

/// Fills Redis with the cache sets of `spec`, computed from `dataset`.
///
/// Does not need (or touch) the database. On failure the keys already
/// written stay; running it again rewrites every key, so it can always
/// finish an interrupted or failed warm.
pub async fn warm(
    dataset: &Dataset,
    spec: &CacheSpec,
    options: &CacheOptions,
) -> Result<CacheSummary, CacheError> {
    let sets = spec
        .select(&options.only)
        .map_err(|reason| CacheError::BadSet { reason })?;
    let started = Instant::now();
    let (mut sink, destination, reset_removed) = match &options.resp_file {
        Some(path) => {
            let (sink, destination) = sink::Sink::resp_file(path)?;
            (sink, destination, None)
        }
        None => {
            let url = options.redis_url.as_ref().ok_or(CacheError::NoUrl)?;
            let target = conn::Target::parse(url, options.connect_timeout)?;
            let removed = if options.reset {
                let removed = reset::reset(&target, &spec.prefix).await?;
                ui::info(format!(
                    "reset: removed {} under \"{}\"",
                    ui::count(removed, "key"),
                    spec.prefix
                ));
                Some(removed)
            } else {
                None
            };
            let (sink, destination) = sink::Sink::connect(&target, spec.window).await?;
            (sink, destination, removed)
        }
    };
    let reports = plan::warm_sets(&sets, spec, dataset, options.shard, &mut sink).await?;
    for report in &reports {
        ui::info(format!(
            "warmed {}: {} ({}), {}",
            report.name,
            ui::count(report.keys, "key"),
            report.kind,
            ui::count(report.commands, "command")
        ));
    }
    sink.finish().await?;
    Ok(CacheSummary::new(
        destination,
        &spec.prefix,
        reset_removed,
        reports,
        started.elapsed().as_secs_f64(),
    ))
}

/// Refuses a `--reset` whose prefix would reach keys seedkit did not write.
pub fn check_reset_prefix(spec: &CacheSpec) -> Result<(), CacheError> {
    reset::check_prefix(&spec.prefix)
}

/// Removes every key under `spec`'s prefix, on every master; returns the
/// number of keys removed.
pub async fn reset(
    url: &SecretUrl,
    spec: &CacheSpec,
    connect_timeout: Option<Duration>,
) -> Result<u64, CacheError> {
    reset::reset(&conn::Target::parse(url, connect_timeout)?, &spec.prefix).await
}

/// Checks a Redis URL without connecting (so `seed` can refuse a malformed
/// one before it touches the database).
pub fn check_url(url: &SecretUrl) -> Result<(), CacheError> {
    conn::Target::parse(url, None).map(|_| ())
}

/// Removes every key starting with `prefix`, on every master; returns the
/// number of keys removed (a fixture clone's keys, when it is dropped).
pub async fn reset_prefix(url: &SecretUrl, prefix: &str) -> Result<u64, CacheError> {
    reset::reset(
        &conn::Target::parse(url, Some(DEFAULT_CONNECT_TIMEOUT))?,
        prefix,
    )
    .await
}
