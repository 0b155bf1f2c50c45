//! `seedkit profile init`: write a profile for the connected database's
//! schema (see docs/own-schema.md).

use std::path::PathBuf;

use super::GlobalArgs;
use crate::error::{Error, ExitCode, Result};
use crate::profile::Profile;
use crate::profile::init::{InitOptions, write_profile};
use crate::ui;

/// Profiles for your own schema
#[derive(Debug, clap::Args)]
pub struct ProfileCommandArgs {
    #[command(subcommand)]
    pub command: ProfileCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ProfileCommand {
    /// Write a commented profile for every table of the database's schema
    Init(InitArgs),
}

/// Write a commented profile (TOML) for every table of the connected
/// database, parents first, that `seedkit seed` loads as it is
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit profile init -o profiles/mine.toml      every table of the search path's first schema
  seedkit profile init --schema app --schema audit --rows 10000
  seedkit seed --profile profiles/mine.toml --reset")]
pub struct InitArgs {
    /// Schema to read (repeatable); default: the first schema of the search path
    #[arg(long = "schema", value_name = "SCHEMA")]
    pub schemas: Vec<String>,

    /// Rows of each table without a NOT NULL foreign key (the others hang
    /// off their parent, 0 to 10 rows per parent row)
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub rows: u64,

    /// Write the profile to FILE instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub async fn run(args: &ProfileCommandArgs, global: &GlobalArgs) -> Result<ExitCode> {
    match &args.command {
        ProfileCommand::Init(init) => run_init(init, global).await,
    }
}

async fn run_init(args: &InitArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let connector = global.database()?;
    let url = connector.url.clone();
    let mut db = connector.connect().await?;
    let exclude = vec![(global.history_schema.clone(), global.history_table.clone())];
    let schema = crate::introspect::read(&mut db.conn, &args.schemas, &exclude)
        .await
        .map_err(|e| {
            Error::Load(crate::load::target::db_error(
                &url,
                "reading the catalog",
                &e,
                crate::load::Committed::Nothing,
            ))
        })?;
    if schema.tables.is_empty() {
        return Err(Error::usage_with_hint(
            format!("{} has no tables to write a profile for", url.redacted()),
            "run `seedkit migrate` first, or name the schema with --schema",
        ));
    }
    let schemas = if args.schemas.is_empty() {
        "the search path's first schema".to_string()
    } else {
        format!("schema {}", args.schemas.join(", "))
    };
    let text = write_profile(
        &schema,
        &InitOptions {
            rows: args.rows,
            source: format!("{} ({schemas})", url.redacted()),
        },
    );
    // The profile must load as written: a failure here is seedkit's bug.
    let label = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from("<profile init>"));
    let profile = Profile::from_str(&text, &label).map_err(|e| {
        Error::Other(anyhow::anyhow!(
            "the written profile does not load ({e}); please report this with the schema"
        ))
    })?;
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| Error::usage(format!("cannot write {}: {e}", path.display())))?,
        None => print!("{text}"),
    }
    let skipped: Vec<&str> = profile
        .tables
        .iter()
        .filter(|t| !t.load)
        .map(|t| t.name.as_str())
        .collect();
    let mut summary = format!(
        "profile for {} written{}",
        ui::count(profile.tables.len() as u64, "table"),
        args.output
            .as_ref()
            .map(|p| format!(" to {}", p.display()))
            .unwrap_or_default()
    );
    if !skipped.is_empty() {
        summary.push_str(&format!(
            "; not loaded until edited (see their comments): {}",
            skipped.join(", ")
        ));
    }
    ui::info(summary);
    Ok(ExitCode::Success)
}
