//! What a warm did: keys and commands per set, commands per second; printed
//! for humans on stderr or as JSON on stdout (`--format json`).

use std::fmt;

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
            seconds,
            commands_per_second: if seconds > 0.0 {
                commands as f64 / seconds
            } else {
                0.0
            },
            sets,
        }
    }
}

impl fmt::Display for CacheSummary {
    /// A table like pgbench's summary: one line per set, then the totals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match &self.destination {
            Destination::Server { url } => format!("Redis {url}"),
            Destination::Cluster { url, masters } => {
                format!("Redis Cluster {url} ({} masters)", masters.len())
            }
            Destination::RespFile { path } => format!("RESP file {path}"),
        };
        writeln!(f, "warmed {target}, keys under \"{}\"", self.prefix)?;
        if let Some(removed) = self.reset_removed {
            writeln!(
                f,
                "  reset: removed {removed} keys under \"{}\"",
                self.prefix
            )?;
        }
        writeln!(
            f,
            "  {:<24} {:<8} {:>10} {:>10} {:>10}",
            "set", "type", "rows", "keys", "commands"
        )?;
        for set in &self.sets {
            writeln!(
                f,
                "  {:<24} {:<8} {:>10} {:>10} {:>10}",
                set.name, set.kind, set.rows, set.keys, set.commands
            )?;
        }
        write!(
            f,
            "  total: {} keys, {} commands in {:.3}s ({:.0} commands/s)",
            self.keys, self.commands, self.seconds, self.commands_per_second
        )
    }
}
