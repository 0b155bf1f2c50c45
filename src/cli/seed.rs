//! `seedkit seed`: generate a profile's rows, load them, warm the caches.

use std::path::PathBuf;
use std::sync::Arc;

use super::{GlobalArgs, ProfileArgs, confirm, output};
use crate::cache::{self, CacheOptions, CacheSpec};
use crate::error::{Error, ExitCode, Result};
use crate::generate::{Dataset, Shard};
use crate::load::text::TextFormat;
use crate::load::{self, CachePhase, CommitState, LoadOptions, Plan, ShardLoad, Strategy};
use crate::ui;

/// Beyond this estimated size (1 TiB) a plan is surely a typo in a count.
const REALISTIC_BYTES: u64 = 1 << 40;

/// Fill the database (and then Redis) with a profile's deterministic data
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit seed --profile small --reset          empty the profile's tables, load them, warm Redis
  seedkit seed --profile ci --set players.rows=5000 --seed 7 --no-cache
  seedkit seed --profile large --dry-run        the plan (tables, rows, bytes), no database needed")]
pub struct SeedArgs {
    /// Generator threads (and COPY connections on CockroachDB); never changes the data
    #[arg(
        long,
        short,
        hide_env_values = true,
        env = "SEEDKIT_JOBS",
        default_value_t = 2
    )]
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

    /// Generate and load (or write) only shard I of N (counted from 0) of
    /// every table: N runs with 0/N .. N-1/N, at once or one after the
    /// other, give a single run's rows together (docs/sharding.md)
    #[arg(
        long,
        value_name = "I/N",
        env = "SEEDKIT_SHARD",
        hide_env_values = true
    )]
    pub shard: Option<Shard>,

    /// With --shard: how long to wait for the other shards to load the
    /// tables this shard's rows reference
    #[arg(
        long,
        value_name = "DURATION",
        env = "SEEDKIT_SHARD_WAIT",
        hide_env_values = true,
        default_value = "10m",
        value_parser = humantime::parse_duration
    )]
    pub shard_wait: std::time::Duration,

    /// Skip warming Redis
    #[arg(long)]
    pub no_cache: bool,

    /// After the load, write an HTML report: rows, bytes and seconds per
    /// table, time per phase, a chart per column (as `preview --html`)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["dry_run", "out"])]
    pub report: Option<PathBuf>,

    /// How rows reach the database (auto: one transaction on PostgreSQL,
    /// retried chunks on CockroachDB). For tests and benchmarks.
    #[arg(
        long,
        env = "SEEDKIT_LOAD_STRATEGY",
        value_enum,
        default_value = "auto",
        hide = true
    )]
    pub load_strategy: Strategy,

    /// Rows per COPY transaction with the chunked strategy
    #[arg(
        long,
        env = "SEEDKIT_CHUNK_ROWS",
        default_value_t = 50_000,
        hide = true
    )]
    pub chunk_rows: u64,

    #[command(flatten)]
    pub profile: ProfileArgs,
}

/// Formats `--out` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    /// PostgreSQL COPY text format (`\copy t FROM 'f'`)
    Text,
    /// CSV with a header (`\copy t FROM 'f' CSV HEADER`)
    Csv,
}

pub async fn run(args: &SeedArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let profile = args.profile.load()?;
    let dataset = Arc::new(Dataset::new(&profile)?);
    let jobs = args.jobs.max(1);
    let shard = args.shard.unwrap_or(Shard::WHOLE);
    let profile_name = profile.path.display().to_string();

    if args.dry_run {
        return print_plan(&profile, &dataset, global);
    }
    profile.require_loadable_table()?;
    if let Some(dir) = &args.out {
        return write_files(args, dir, dataset, shard, profile_name, global).await;
    }

    if let (true, false) = (args.reset, shard.is_whole()) {
        return Err(reset_with_shard(shard, &dataset));
    }
    let server = global.database()?;
    let cache_spec = check_before_load(args, global, &profile, &dataset, &server)?;
    let options = LoadOptions {
        jobs,
        reset: args.reset,
        strategy: args.load_strategy,
        chunk_rows: args.chunk_rows,
        lock_timeout: global.lock_timeout,
        profile: profile_name,
    };
    // Ctrl-C during the load is reported here, not by `main`: what stays
    // depends on what the load had committed (a Ctrl-C during ANALYZE comes
    // after the COMMIT). Dropping the load closes its connections, so the
    // server rolls back whatever had not committed.
    let committed = CommitState::default();
    let part = ShardLoad {
        shard,
        wait: args.shard_wait,
    };
    super::command_reports_interrupt();
    let mut summary = tokio::select! {
        loaded = load::seed_shard(Arc::clone(&dataset), &server, &options, part, &committed) => loaded?,
        () = super::interrupt_requested() => {
            return Err(Error::Interrupted { outcome: committed.get().outcome() });
        }
    };

    // ---- Cache warming call site (H5, crate::cache) ----
    // The database load above is committed. Warm Redis from the same
    // `dataset` here unless `args.no_cache`, then record it with
    // `summary.set_cache(seconds, CachePhase { ok, detail, error })`; a cache
    // failure keeps the load and exits 10 after printing the summary.
    let mut cache_error = None;
    if let Some(spec) = &cache_spec {
        let started = std::time::Instant::now();
        let (phase, error) = warm_after_load(args, global, &dataset, spec, shard).await?;
        cache_error = error;
        summary.set_cache(started.elapsed().as_secs_f64(), phase);
    }

    output::result(&summary, global.format, output::print_summary)?;
    if let Some(path) = &args.report {
        super::preview::write_report(path, &profile, &dataset, cache_spec.as_ref(), &summary)
            .await?;
    }
    match cache_error {
        // The load stays committed: exit 10 whatever the cache error.
        Some(e) => Err(e.after_load().into()),
        None => Ok(ExitCode::Success),
    }
}

/// Everything refused before the database is touched: the `[redis]` part
/// (and the Redis URL), and with `--reset` the confirmations. Returns the
/// cache step's spec, `None` when there is nothing to warm.
fn check_before_load(
    args: &SeedArgs,
    global: &GlobalArgs,
    profile: &crate::profile::Profile,
    dataset: &Dataset,
    server: &crate::db::Connector,
) -> Result<Option<CacheSpec>> {
    let cache_spec = match args.no_cache {
        true => None,
        false => Some(CacheSpec::new(profile, dataset)?).filter(|spec| !spec.sets.is_empty()),
    };
    if let Some(spec) = &cache_spec {
        cache::check_url(global.redis_url()?)?;
        if args.reset {
            cache::check_reset_prefix(spec)?;
        }
    }
    if args.reset {
        confirm::destructive("empty the profile's tables", &server.url, global.yes)?;
        if cache_spec.is_some() {
            confirm::destructive(
                "remove the keys under the profile's prefix",
                global.redis_url()?,
                global.yes,
            )?;
        }
    }
    Ok(cache_spec)
}

/// `--dry-run`: the plan, and a warning when it is surely a typo in a count.
fn print_plan(
    profile: &crate::profile::Profile,
    dataset: &Dataset,
    global: &GlobalArgs,
) -> Result<ExitCode> {
    let plan = Plan::new(profile, dataset);
    if plan.estimated_bytes > REALISTIC_BYTES {
        ui::warn(format!(
            "this plan would write about {} GiB, far beyond any realistic test database: \
             check the `rows` and `per_parent` counts",
            plan.estimated_bytes >> 30
        ));
    }
    output::result(&plan, global.format, output::print_plan)?;
    Ok(ExitCode::Success)
}

/// `--out DIR`: the rows as files, no database.
async fn write_files(
    args: &SeedArgs,
    dir: &std::path::Path,
    dataset: Arc<Dataset>,
    shard: Shard,
    profile_name: String,
    global: &GlobalArgs,
) -> Result<ExitCode> {
    let format = match args.out_format {
        OutFormat::Text => TextFormat::Text,
        OutFormat::Csv => TextFormat::Csv,
    };
    let dir = dir.to_path_buf();
    let jobs = args.jobs.max(1);
    let summary = tokio::task::spawn_blocking(move || {
        load::out::write(dataset, &dir, format, jobs, shard, &profile_name)
    })
    .await
    .map_err(|e| anyhow::anyhow!("the file writer stopped: {e}"))??;
    output::result(&summary, global.format, output::print_summary)?;
    Ok(ExitCode::Success)
}

/// The cache step after the load committed: its phase for the summary and,
/// when it failed, the error the run ends with (exit 10: the load stays).
/// Ctrl-C now must not read as "rolled back" (exit 130): it stops warming
/// and is reported like any cache failure.
async fn warm_after_load(
    args: &SeedArgs,
    global: &GlobalArgs,
    dataset: &Dataset,
    spec: &CacheSpec,
    shard: Shard,
) -> Result<(CachePhase, Option<cache::CacheError>)> {
    let options = CacheOptions {
        redis_url: global.redis_url.clone(),
        reset: args.reset,
        connect_timeout: global.redis_connect_timeout(),
        shard,
        ..CacheOptions::default()
    };
    let warmed = tokio::select! {
        warmed = cache::warm(dataset, spec, &options) => warmed,
        () = super::interrupt_requested() => Err(cache::CacheError::Interrupted {
            url: global.redis_url()?.redacted(),
        }),
    };
    Ok(match warmed {
        Ok(warmed) => (
            CachePhase {
                ok: true,
                detail: Some(warmed),
                error: None,
            },
            None,
        ),
        Err(e) => (
            CachePhase {
                ok: false,
                detail: None,
                error: Some(e.to_string()),
            },
            Some(e),
        ),
    })
}

/// `--reset` from one shard would empty the rows other shards loaded:
/// emptying the tables is a separate step, once, before the shards start.
fn reset_with_shard(shard: Shard, dataset: &Dataset) -> Error {
    let tables: Vec<String> = dataset
        .tables()
        .iter()
        .map(|t| crate::db::quote_qualified(t.name()))
        .collect();
    Error::usage_with_hint(
        format!(
            "--reset with --shard {shard} would empty the rows the other shards load: \
             empty the tables once, before the shards start"
        ),
        format!(
            "psql \"$DATABASE_URL\" -c 'TRUNCATE {}' (and the cache keys, see `seedkit warm --help`), \
             then run every shard without --reset (docs/sharding.md)",
            tables.join(", ").replace('\'', "'\\''")
        ),
    )
}
