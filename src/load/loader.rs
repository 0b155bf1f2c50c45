//! `seedkit seed`'s database side: connect, check the profile against the
//! catalog, pick the load strategy, run it.
//!
//! Two strategies, one per database behaviour (docs/seeding.md has the why):
//! - [`atomic`](super::atomic), for servers with transactional DDL
//!   (PostgreSQL): the whole seed is ONE transaction on one connection: drop
//!   keys, indexes and foreign keys, COPY every table, re-create them
//!   exactly, move sequences, commit. A failure or a kill leaves every
//!   table, index and constraint as it was.
//! - [`chunked`](super::chunked), for servers without it (CockroachDB):
//!   nothing dropped; each chunk of rows is one COPY in its own
//!   transaction, retried on serialization failures (SQLSTATE 40001), over
//!   `--jobs` connections.
//!
//! The connection's dialect says which one fits; the loader never asks
//! which server it is. Both are plain functions over a [`Target`] and share
//! the modules below them ([`target`](super::target),
//! [`copy_in`](super::copy_in), [`steps`](super::steps)).

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgConnection;

use super::catalog::{self, TableInfo};
use super::summary::Summary;
use super::target::{CommitState, Committed, Target, db_error};
use super::{LoadError, validate};
use crate::db::holder::LockHolder;
use crate::db::{self, Connector, SecretUrl};
use crate::error::{Error, Result};
use crate::generate::{Dataset, Shard};
use crate::ui;

/// How the rows reach the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    /// single-transaction on PostgreSQL, chunked on CockroachDB.
    Auto,
    SingleTransaction,
    Chunked,
}

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Generator threads; with the chunked strategy also connections.
    pub jobs: usize,
    /// Empty the profile's tables first (inside the load transaction).
    pub reset: bool,
    pub strategy: Strategy,
    /// Rows per COPY transaction for the chunked strategy.
    pub chunk_rows: u64,
    /// How long to wait for the tables' locks.
    pub lock_timeout: Duration,
    /// Named in the summary.
    pub profile: String,
}

/// Which part of the dataset a load writes (`seed --shard i/n`).
#[derive(Debug, Clone, Copy)]
pub struct ShardLoad {
    /// Load only this shard's rows (always with the chunked strategy).
    pub shard: Shard,
    /// How long to wait for the other shards' rows of a referenced table.
    pub wait: Duration,
}

impl ShardLoad {
    /// The whole dataset.
    pub const WHOLE: ShardLoad = ShardLoad {
        shard: Shard::WHOLE,
        wait: Duration::ZERO,
    };
}

/// Validates the profile against the database and loads it.
pub async fn seed(
    dataset: Arc<Dataset>,
    server: &Connector,
    options: &LoadOptions,
) -> Result<Summary> {
    seed_tracked(dataset, server, options, &CommitState::default()).await
}

/// [`seed`], raising `committed` as the database commits the load's work,
/// so a caller that stops the load (Ctrl-C) can say what stays.
pub async fn seed_tracked(
    dataset: Arc<Dataset>,
    server: &Connector,
    options: &LoadOptions,
    committed: &CommitState,
) -> Result<Summary> {
    seed_shard(dataset, server, options, ShardLoad::WHOLE, committed).await
}

/// [`seed_tracked`] of one shard's rows (`seed --shard i/n`), chunked.
pub async fn seed_shard(
    dataset: Arc<Dataset>,
    server: &Connector,
    options: &LoadOptions,
    shard: ShardLoad,
    committed: &CommitState,
) -> Result<Summary> {
    let started = Instant::now();
    let url = &server.url;
    let mut db = server.connect().await?;
    if !super::nodelay::set_nodelay(&mut db.conn).await {
        ui::debug("TCP_NODELAY not set: each COPY may wait 40 ms for a delayed ACK");
    }
    // Every statement of the seed, the catalog reads before the load
    // included (pg_get_expr locks the table), waits at most --lock-timeout.
    let set_timeout = format!(
        "SET lock_timeout = {}",
        db::quote_literal(&format!("{}ms", options.lock_timeout.as_millis()))
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(set_timeout))
        .execute(&mut db.conn)
        .await
        .map_err(|e| db_error(url, "setting lock_timeout", &e, Committed::Nothing))?;
    let loaded = async {
        let target = target(&mut db.conn, Arc::clone(&dataset), url, committed).await?;
        load(&target, db, options, shard).await
    };
    match loaded.await {
        Err(Error::Load(LoadError::LockTimeout { step, .. })) => {
            Err(Error::Load(LoadError::LockTimeout {
                step,
                waited: options.lock_timeout,
                holders: lock_holders(server, &dataset).await,
            }))
        }
        Ok(mut summary) => {
            summary.finish(started.elapsed());
            Ok(summary)
        }
        Err(e) => Err(e),
    }
}

/// The sessions holding a lock on one of the profile's tables (best effort,
/// on a connection of its own: the load's was in a failed transaction).
async fn lock_holders(server: &Connector, dataset: &Dataset) -> Vec<LockHolder> {
    let names: Vec<String> = dataset
        .tables()
        .iter()
        .map(|t| db::quote_qualified(t.name()))
        .collect();
    match server.connect().await {
        Ok(mut db) => catalog::table_lock_holders(&mut db.conn, &names)
            .await
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Checks the profile against the catalog and prepares each table's encoder.
async fn target(
    conn: &mut PgConnection,
    dataset: Arc<Dataset>,
    url: &SecretUrl,
    committed: &CommitState,
) -> Result<Target> {
    let tables = read_and_validate(conn, &dataset, url).await?;
    let encoders = dataset
        .tables()
        .iter()
        .zip(&tables)
        .map(|(t, info)| Arc::new(validate::encoder(t, info)))
        .collect();
    Ok(Target {
        dataset,
        tables,
        encoders,
        url: url.clone(),
        committed: committed.clone(),
    })
}

/// Runs the strategy that fits the server (or the one asked for).
async fn load(
    target: &Target,
    db: db::Db,
    options: &LoadOptions,
    shard: ShardLoad,
) -> Result<Summary> {
    let transactional_ddl = db.dialect().transactional_ddl();
    let atomic = match options.strategy {
        // Shards load concurrently into one database: chunks, never one
        // transaction that drops the keys the other shards' rows need.
        _ if !shard.shard.is_whole() => {
            if options.strategy == Strategy::SingleTransaction {
                return Err(Error::usage(
                    "--shard loads with the chunked strategy: leave --load-strategy at auto",
                ));
            }
            false
        }
        Strategy::Auto => transactional_ddl,
        Strategy::SingleTransaction if !transactional_ddl => {
            return Err(Error::usage_with_hint(
                format!(
                    "the single-transaction load strategy needs transactional DDL, which {} \
                     does not have",
                    db.dialect().name()
                ),
                "leave --load-strategy at auto",
            ));
        }
        Strategy::SingleTransaction => true,
        Strategy::Chunked => false,
    };
    Ok(match atomic {
        true => super::atomic::load(target, db, options).await?,
        false => super::chunked::load(target, db, options, shard).await?,
    })
}

/// Reads the catalog for every profile table and checks the profile
/// against it (exit 8 on a mismatch, before anything is written).
async fn read_and_validate(
    conn: &mut PgConnection,
    dataset: &Dataset,
    url: &SecretUrl,
) -> Result<Vec<TableInfo>> {
    let catalog_error =
        |e: sqlx::Error| Error::Load(db_error(url, "reading the catalog", &e, Committed::Nothing));
    let mut found = Vec::with_capacity(dataset.tables().len());
    for table in dataset.tables() {
        found.push(
            catalog::read_table(conn, table.name())
                .await
                .map_err(catalog_error)?,
        );
    }
    let known: Vec<TableInfo> = found.iter().flatten().cloned().collect();
    let edges = catalog::foreign_key_edges(conn, &known)
        .await
        .map_err(catalog_error)?;
    validate::validate(dataset, &found, &edges, &url.redacted())?;
    Ok(found.into_iter().flatten().collect())
}
