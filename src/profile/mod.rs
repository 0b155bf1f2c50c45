//! Profiles: the declarative TOML files that say what to generate.

mod error;

pub use error::{Location, ProfileError};
