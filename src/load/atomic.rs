//! The PostgreSQL load: the whole seed in one transaction.
//!
//! Building indexes after the load is much faster end to end than loading
//! into indexed tables (1.6x against our own chunked COPY into the indexed
//! table, 2.3x against `psql \copy`: docs/BENCHMARKS.md). So, in ONE
//! transaction:
//! lock the tables; refuse if they hold rows (unless `--reset`); read the
//! definitions of their primary keys, unique constraints, secondary indexes
//! and foreign keys (also those pointing at them); drop them; TRUNCATE; COPY
//! every table (`FREEZE`: the rows are written frozen, no later vacuum
//! pass); re-create the keys and indexes, then the foreign keys (which
//! validates them); check the catalog shows exactly what it showed before;
//! move the sequences; COMMIT. PostgreSQL's DDL is transactional: until the
//! COMMIT nothing is visible, and a failure, a Ctrl-C or a SIGKILL rolls all
//! of it back, data, indexes and constraints alike.
//!
//! Everything goes over one connection because one transaction cannot span
//! several; `--jobs` spreads the generation over threads instead, next to
//! the server's work (ingest and index builds).

use std::time::Instant;

use super::LoadError;
use super::catalog::{self, ConstraintDef, DroppedObjects};
use super::copy_in::{CopyFailure, copy_rows, copy_statement, table_stream};
use super::loader::LoadOptions;
use super::progress::TableProgress;
use super::steps::{analyze, check_empty, move_sequences};
use super::summary::{Summary, round3};
use super::target::{Committed, Target, execute};
use crate::db::{Db, quote_ident, quote_literal};
use crate::ui;

/// Sort memory for re-creating the indexes (see `load`).
const MAINTENANCE_WORK_MEM: &str = "512MB";

pub async fn load(
    target: &Target,
    mut db: Db,
    options: &LoadOptions,
) -> Result<Summary, LoadError> {
    let conn = &mut db.conn;
    let mut summary = Summary::new(
        options.profile.clone(),
        target.dataset.seed(),
        "single-transaction",
        options.jobs,
    );
    let qualified = target.qualified();
    begin(conn, target, options).await?;
    // Nobody else writes these tables while we look at them and load them.
    execute(
        conn,
        target,
        "locking the tables",
        format!(
            "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
            qualified.join(", ")
        ),
    )
    .await?;
    check_empty(conn, target, options.reset).await?;

    // Partitioned tables keep their indexes: pg_get_indexdef renders a
    // partitioned index as `CREATE INDEX ... ON ONLY parent`, which would
    // not re-create it on the partitions.
    let ordinary: Vec<String> = target
        .tables
        .iter()
        .filter(|t| t.relkind == "r")
        .map(|t| t.qualified.clone())
        .collect();
    let dropped = catalog::read_droppable(conn, &ordinary)
        .await
        .map_err(|e| target.db_error("reading indexes and constraints", &e))?;
    drop_all(conn, target, &dropped).await?;
    // Empty (with --reset) and make the tables eligible for COPY FREEZE,
    // which needs a table truncated in the same transaction. Not CASCADE:
    // the foreign keys into these tables are dropped above, and check_empty
    // refused if a table outside the profile had rows pointing here.
    execute(
        conn,
        target,
        "TRUNCATE",
        format!("TRUNCATE {}", qualified.join(", ")),
    )
    .await?;

    let copy_started = Instant::now();
    copy_all(conn, target, options, &mut summary).await?;
    summary.phases.generate_copy = round3(copy_started.elapsed().as_secs_f64());

    let started = Instant::now();
    recreate_keys_and_indexes(conn, target, &dropped).await?;
    summary.phases.indexes = round3(started.elapsed().as_secs_f64());
    let started = Instant::now();
    recreate_foreign_keys(conn, target, &dropped).await?;
    verify(conn, target, &ordinary, &dropped).await?;
    move_sequences(conn, target).await?;
    summary.phases.constraints = round3(started.elapsed().as_secs_f64());
    execute(conn, target, "COMMIT", "COMMIT".into()).await?;
    // From here on an error or a Ctrl-C must not say "rolled back".
    target.committed.reached(Committed::All);

    summary.phases.analyze = analyze(conn, target).await?;
    Ok(summary)
}

/// COPY into every table, in load order (`FREEZE` where the table is an
/// ordinary one truncated in this transaction).
async fn copy_all(
    conn: &mut sqlx::PgConnection,
    target: &Target,
    options: &LoadOptions,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    for (index, info) in target.tables.iter().enumerate() {
        let table = &target.dataset.tables()[index];
        let progress = TableProgress::start(table.name(), table.row_count());
        let statement = copy_statement(info, table.columns(), info.relkind == "r");
        let stream = table_stream(target, index, options.jobs);
        let (rows, bytes) = copy_rows(conn, &statement, stream, progress.bar())
            .await
            .map_err(|e| match e {
                CopyFailure::Db(e) => target.db_error(
                    &super::validate::copy_step(table, info.schema.as_ref(), 0, &e),
                    &e,
                ),
                CopyFailure::Load(e) => e,
            })?;
        summary.tables.push(progress.finish(rows, bytes));
    }
    Ok(())
}

/// Adds the dropped foreign keys back, which validates every row.
async fn recreate_foreign_keys(
    conn: &mut sqlx::PgConnection,
    target: &Target,
    dropped: &DroppedObjects,
) -> Result<(), LoadError> {
    let mut phase = ui::phase(
        "foreign keys",
        dropped.foreign_keys.len() as u64,
        "foreign key",
    );
    for fk in &dropped.foreign_keys {
        phase.step(&format!("{} on {}", fk.name, fk.table));
        add_constraint(conn, target, fk).await?;
    }
    phase.finish();
    Ok(())
}

/// Opens the load transaction with the settings a bulk load needs.
async fn begin(
    conn: &mut sqlx::PgConnection,
    target: &Target,
    options: &LoadOptions,
) -> Result<(), LoadError> {
    execute(conn, target, "BEGIN", "BEGIN".into()).await?;
    execute(
        conn,
        target,
        "setting lock_timeout",
        format!(
            "SET LOCAL lock_timeout = {}",
            quote_literal(&format!("{}ms", options.lock_timeout.as_millis()))
        ),
    )
    .await?;
    // A seed is one deliberate bulk statement stream: a role's
    // statement_timeout (often seconds) must not cancel its COPY.
    execute(
        conn,
        target,
        "setting statement_timeout",
        "SET LOCAL statement_timeout = 0".into(),
    )
    .await?;
    // Index builds sort in memory up to maintenance_work_mem (64MB by
    // default); more made only a small difference here (docs/BENCHMARKS.md)
    // but never hurts. Only raised, never lowered, only for this transaction.
    execute(
        conn,
        target,
        "setting maintenance_work_mem",
        format!(
            "SELECT set_config('maintenance_work_mem', '{MAINTENANCE_WORK_MEM}', true) \
             WHERE pg_size_bytes(current_setting('maintenance_work_mem')) \
                   < pg_size_bytes('{MAINTENANCE_WORK_MEM}')"
        ),
    )
    .await?;
    Ok(())
}

async fn drop_all(
    conn: &mut sqlx::PgConnection,
    target: &Target,
    dropped: &DroppedObjects,
) -> Result<(), LoadError> {
    // Foreign keys first: a primary key cannot go while one depends on it.
    for c in dropped.foreign_keys.iter().chain(&dropped.keys) {
        execute(
            conn,
            target,
            "dropping constraints",
            format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                c.table,
                quote_ident(&c.name)
            ),
        )
        .await?;
    }
    for index in &dropped.indexes {
        execute(
            conn,
            target,
            "dropping indexes",
            format!("DROP INDEX {}", index.name),
        )
        .await?;
    }
    ui::debug(format!(
        "dropped {} keys, {} indexes, {} foreign keys until the data is in",
        dropped.keys.len(),
        dropped.indexes.len(),
        dropped.foreign_keys.len()
    ));
    Ok(())
}

async fn recreate_keys_and_indexes(
    conn: &mut sqlx::PgConnection,
    target: &Target,
    dropped: &DroppedObjects,
) -> Result<(), LoadError> {
    let total = dropped.keys.len() + dropped.indexes.len();
    let mut phase = ui::phase("indexes", total as u64, "index");
    for key in &dropped.keys {
        phase.step(&format!("{} on {}", key.name, key.table));
        add_constraint(conn, target, key).await?;
    }
    for index in &dropped.indexes {
        phase.step(&index.name);
        execute(
            conn,
            target,
            "re-creating indexes",
            index.definition.clone(),
        )
        .await?;
        if let Some(comment) = &index.comment {
            execute(
                conn,
                target,
                "re-creating indexes",
                format!(
                    "COMMENT ON INDEX {} IS {}",
                    index.name,
                    quote_literal(comment)
                ),
            )
            .await?;
        }
    }
    phase.finish();
    Ok(())
}

async fn add_constraint(
    conn: &mut sqlx::PgConnection,
    target: &Target,
    c: &ConstraintDef,
) -> Result<(), LoadError> {
    let step = if c.kind == "f" {
        format!("re-creating foreign key {} on {}", c.name, c.table)
    } else {
        format!("re-creating {} on {}", c.name, c.table)
    };
    execute(
        conn,
        target,
        &step,
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            c.table,
            quote_ident(&c.name),
            c.definition
        ),
    )
    .await?;
    if let Some(comment) = &c.comment {
        execute(
            conn,
            target,
            &step,
            format!(
                "COMMENT ON CONSTRAINT {} ON {} IS {}",
                quote_ident(&c.name),
                c.table,
                quote_literal(comment)
            ),
        )
        .await?;
    }
    Ok(())
}

/// The catalog must show exactly what it showed before the drop; otherwise
/// the transaction is rolled back (by returning the error).
async fn verify(
    conn: &mut sqlx::PgConnection,
    target: &Target,
    qualified: &[String],
    before: &DroppedObjects,
) -> Result<(), LoadError> {
    let after = catalog::read_droppable(conn, qualified)
        .await
        .map_err(|e| target.db_error("checking the re-created objects", &e))?;
    if &after == before {
        return Ok(());
    }
    let describe = |o: &DroppedObjects| {
        o.keys
            .iter()
            .chain(&o.foreign_keys)
            .map(|c| format!("{} {}", c.name, c.definition))
            .chain(o.indexes.iter().map(|i| i.definition.clone()))
            .collect::<Vec<_>>()
    };
    let (b, a) = (describe(before), describe(&after));
    let missing: Vec<&String> = b.iter().filter(|x| !a.contains(x)).collect();
    let extra: Vec<&String> = a.iter().filter(|x| !b.contains(x)).collect();
    Err(LoadError::SchemaMismatch(format!(
        "missing {missing:?}, unexpected {extra:?}"
    )))
}
