//! Versioned SQL migrations: reading the folder, the history table, drift
//! checks, planning and running under the lock.
//!
//! - [`source`]: the folder, read in its [`layout`] (sqlx / golang-migrate,
//!   diesel, Flyway, goose, dbmate, or a file-name pattern).
//! - [`split`]: statements of a script (dollar quotes, comments, strings).
//! - [`checksum`]: what detects an edited file.
//! - [`history`]: the history table's rows.
//! - [`plan`]: folder vs history: states, problems, what to apply or undo.
//! - [`repeatable`]: Flyway's `R__` migrations, re-applied when changed.
//! - [`lock`]: one run at a time, with the lock key formula: the advisory
//!   lock, or a lease row for servers without advisory locks.
//! - [`runner`]: migrate, rollback, status, repair over [`crate::db::Migrate`].
//! - [`scaffold`]: `seedkit new`.
//! - [`baseline`]: taking over a database another tool (or a person) migrated.

pub mod baseline;
pub mod checksum;
pub mod error;
pub mod history;
pub mod layout;
pub mod lock;
pub mod plan;
pub mod repeatable;
pub mod runner;
pub mod scaffold;
pub mod source;
pub mod split;

pub use error::MigrateError;
pub use history::HistoryTable;
pub use plan::RollbackTarget;
pub use runner::{
    MigrateOptions, RepairAction, RepairReport, RunReport, Settings, StatusReport, migrate, repair,
    rollback, status,
};
