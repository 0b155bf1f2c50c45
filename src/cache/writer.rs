//! The pipelined sender: commands are batched into pipelines, and a few
//! pipelines are in flight on one connection at a time.
//!
//! This is seedkit's batching on top of the `redis` crate's multiplexed
//! connection, shaped like `redis-cli --pipe`: while Redis works through one
//! pipeline the next ones are already on the wire, so the server never waits
//! for seedkit. At most `window` commands are in flight, which keeps memory
//! flat and lets a slow (or dying) server throttle the warm instead of
//! queueing an unbounded backlog. The first error reply (OOM, WRONGTYPE,
//! ...) or a lost connection stops the stream.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, RedisResult, Value};

use super::CacheError;
use super::conn::{Target, describe};
use super::resp::Command;

/// Pipelines in flight per connection: one being answered, the next ones
/// already sent. Four kept Redis busy in the measurements
/// (docs/BENCHMARKS.md); more only adds memory.
const DEPTH: usize = 4;
/// A pipeline is sent once it holds this many bytes of arguments, whatever
/// its command count: a pipeline of big `ZADD`s is answered in bounded time.
const PIPELINE_BYTES: usize = 1 << 20;

type Reply = Pin<Box<dyn Future<Output = (redis::Pipeline, RedisResult<Vec<Value>>)> + Send>>;

/// One connection streaming commands.
pub struct Pipeline {
    con: MultiplexedConnection,
    target: Target,
    /// The pipeline being filled.
    batch: redis::Pipeline,
    batch_bytes: usize,
    /// Commands per pipeline.
    batch_len: usize,
    in_flight: VecDeque<Reply>,
    sent: u64,
    acknowledged: u64,
    /// On a cluster master: where commands answered with `MOVED`/`ASK` go.
    redirect: Option<ClusterConnection>,
}

impl Pipeline {
    /// A sender on `con` with at most `window` commands in flight.
    pub fn new(con: MultiplexedConnection, target: Target, window: usize) -> Pipeline {
        let batch_len = (window / DEPTH).max(1);
        Pipeline {
            con,
            target,
            batch: redis::Pipeline::with_capacity(batch_len),
            batch_bytes: 0,
            batch_len,
            in_flight: VecDeque::with_capacity(DEPTH + 1),
            sent: 0,
            acknowledged: 0,
            redirect: None,
        }
    }

    /// A sender to one master of a cluster; commands it answers with a
    /// redirection are sent again through `cluster`.
    pub fn cluster_master(
        con: MultiplexedConnection,
        target: Target,
        window: usize,
        cluster: ClusterConnection,
    ) -> Pipeline {
        let mut pipeline = Pipeline::new(con, target, window);
        pipeline.redirect = Some(cluster);
        pipeline
    }

    /// Queues one command; sends a pipeline when the batch is full, waits
    /// when the window is.
    pub async fn send(&mut self, cmd: &Command) -> Result<(), CacheError> {
        let mut out = Cmd::with_capacity(cmd.len(), cmd.data_len());
        for i in 0..cmd.len() {
            out.arg(cmd.get(i));
        }
        self.batch.add_command(out);
        self.batch_bytes += cmd.data_len();
        self.sent += 1;
        if self.batch.len() >= self.batch_len || self.batch_bytes >= PIPELINE_BYTES {
            self.submit().await?;
        }
        Ok(())
    }

    /// Commands queued so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Sends what is queued and waits for every reply; returns the number of
    /// commands.
    pub async fn finish(mut self) -> Result<u64, CacheError> {
        self.submit().await?;
        while let Some(reply) = self.in_flight.pop_front() {
            self.check(reply.await).await?;
        }
        Ok(self.sent)
    }

    /// Puts the batch on the wire, then waits for the oldest pipeline if
    /// more than `DEPTH` are in flight.
    async fn submit(&mut self) -> Result<(), CacheError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(
            &mut self.batch,
            redis::Pipeline::with_capacity(self.batch_len),
        );
        self.batch_bytes = 0;
        let mut con = self.con.clone();
        let mut reply: Reply = Box::pin(async move {
            let result = con.req_packed_commands(&batch, 0, batch.len()).await;
            (batch, result)
        });
        // Poll once now: that queues the pipeline on the connection, so
        // pipelines reach Redis in the order they were made (an `EXPIRE`
        // must not overtake the `HSET` that creates its key), whichever
        // reply is awaited first.
        if let Poll::Ready(done) =
            std::future::poll_fn(|cx| Poll::Ready(reply.as_mut().poll(cx))).await
        {
            reply = Box::pin(std::future::ready(done));
        }
        self.in_flight.push_back(reply);
        while self.in_flight.len() > DEPTH {
            if let Some(oldest) = self.in_flight.pop_front() {
                self.check(oldest.await).await?;
            }
        }
        Ok(())
    }

    /// Counts a pipeline's replies; the first error reply (after following
    /// cluster redirections) or a lost connection is the warm's error.
    async fn check(
        &mut self,
        (batch, result): (redis::Pipeline, RedisResult<Vec<Value>>),
    ) -> Result<(), CacheError> {
        let replies = result.map_err(|e| self.target.lost(&e, self.acknowledged))?;
        for (i, reply) in replies.into_iter().enumerate() {
            let Value::ServerError(error) = reply else {
                continue;
            };
            let redirected = matches!(
                error.kind(),
                Some(redis::ServerErrorKind::Moved | redis::ServerErrorKind::Ask)
            );
            let retried = match (&mut self.redirect, batch.cmd_iter().nth(i)) {
                (Some(cluster), Some(cmd)) if redirected => {
                    cluster.req_packed_command(cmd).await.map(|_| ())
                }
                _ => Err(error.into()),
            };
            if let Err(e) = retried {
                return Err(CacheError::Rejected {
                    url: self.target.describe(),
                    command: format!("pipelined command #{}", self.acknowledged + i as u64 + 1),
                    reason: describe(&e),
                });
            }
        }
        self.acknowledged += batch.len() as u64;
        Ok(())
    }
}
