//! `seedkit new`: create the next up/down pair.

use super::GlobalArgs;
use super::output::emit;
use crate::error::{ExitCode, Result};

/// Create the next `<version>_<name>.up.sql` and `.down.sql` pair in the
/// migrations folder (./migrations, or --migrations DIR / SEEDKIT_MIGRATIONS),
/// in the folder's layout (timestamps if the folder uses them)
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  seedkit new add_player_index                      writes migrations/017_add_player_index.up.sql and .down.sql
  seedkit new --migrations db/migrations add_users  the same in db/migrations")]
pub struct NewArgs {
    /// What the migration does, e.g. add_player_index
    pub name: String,
}

pub async fn run(args: &NewArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let files = crate::migrate::scaffold::new_migration_as(
        &global.migrations_dir,
        &global.layout,
        &args.name,
    )?;
    for file in files {
        emit!("{}", file.display());
    }
    Ok(ExitCode::Success)
}
