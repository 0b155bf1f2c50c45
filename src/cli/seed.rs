//! `seedkit seed`: generate a profile's rows, load them, warm the caches.

use std::path::PathBuf;

use super::GlobalArgs;
use crate::error::{Error, ExitCode, Result};

/// Fill the database (and then Redis) with a profile's deterministic data
#[derive(Debug, clap::Args)]
pub struct SeedArgs {
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

    /// Seed for every random choice; the same seed gives the same bytes
    #[arg(long, env = "SEEDKIT_SEED")]
    pub seed: Option<u64>,

    /// Parallel COPY connections
    #[arg(long, short, env = "SEEDKIT_JOBS", default_value_t = 2)]
    pub jobs: usize,

    /// Empty exactly the profile's tables (and cache keys) first
    #[arg(long)]
    pub reset: bool,

    /// Print the plan (tables, order, rows, bytes), touch nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Write the data as files into DIR instead of loading a database
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// File format for --out
    #[arg(long, value_enum, default_value = "text")]
    pub out_format: OutFormat,

    /// Skip warming Redis
    #[arg(long)]
    pub no_cache: bool,
}

/// Formats `--out` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    /// PostgreSQL COPY text format (`\copy t FROM 'f'`)
    Text,
    /// CSV with a header (`\copy t FROM 'f' CSV HEADER`)
    Csv,
}

pub async fn run(_args: &SeedArgs, _global: &GlobalArgs) -> Result<ExitCode> {
    Err(Error::usage("`seedkit seed` is not implemented yet"))
}
