//! What a warm did: keys and commands per set, commands per second. The
//! command line renders it (as text or as JSON).

use super::plan::SetReport;
use super::sink::Destination;

#[derive(Debug, Clone, serde::Serialize)]
pub struct CacheSummary {
    /// Where the commands went (server, cluster, or RESP file).
    pub destination: Destination,
    pub prefix: String,
    /// Keys removed by `--reset` (None without `--reset`).
    pub reset_removed: Option<u64>,
    pub sets: Vec<SetReport>,
    pub keys: u64,
    pub commands: u64,
    pub seconds: f64,
    pub commands_per_second: f64,
}

impl CacheSummary {
    pub fn new(
        destination: Destination,
        prefix: &str,
        reset_removed: Option<u64>,
        sets: Vec<SetReport>,
        seconds: f64,
    ) -> CacheSummary {
        let commands = sets.iter().map(|s| s.commands).sum();
        CacheSummary {
            destination,
            prefix: prefix.to_string(),
            reset_removed,
            keys: sets.iter().map(|s| s.keys).sum(),
            commands,
            seconds: crate::ui::round3(seconds),
            commands_per_second: if seconds > 0.0 {
                (commands as f64 / seconds).round()
            } else {
                0.0
            },
            sets,
        }
    }
}
