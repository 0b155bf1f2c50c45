//! `seedkit warm`: fill Redis from a profile's rows, without the database.

use std::path::PathBuf;

use super::{GlobalArgs, ProfileArgs, confirm, output};
use crate::cache::{self, CacheOptions, CacheSpec};
use crate::error::{ExitCode, Result};
use crate::generate::{Dataset, Shard};
use crate::ui;

/// Warm the Redis caches from a profile's rows, without touching the database
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit warm --profile small                    warm Redis with the rows `seed --profile small` loaded
  seedkit warm --profile small --only leaderboard_global --reset
  seedkit warm --profile small --resp warm.resp   the commands as a file for `redis-cli --pipe`")]
pub struct WarmArgs {
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

    /// Warm only shard I of N (counted from 0): the keys of that shard's rows
    /// (`top` sets whole from shard 0); N runs give one warm's keys (docs/sharding.md)
    #[arg(
        long,
        value_name = "I/N",
        env = "SEEDKIT_SHARD",
        hide_env_values = true
    )]
    pub shard: Option<Shard>,

    #[command(flatten)]
    pub profile: ProfileArgs,
}

pub async fn run(args: &WarmArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let profile = args.profile.load()?;
    let dataset = Dataset::new(&profile)?;
    let spec = CacheSpec::new(&profile, &dataset)?;
    if spec.sets.is_empty() {
        ui::warn(format!(
            "profile {} declares no cache sets ([redis.sets.NAME]): nothing to warm",
            profile.path.display()
        ));
    }
    if let (true, Some(shard)) = (args.reset, args.shard.filter(|s| !s.is_whole())) {
        return Err(reset_with_shard(shard, &spec.prefix));
    }
    if args.reset {
        cache::check_reset_prefix(&spec)?;
    }
    let redis_url = match &args.resp {
        Some(_) => None,
        None => Some(global.redis_url()?.clone()),
    };
    if let (true, Some(url)) = (args.reset, &redis_url) {
        confirm::destructive(
            "remove the keys under the profile's prefix",
            url,
            global.yes,
        )?;
    }
    let options = CacheOptions {
        redis_url,
        resp_file: args.resp.clone(),
        reset: args.reset,
        only: args.only.clone(),
        connect_timeout: global.redis_connect_timeout(),
        shard: args.shard.unwrap_or(Shard::WHOLE),
    };
    let summary = cache::warm(&dataset, &spec, &options).await?;
    output::result(&summary, global.format, output::print_cache)?;
    Ok(ExitCode::Success)
}

/// `--reset` from one shard would remove the keys other shards already
/// wrote: emptying the prefix is a separate step, once, before the shards.
pub(crate) fn reset_with_shard(shard: Shard, prefix: &str) -> crate::error::Error {
    crate::error::Error::usage_with_hint(
        format!(
            "--reset with --shard {shard} would remove the keys the other shards wrote: \
             empty the keys once, before the shards start"
        ),
        format!(
            "redis-cli -u \"$REDIS_URL\" --scan --pattern '{}*' | xargs -r redis-cli -u \"$REDIS_URL\" unlink \
             (on a Redis Cluster, against each master), then run the shards without --reset",
            prefix.replace('\'', "'\\''")
        ),
    )
}
