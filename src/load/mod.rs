//! Loading generated rows into the database with binary COPY, or writing
//! them as files.
//!
//! - [`loader`]: the entry point [`seed`]: connect, validate, pick a strategy.
//! - [`atomic`]: PostgreSQL, the whole seed in one transaction with keys,
//!   indexes and foreign keys dropped and re-created exactly.
//! - [`chunked`]: CockroachDB, retried chunk transactions.
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
mod error;
pub mod loader;
pub mod nodelay;
pub mod out;
pub mod plan;
pub mod stream;
pub mod summary;
pub mod text;
pub mod validate;

pub use error::LoadError;
pub use loader::{LoadOptions, Strategy, seed};
pub use plan::Plan;
pub use summary::{CachePhase, Summary};
