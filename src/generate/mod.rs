//! Deterministic value generators: every value is a pure function of
//! (seed, table, row index, column).

pub mod value;

pub use value::Value;
