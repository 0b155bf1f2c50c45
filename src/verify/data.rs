//! `seedkit verify --with-data`: the migrations a database still lacks,
//! tried on realistic rows before production runs them.
//!
//! In a scratch database: apply the migrations the target already has,
//! seed the profile there, then for each pending migration alone measure
//! its time, the tables it rewrote (their `relfilenode` changed), the
//! strongest lock it took on each table and for how long, and the rows it
//! inserted, updated or deleted; then run its down and check that every
//! table that existed before its up has the checksum it had then, and
//! apply the up again for the next one.
//!
//! Locks are sampled: a second connection reads `pg_locks` every
//! [`SAMPLE_EVERY`] while the migration runs, so a lock held for less than
//! that may be missed, and a duration is the span between the first and
//! the last sample that saw it. Rows come from `pg_stat_user_tables`
//! (`n_tup_ins`, `n_tup_upd`, `n_tup_del`), read once the migration's
//! session has ended and flushed its counters.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{Connection as _, PgConnection};
use tokio::sync::oneshot;

use super::irreversible_marker;
use super::scratch::{ScratchDb, migrate_to};
use crate::db::{Connector, quote_qualified};
use crate::error::{Error, Result};
use crate::generate::Dataset;
use crate::migrate::plan::State;
use crate::migrate::runner::Settings;
use crate::migrate::source::{self, Migration};
use crate::migrate::{HistoryTable, RollbackTarget};

/// How often the lock sampler reads `pg_locks`.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// The rows to seed and how.
pub struct DataOptions {
    pub dataset: Arc<Dataset>,
    /// The profile's name or path, for the report.
    pub profile: String,
    pub lock_timeout: Duration,
}

/// The strongest lock seen on one table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LockSeen {
    pub table: String,
    pub mode: String,
    /// From the first to the last sample that saw it.
    pub held_ms: u64,
    pub samples: u64,
}

/// Rows one migration changed in one table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RowsTouched {
    pub table: String,
    pub inserted: i64,
    pub updated: i64,
    pub deleted: i64,
}

/// What one pending migration did to the seeded tables.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tried {
    pub version: u64,
    pub version_text: String,
    pub name: String,
    pub elapsed_ms: u64,
    /// Tables whose storage was rewritten (a new relfilenode).
    pub rewritten: Vec<String>,
    /// Tables the up created (its own: not checked after the down).
    pub created: Vec<String>,
    pub locks: Vec<LockSeen>,
    pub rows: Vec<RowsTouched>,
    /// Why the down was not run, if it was not.
    pub down_skipped: Option<String>,
    /// The down's error, if it failed.
    pub down_error: Option<String>,
    /// Tables that existed before the up and differ after the down.
    pub changed_after_down: Vec<String>,
    /// Tables that existed before the up and have their checksum after the down.
    pub restored_after_down: usize,
}

impl Tried {
    pub fn failed(&self) -> bool {
        self.down_error.is_some() || !self.changed_after_down.is_empty()
    }
}

/// What `verify --with-data` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DataReport {
    pub scratch_database: String,
    pub profile: String,
    /// The version the profile was seeded at (the one before the first
    /// pending migration).
    pub seeded_at: Option<u64>,
    pub seeded_rows: u64,
    pub migrations: Vec<Tried>,
    /// A re-applied up that failed; the later pending ones were not tried.
    pub stopped: Option<String>,
}

impl DataReport {
    pub fn passed(&self) -> bool {
        self.stopped.is_none() && !self.migrations.iter().any(Tried::failed)
    }
}

/// Tries the migrations pending on `server` on the profile's rows, in a
/// scratch database on the same server.
pub async fn verify_with_data(
    server: &Connector,
    settings: &Settings,
    options: DataOptions,
) -> Result<DataReport> {
    let source = source::read_as(&settings.dir, &settings.layout)?;
    let status = crate::migrate::status(server, settings).await?;
    let pending: Vec<&Migration> = status
        .migrations
        .iter()
        .filter(|e| e.state == State::Pending)
        .filter_map(|e| source.get(e.version))
        .collect();
    let seeded_at = pending.first().and_then(|first| {
        source
            .migrations
            .iter()
            .rfind(|m| m.version < first.version)
            .map(|m| m.version)
    });
    ScratchDb::with(server, settings, async |scratch| {
        crate::ui::info(format!(
            "verify --with-data: {} pending migration(s), scratch database {}",
            pending.len(),
            scratch.name
        ));
        let mut report = DataReport {
            scratch_database: scratch.name.clone(),
            profile: options.profile.clone(),
            seeded_at,
            seeded_rows: 0,
            migrations: Vec::new(),
            stopped: None,
        };
        try_pending(&scratch.server, settings, &options, &pending, &mut report).await?;
        Ok(report)
    })
    .await
}

async fn try_pending(
    server: &Connector,
    settings: &Settings,
    options: &DataOptions,
    pending: &[&Migration],
    report: &mut DataReport,
) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    if let Some(version) = report.seeded_at {
        migrate_to(server, settings, version).await?;
    }
    let load = crate::load::LoadOptions {
        jobs: 2,
        reset: false,
        strategy: crate::load::Strategy::Auto,
        chunk_rows: 50_000,
        lock_timeout: options.lock_timeout,
        profile: options.profile.clone(),
    };
    let summary = crate::load::seed(Arc::clone(&options.dataset), server, &load).await?;
    report.seeded_rows = summary.total_rows;
    let mut observer = server.connect().await?;
    for m in pending {
        let (tried, reapplied) = try_one(server, settings, &mut observer.conn, m).await?;
        report.migrations.push(tried);
        if let Err(e) = reapplied {
            report.stopped = Some(format!(
                "{}'s up fails when applied again after its down: {e}",
                m.version_text
            ));
            break;
        }
    }
    let _ = observer.conn.close().await;
    Ok(())
}

/// Up (measured), down (checked), up again. The second value is the
/// re-applied up's outcome.
async fn try_one(
    server: &Connector,
    settings: &Settings,
    conn: &mut PgConnection,
    m: &Migration,
) -> Result<(Tried, Result<()>)> {
    let tables = Tables::read(conn, &settings.history).await?;
    let sums = checksums(conn, &tables).await?;
    let stats_before = row_stats(conn, &settings.history).await?;

    // The sampler is connected before the migration starts, so it sees the
    // first statement's locks.
    let (stop, stopped) = oneshot::channel();
    let sampler_db = server.connect().await?;
    let sampler = tokio::spawn(sample_locks(sampler_db, settings.history.clone(), stopped));
    let up = migrate_to(server, settings, m.version).await;
    let _ = stop.send(());
    let locks = sampler
        .await
        .map_err(|e| Error::Other(anyhow::anyhow!("the lock sampler stopped: {e}")))??;
    let elapsed_ms = up?;

    wait_for_other_sessions(conn).await?;
    let stats_after = row_stats(conn, &settings.history).await?;
    let after = Tables::read(conn, &settings.history).await?;
    let mut tried = Tried {
        version: m.version,
        version_text: m.version_text.clone(),
        name: m.name.clone(),
        elapsed_ms,
        rewritten: tables.rewritten_in(&after),
        created: after.names().filter(|t| !tables.has(t)).collect(),
        locks,
        rows: rows_touched(&stats_before, &stats_after),
        down_skipped: None,
        down_error: None,
        changed_after_down: Vec::new(),
        restored_after_down: 0,
    };
    tried.down_skipped = match &m.down {
        None => Some("no down script".into()),
        Some(down) => irreversible_marker(&down.sql).map(|why| format!("irreversible: {why}")),
    };
    if tried.down_skipped.is_some() {
        return Ok((tried, Ok(())));
    }
    let target = RollbackTarget::Version(m.version);
    if let Err(e) = crate::migrate::rollback(server, settings, target, false).await {
        tried.down_error = Some(e.to_string());
        return Ok((tried, Ok(())));
    }
    let after_down = checksums(conn, &tables).await?;
    for (table, sum) in &sums {
        if after_down.get(table) == Some(sum) {
            tried.restored_after_down += 1;
        } else {
            tried.changed_after_down.push(table.clone());
        }
    }
    let reapplied = migrate_to(server, settings, m.version).await.map(|_| ());
    Ok((tried, reapplied))
}

/// The user tables (not seedkit's), by name: oid and relfilenode.
struct Tables(BTreeMap<String, (u32, u32)>);

impl Tables {
    async fn read(conn: &mut PgConnection, history: &HistoryTable) -> Result<Tables> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT n.nspname || '.' || c.relname, c.oid::bigint, c.relfilenode::bigint \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'm') \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
               AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
               AND c.oid <> coalesce(to_regclass($1)::oid, 0) \
               AND c.oid <> coalesce(to_regclass($2)::oid, 0)",
        )
        .bind(history.quoted())
        .bind(lock_table(history).quoted())
        .fetch_all(conn)
        .await
        .map_err(catalog_error)?;
        Ok(Tables(
            rows.into_iter()
                .map(|(name, oid, file)| (name, (oid as u32, file as u32)))
                .collect(),
        ))
    }

    fn names(&self) -> impl Iterator<Item = String> + '_ {
        self.0.keys().cloned()
    }

    fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Tables (same oid) whose storage file changed between self and `after`.
    fn rewritten_in(&self, after: &Tables) -> Vec<String> {
        self.0
            .iter()
            .filter(|(name, (oid, file))| {
                after
                    .0
                    .get(*name)
                    .is_some_and(|(o, f)| o == oid && f != file)
            })
            .map(|(name, _)| name.clone())
            .collect()
    }
}

fn lock_table(history: &HistoryTable) -> HistoryTable {
    HistoryTable::new(&history.schema, format!("{}_lock", history.table))
}

fn catalog_error(e: sqlx::Error) -> Error {
    Error::Other(anyhow::anyhow!("reading the scratch database: {e}"))
}

/// md5 of each table's rows in a stable order (missing tables are left out).
async fn checksums(conn: &mut PgConnection, tables: &Tables) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for name in tables.names() {
        let sql = format!(
            "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t",
            quote_qualified(&name)
        );
        // The name comes from pg_class and is quoted.
        match sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await
        {
            Ok(sum) => {
                out.insert(name, sum);
            }
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => {}
            Err(e) => return Err(catalog_error(e)),
        }
    }
    Ok(out)
}

type Stats = BTreeMap<String, (i64, i64, i64)>;

async fn row_stats(conn: &mut PgConnection, history: &HistoryTable) -> Result<Stats> {
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_del \
         FROM pg_stat_user_tables \
         WHERE relid <> coalesce(to_regclass($1)::oid, 0) \
           AND relid <> coalesce(to_regclass($2)::oid, 0)",
    )
    .bind(history.quoted())
    .bind(lock_table(history).quoted())
    .fetch_all(conn)
    .await
    .map_err(catalog_error)?;
    Ok(rows
        .into_iter()
        .map(|(name, i, u, d)| (name, (i, u, d)))
        .collect())
}

fn rows_touched(before: &Stats, after: &Stats) -> Vec<RowsTouched> {
    after
        .iter()
        .map(|(table, (i, u, d))| {
            let (bi, bu, bd) = before.get(table).copied().unwrap_or_default();
            RowsTouched {
                table: table.clone(),
                inserted: i - bi,
                updated: u - bu,
                deleted: d - bd,
            }
        })
        .filter(|r| r.inserted != 0 || r.updated != 0 || r.deleted != 0)
        .collect()
}

/// Waits (at most 5 s) until the migration's and the sampler's sessions
/// have ended: a session flushes its row counters when it ends.
async fn wait_for_other_sessions(conn: &mut PgConnection) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let others: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(catalog_error)?;
        if others == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sqlx::query("SELECT pg_stat_clear_snapshot()")
        .execute(&mut *conn)
        .await
        .map_err(catalog_error)?;
    Ok(())
}

/// Lock modes from weakest to strongest.
const MODES: &[&str] = &[
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
];

fn strength(mode: &str) -> usize {
    MODES.iter().position(|m| *m == mode).unwrap_or(0)
}

/// Reads `pg_locks` from its own connection until `stop` fires, keeping the
/// strongest granted lock another session held on each table.
async fn sample_locks(
    mut db: crate::db::Db,
    history: HistoryTable,
    mut stop: oneshot::Receiver<()>,
) -> Result<Vec<LockSeen>> {
    let mut seen: BTreeMap<String, (String, Instant, Instant, u64)> = BTreeMap::new();
    loop {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT n.nspname || '.' || c.relname, l.mode \
             FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid() \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND c.relkind IN ('r', 'p', 'm') \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
               AND c.oid <> coalesce(to_regclass($1)::oid, 0) \
               AND c.oid <> coalesce(to_regclass($2)::oid, 0)",
        )
        .bind(history.quoted())
        .bind(lock_table(&history).quoted())
        .fetch_all(&mut db.conn)
        .await
        .map_err(catalog_error)?;
        let now = Instant::now();
        for (table, mode) in rows {
            let entry = seen
                .entry(table)
                .or_insert_with(|| (mode.clone(), now, now, 0));
            if strength(&mode) > strength(&entry.0) {
                *entry = (mode.clone(), now, now, 0);
            }
            if strength(&mode) == strength(&entry.0) {
                entry.2 = now;
                entry.3 += 1;
            }
        }
        tokio::select! {
            _ = &mut stop => break,
            () = tokio::time::sleep(SAMPLE_EVERY) => {}
        }
    }
    let _ = db.conn.close().await;
    Ok(seen
        .into_iter()
        .map(|(table, (mode, first, last, samples))| LockSeen {
            table,
            mode,
            held_ms: last.duration_since(first).as_millis() as u64,
            samples,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_exclusive_is_the_strongest_mode() {
        assert!(strength("AccessExclusiveLock") > strength("ShareRowExclusiveLock"));
        assert!(strength("RowExclusiveLock") > strength("AccessShareLock"));
    }
}
