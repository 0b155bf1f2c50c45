//! `seedkit fixture`: template databases for tests. `prepare` builds (or
//! finds) the template for a profile, `clone` prints the URL of a fresh
//! copy, `drop` and `gc` remove what seedkit made. See docs/fixtures.md.

use super::{GlobalArgs, ProfileArgs, output};
use crate::db::SecretUrl;
use crate::error::{ExitCode, Result};
use crate::fixture::{self, Fixture, GcOptions, Method};
use crate::migrate::HistoryTable;
use crate::ui;

/// Template databases for tests: build once per content, clone per test
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit fixture prepare --profile ci --pool 8     once per CI job: the template and 8 ready clones
  export DATABASE_URL=$(seedkit fixture clone --profile ci)   per test: a private, seeded database
  seedkit fixture gc --keep 3                       drop old templates, their pools and clones")]
pub struct FixtureArgs {
    /// Keep these fixtures apart from others on the server (a-z, 0-9):
    /// their own templates and pool, and `gc` looks at this namespace only
    #[arg(
        long,
        env = "SEEDKIT_FIXTURE_NAMESPACE",
        default_value = "",
        global = true
    )]
    pub namespace: String,

    #[command(subcommand)]
    pub command: FixtureCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum FixtureCommand {
    /// Build the template for the migrations and profile (or find it built)
    Prepare(PrepareArgs),
    /// Make a database with the template's content; print its URL on stdout
    Clone(CloneArgs),
    /// Drop a database seedkit fixture made, and its warmed Redis keys
    Drop(DropArgs),
    /// Drop old templates, their pools and clones, and abandoned builds
    Gc(GcArgs),
}

/// What decides the template: the profile, and how clones are made.
#[derive(Debug, clap::Args)]
pub struct TemplateArgs {
    /// How clones are made: template (PostgreSQL), rebuild (migrate and seed
    /// each clone: CockroachDB has no templates); auto picks by server
    #[arg(
        long,
        env = "SEEDKIT_FIXTURE_METHOD",
        value_enum,
        default_value = "auto"
    )]
    pub method: Method,

    /// How rows reach the database (as `seed --load-strategy`).
    #[arg(
        long,
        env = "SEEDKIT_LOAD_STRATEGY",
        value_enum,
        default_value = "auto",
        hide = true
    )]
    pub load_strategy: crate::load::Strategy,

    #[command(flatten)]
    pub profile: ProfileArgs,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit fixture prepare --profile ci              build the ci template, or find it built
  seedkit fixture prepare --profile ci --pool 8     and keep 8 clones ready to claim")]
pub struct PrepareArgs {
    /// Also keep N ready clones, for `clone` to claim in milliseconds
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub pool: usize,

    #[command(flatten)]
    pub template: TemplateArgs,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  export DATABASE_URL=$(seedkit fixture clone --profile ci)
  seedkit fixture clone --profile ci --warm --format json   with Redis keys under its own prefix")]
pub struct CloneArgs {
    /// The new database's name (default: seedkit_c_<hash>_<random>)
    #[arg(long)]
    pub name: Option<String>,

    /// Warm Redis for the clone, under a key prefix of its own
    #[arg(long)]
    pub warm: bool,

    #[command(flatten)]
    pub template: TemplateArgs,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit fixture drop seedkit_c_440df3d2_4f4f3358e67c
  seedkit fixture drop \"${DATABASE_URL##*/}\"          the clone this shell was given")]
pub struct DropArgs {
    /// The database to drop (refused unless seedkit fixture made it)
    pub name: String,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit fixture gc --keep 3              keep the templates of the 3 newest contents
  seedkit fixture gc --keep 1 --clones     and drop the idle clones of the one kept")]
pub struct GcArgs {
    /// Keep the templates of the N most recently prepared contents
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub keep: usize,

    /// Also drop the idle clones of the templates kept
    #[arg(long)]
    pub clones: bool,
}

pub async fn run(args: &FixtureArgs, global: &GlobalArgs) -> Result<ExitCode> {
    match &args.command {
        FixtureCommand::Prepare(prepare_args) => {
            prepare(prepare_args, &args.namespace, global).await
        }
        FixtureCommand::Clone(clone_args) => clone(clone_args, &args.namespace, global).await,
        FixtureCommand::Drop(drop_args) => drop(drop_args, global).await,
        FixtureCommand::Gc(gc_args) => gc(gc_args, &args.namespace, global).await,
    }
}

fn fixture(
    args: &TemplateArgs,
    namespace: &str,
    global: &GlobalArgs,
    pool: usize,
    redis: Option<&SecretUrl>,
) -> Result<Fixture> {
    let profile = &args.profile;
    let mut builder = Fixture::builder(global.database_url()?.expose())
        .migrations(&global.migrations_dir)
        .profile(&profile.profile)
        .profiles_dir(&profile.profiles_dir)
        .history(HistoryTable::new(
            &global.history_schema,
            &global.history_table,
        ))
        .layout(global.layout.clone())
        .lock_timeout(global.lock_timeout)
        .lock(global.lock_settings())
        .connect_timeout(global.connect_timeout)
        .method(args.method)
        .load_strategy(args.load_strategy)
        .pool(pool)
        .namespace(namespace);
    for key_value in &profile.overrides {
        builder = builder.set(key_value);
    }
    if let Some(seed) = profile.seed {
        builder = builder.seed(seed);
    }
    if let Some(redis) = redis {
        builder = builder.warm(redis.expose());
    }
    builder.build()
}

async fn prepare(args: &PrepareArgs, namespace: &str, global: &GlobalArgs) -> Result<ExitCode> {
    let prepared = fixture(&args.template, namespace, global, args.pool, None)?
        .prepare()
        .await?;
    output::result(&prepared, global.format, output::print_prepared)?;
    Ok(ExitCode::Success)
}

async fn clone(args: &CloneArgs, namespace: &str, global: &GlobalArgs) -> Result<ExitCode> {
    let redis = match args.warm {
        true => Some(global.redis_url()?),
        false => None,
    };
    let db = fixture(&args.template, namespace, global, 0, redis)?
        .clone_named(args.name.as_deref())
        .await?;
    ui::info(format!(
        "cloned {} ({}, template {}) in {}",
        db.name(),
        db.report().source,
        db.report().template,
        ui::secs_ms(db.report().timings.total_ms)
    ));
    // The caller owns it now: `seedkit fixture drop NAME` removes it.
    let report = db.keep();
    output::result(&report, global.format, output::print_clone)?;
    Ok(ExitCode::Success)
}

async fn drop(args: &DropArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let report =
        fixture::drop_database(&global.database()?, &args.name, global.redis_url.as_ref()).await?;
    output::result(&report, global.format, output::print_drop)?;
    Ok(ExitCode::Success)
}

async fn gc(args: &GcArgs, namespace: &str, global: &GlobalArgs) -> Result<ExitCode> {
    let options = GcOptions {
        keep: args.keep,
        clones: args.clones,
        redis_url: global.redis_url.clone(),
        namespace: namespace.to_string(),
    };
    let report = fixture::gc(&global.database()?, &options).await?;
    output::result(&report, global.format, output::print_gc)?;
    Ok(ExitCode::Success)
}
