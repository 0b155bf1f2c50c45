//! `seedkit warm`: fill Redis from a profile's rows, without the database.

use std::path::PathBuf;

use super::GlobalArgs;
use crate::cache::{self, CacheOptions, CacheSpec};
use crate::error::{ExitCode, Result};
use crate::generate::Dataset;
use crate::profile::Profile;
use crate::ui::{self, Format};

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
    /// (replay with `redis-cli --pipe < FILE`); needs no Redis
    #[arg(long, value_name = "FILE", conflicts_with = "reset")]
    pub resp: Option<PathBuf>,

    /// Warm only this cache set (a name under [redis.sets]; repeatable)
    #[arg(long, value_name = "SET")]
    pub only: Vec<String>,
}

pub async fn run(args: &WarmArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let profile = Profile::load(
        &args.profile,
        &args.profiles_dir,
        &args.overrides,
        args.seed,
    )?;
    let dataset = Dataset::new(&profile)?;
    let spec = CacheSpec::new(&profile, &dataset)?;
    if spec.sets.is_empty() {
        ui::warn(format!(
            "profile {} declares no cache sets ([redis.sets.NAME]): nothing to warm",
            profile.path.display()
        ));
    }
    let redis_url = match &args.resp {
        Some(_) => None,
        None => Some(global.redis_url()?.clone()),
    };
    let options = CacheOptions {
        redis_url,
        resp_file: args.resp.clone(),
        reset: args.reset,
        only: args.only.clone(),
    };
    let summary = cache::warm(&dataset, &spec, &options).await?;
    match global.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("a summary serializes")
        ),
        Format::Human => println!("{summary}"),
    }
    Ok(ExitCode::Success)
}
