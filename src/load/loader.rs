//! `seedkit seed`'s database side: connect, check the profile against the
//! catalog, pick the load strategy, run it.
//!
//! Two strategies, one per database behaviour (docs/seeding.md has the why):
//! - [`atomic`](super::atomic), PostgreSQL: the whole seed is ONE
//!   transaction on one connection: drop keys, indexes and foreign keys,
//!   COPY every table, re-create them exactly, move sequences, commit.
//!   PostgreSQL's DDL is transactional, so a failure or a kill leaves every
//!   table, index and constraint as it was.
//! - [`chunked`](super::chunked), CockroachDB (whose DDL is not
//!   transactional): nothing dropped; each chunk of rows is one COPY in its
//!   own transaction, retried on serialization failures (SQLSTATE 40001),
//!   over `--jobs` connections.

use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use sqlx::PgConnection;

use super::LoadError;
use super::catalog::{self, TableInfo};
use super::copy::RowEncoder;
use super::stream::{self, Encoding, TableStream};
use super::summary::{Summary, TableSummary, round3};
use super::validate;
use crate::db::{self, Connector, Flavor, SecretUrl, quote_ident};
use crate::error::{Error, Result};
use crate::generate::Dataset;
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

/// What the strategies share: the dataset and each table's catalog entry
/// and encoder, in load order.
pub struct Target {
    pub dataset: Arc<Dataset>,
    pub tables: Vec<TableInfo>,
    pub encoders: Vec<Arc<RowEncoder>>,
    pub url: SecretUrl,
}

impl Target {
    /// Quoted, qualified names of the tables, in load order.
    pub fn qualified(&self) -> Vec<String> {
        self.tables.iter().map(|t| t.qualified.clone()).collect()
    }

    /// A driver error as a [`LoadError::Database`] for `step`, password
    /// scrubbed; a lock timeout as [`LoadError::LockTimeout`].
    pub fn db_error(&self, step: &str, err: &sqlx::Error) -> LoadError {
        db_error(&self.url, step, err)
    }
}

/// A driver error as a [`LoadError`] for `step`, password scrubbed. A lock
/// timeout becomes [`LoadError::LockTimeout`], whose holders [`seed`] fills in.
pub fn db_error(url: &SecretUrl, step: &str, err: &sqlx::Error) -> LoadError {
    let lock_timeout = err
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "55P03");
    match lock_timeout {
        true => LoadError::LockTimeout {
            step: step.to_string(),
            waited: Duration::ZERO,
            holders: Vec::new(),
        },
        false => LoadError::database(step, url.scrub(&describe(err))),
    }
}

/// PostgreSQL's message with its detail and context: for a COPY the context
/// names the row and column (`COPY kinds, line 470, column name: "..."`).
pub fn describe(err: &sqlx::Error) -> String {
    let Some(pg) = err
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
    else {
        return err.to_string();
    };
    let mut text = format!("{} (SQLSTATE {})", pg.message(), pg.code());
    if let Some(detail) = pg.detail() {
        text.push_str(&format!("; {detail}"));
    }
    if let Some(context) = pg.r#where() {
        let context: String = context.chars().take(300).collect();
        text.push_str(&format!("; {context}"));
    }
    if let Some(hint) = pg.hint() {
        text.push_str(&format!("; server hint: {hint}"));
    }
    text
}

/// Validates the profile against the database and loads it.
pub async fn seed(
    dataset: Arc<Dataset>,
    server: &Connector,
    options: &LoadOptions,
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
        .map_err(|e| db_error(url, "setting lock_timeout", &e))?;
    match load(db, Arc::clone(&dataset), url, options).await {
        Err(Error::Load(LoadError::LockTimeout { step, .. })) => {
            Err(Error::Load(LoadError::LockTimeout {
                step,
                waited: options.lock_timeout,
                holders: lock_holders(url, &dataset).await,
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
async fn lock_holders(
    url: &SecretUrl,
    dataset: &Dataset,
) -> Vec<crate::migrate::error::LockHolder> {
    let names: Vec<String> = dataset
        .tables()
        .iter()
        .map(|t| db::quote_qualified(t.name()))
        .collect();
    match db::connect(url).await {
        Ok(mut db) => catalog::table_lock_holders(&mut db.conn, &names)
            .await
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Checks the profile against the catalog, then runs the load strategy.
async fn load(
    mut db: db::Db,
    dataset: Arc<Dataset>,
    url: &SecretUrl,
    options: &LoadOptions,
) -> Result<Summary> {
    let tables = read_and_validate(&mut db.conn, &dataset, url).await?;
    let encoders = dataset
        .tables()
        .iter()
        .zip(&tables)
        .map(|(t, info)| Arc::new(validate::encoder(t, info)))
        .collect();
    let target = Target {
        dataset,
        tables,
        encoders,
        url: url.clone(),
    };
    let strategy = match (options.strategy, db.flavor) {
        (Strategy::Auto, Flavor::Postgres) => Strategy::SingleTransaction,
        (Strategy::Auto, Flavor::Cockroach) => Strategy::Chunked,
        (Strategy::SingleTransaction, Flavor::Cockroach) => {
            return Err(Error::usage_with_hint(
                "the single-transaction load strategy needs PostgreSQL's transactional DDL",
                "leave --load-strategy at auto on CockroachDB",
            ));
        }
        (other, _) => other,
    };
    Ok(match strategy {
        Strategy::Chunked => super::chunked::load(&target, db, options).await?,
        _ => super::atomic::load(&target, db, options).await?,
    })
}

/// Reads the catalog for every profile table and checks the profile
/// against it (exit 8 on a mismatch, before anything is written).
async fn read_and_validate(
    conn: &mut PgConnection,
    dataset: &Dataset,
    url: &SecretUrl,
) -> Result<Vec<TableInfo>> {
    let catalog_error = |e: sqlx::Error| Error::Load(db_error(url, "reading the catalog", &e));
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

/// The `COPY ... FROM STDIN` statement for a table's profile columns.
pub fn copy_statement(info: &TableInfo, columns: &[String], freeze: bool) -> String {
    let columns: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
    format!(
        "COPY {} ({}) FROM STDIN WITH (FORMAT binary{})",
        info.qualified,
        columns.join(", "),
        if freeze { ", FREEZE true" } else { "" }
    )
}

/// Streams `stream` through one binary COPY on `conn`: header, batches,
/// trailer. Returns (rows, bytes). A generator error aborts the COPY.
pub async fn copy_rows(
    conn: &mut PgConnection,
    statement: &str,
    mut stream: TableStream,
    bar: &ProgressBar,
) -> std::result::Result<(u64, u64), CopyFailure> {
    let mut copy = conn.copy_in_raw(statement).await.map_err(CopyFailure::Db)?;
    let mut header = Vec::with_capacity(19);
    RowEncoder::header(&mut header);
    let mut rows = 0;
    let mut bytes = header.len() as u64;
    if let Err(e) = copy.send(header).await {
        return Err(CopyFailure::Db(e));
    }
    while let Some(batch) = stream.next().await {
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                let _ = copy.abort("seedkit: generator failed").await;
                return Err(CopyFailure::Load(e));
            }
        };
        rows += batch.rows;
        bytes += batch.bytes.len() as u64;
        if let Err(e) = copy.send(batch.bytes).await {
            return Err(CopyFailure::Db(e));
        }
        bar.inc(batch.rows);
    }
    let mut trailer = Vec::with_capacity(2);
    RowEncoder::trailer(&mut trailer);
    bytes += trailer.len() as u64;
    copy.send(trailer).await.map_err(CopyFailure::Db)?;
    copy.finish().await.map_err(CopyFailure::Db)?;
    Ok((rows, bytes))
}

/// Why a COPY failed: the database said no, or generating a row failed.
#[derive(Debug)]
pub enum CopyFailure {
    Db(sqlx::Error),
    Load(LoadError),
}

/// Starts the generator threads for a whole table.
pub fn table_stream(target: &Target, index: usize, jobs: usize) -> TableStream {
    let table = &target.dataset.tables()[index];
    let chunks = table.chunks(stream::chunk_count(table.row_count(), jobs));
    stream::spawn(
        Arc::clone(&target.dataset),
        index,
        chunks,
        Encoding::Binary(Arc::clone(&target.encoders[index])),
        jobs,
    )
}

/// A table's progress: a bar on a terminal, one line at the end otherwise.
pub struct TableProgress {
    bar: ProgressBar,
    started: Instant,
    name: String,
}

impl TableProgress {
    pub fn start(name: &str, rows: u64) -> Self {
        TableProgress {
            bar: ui::bar(name, rows, "rows"),
            started: Instant::now(),
            name: name.to_string(),
        }
    }

    pub fn bar(&self) -> &ProgressBar {
        &self.bar
    }

    /// Ends the bar (or prints the line) and returns the table's summary.
    pub fn finish(self, rows: u64, bytes: u64) -> TableSummary {
        let seconds = self.started.elapsed().as_secs_f64();
        if self.bar.is_hidden() {
            // A rate over a few milliseconds says nothing ("1 row, 174 rows/s").
            let rate = if seconds >= 0.5 {
                format!(
                    " ({} rows/s)",
                    ui::thousands((rows as f64 / seconds) as u64)
                )
            } else {
                String::new()
            };
            ui::info(format!(
                "{}: {} in {}{rate}",
                self.name,
                ui::count(rows, "row"),
                ui::secs(self.started.elapsed()),
            ));
        } else {
            self.bar.finish();
        }
        TableSummary {
            table: self.name,
            rows,
            bytes,
            seconds: round3(seconds),
        }
    }
}

/// Runs one statement, mapping a failure to a [`LoadError::Database`].
pub async fn execute(
    conn: &mut PgConnection,
    target: &Target,
    step: &str,
    sql: String,
) -> std::result::Result<(), LoadError> {
    ui::debug(format!("  {sql}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(|e| target.db_error(step, &e))
}

/// Refuses when a table holds rows and `--reset` was not given, or when
/// `--reset` would have to empty a table outside the profile.
pub async fn check_empty(
    conn: &mut PgConnection,
    target: &Target,
    reset: bool,
) -> std::result::Result<(), LoadError> {
    let qualified = target.qualified();
    let counts = catalog::row_counts(conn, &qualified)
        .await
        .map_err(|e| target.db_error("counting rows", &e))?;
    let full: Vec<(String, u64)> = target
        .tables
        .iter()
        .zip(&counts)
        .filter(|(_, n)| **n > 0)
        .map(|(t, n)| (t.name.clone(), *n))
        .collect();
    if full.is_empty() {
        return Ok(());
    }
    if !reset {
        return Err(LoadError::NotEmpty { tables: full });
    }
    let external = catalog::external_references(conn, &qualified)
        .await
        .map_err(|e| target.db_error("reading foreign keys", &e))?;
    for reference in external {
        let rows = catalog::row_counts(conn, std::slice::from_ref(&reference.referencing))
            .await
            .map_err(|e| target.db_error("counting rows", &e))?[0];
        if rows > 0 {
            return Err(LoadError::ReferencedBy {
                table: reference.referenced,
                referencing: reference.referencing,
                constraint: reference.constraint,
                rows,
            });
        }
    }
    Ok(())
}

/// Moves every sequence behind a loaded column past the largest loaded value,
/// so the application's next INSERT gets a fresh id.
pub async fn move_sequences(
    conn: &mut PgConnection,
    target: &Target,
) -> std::result::Result<(), LoadError> {
    for (table, info) in target.dataset.tables().iter().zip(&target.tables) {
        if table.row_count() == 0 {
            continue;
        }
        for column in &info.columns {
            let Some(sequence) = &column.sequence else {
                continue;
            };
            if !table.columns().contains(&column.name) {
                continue; // the sequence itself filled the column
            }
            let sql = format!(
                "SELECT setval({}::regclass, m) FROM (SELECT max({}) AS m FROM {}) s WHERE m IS NOT NULL",
                db::quote_literal(sequence),
                quote_ident(&column.name),
                info.qualified
            );
            execute(conn, target, "moving sequences", sql).await?;
        }
    }
    Ok(())
}

/// ANALYZE each table, so the planner knows the new data at once.
pub async fn analyze(
    conn: &mut PgConnection,
    target: &Target,
) -> std::result::Result<f64, LoadError> {
    let started = Instant::now();
    let mut phase = ui::phase("analyze", target.tables.len() as u64, "table");
    for info in &target.tables {
        phase.step(&info.name);
        execute(
            conn,
            target,
            "ANALYZE",
            format!("ANALYZE {}", info.qualified),
        )
        .await?;
    }
    phase.finish();
    Ok(round3(started.elapsed().as_secs_f64()))
}
