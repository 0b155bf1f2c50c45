//! `seedkit new`: create the next up/down pair.

use super::GlobalArgs;
use crate::error::{Error, ExitCode, Result};

/// Create the next `<version>_<name>.up.sql` and `.down.sql` pair
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// What the migration does, e.g. add_player_index
    pub name: String,
}

pub async fn run(_args: &NewArgs, _global: &GlobalArgs) -> Result<ExitCode> {
    Err(Error::usage("`seedkit new` is not implemented yet"))
}
