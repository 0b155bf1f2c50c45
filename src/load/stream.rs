//! A table's rows generated and encoded on worker threads, delivered in
//! order as bounded batches.
//!
//! The table is split into contiguous chunks; worker `j` of `jobs` generates
//! chunks `j`, `j + jobs`, ... into its own small channel, and the reader
//! drains chunk 0 from worker 0, chunk 1 from worker 1, and so on. So the
//! bytes are the same whatever `jobs` is, and memory is bounded by
//! `jobs x (CHANNEL_DEPTH + 1)` batches of about [`BATCH_BYTES`], however
//! many rows the table has.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::LoadError;
use super::copy::RowEncoder;
use super::text::TextFormat;
use crate::generate::{Chunk, Dataset};

/// Bytes per batch handed to the connection (one or a few CopyData
/// messages). 64 KiB to 1 MiB made no difference to speed on these machines.
pub const BATCH_BYTES: usize = 512 * 1024;

/// Batches a worker may have ready before it waits for the reader.
const CHANNEL_DEPTH: usize = 2;

/// Rows per generation chunk: small enough to spread over workers, large
/// enough that per-chunk setup is noise.
const ROWS_PER_CHUNK: u64 = 128 * 1024;

/// How rows are encoded.
#[derive(Debug, Clone)]
pub enum Encoding {
    /// Binary COPY rows (no header or trailer: the caller adds those).
    Binary(Arc<RowEncoder>),
    /// COPY text or CSV lines (no header line).
    Text(TextFormat),
}

/// Encoded rows, ready to send or write.
#[derive(Debug)]
pub struct Batch {
    pub bytes: Vec<u8>,
    pub rows: u64,
}

enum Message {
    Batch(Batch),
    EndOfChunk,
    Failed(LoadError),
}

/// The reading end: batches in row order.
pub struct TableStream {
    receivers: Vec<mpsc::Receiver<Message>>,
    chunks: usize,
    current: usize,
}

/// How many chunks to split a table of `rows` into for `jobs` workers.
pub fn chunk_count(rows: u64, jobs: usize) -> usize {
    let by_size = rows.div_ceil(ROWS_PER_CHUNK).max(1);
    let wanted = if rows >= 10_000 {
        by_size.max(jobs as u64)
    } else {
        1
    };
    wanted.min(4096) as usize
}

/// Starts `jobs` workers generating `chunks` of table number `table`.
pub fn spawn(
    dataset: Arc<Dataset>,
    table: usize,
    chunks: Vec<Chunk>,
    encoding: Encoding,
    jobs: usize,
) -> TableStream {
    let jobs = jobs.clamp(1, chunks.len().max(1));
    let chunks = Arc::new(chunks);
    let mut receivers = Vec::with_capacity(jobs);
    for worker in 0..jobs {
        let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
        receivers.push(rx);
        let dataset = Arc::clone(&dataset);
        let chunks = Arc::clone(&chunks);
        let encoding = encoding.clone();
        std::thread::Builder::new()
            .name(format!("seedkit-gen-{worker}"))
            .spawn(move || {
                let mine = (worker..chunks.len()).step_by(jobs);
                for index in mine {
                    let ok = generate_chunk(&dataset, table, &chunks[index], &encoding, &tx);
                    if !ok || tx.blocking_send(Message::EndOfChunk).is_err() {
                        return;
                    }
                }
            })
            .expect("cannot start a generator thread");
    }
    TableStream {
        chunks: chunks.len(),
        receivers,
        current: 0,
    }
}

/// Generates one chunk into `tx`; false when the reader is gone or it failed.
fn generate_chunk(
    dataset: &Dataset,
    table: usize,
    chunk: &Chunk,
    encoding: &Encoding,
    tx: &mpsc::Sender<Message>,
) -> bool {
    let table_gen = &dataset.tables()[table];
    let mut cursor = table_gen.rows(chunk);
    let mut row = chunk.first_row;
    let mut bytes = Vec::with_capacity(BATCH_BYTES + BATCH_BYTES / 4);
    let mut text = String::new();
    let mut rows = 0u64;
    while let Some(values) = cursor.next_row() {
        match encoding {
            Encoding::Binary(encoder) => {
                if let Err(e) = encoder.encode_row(values, &mut bytes) {
                    let column = table_gen
                        .columns()
                        .get(e.column)
                        .cloned()
                        .unwrap_or_default();
                    let error = LoadError::Encode {
                        table: table_gen.name().to_string(),
                        column,
                        row,
                        message: e.message,
                    };
                    let _ = tx.blocking_send(Message::Failed(error));
                    return false;
                }
            }
            Encoding::Text(format) => {
                text.clear();
                format.write_row(values, &mut text);
                bytes.extend_from_slice(text.as_bytes());
            }
        }
        rows += 1;
        row += 1;
        if bytes.len() >= BATCH_BYTES {
            let full = std::mem::replace(
                &mut bytes,
                Vec::with_capacity(BATCH_BYTES + BATCH_BYTES / 4),
            );
            if tx
                .blocking_send(Message::Batch(Batch { bytes: full, rows }))
                .is_err()
            {
                return false;
            }
            rows = 0;
        }
    }
    if rows > 0
        && tx
            .blocking_send(Message::Batch(Batch { bytes, rows }))
            .is_err()
    {
        return false;
    }
    true
}

impl TableStream {
    /// The next batch in row order; `None` when the table is done.
    pub async fn next(&mut self) -> Option<Result<Batch, LoadError>> {
        while self.current < self.chunks {
            let worker = self.current % self.receivers.len();
            match self.receivers[worker].recv().await {
                Some(message) => {
                    if let Some(item) = self.take(message) {
                        return Some(item);
                    }
                }
                None => return Some(Err(self.vanished())),
            }
        }
        None
    }

    /// [`TableStream::next`] for a reader outside the async runtime.
    pub fn blocking_next(&mut self) -> Option<Result<Batch, LoadError>> {
        while self.current < self.chunks {
            let worker = self.current % self.receivers.len();
            match self.receivers[worker].blocking_recv() {
                Some(message) => {
                    if let Some(item) = self.take(message) {
                        return Some(item);
                    }
                }
                None => return Some(Err(self.vanished())),
            }
        }
        None
    }

    fn take(&mut self, message: Message) -> Option<Result<Batch, LoadError>> {
        match message {
            Message::Batch(batch) => Some(Ok(batch)),
            Message::EndOfChunk => {
                self.current += 1;
                None
            }
            Message::Failed(error) => {
                self.current = self.chunks;
                Some(Err(error))
            }
        }
    }

    fn vanished(&mut self) -> LoadError {
        self.current = self.chunks;
        LoadError::Other("a generator thread stopped unexpectedly (it panicked)".into())
    }
}
