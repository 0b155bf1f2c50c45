//! Versioned SQL migrations: reading the folder, the history table, drift
//! checks, planning and running under the lock.

mod error;

pub use error::MigrateError;
