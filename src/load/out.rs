//! `seed --out DIR`: the same rows as files, one per table, plus a
//! `load.sql` that loads them with psql's `\copy` in foreign-key order.
//! No database is involved.
//!
//! With `--shard i/n` the files hold shard i's rows and are named for it
//! (`players.shard-1-of-3.copy`). Rows reference rows of other shards, so
//! the shards load together: every shard writes the same `load.sql`, which
//! loads all n shards' files table by table; gather the n folders' files in
//! one folder (or write them to a shared one) and run it once.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::LoadError;
use super::progress::TableProgress;
use super::stream::{self, Encoding};
use super::summary::Summary;
use super::text::TextFormat;
use crate::db::{quote_ident, quote_literal, quote_qualified};
use crate::generate::{Dataset, Shard};

/// The file name for a table: `<table>.copy` or `<table>.csv`, and for a
/// shard of several `<table>.shard-<i>-of-<n>.copy`.
pub fn file_name(table: &str, format: TextFormat, shard: Shard) -> String {
    match shard.is_whole() {
        true => format!("{table}.{}", format.extension()),
        false => format!(
            "{table}.shard-{}-of-{}.{}",
            shard.index(),
            shard.count(),
            format.extension()
        ),
    }
}

/// Writes shard `shard` of every table of `dataset` into `dir` and
/// `load.sql` next to them.
pub fn write(
    dataset: Arc<Dataset>,
    dir: &Path,
    format: TextFormat,
    jobs: usize,
    shard: Shard,
    profile: &str,
) -> Result<Summary, LoadError> {
    let started = Instant::now();
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, &e))?;
    let mut summary = Summary::new(profile.to_string(), dataset.seed(), "files", jobs);
    summary.out_dir = Some(dir.display().to_string());
    summary.shard = (!shard.is_whole()).then(|| shard.to_string());
    let mut script = format!(
        "-- Written by `seedkit seed --out`: profile {profile}, seed {}.\n",
        dataset.seed()
    );
    script.push_str(&match shard.is_whole() {
        true => "-- Load into a migrated, empty database from this folder:\n\
                 --   psql -v ON_ERROR_STOP=1 -1 -f load.sql\n"
            .to_string(),
        false => format!(
            "-- Every shard (--shard 0/{n} .. {last}/{n}) writes this same script. Rows\n\
             -- reference rows of other shards: put the {n} shards' files in one folder,\n\
             -- then load them all into a migrated, empty database from there:\n\
             --   psql -v ON_ERROR_STOP=1 -1 -f load.sql\n",
            n = shard.count(),
            last = shard.count() - 1
        ),
    });
    for (index, table) in dataset.tables().iter().enumerate() {
        let path = dir.join(file_name(table.name(), format, shard));
        let range = table.shard_rows(shard);
        let progress = TableProgress::start(table.name(), range.end - range.start);
        let (rows, bytes) = write_table(&dataset, index, range, &path, format, jobs, &progress)?;
        summary.tables.push(progress.finish(rows, bytes));
        let columns: Vec<String> = table.columns().iter().map(|c| quote_ident(c)).collect();
        for i in 0..shard.count() {
            let every = Shard::new(i, shard.count()).expect("i < count");
            script.push_str(&format!(
                "\\copy {} ({}) FROM '{}'{}\n",
                quote_qualified(table.name()),
                columns.join(", "),
                file_name(table.name(), format, every).replace('\'', "''"),
                format.copy_options()
            ));
        }
    }
    let tables: Vec<&str> = dataset.tables().iter().map(|t| t.name()).collect();
    script.push_str(&move_sequences(&tables));
    write_script(dir, &script)?;
    summary.phases.generate_copy = super::summary::round3(started.elapsed().as_secs_f64());
    summary.finish(started.elapsed());
    Ok(summary)
}

/// SQL that moves the sequences behind the loaded tables' serial and
/// identity columns past the loaded values, as `seed` does on a live
/// database: without it the application's first INSERT collides with a
/// loaded id. Which columns own a sequence is only known to the database,
/// so a DO block asks `pg_get_serial_sequence` for each column.
fn move_sequences(tables: &[&str]) -> String {
    let regclasses: Vec<String> = tables
        .iter()
        .map(|t| format!("{}::regclass", quote_literal(&quote_qualified(t))))
        .collect();
    format!(
        "-- Move the sequences of serial and identity columns past the loaded values,\n\
         -- so the application's next INSERT gets a fresh id.\n\
         DO $seedkit$\n\
         DECLARE\n\
         \x20 col record;\n\
         BEGIN\n\
         \x20 FOR col IN\n\
         \x20   SELECT a.attrelid::regclass::text AS tab, a.attname AS name,\n\
         \x20          pg_get_serial_sequence(a.attrelid::regclass::text, a.attname) AS seq\n\
         \x20     FROM pg_attribute a\n\
         \x20    WHERE a.attrelid = ANY (ARRAY[{}])\n\
         \x20      AND a.attnum > 0 AND NOT a.attisdropped\n\
         \x20 LOOP\n\
         \x20   CONTINUE WHEN col.seq IS NULL;\n\
         \x20   EXECUTE format('SELECT setval(%L, coalesce(max(%I), 0) + 1, false) FROM %s',\n\
         \x20                  col.seq, col.name, col.tab);\n\
         \x20 END LOOP;\n\
         END\n\
         $seedkit$;\n",
        regclasses.join(", ")
    )
}

/// Writes `load.sql` through a temporary file and a rename: shards writing
/// into one shared folder each write the same script, and a reader never
/// sees half of one.
fn write_script(dir: &Path, script: &str) -> Result<(), LoadError> {
    let path = dir.join("load.sql");
    let temporary = dir.join(format!(".load.sql.{}.tmp", std::process::id()));
    std::fs::write(&temporary, script).map_err(|e| write_error(&temporary, &e))?;
    std::fs::rename(&temporary, &path).map_err(|e| write_error(&path, &e))
}

fn write_table(
    dataset: &Arc<Dataset>,
    index: usize,
    range: std::ops::Range<u64>,
    path: &PathBuf,
    format: TextFormat,
    jobs: usize,
    progress: &TableProgress,
) -> Result<(u64, u64), LoadError> {
    let table = &dataset.tables()[index];
    let file = File::create(path).map_err(|e| write_error(path, &e))?;
    let mut out = BufWriter::with_capacity(256 * 1024, file);
    let mut bytes = 0u64;
    if let Some(header) = format.header(table.columns()) {
        out.write_all(header.as_bytes())
            .map_err(|e| write_error(path, &e))?;
        bytes += header.len() as u64;
    }
    let chunks = table.chunks_of(
        range.clone(),
        stream::chunk_count(range.end - range.start, jobs),
    );
    let mut rows_stream = stream::spawn(
        Arc::clone(dataset),
        index,
        chunks,
        Encoding::Text(format),
        jobs,
    );
    let mut rows = 0u64;
    while let Some(batch) = rows_stream.blocking_next() {
        let batch = batch?;
        out.write_all(&batch.bytes)
            .map_err(|e| write_error(path, &e))?;
        rows += batch.rows;
        bytes += batch.bytes.len() as u64;
        progress.bar().inc(batch.rows);
    }
    out.flush().map_err(|e| write_error(path, &e))?;
    Ok((rows, bytes))
}

fn write_error(path: &Path, error: &std::io::Error) -> LoadError {
    LoadError::Write {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}
