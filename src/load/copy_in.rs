//! Streaming a table's rows through one binary `COPY ... FROM STDIN`, the
//! one way both strategies send rows.

use std::sync::Arc;

use indicatif::ProgressBar;
use sqlx::PgConnection;

use super::LoadError;
use super::catalog::TableInfo;
use super::copy::RowEncoder;
use super::stream::{self, Encoding, TableStream};
use super::target::Target;
use crate::db::quote_ident;

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
