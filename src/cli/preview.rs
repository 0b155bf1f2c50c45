//! `seedkit preview`: a profile's data seen before it is loaded, without a
//! database: sample rows, each column's distribution, the fan-out of
//! `per_parent` tables and what each cache set would hold.

use std::path::{Path, PathBuf};

use super::{GlobalArgs, ProfileArgs, output};
use crate::cache::CacheSpec;
use crate::error::{Error, ExitCode, Result};
use crate::generate::Dataset;
use crate::load::Summary;
use crate::preview::{self, DEFAULT_CACHE_ROWS, DEFAULT_SAMPLE, Preview, PreviewOptions};
use crate::profile::Profile;

/// See a profile's data before loading it: sample rows, distributions, fan-outs, cache sets
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Needs no database and no Redis: every value is a pure function of the profile and seed.

Examples:
  seedkit preview --table game_sessions --sample 50000  one table, smaller margins
  seedkit preview --format json | jq '.tables[0].columns[] | {name, null_rate}'
  seedkit preview --html report.html                    the same as a page with a chart per column")]
pub struct PreviewArgs {
    /// Only this table (and the cache sets that read it)
    #[arg(long, value_name = "TABLE")]
    pub table: Option<String>,

    /// Rows sampled per table (smaller tables are read whole); the margin
    /// of a share shrinks with its square root
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SAMPLE)]
    pub sample: u64,

    /// Skip the Redis cache sets (each is a full pass over its table's rows)
    #[arg(long)]
    pub no_cache: bool,

    /// Cache sets reading more rows than this are listed, not computed
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CACHE_ROWS)]
    pub cache_rows: u64,

    /// Also write it as one self-contained HTML page with charts (inline SVG, no network)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    #[command(flatten)]
    pub profile: ProfileArgs,
}

pub async fn run(args: &PreviewArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let profile = args.profile.load()?;
    let dataset = Dataset::new(&profile)?;
    if let Some(table) = &args.table
        && dataset.table(table).is_none()
    {
        let names: Vec<&str> = dataset.tables().iter().map(|t| t.name()).collect();
        return Err(Error::usage_with_hint(
            format!("{} loads no table named `{table}`", profile.path.display()),
            format!("the loaded tables are: {}", names.join(", ")),
        ));
    }
    let cache = match args.no_cache {
        true => None,
        false => Some(CacheSpec::new(&profile, &dataset)?),
    };
    let options = PreviewOptions {
        table: args.table.clone(),
        sample: args.sample,
        cache_rows: args.cache_rows,
        ..PreviewOptions::default()
    };
    let preview = preview::preview(&profile, &dataset, cache.as_ref(), &options).await?;
    if let Some(path) = &args.html {
        write_html(path, &preview, None)?;
    }
    output::result(&preview, global.format, output::print_preview)?;
    Ok(ExitCode::Success)
}

/// `seed --report FILE`: the preview of what was loaded, with the load's
/// rows, bytes and seconds per table and its time per phase.
pub(super) async fn write_report(
    path: &Path,
    profile: &Profile,
    dataset: &Dataset,
    cache: Option<&CacheSpec>,
    load: &Summary,
) -> Result<()> {
    let preview = preview::preview(profile, dataset, cache, &PreviewOptions::default()).await?;
    write_html(path, &preview, Some(load))
}

fn write_html(path: &Path, preview: &Preview, load: Option<&Summary>) -> Result<()> {
    preview::html::write(path, preview, load).map_err(|e| {
        Error::usage_with_hint(
            format!("cannot write the report to {}: {e}", path.display()),
            "give a FILE in a folder that exists and can be written",
        )
    })?;
    crate::ui::info(format!("report written to {}", path.display()));
    Ok(())
}
