//! The CockroachDB load: chunks of rows, each one COPY in its own
//! transaction, retried on serialization failures.
//!
//! CockroachDB's DDL is not transactional (a DDL statement commits the open
//! transaction), so nothing is dropped: the rows go into the indexed tables.
//! Long COPY statements can fail there with retryable errors, so each table
//! is cut into chunks of `--chunk-rows` rows that finish in seconds; a chunk
//! that fails with SQLSTATE 40001 was rolled back by the server as a whole,
//! so it is simply sent again (the rows are a pure function of the seed),
//! after an exponential backoff. Chunks of one table go over `--jobs`
//! connections at once; tables go one after the other, parents first, since
//! their foreign keys are checked row by row.
//!
//! A kill leaves the chunks committed so far: re-run with `--reset`.
//!
//! With `--shard i/n` only the shard's rows are loaded, and [`shard`]
//! replaces the emptiness check and decides who moves sequences.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::PgConnection;
use tokio::sync::Mutex;

use super::LoadError;
use super::copy_in::{CopyFailure, copy_rows, copy_statement};
use super::loader::{LoadOptions, ShardLoad};
use super::progress::TableProgress;
use super::shard;
use super::steps::{analyze, check_empty, move_sequences};
use super::stream::{self, Encoding};
use super::summary::{Summary, round3};
use super::target::{CommitState, Committed, Target, execute};
use crate::db::{self, Db};
use crate::generate::{Chunk, Shard};
use crate::ui;

/// Attempts per chunk before giving up (Flyway retries CockroachDB up to 50
/// times; chunks are small, so fewer with a longer backoff suffice).
const MAX_ATTEMPTS: u32 = 12;

pub async fn load(
    target: &Target,
    mut db: Db,
    options: &LoadOptions,
    part: ShardLoad,
) -> Result<Summary, LoadError> {
    let mut summary = Summary::new(
        options.profile.clone(),
        target.dataset.seed(),
        "chunked",
        options.jobs,
    );
    let sharded = !part.shard.is_whole();
    if sharded && options.reset {
        return Err(LoadError::Other(
            "a shard does not empty the tables (the other shards' rows are in them): \
             empty them once before the shards start"
                .into(),
        ));
    }
    summary.shard = sharded.then(|| part.shard.to_string());
    match sharded {
        true => shard::check_own_part(&mut db.conn, target, part.shard).await?,
        false => check_empty(&mut db.conn, target, options.reset).await?,
    }
    let parents = match sharded {
        true => shard::parents(&mut db.conn, target).await?,
        false => vec![Vec::new(); target.tables.len()],
    };
    if options.reset {
        // DELETE, children first, in one transaction: TRUNCATE would also
        // need every (empty) table outside the profile that references these.
        let mut sql = String::from("BEGIN;");
        for table in target.qualified().iter().rev() {
            sql.push_str(&format!(" DELETE FROM {table};"));
        }
        sql.push_str(" COMMIT;");
        execute(&mut db.conn, target, "emptying the tables (--reset)", sql).await?;
        target.committed.reached(Committed::Part);
    }
    let mut connections = vec![db.conn];
    for _ in 1..options.jobs.max(1) {
        let mut extra = db
            .connector
            .connect()
            .await
            .map_err(|e| target.failed("opening connections", e.to_string()))?;
        super::nodelay::set_nodelay(&mut extra.conn).await;
        connections.push(extra.conn);
    }
    let retries = Arc::new(AtomicU64::new(0));
    let copy_started = Instant::now();
    for (index, parents) in parents.iter().enumerate() {
        if !parents.is_empty() {
            let conn = &mut connections[0];
            shard::wait_for_parents(conn, target, index, parents, part.wait).await?;
        }
        let (table_summary, back) =
            load_table(target, index, part.shard, connections, options, &retries).await?;
        connections = back;
        summary.tables.push(table_summary);
    }
    summary.phases.generate_copy = round3(copy_started.elapsed().as_secs_f64());
    summary.retries = retries.load(Ordering::Relaxed);
    target.committed.reached(Committed::All);

    let conn = &mut connections[0];
    if sharded && !shard::all_loaded(conn, target).await? {
        ui::info(
            "other shards are still loading: the last to finish moves the sequences and runs ANALYZE",
        );
        return Ok(summary);
    }
    let started = Instant::now();
    move_sequences(conn, target).await?;
    summary.phases.constraints = round3(started.elapsed().as_secs_f64());
    summary.phases.analyze = analyze(conn, target).await?;
    Ok(summary)
}

/// Loads one table's chunks over all connections; gives the connections back.
async fn load_table(
    target: &Target,
    index: usize,
    shard: Shard,
    connections: Vec<PgConnection>,
    options: &LoadOptions,
    retries: &Arc<AtomicU64>,
) -> Result<(super::summary::TableSummary, Vec<PgConnection>), LoadError> {
    let table = &target.dataset.tables()[index];
    let info = &target.tables[index];
    let range = table.shard_rows(shard);
    let rows_here = range.end - range.start;
    let progress = TableProgress::start(table.name(), rows_here);
    let count = rows_here.div_ceil(options.chunk_rows.max(1)).max(1);
    let queue: VecDeque<Chunk> = table.chunks_of(range, count as usize).into();
    let queue = Arc::new(Mutex::new(queue));
    let statement = Arc::new(copy_statement(info, table.columns(), false));
    let rows = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));

    let mut workers = tokio::task::JoinSet::new();
    for mut conn in connections {
        let worker = ChunkWorker {
            dataset: Arc::clone(&target.dataset),
            encoding: Encoding::Binary(Arc::clone(&target.encoders[index])),
            index,
            statement: Arc::clone(&statement),
            queue: Arc::clone(&queue),
            table: info.name.clone(),
            url: target.url.clone(),
            bar: progress.bar().clone(),
            rows: Arc::clone(&rows),
            bytes: Arc::clone(&bytes),
            retries: Arc::clone(retries),
            committed: target.committed.clone(),
        };
        workers.spawn(async move {
            let result = worker.run(&mut conn).await;
            (conn, result)
        });
    }
    let mut back = Vec::new();
    let mut failure = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok((conn, result)) => {
                back.push(conn);
                if let Err(e) = result {
                    failure.get_or_insert(e);
                    // Stop the others taking new chunks.
                    queue.lock().await.clear();
                }
            }
            Err(e) => {
                failure.get_or_insert(LoadError::Other(format!("a load task failed: {e}")));
            }
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let summary = progress.finish(rows.load(Ordering::Relaxed), bytes.load(Ordering::Relaxed));
    Ok((summary, back))
}

struct ChunkWorker {
    dataset: Arc<crate::generate::Dataset>,
    encoding: Encoding,
    index: usize,
    statement: Arc<String>,
    queue: Arc<Mutex<VecDeque<Chunk>>>,
    table: String,
    url: db::SecretUrl,
    bar: indicatif::ProgressBar,
    rows: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
    retries: Arc<AtomicU64>,
    committed: CommitState,
}

impl ChunkWorker {
    async fn run(&self, conn: &mut PgConnection) -> Result<(), LoadError> {
        loop {
            let Some(chunk) = self.queue.lock().await.pop_front() else {
                return Ok(());
            };
            self.load_chunk(conn, &chunk).await?;
        }
    }

    /// One chunk = one COPY statement = one implicit transaction: the
    /// server commits all of its rows or none.
    async fn load_chunk(&self, conn: &mut PgConnection, chunk: &Chunk) -> Result<(), LoadError> {
        let mut attempt = 1;
        loop {
            let stream = stream::spawn(
                Arc::clone(&self.dataset),
                self.index,
                vec![chunk.clone()],
                self.encoding.clone(),
                1,
            );
            // The bar counts rows as they are sent; a failed attempt's rows
            // are taken back off.
            let hidden = indicatif::ProgressBar::hidden();
            match copy_rows(conn, &self.statement, stream, &hidden).await {
                Ok((rows, bytes)) => {
                    self.rows.fetch_add(rows, Ordering::Relaxed);
                    self.bytes.fetch_add(bytes, Ordering::Relaxed);
                    self.bar.inc(rows);
                    self.committed.reached(Committed::Part);
                    return Ok(());
                }
                Err(CopyFailure::Load(e)) => return Err(e),
                Err(CopyFailure::Db(e)) => {
                    let retryable = is_serialization_failure(&e);
                    let message = self.url.scrub(&db::describe(&e));
                    if !retryable {
                        return Err(LoadError::Database {
                            step: super::validate::copy_step(
                                &self.dataset.tables()[self.index],
                                None,
                                chunk.first_row,
                                &e,
                            ),
                            message,
                            committed: self.committed.get(),
                        });
                    }
                    if attempt >= MAX_ATTEMPTS {
                        return Err(LoadError::RetriesExhausted {
                            table: self.table.clone(),
                            first_row: chunk.first_row,
                            attempts: attempt,
                            message,
                        });
                    }
                    let wait = backoff(attempt);
                    ui::info(format!(
                        "{}: chunk at row {} hit a serialization failure (40001); retry {} in {}",
                        self.table,
                        chunk.first_row,
                        attempt,
                        ui::secs(wait)
                    ));
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }
}

/// SQLSTATE 40001 (serialization_failure): the server rolled the
/// transaction back and asks the client to run it again.
fn is_serialization_failure(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "40001")
}

/// 50 ms, 100 ms, 200 ms ... capped at 5 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((50u64 << attempt.min(7).saturating_sub(1)).min(5_000))
}
