//! What a shard of several (`seed --shard i/n`) does around the chunked
//! load, so that n shards loading one database at once need no other step.
//!
//! - **Its own part, not the others'**: the tables may hold other shards'
//!   rows; a shard refuses only when its own rows are there, found by the
//!   primary key of the first and last row of its range of each table.
//! - **Parents before children across shards**: a row may reference a row
//!   of another shard (a security event of shard 0 pointing at a player of
//!   shard 2), and foreign keys are checked row by row. So before loading a
//!   table, a shard waits (bounded by `--shard-wait`) until every profile
//!   table it references holds all its rows. Every shard loads the tables in
//!   the same order, parents first, so the waits always end.
//! - **Once, by the last**: moving sequences and ANALYZE need every row. A
//!   shard that finds every table complete after its own load does them;
//!   shards that finish earlier leave them. Two shards finishing together
//!   both see complete tables and set the same values: it is idempotent.

use std::time::{Duration, Instant};

use sqlx::{PgConnection, Row};

use super::LoadError;
use super::catalog;
use super::target::Target;
use super::text::plain_text;
use crate::db::quote_ident;
use crate::generate::Shard;
use crate::ui;

/// Refuses when shard `shard`'s own rows are already in a table.
pub async fn check_own_part(
    conn: &mut PgConnection,
    target: &Target,
    shard: Shard,
) -> Result<(), LoadError> {
    for (table, info) in target.dataset.tables().iter().zip(&target.tables) {
        let range = table.shard_rows(shard);
        if range.is_empty() {
            continue;
        }
        let key = primary_key(conn, &info.qualified)
            .await
            .map_err(|e| target.db_error("reading primary keys", &e))?;
        let visible = table.columns();
        let Some(positions) = key
            .iter()
            .map(|k| visible.iter().position(|c| c == k))
            .collect::<Option<Vec<usize>>>()
        else {
            continue; // no key, or one the database fills: nothing to look up
        };
        let conditions: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(i, column)| {
                let type_name = info.column(column).map_or("text", |c| c.type_name.as_str());
                format!("{} = CAST(${} AS {type_name})", quote_ident(column), i + 1)
            })
            .collect();
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE {})",
            info.qualified,
            conditions.join(" AND ")
        );
        for row in [range.start, range.end - 1] {
            let values = table.row_at(row);
            let texts: Vec<String> = positions.iter().map(|&p| plain_text(&values[p])).collect();
            let mut query = sqlx::query_scalar::<_, bool>(sqlx::AssertSqlSafe(sql.clone()));
            for text in &texts {
                query = query.bind(text);
            }
            let found = query
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| target.db_error("looking for the shard's rows", &e))?;
            if found {
                let key = key
                    .iter()
                    .zip(&texts)
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(LoadError::ShardLoaded {
                    shard: shard.to_string(),
                    table: info.name.clone(),
                    key,
                });
            }
        }
    }
    Ok(())
}

/// The primary key's columns of a table, in key order (empty without one).
async fn primary_key(conn: &mut PgConnection, qualified: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query(
        "SELECT a.attname::text AS name
         FROM pg_index i
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indrelid = $1::regclass AND i.indisprimary
         ORDER BY k.ord",
    )
    .bind(qualified)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| row.try_get("name"))
    .collect()
}

/// For each table (by index, load order), the profile tables it references
/// through foreign keys whose columns the profile fills (itself excluded).
pub async fn parents(
    conn: &mut PgConnection,
    target: &Target,
) -> Result<Vec<Vec<usize>>, LoadError> {
    let edges = catalog::foreign_key_edges(conn, &target.tables)
        .await
        .map_err(|e| target.db_error("reading foreign keys", &e))?;
    let index_of = |name: &str| target.tables.iter().position(|t| t.name == name);
    let mut parents = vec![Vec::new(); target.tables.len()];
    for edge in edges {
        let (Some(c), Some(p)) = (index_of(&edge.child), index_of(&edge.parent)) else {
            continue;
        };
        // A key whose columns the profile does not fill references nothing.
        let filled = target.dataset.tables()[c].columns();
        let references = edge.columns.iter().any(|column| filled.contains(column));
        if c != p && references && !parents[c].contains(&p) {
            parents[c].push(p);
        }
    }
    Ok(parents)
}

/// Waits until every table in `parents` holds all its rows (every shard's),
/// polling its row count; gives up after `limit`.
pub async fn wait_for_parents(
    conn: &mut PgConnection,
    target: &Target,
    table: usize,
    parents: &[usize],
    limit: Duration,
) -> Result<(), LoadError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(50);
    let mut said = false;
    for &parent in parents {
        let want = target.dataset.tables()[parent].row_count();
        loop {
            let have = count(conn, target, parent).await?;
            if have >= want {
                break;
            }
            if started.elapsed() >= limit {
                return Err(LoadError::ShardWait {
                    table: target.tables[table].name.clone(),
                    parent: target.tables[parent].name.clone(),
                    have,
                    want,
                    waited: limit,
                });
            }
            if !said {
                ui::info(format!(
                    "{}: waiting for the other shards to load {} ({} of {} rows)",
                    target.tables[table].name, target.tables[parent].name, have, want
                ));
                said = true;
            }
            tokio::time::sleep(pause.min(limit.saturating_sub(started.elapsed()))).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }
    Ok(())
}

/// Whether every table holds all its rows: every shard's load has committed.
pub async fn all_loaded(conn: &mut PgConnection, target: &Target) -> Result<bool, LoadError> {
    for (index, table) in target.dataset.tables().iter().enumerate() {
        if count(conn, target, index).await? < table.row_count() {
            return Ok(false);
        }
    }
    Ok(true)
}

async fn count(conn: &mut PgConnection, target: &Target, index: usize) -> Result<u64, LoadError> {
    let qualified = std::slice::from_ref(&target.tables[index].qualified);
    Ok(catalog::row_counts(conn, qualified)
        .await
        .map_err(|e| target.db_error("counting rows", &e))?[0])
}
