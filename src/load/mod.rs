//! Loading generated rows into the database with binary COPY.

mod error;

pub use error::LoadError;
