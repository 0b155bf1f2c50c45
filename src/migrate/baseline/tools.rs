//! Reading other migration tools' history tables, as each tool writes it:
//!
//! | tool | table | applied |
//! |---|---|---|
//! | golang-migrate | `schema_migrations (version bigint, dirty boolean)` | one row: every file up to `version`; `dirty` refuses |
//! | sqlx | `_sqlx_migrations (version, description, installed_on, success, checksum, execution_time)` | a row per version; `success = false` refuses |
//! | diesel | `__diesel_schema_migrations (version varchar, run_on)` | a row per version |
//! | goose | `goose_db_version (id, version_id, is_applied, tstamp)` | the latest row of each version says; version 0 is goose's own |
//! | dbmate | `schema_migrations (version varchar)` | a row per version |
//! | Flyway | `flyway_schema_history (installed_rank, version, description, type, script, checksum, ..., success)` | rows in rank order: `SQL` applies, `UNDO_SQL` / `DELETE` revert, `BASELINE` covers every version up to it; `success = false` refuses |
//!
//! The tables are only read, on a connection of their own.

use std::collections::BTreeSet;

use sqlx::{AssertSqlSafe, PgConnection};

use super::{Applied, refused};
use crate::db::{Connector, quote_qualified};
use crate::migrate::error::{MigrateError, Problem};

/// The tools `baseline --from` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tool {
    GolangMigrate,
    Sqlx,
    Diesel,
    Goose,
    Dbmate,
    Flyway,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::GolangMigrate => "golang-migrate",
            Tool::Sqlx => "sqlx",
            Tool::Diesel => "diesel",
            Tool::Goose => "goose",
            Tool::Dbmate => "dbmate",
            Tool::Flyway => "flyway",
        }
    }

    /// The table the tool writes by default.
    pub fn default_table(self) -> &'static str {
        match self {
            Tool::GolangMigrate | Tool::Dbmate => "schema_migrations",
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Diesel => "__diesel_schema_migrations",
            Tool::Goose => "goose_db_version",
            Tool::Flyway => "flyway_schema_history",
        }
    }
}

fn query_error(table: &str, e: &sqlx::Error) -> MigrateError {
    MigrateError::Database {
        context: format!("reading {table}"),
        message: e.to_string(),
    }
}

/// Reads what `tool`'s table says is applied.
pub async fn read(server: &Connector, tool: Tool, table: &str) -> crate::Result<Applied> {
    let mut db = server.connect().await?;
    let conn = &mut db.conn;
    let columns = columns(conn, table).await?;
    if columns.is_empty() {
        return Err(MigrateError::BadVersion {
            message: format!("there is no table {table} in this database"),
            hint: format!(
                "was it migrated by {}? pass --table NAME when the tool was told to use another \
                 table, or `seedkit baseline VERSION` for a database built by hand",
                tool.name()
            ),
        }
        .into());
    }
    let has = |c: &str| columns.iter().any(|n| n == c);
    let looks_wrong = match tool {
        Tool::GolangMigrate => (!has("dirty")).then_some(
            "it has no `dirty` column (dbmate's table has the same name: try --from dbmate)",
        ),
        Tool::Dbmate => has("dirty")
            .then_some("it has a `dirty` column, as golang-migrate's (try --from golang-migrate)"),
        _ => None,
    };
    if let Some(why) = looks_wrong {
        return Err(MigrateError::BadVersion {
            message: format!("{table} was not written by {}: {why}", tool.name()),
            hint: "pick the tool that migrated this database with --from".into(),
        }
        .into());
    }
    let quoted = quote_qualified(table);
    let applied = match tool {
        Tool::GolangMigrate => golang_migrate(conn, table, &quoted).await?,
        Tool::Sqlx => sqlx_rows(conn, table, &quoted).await?,
        Tool::Diesel | Tool::Dbmate => {
            let sql = format!("SELECT version::text FROM {quoted} ORDER BY version");
            let rows: Vec<(String,)> = fetch(conn, table, sql).await?;
            listed(rows.into_iter().map(|(v,)| v).collect(), "")
        }
        Tool::Goose => goose(conn, table, &quoted).await?,
        Tool::Flyway => flyway(conn, table, &quoted).await?,
    };
    Ok(applied)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Every row `sql` reads from the tool's `table`.
async fn fetch<T>(conn: &mut PgConnection, table: &str, sql: String) -> Result<Vec<T>, MigrateError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
        .map_err(|e| query_error(table, &e))
}

/// A tool that lists each applied version: `N applied versions` and `more`.
fn listed(versions: Vec<String>, more: &str) -> Applied {
    Applied {
        state: format!(
            "{} applied version{}{more}",
            versions.len(),
            plural(versions.len())
        ),
        versions,
        ..Applied::default()
    }
}

/// The table's column names; none when the table does not exist.
async fn columns(conn: &mut PgConnection, table: &str) -> Result<Vec<String>, MigrateError> {
    sqlx::query_scalar(
        "SELECT attname::text FROM pg_attribute \
         WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
    )
    .bind(quote_qualified(table))
    .fetch_all(conn)
    .await
    .map_err(|e| query_error(table, &e))
}

async fn golang_migrate(
    conn: &mut PgConnection,
    table: &str,
    quoted: &str,
) -> Result<Applied, MigrateError> {
    let sql = format!("SELECT version, dirty FROM {quoted}");
    let rows: Vec<(i64, bool)> = fetch(conn, table, sql).await?;
    match rows.as_slice() {
        [] => Ok(Applied {
            state: "no version applied".into(),
            ..Applied::default()
        }),
        [(version, true)] => Err(refused(vec![Problem {
            version: Some(*version as u64),
            kind: "dirty",
            message: format!(
                "golang-migrate left version {version} dirty in {table}: a migration failed \
                 part-way"
            ),
            way_out: format!(
                "check what {version} did and finish or undo it by hand, then `migrate force \
                 {version}` (or the version before it) with golang-migrate, and run baseline again"
            ),
        }])),
        [(version, false)] => Ok(Applied {
            up_to: Some(*version as u64),
            up_to_ran: true,
            state: format!("version {version}, not dirty"),
            ..Applied::default()
        }),
        _ => Err(refused(vec![Problem {
            version: None,
            kind: "unexpected",
            message: format!("{table} has {} rows; golang-migrate keeps one", rows.len()),
            way_out: "check that the table is golang-migrate's (--table NAME names another)".into(),
        }])),
    }
}

async fn sqlx_rows(
    conn: &mut PgConnection,
    table: &str,
    quoted: &str,
) -> Result<Applied, MigrateError> {
    let sql = format!("SELECT version, success FROM {quoted} ORDER BY version");
    let rows: Vec<(i64, bool)> = fetch(conn, table, sql).await?;
    let failed: Vec<Problem> = rows
        .iter()
        .filter(|(_, success)| !success)
        .map(|(version, _)| Problem {
            version: Some(*version as u64),
            kind: "failed",
            message: format!(
                "sqlx recorded version {version} as failed (success = false) in {table}"
            ),
            way_out: format!(
                "finish or undo {version} by hand and delete its row from {table}, then run \
                 baseline again"
            ),
        })
        .collect();
    if !failed.is_empty() {
        return Err(refused(failed));
    }
    Ok(listed(
        rows.iter().map(|(v, _)| v.to_string()).collect(),
        ", none failed",
    ))
}

async fn goose(
    conn: &mut PgConnection,
    table: &str,
    quoted: &str,
) -> Result<Applied, MigrateError> {
    // An event log: the latest row of each version says whether it is applied.
    let sql = format!(
        "SELECT DISTINCT ON (version_id) version_id, is_applied FROM {quoted} \
         ORDER BY version_id, id DESC"
    );
    let rows: Vec<(i64, bool)> = fetch(conn, table, sql).await?;
    let versions: Vec<String> = rows
        .iter()
        .filter(|(version, applied)| *applied && *version > 0)
        .map(|(v, _)| v.to_string())
        .collect();
    Ok(listed(versions, ""))
}

/// One row of `flyway_schema_history`.
type FlywayRow = (i32, Option<String>, String, Option<String>, bool);

async fn flyway(
    conn: &mut PgConnection,
    table: &str,
    quoted: &str,
) -> Result<Applied, MigrateError> {
    let sql = format!(
        "SELECT installed_rank, version, type, script, success FROM {quoted} ORDER BY installed_rank"
    );
    let rows: Vec<FlywayRow> = fetch(conn, table, sql).await?;
    let mut problems = Vec::new();
    let mut versions: Vec<String> = Vec::new();
    let mut repeatables = BTreeSet::new();
    let mut baseline = None;
    for (rank, version, kind, script, success) in rows {
        let script = script.unwrap_or_default();
        if !success {
            problems.push(Problem {
                version: None,
                kind: "failed",
                message: format!(
                    "Flyway recorded {script} (rank {rank}) as failed (success = false) in {table}"
                ),
                way_out: "fix the database by hand and run `flyway repair`, then baseline again"
                    .into(),
            });
            continue;
        }
        match (kind.as_str(), version) {
            ("BASELINE", Some(v)) => baseline = Some(v),
            ("UNDO_SQL" | "UNDO_JDBC" | "DELETE", Some(v)) => versions.retain(|x| x != &v),
            ("SQL" | "JDBC" | "SCRIPT", Some(v)) => versions.push(v),
            ("SQL" | "JDBC" | "SCRIPT", None) => {
                let name = script.strip_prefix("R__").unwrap_or(&script);
                repeatables.insert(name.strip_suffix(".sql").unwrap_or(name).to_string());
            }
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    let up_to =
        match &baseline {
            Some(v) => Some(crate::migrate::layout::flyway::encode_version(v).map_err(
                |message| MigrateError::BadVersion {
                    message: format!("{table}: baseline {message}"),
                    hint: "see docs/migrations.md on Flyway versions".into(),
                },
            )?),
            None => None,
        };
    Ok(Applied {
        up_to,
        up_to_ran: false,
        state: format!(
            "{} applied version{}{}, {} repeatable{}",
            versions.len(),
            plural(versions.len()),
            baseline
                .map(|b| format!(" above baseline {b}"))
                .unwrap_or_default(),
            repeatables.len(),
            plural(repeatables.len())
        ),
        versions,
        repeatables: repeatables.into_iter().collect(),
    })
}
