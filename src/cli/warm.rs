//! `seedkit warm`: fill Redis from a profile's rows, without the database.

use std::path::PathBuf;

use super::GlobalArgs;
use crate::error::{Error, ExitCode, Result};

/// Warm the Redis caches from a profile's rows, without touching the database
#[derive(Debug, clap::Args)]
pub struct WarmArgs {
    /// Profile name (looked up as profiles/NAME.toml) or path to a .toml file
    #[arg(long, short, env = "SEEDKIT_PROFILE", default_value = "default")]
    pub profile: String,

    /// Folder searched for profile names
    #[arg(
        long,
        env = "SEEDKIT_PROFILES",
        default_value = "profiles",
        value_name = "DIR"
    )]
    pub profiles_dir: PathBuf,

    /// Override a profile setting, e.g. --set players.rows=500 (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,

    /// Seed for every random choice; must match the seed the database was seeded with
    #[arg(long, env = "SEEDKIT_SEED")]
    pub seed: Option<u64>,

    /// Remove the keys under the profile's prefixes first (SCAN + UNLINK, never FLUSHDB)
    #[arg(long)]
    pub reset: bool,

    /// Write the exact commands as a RESP file instead of sending them
    #[arg(long, value_name = "FILE")]
    pub resp: Option<PathBuf>,
}

pub async fn run(_args: &WarmArgs, _global: &GlobalArgs) -> Result<ExitCode> {
    Err(Error::usage("`seedkit warm` is not implemented yet"))
}
