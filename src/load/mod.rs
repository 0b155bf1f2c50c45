//! Loading generated rows into the database with binary COPY, or writing
//! them as files.
//!
//! - [`loader`]: the entry point [`seed`]: connect, validate, run the
//!   strategy the connection's dialect calls for.
//! - [`atomic`]: transactional DDL (PostgreSQL), the whole seed in one
//!   transaction with keys, indexes and foreign keys dropped and re-created
//!   exactly.
//! - [`chunked`]: no transactional DDL (CockroachDB), retried chunk
//!   transactions.
//! - [`shard`]: what a `--shard i/n` load adds to the chunked one (its own
//!   part only, parents of other shards first, sequences by the last).
//! - below both: [`target`] (what they load, what has committed, errors),
//!   [`copy_in`] (rows through one COPY), [`steps`] (refusing full tables,
//!   sequences, ANALYZE), [`progress`] (a table's bar or line).
//! - [`validate`]: the profile against the live catalog (exit 8).
//! - [`catalog`]: columns, indexes, constraints and sequences.
//! - [`copy`]: the binary COPY encoder; [`text`]: COPY text and CSV.
//! - [`stream`]: rows generated on worker threads, in order, bounded memory.
//! - [`nodelay`]: `TCP_NODELAY` on the connections (sqlx 0.9.0 lacks it).
//! - [`out`]: `--out DIR`; [`plan`]: `--dry-run`; [`summary`]: the report.

pub mod atomic;
pub mod catalog;
pub mod chunked;
pub mod copy;
pub mod copy_in;
mod error;
pub mod loader;
pub mod nodelay;
pub mod out;
pub mod plan;
pub mod progress;
pub mod shard;
pub mod steps;
pub mod stream;
pub mod summary;
pub mod target;
pub mod text;
pub mod validate;

pub use error::LoadError;
pub use loader::{LoadOptions, ShardLoad, Strategy, seed, seed_shard, seed_tracked};
pub use plan::Plan;
pub use summary::{CachePhase, Summary};
pub use target::{CommitState, Committed};
