//! seedkit takes a PostgreSQL or CockroachDB database, and the Redis caches in
//! front of it, from empty to a realistic, fully loaded state.
//!
//! The library is the product; the binary is a thin shell over [`cli`].
//! - [`migrate`]: migration files, history, drift checks, the runner.
//! - [`db`]: connections, URL redaction, dialects (PostgreSQL, CockroachDB)
//!   and the migration lock behind the [`db::Migrate`] seam.
//! - [`profile`]: the declarative profile format and its validation.
//! - [`generate`]: deterministic value generators; every value is a pure function
//!   of (seed, table, row, column).
//! - [`introspect`]: a live schema read from the catalog (types, keys,
//!   foreign-key order, CHECK shapes), for `profile init` and the pre-COPY checks.
//! - [`load`]: binary COPY encoding and the table loader.
//! - [`cache`]: warming Redis from the same rows.
//! - [`lint`]: statements dangerous on a live database, via squawk's linter.
//! - [`verify`]: down scripts proven by round trips in a scratch database.
//! - [`fixture`]: template databases keyed by content, a clone per test.
//! - [`preview`]: a profile's data seen before loading: samples,
//!   distributions, fan-outs, cache sets, an HTML report.
//! - [`cli`]: one file per subcommand.

pub mod cache;
pub mod cli;
pub mod db;
pub mod error;
pub mod fixture;
pub mod generate;
pub mod introspect;
pub mod lint;
pub mod load;
pub mod migrate;
pub mod preview;
pub mod profile;
pub mod ui;
pub mod verify;

pub use error::{Error, ExitCode, Result};
