//! The pipelined sender: commands stream out while a reader task counts
//! the replies, with a bounded window of commands in flight.
//!
//! The window keeps memory flat and stops a slow (or dying) server from
//! accumulating an unbounded backlog; within it, writes never wait for
//! replies, which is what `redis-cli --pipe` does too. The first error reply
//! (OOM, WRONGTYPE, ...) or a lost connection stops the stream.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use super::CacheError;
use super::conn::{BoxStream, Conn, Target, describe_io};
use super::resp::{self, Command};

/// Bytes buffered before a write to the socket.
const FLUSH_BYTES: usize = 64 * 1024;
/// A server that neither reads nor answers for this long is given up on
/// (a paused or wedged Redis must not hang the warm forever).
const STALL: Duration = Duration::from_secs(60);
/// How often the reader checks for a stall.
const STALL_CHECK: Duration = Duration::from_secs(5);

/// One connection streaming commands.
pub struct Pipeline {
    writer: WriteHalf<BoxStream>,
    out: Vec<u8>,
    window: Arc<Semaphore>,
    credits: u32,
    credit_batch: u32,
    sent: u64,
    acknowledged: Arc<AtomicU64>,
    /// Commands written to the socket (the reader's stall check).
    written: Arc<AtomicU64>,
    expected: watch::Sender<u64>,
    reader: Option<JoinHandle<Result<u64, CacheError>>>,
    target: Target,
}

impl Pipeline {
    /// Turns a logged-in connection into a pipeline with at most `window`
    /// commands in flight.
    pub fn new(conn: Conn, window: usize) -> Pipeline {
        let window = window.clamp(1, Semaphore::MAX_PERMITS);
        let (stream, leftover, target) = conn.into_parts();
        let (read, writer) = tokio::io::split(stream);
        let semaphore = Arc::new(Semaphore::new(window));
        let acknowledged = Arc::new(AtomicU64::new(0));
        let written = Arc::new(AtomicU64::new(0));
        let (expected, expected_rx) = watch::channel(u64::MAX);
        let reader = tokio::spawn(read_replies(
            read,
            leftover,
            semaphore.clone(),
            acknowledged.clone(),
            written.clone(),
            expected_rx,
            target.clone(),
        ));
        Pipeline {
            writer,
            out: Vec::with_capacity(FLUSH_BYTES * 2),
            window: semaphore,
            credits: 0,
            credit_batch: (window / 8).clamp(1, 4096) as u32,
            sent: 0,
            acknowledged,
            written,
            expected,
            reader: Some(reader),
            target,
        }
    }

    /// Queues one command; writes when the buffer is full, waits when the
    /// window is.
    pub async fn send(&mut self, cmd: &Command) -> Result<(), CacheError> {
        if self.credits == 0 {
            self.flush().await?;
            let acquired = self
                .window
                .acquire_many(self.credit_batch)
                .await
                .map(|permits| permits.forget());
            if acquired.is_err() {
                // The reader closed the window: it saw an error reply or lost
                // the connection; its error says which.
                return Err(self.reader_error().await);
            }
            self.credits = self.credit_batch;
        }
        self.credits -= 1;
        cmd.encode(&mut self.out);
        self.sent += 1;
        if self.out.len() >= FLUSH_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    /// Commands queued so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    async fn flush(&mut self) -> Result<(), CacheError> {
        if self.out.is_empty() {
            return Ok(());
        }
        let write = tokio::time::timeout(STALL, self.writer.write_all(&self.out)).await;
        let write = write.unwrap_or_else(|_| {
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the server read nothing for {}s", STALL.as_secs()),
            ))
        });
        if let Err(e) = write {
            // Prefer the reader's account (an error reply explains more than
            // a broken pipe does).
            let reader_error = self.reader_error().await;
            return Err(match reader_error {
                CacheError::ConnectionLost { .. } => CacheError::ConnectionLost {
                    url: self.target.describe(),
                    acknowledged: self.acknowledged.load(Ordering::Relaxed),
                    reason: describe_io(&e),
                },
                other => other,
            });
        }
        self.out.clear();
        self.written.store(self.sent, Ordering::Relaxed);
        Ok(())
    }

    /// Sends what is buffered and waits for every reply.
    pub async fn finish(mut self) -> Result<u64, CacheError> {
        self.flush().await?;
        self.expected.send_replace(self.sent);
        match self.reader.take() {
            Some(reader) => join(reader, &self.target).await,
            None => Ok(self.sent),
        }
    }

    async fn reader_error(&mut self) -> CacheError {
        // Unblock a reader waiting for more replies, then collect its verdict.
        self.expected.send_replace(self.sent);
        let lost = || CacheError::ConnectionLost {
            url: self.target.describe(),
            acknowledged: self.acknowledged.load(Ordering::Relaxed),
            reason: "the server closed the connection".to_string(),
        };
        match self.reader.take() {
            Some(reader) => match join(reader, &self.target).await {
                Err(e) => e,
                Ok(_) => lost(),
            },
            None => lost(),
        }
    }
}

async fn join(
    reader: JoinHandle<Result<u64, CacheError>>,
    target: &Target,
) -> Result<u64, CacheError> {
    reader.await.unwrap_or_else(|e| {
        Err(CacheError::ConnectionLost {
            url: target.describe(),
            acknowledged: 0,
            reason: format!("reply reader failed: {e}"),
        })
    })
}

/// Counts replies until `expected` of them arrived; returns the count, or
/// the first error reply / connection failure (closing the window so the
/// sender stops).
async fn read_replies(
    mut read: ReadHalf<BoxStream>,
    mut buf: Vec<u8>,
    window: Arc<Semaphore>,
    acknowledged: Arc<AtomicU64>,
    written: Arc<AtomicU64>,
    mut expected: watch::Receiver<u64>,
    target: Target,
) -> Result<u64, CacheError> {
    let mut count: u64 = 0;
    let mut last_progress = Instant::now();
    let mut start = 0;
    buf.reserve(FLUSH_BYTES);
    let result = loop {
        // Count every complete reply in the buffer.
        let mut counted = 0u32;
        let mut error = None;
        let mut error_at = 0u32;
        loop {
            match resp::reply_end(&buf[start..]) {
                Ok(Some((len, is_error))) => {
                    if is_error && error.is_none() {
                        error_at = counted;
                        let line = &buf[start + 1..start + len - 2];
                        error = Some(String::from_utf8_lossy(line).into_owned());
                    }
                    start += len;
                    counted += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    error.get_or_insert(e.to_string());
                    break;
                }
            }
        }
        count += u64::from(counted);
        acknowledged.store(count, Ordering::Relaxed);
        if let Some(reason) = error {
            break Err(CacheError::Rejected {
                url: target.describe(),
                command: format!(
                    "pipelined command #{}",
                    count - u64::from(counted) + u64::from(error_at) + 1
                ),
                reason,
            });
        }
        window.add_permits(counted as usize);
        if start > 0 {
            buf.drain(..start);
            start = 0;
        }
        if count >= *expected.borrow() {
            break Ok(count);
        }
        if buf.capacity() - buf.len() < 4096 {
            buf.reserve(FLUSH_BYTES);
        }
        tokio::select! {
            read_result = tokio::time::timeout(STALL_CHECK, read.read_buf(&mut buf)) => match read_result {
                Ok(Ok(0)) => break Err(lost(&target, count, "the server closed the connection".into())),
                Ok(Ok(_)) => last_progress = Instant::now(),
                Ok(Err(e)) => break Err(lost(&target, count, describe_io(&e))),
                Err(_) => {
                    // Nothing to read: fine while nothing is outstanding.
                    if written.load(Ordering::Relaxed) <= count {
                        last_progress = Instant::now();
                    } else if last_progress.elapsed() >= STALL {
                        let reason = format!("no reply for {}s", STALL.as_secs());
                        break Err(lost(&target, count, reason));
                    }
                }
            },
            changed = expected.changed() => {
                if changed.is_err() {
                    break Err(lost(&target, count, "the sender stopped".into()));
                }
            }
        }
    };
    if result.is_err() {
        window.close();
    }
    result
}

fn lost(target: &Target, acknowledged: u64, reason: String) -> CacheError {
    CacheError::ConnectionLost {
        url: target.describe(),
        acknowledged,
        reason,
    }
}
