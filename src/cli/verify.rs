//! `seedkit verify`: round-trip every migration (up, down, compare, up again)
//! in a scratch database and report the downs that do not restore.

use std::sync::Arc;

use super::{GlobalArgs, ProfileArgs, output};
use crate::error::{ExitCode, Result};
use crate::migrate::runner::version_arg;
use crate::verify::VerifyOptions;
use crate::verify::data::DataOptions;

/// Prove every down script: up, down, compare the catalog, up again, in a
/// scratch database created (and dropped) on the server of --database-url
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// First version to round-trip (earlier ones are only applied)
    #[arg(long, value_name = "VERSION")]
    pub from: Option<String>,

    /// Last version to round-trip (later ones are not applied)
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,

    /// Instead: try the migrations pending on --database-url on the profile's
    /// rows (time, rewrites, locks, rows touched; down restores the other tables)
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub with_data: bool,

    #[command(flatten)]
    pub profile: ProfileArgs,
}

pub async fn run(args: &VerifyArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let server = global.database()?;
    if args.with_data {
        return run_with_data(args, global).await;
    }
    let options = VerifyOptions {
        from: args.from.as_deref().map(version_arg).transpose()?,
        to: args.to.as_deref().map(version_arg).transpose()?,
    };
    let report = crate::verify::verify(&server, &global.migrate_settings(), options).await?;
    output::result(&report, global.format, output::print_verify)?;
    Ok(if report.passed() {
        ExitCode::Success
    } else {
        ExitCode::VerifyFailed
    })
}

async fn run_with_data(args: &VerifyArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let server = global.database()?;
    let profile = args.profile.load()?;
    let options = DataOptions {
        dataset: Arc::new(crate::generate::Dataset::new(&profile)?),
        profile: profile.path.display().to_string(),
        lock_timeout: global.lock_timeout,
    };
    let settings = global.migrate_settings();
    let report = crate::verify::data::verify_with_data(&server, &settings, options).await?;
    output::result(&report, global.format, output::print_with_data)?;
    Ok(if report.passed() {
        ExitCode::Success
    } else {
        ExitCode::VerifyFailed
    })
}
