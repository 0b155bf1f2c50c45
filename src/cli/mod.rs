//! The command line: global options, one file per subcommand, and the
//! mapping from errors to exit codes.

mod baseline;
mod confirm;
mod fixture;
mod lint;
mod migrate;
mod new;
mod output;
mod preview;
mod profile;
mod repair;
mod rollback;
mod seed;
mod status;
mod verify;
mod warm;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::db::{Connector, SecretUrl};
use crate::error::{Diagnostic, Error, ExitCode, Result};
use crate::migrate::layout::LayoutChoice;
use crate::ui::{self, Format};

/// Take a PostgreSQL or CockroachDB database, and the Redis caches in front of
/// it, from empty to a realistic, fully loaded state.
#[derive(Debug, Parser)]
#[command(name = "seedkit", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand understands.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Database URL, e.g. postgres://user:password@127.0.0.1:5432/app
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<SecretUrl>,

    /// Redis URL, e.g. redis://:password@127.0.0.1:6379/0 (rediss:// for TLS)
    #[arg(long, env = "REDIS_URL", global = true, hide_env_values = true)]
    pub redis_url: Option<SecretUrl>,

    /// How long connecting to the database (and Redis) may take before
    /// giving up with exit 3; 0 waits forever. A PostgreSQL URL's own
    /// connect_timeout=SECONDS wins.
    #[arg(
        long,
        hide_env_values = true,
        env = "SEEDKIT_CONNECT_TIMEOUT",
        default_value = "10s",
        value_parser = humantime::parse_duration,
        global = true,
        value_name = "DURATION"
    )]
    pub connect_timeout: Duration,

    /// Folder holding the migration files
    #[arg(
        long = "migrations",
        hide_env_values = true,
        env = "SEEDKIT_MIGRATIONS",
        default_value = "migrations",
        global = true,
        value_name = "DIR"
    )]
    pub migrations_dir: PathBuf,

    /// Layout of the migrations folder: auto, sqlx, golang-migrate, diesel, flyway, goose,
    /// dbmate, or a file-name pattern such as 'V{version}.{name}.{direction}.sql'
    #[arg(
        long,
        hide_env_values = true,
        env = "SEEDKIT_LAYOUT",
        default_value = "auto",
        global = true,
        value_name = "NAME",
        value_parser = parse_layout
    )]
    pub layout: LayoutChoice,

    /// Name of the migration history table
    #[arg(
        long,
        hide_env_values = true,
        env = "SEEDKIT_HISTORY_TABLE",
        default_value = "seedkit_migrations",
        global = true,
        value_parser = sql_name
    )]
    pub history_table: String,

    /// Schema of the migration history table
    #[arg(
        long,
        hide_env_values = true,
        env = "SEEDKIT_HISTORY_SCHEMA",
        default_value = "public",
        global = true,
        value_parser = sql_name
    )]
    pub history_schema: String,

    /// How long to wait for the migration lock (e.g. 500ms, 30s, 2m)
    #[arg(
        long,
        hide_env_values = true, env = "SEEDKIT_LOCK_TIMEOUT",
        default_value = "30s",
        value_parser = humantime::parse_duration,
        global = true,
        value_name = "DURATION"
    )]
    pub lock_timeout: Duration,

    /// The migration lock: auto (advisory on PostgreSQL, a lease row on
    /// CockroachDB), advisory, or lease
    #[arg(
        long,
        hide_env_values = true,
        env = "SEEDKIT_LOCK_STRATEGY",
        default_value = "auto",
        global = true,
        value_enum
    )]
    pub lock_strategy: LockStrategy,

    /// How long a lease lock lasts unless its heartbeat renews it
    #[arg(
        long,
        hide_env_values = true,
        env = "SEEDKIT_LOCK_LEASE",
        default_value = "15s",
        value_parser = humantime::parse_duration,
        global = true,
        value_name = "DURATION"
    )]
    pub lock_lease: Duration,

    /// Go ahead with rollback of several migrations, `seed --reset` and
    /// `warm --reset` against a server that is not on this machine without
    /// asking (loopback and Unix sockets never ask)
    #[arg(
        long,
        short = 'y',
        hide_env_values = true,
        env = "SEEDKIT_ASSUME_YES",
        global = true,
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub yes: bool,

    /// Output format for data (status, plans, summaries)
    #[arg(long, hide_env_values = true, env = "SEEDKIT_FORMAT", value_enum, default_value_t = Format::Human, global = true)]
    pub format: Format,

    /// More detail on stderr (repeat for more)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Less on stderr (-q hides progress, -qq hides warnings too)
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
}

/// `--lock-strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LockStrategy {
    /// The server's own: advisory on PostgreSQL, lease on CockroachDB.
    Auto,
    Advisory,
    Lease,
}

fn parse_layout(text: &str) -> std::result::Result<LayoutChoice, String> {
    text.parse()
}

/// A schema or table name PostgreSQL keeps as written: not empty, at most
/// 63 bytes (longer names are silently truncated, so seedkit would look for
/// a table that is not there).
fn sql_name(text: &str) -> std::result::Result<String, String> {
    match text.len() {
        0 => Err("a name cannot be empty".into()),
        64.. => Err(format!(
            "{} bytes is longer than PostgreSQL's 63-byte names",
            text.len()
        )),
        _ => Ok(text.to_string()),
    }
}

impl GlobalArgs {
    /// The database URL, or an error naming both the flag and the variable.
    /// A URL for a database seedkit does not speak (mysql://) is refused
    /// here: the PostgreSQL driver would otherwise try it and fail obscurely.
    pub fn database_url(&self) -> Result<&SecretUrl> {
        let url = self
            .database_url
            .as_ref()
            .ok_or(Error::Db(crate::db::DbError::NoUrl))?;
        match url.scheme().as_str() {
            "postgres" | "postgresql" => Ok(url),
            scheme => Err(Error::Db(crate::db::DbError::BadUrl {
                url: url.redacted(),
                message: format!(
                    "seedkit speaks PostgreSQL and CockroachDB (postgres:// or postgresql://), \
                     not {}",
                    if scheme.is_empty() {
                        "a URL without a scheme".to_string()
                    } else {
                        format!("{scheme}://")
                    }
                ),
            })),
        }
    }

    /// The database URL with the connect timeout, ready to connect.
    pub fn database(&self) -> Result<Connector> {
        Ok(Connector::new(self.database_url()?.clone()).with_timeout(self.connect_timeout))
    }

    /// The bound on connecting to Redis (`--connect-timeout`); `None`: no limit.
    pub fn redis_connect_timeout(&self) -> Option<Duration> {
        (!self.connect_timeout.is_zero()).then_some(self.connect_timeout)
    }

    /// The migration settings the global options describe.
    pub fn migrate_settings(&self) -> crate::migrate::Settings {
        crate::migrate::Settings {
            dir: self.migrations_dir.clone(),
            history: crate::migrate::HistoryTable::new(&self.history_schema, &self.history_table),
            lock_timeout: self.lock_timeout,
            layout: self.layout.clone(),
            lock: self.lock_settings(),
        }
    }

    /// `--lock-strategy` and `--lock-lease` for the library.
    pub fn lock_settings(&self) -> crate::migrate::lock::LockSettings {
        use crate::db::dialect::LockKind;
        crate::migrate::lock::LockSettings {
            kind: match self.lock_strategy {
                LockStrategy::Auto => None,
                LockStrategy::Advisory => Some(LockKind::Advisory),
                LockStrategy::Lease => Some(LockKind::Lease),
            },
            lease: self.lock_lease,
        }
    }

    /// The Redis URL, or an error naming both the flag and the variable.
    pub fn redis_url(&self) -> Result<&SecretUrl> {
        self.redis_url.as_ref().ok_or_else(|| {
            Error::usage_with_hint(
                "no Redis URL given",
                "pass --redis-url redis://127.0.0.1:6379/0 or set REDIS_URL \
                 (`seedkit seed --no-cache` loads the database without warming Redis)",
            )
        })
    }
}

/// Which profile `seed` and `warm` generate, and how it is adjusted: both
/// commands must compute the very same rows, so they share these options.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Profile")]
pub struct ProfileArgs {
    /// Profile name (looked up as profiles/NAME.toml) or path to a .toml file
    #[arg(
        long,
        short,
        hide_env_values = true,
        env = "SEEDKIT_PROFILE",
        default_value = "default"
    )]
    pub profile: String,

    /// Folder searched for profile names
    #[arg(
        long,
        hide_env_values = true,
        env = "SEEDKIT_PROFILES",
        default_value = "profiles",
        value_name = "DIR"
    )]
    pub profiles_dir: PathBuf,

    /// Override a profile setting, e.g. --set players.rows=500 (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,

    /// Seed for every random choice; the same seed gives the same bytes.
    /// Without it: the profile's `seed = N` (42 in the shipped profiles),
    /// or 1 (warm: use the seed the database was seeded with)
    #[arg(long, hide_env_values = true, env = "SEEDKIT_SEED")]
    pub seed: Option<u64>,
}

impl ProfileArgs {
    /// Loads the profile with `--set` and `--seed` applied.
    pub fn load(&self) -> Result<crate::profile::Profile> {
        Ok(crate::profile::Profile::load(
            &self.profile,
            &self.profiles_dir,
            &self.overrides,
            self.seed,
        )?)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Migrate(migrate::MigrateArgs),
    Rollback(rollback::RollbackArgs),
    Status(status::StatusArgs),
    New(new::NewArgs),
    Baseline(baseline::BaselineArgs),
    Repair(repair::RepairArgs),
    Seed(seed::SeedArgs),
    Warm(warm::WarmArgs),
    Verify(verify::VerifyArgs),
    Lint(lint::LintArgs),
    Fixture(fixture::FixtureArgs),
    Preview(preview::PreviewArgs),
    Profile(profile::ProfileCommandArgs),
}

impl Command {
    /// What becomes of the data when this command is stopped by Ctrl-C or
    /// SIGTERM: the process then closes its connections, so the server
    /// rolls back the open transaction and releases the session's locks.
    fn outcome_if_interrupted(&self) -> &'static str {
        match self {
            Command::Migrate(_) => {
                "the migration that was running was rolled back (a no-transaction one keeps \
                 the statements it finished and shows as interrupted in `seedkit status`); \
                 the migrations applied before it stay applied and the lock is released"
            }
            Command::Rollback(_) => {
                "the down script that was running was rolled back; the migrations undone \
                 before it stay undone and the lock is released"
            }
            Command::Seed(_) => {
                "the load was rolled back, the tables are as they were (with the chunked \
                 strategy the chunks committed so far stay: run `seedkit seed --reset`)"
            }
            Command::Warm(_) => {
                "the keys written so far stay; run `seedkit warm` again to finish \
                 (it overwrites them)"
            }
            Command::Baseline(_) => {
                "the history rows were rolled back (they are written in one transaction)"
            }
            Command::Verify(_) => {
                "the target database was not touched; the scratch database is dropped \
                 (if it remains, `seedkit_verify_*` databases can be dropped by hand)"
            }
            Command::Status(_)
            | Command::New(_)
            | Command::Repair(_)
            | Command::Lint(_)
            | Command::Preview(_)
            | Command::Profile(_) => "nothing was changed",
            Command::Fixture(_) => {
                "a template being built stays unfinished and is rebuilt by the next \
                 `fixture prepare`; a clone being created is rolled back by PostgreSQL"
            }
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> std::process::ExitCode {
    // A .env file in the working directory supplies DATABASE_URL and friends;
    // real environment variables win over it.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    ui::set_verbosity(cli.global.verbose as i8 - cli.global.quiet as i8);
    ui::set_in_ci(std::env::var_os("CI").is_some());

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::Failure.into();
        }
    };
    let result = runtime.block_on(async {
        let run = dispatch(&cli);
        tokio::pin!(run);
        tokio::select! {
            biased;
            result = &mut run => return result,
            () = interrupted() => {}
        }
        // One listener for the signal, here: a command that reports an
        // interruption itself (seed's cache step, after the load committed)
        // is told through `interrupt_requested` and finishes its answer.
        if COMMAND_REPORTS_INTERRUPT.load(Ordering::SeqCst) {
            interrupt_flag().send_replace(true);
            return run.await;
        }
        Err(Error::Interrupted {
            outcome: cli.command.outcome_if_interrupted(),
        })
    });
    // Dropping the runtime closes every connection: the server rolls back an
    // open transaction and releases session advisory locks with the session.
    drop(runtime);
    match result {
        Ok(code) => code.into(),
        Err(err) => {
            output::error(&err, cli.global.format);
            err.exit_code().into()
        }
    }
}

async fn dispatch(cli: &Cli) -> Result<ExitCode> {
    let global = &cli.global;
    match &cli.command {
        Command::Migrate(args) => migrate::run(args, global).await,
        Command::Rollback(args) => rollback::run(args, global).await,
        Command::Status(args) => status::run(args, global).await,
        Command::New(args) => new::run(args, global).await,
        Command::Baseline(args) => baseline::run(args, global).await,
        Command::Repair(args) => repair::run(args, global).await,
        Command::Seed(args) => seed::run(args, global).await,
        Command::Warm(args) => warm::run(args, global).await,
        Command::Verify(args) => verify::run(args, global).await,
        Command::Lint(args) => lint::run(args, global).await,
        Command::Fixture(args) => fixture::run(args, global).await,
        Command::Preview(args) => preview::run(args, global).await,
        Command::Profile(args) => profile::run(args, global).await,
    }
}

/// Resolves on Ctrl-C or SIGTERM.
static INTERRUPT: OnceLock<tokio::sync::watch::Sender<bool>> = OnceLock::new();
static COMMAND_REPORTS_INTERRUPT: AtomicBool = AtomicBool::new(false);

fn interrupt_flag() -> &'static tokio::sync::watch::Sender<bool> {
    INTERRUPT.get_or_init(|| tokio::sync::watch::channel(false).0)
}

/// From now on the running command reports Ctrl-C / SIGTERM itself: it
/// awaits [`interrupt_requested`] instead of being dropped by `main`.
pub(crate) fn command_reports_interrupt() {
    COMMAND_REPORTS_INTERRUPT.store(true, Ordering::SeqCst);
}

/// Resolves once `main` has received Ctrl-C or SIGTERM (after
/// [`command_reports_interrupt`]); never misses a signal that came first.
pub(crate) async fn interrupt_requested() {
    let mut seen = interrupt_flag().subscribe();
    let _ = seen.wait_for(|interrupted| *interrupted).await;
}

async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
