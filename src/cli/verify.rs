//! `seedkit verify`: round-trip every migration (up, down, compare, up again)
//! in a scratch database and report the downs that do not restore.

use super::{GlobalArgs, output};
use crate::error::{ExitCode, Result};
use crate::migrate::runner::version_arg;
use crate::verify::VerifyOptions;

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
}

pub async fn run(args: &VerifyArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let url = global.database_url()?;
    let options = VerifyOptions {
        from: args.from.as_deref().map(version_arg).transpose()?,
        to: args.to.as_deref().map(version_arg).transpose()?,
    };
    let report = crate::verify::verify(url, &global.migrate_settings(), options).await?;
    output::result(&report, global.format, output::print_verify)?;
    Ok(if report.passed() {
        ExitCode::Success
    } else {
        ExitCode::VerifyFailed
    })
}
