//! Warming Redis from the generated rows.

mod error;

pub use error::CacheError;
