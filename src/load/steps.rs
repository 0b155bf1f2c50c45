//! The steps both strategies take around the rows: refuse tables that
//! already hold rows, move sequences past the loaded ids, ANALYZE.

use std::time::Instant;

use sqlx::PgConnection;

use super::LoadError;
use super::catalog;
use super::summary::round3;
use super::target::{Target, execute};
use crate::db::{self, quote_ident};
use crate::ui;

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
