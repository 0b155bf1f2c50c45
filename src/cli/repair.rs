//! `seedkit repair`: accept an intentionally edited migration file.

use super::GlobalArgs;
use super::migrate::emit;
use super::migrate::settings;
use crate::error::{ExitCode, Result};
use crate::migrate::runner::version_arg;
use crate::ui::Format;

/// Re-record the checksum of an applied migration whose file was edited on purpose
/// (or forget a failed no-transaction run so `migrate` runs it again)
#[derive(Debug, clap::Args)]
pub struct RepairArgs {
    /// The applied version whose file changed
    pub version: String,
}

pub async fn run(args: &RepairArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let url = global.database_url()?;
    let version = version_arg(&args.version)?;
    let report = crate::migrate::repair(url, &settings(global), version).await?;
    if global.format == Format::Json {
        emit!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
        return Ok(ExitCode::Success);
    }
    let what = match report.action {
        "checksum_updated" => "checksum re-recorded",
        "already_matching" => "checksum already matches the file, nothing to do",
        _ => "failed run forgotten: `seedkit migrate` will run it again",
    };
    emit!("{} {}: {what}", report.version, report.name);
    emit!("  old checksum: {}", report.old_checksum);
    emit!("  new checksum: {}", report.new_checksum);
    Ok(ExitCode::Success)
}
