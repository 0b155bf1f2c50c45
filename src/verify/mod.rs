//! `seedkit verify`: proves every down script by a round trip in a scratch
//! database, so a team learns that a down leaves an index behind before the
//! day it needs the rollback.
//!
//! For each migration in order: snapshot the catalog ([`catalog`]), apply
//! the up, apply the down, snapshot again and compare, apply the up again
//! (which must succeed: the next migration builds on it) and go on. Ups and
//! downs run through the migrate engine ([`crate::migrate::migrate`] and
//! [`crate::migrate::rollback`]) against the scratch database
//! ([`scratch`]), exactly as `seedkit migrate` and `rollback` would run
//! them. `--with-data` ([`data`]) tries the migrations a database still
//! lacks on seeded rows instead, and measures their rewrites and locks.
//!
//! A down script that cannot restore (the up drops data) says so with a
//! line `-- seedkit:irreversible <why>`; verify skips it with that note.

pub mod catalog;
pub mod data;
pub mod scratch;

use std::path::PathBuf;

use sqlx::Connection as _;

use crate::db::Connector;
use crate::error::{Error, Result};
use crate::migrate::runner::Settings;
use crate::migrate::source::{self, Migration, Source};
use crate::migrate::{MigrateError, RollbackTarget};
use catalog::{Difference, Snapshot};
use scratch::{ScratchDb, migrate_to};

/// Which migrations to round-trip.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions {
    /// First version to check; earlier ones are only applied.
    pub from: Option<u64>,
    /// Last version to check; later ones are not applied.
    pub to: Option<u64>,
}

/// How one migration's round trip ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The down put the catalog back as it was and the up ran again.
    Restored,
    /// The catalog after the down differs from the one before the up.
    NotRestored,
    /// The up failed when applied again after its down.
    NotReappliable,
    /// The down script itself failed.
    DownFailed,
    /// Not round-tripped: marked irreversible, or no down script.
    Skipped,
}

/// One migration's round trip.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Checked {
    pub version: u64,
    pub version_text: String,
    pub name: String,
    pub up_file: PathBuf,
    pub down_file: Option<PathBuf>,
    pub outcome: Outcome,
    /// Why it was skipped.
    pub note: Option<String>,
    /// What the down did not restore.
    pub differences: Vec<Difference>,
    /// The server's error for a failed down or re-applied up.
    pub error: Option<String>,
}

impl Checked {
    pub fn failed(&self) -> bool {
        !matches!(self.outcome, Outcome::Restored | Outcome::Skipped)
    }

    /// Readable sentences for each problem, naming the migration.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .differences
            .iter()
            .map(|d| d.describe(&self.version_text))
            .collect();
        match (self.outcome, &self.error) {
            (Outcome::NotReappliable, Some(e)) => out.push(format!(
                "{}'s up fails when applied again after its down: {e}",
                self.version_text
            )),
            (Outcome::DownFailed, Some(e)) => {
                out.push(format!("{}'s down failed: {e}", self.version_text))
            }
            _ => {}
        }
        out
    }
}

/// What `verify` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    /// The scratch database the round trips ran in (dropped afterwards).
    pub scratch_database: String,
    pub migrations: Vec<Checked>,
    pub checked: usize,
    pub restored: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Versions in range left unchecked because an earlier one could not be
    /// re-applied (the scratch database is no longer at that version).
    pub not_reached: Vec<u64>,
    pub elapsed_ms: u64,
}

impl VerifyReport {
    pub fn passed(&self) -> bool {
        self.failed == 0 && self.not_reached.is_empty()
    }
}

/// The reason given by a `-- seedkit:irreversible <why>` line of a down
/// script, if it has one (an empty reason reads "no reason given").
pub fn irreversible_marker(sql: &str) -> Option<String> {
    sql.lines().find_map(|line| {
        let comment = line.trim().strip_prefix("--")?.trim();
        let reason = comment.strip_prefix("seedkit:irreversible")?;
        let reason = reason.trim_start_matches(':').trim();
        Some(if reason.is_empty() {
            "no reason given".to_string()
        } else {
            reason.to_string()
        })
    })
}

/// Round-trips the migrations of `settings.dir` in a scratch database on
/// the server of `server`, which is created and dropped here.
pub async fn verify(
    server: &Connector,
    settings: &Settings,
    options: VerifyOptions,
) -> Result<VerifyReport> {
    let started = std::time::Instant::now();
    let source = source::read_as(&settings.dir, &settings.layout)?;
    check_range(&source, options)?;
    let (scratch_database, (migrations, not_reached)) =
        ScratchDb::with(server, settings, async |scratch| {
            crate::ui::info(format!(
                "verify: round trips in scratch database {}",
                scratch.name
            ));
            let checked = round_trips(&scratch.server, settings, &source, options).await?;
            Ok((scratch.name.clone(), checked))
        })
        .await?;
    let count = |o: Outcome| migrations.iter().filter(|c| c.outcome == o).count();
    Ok(VerifyReport {
        scratch_database,
        checked: migrations.len(),
        restored: count(Outcome::Restored),
        skipped: count(Outcome::Skipped),
        failed: migrations.iter().filter(|c| c.failed()).count(),
        migrations,
        not_reached,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

fn check_range(source: &Source, options: VerifyOptions) -> Result<()> {
    for (flag, version) in [("--from", options.from), ("--to", options.to)] {
        if let Some(v) = version
            && source.get(v).is_none()
        {
            return Err(MigrateError::BadVersion {
                message: format!(
                    "{flag} {v}: there is no migration {v} in {}",
                    source.dir.display()
                ),
                hint: "`seedkit status` lists the versions".into(),
            }
            .into());
        }
    }
    if let (Some(from), Some(to)) = (options.from, options.to)
        && from > to
    {
        return Err(Error::usage(format!(
            "--from {from} comes after --to {to}: nothing to verify"
        )));
    }
    Ok(())
}

/// The migrations checked and the versions not reached.
async fn round_trips(
    server: &Connector,
    settings: &Settings,
    source: &Source,
    options: VerifyOptions,
) -> Result<(Vec<Checked>, Vec<u64>)> {
    let before_range = source
        .migrations
        .iter()
        .rfind(|m| options.from.is_some_and(|from| m.version < from));
    if let Some(m) = before_range {
        migrate_to(server, settings, m.version).await?;
    }
    let in_range: Vec<&Migration> = source
        .migrations
        .iter()
        .filter(|m| options.from.is_none_or(|from| m.version >= from))
        .filter(|m| options.to.is_none_or(|to| m.version <= to))
        .collect();
    let mut checked = Vec::new();
    let mut snapshots = server.connect().await?;
    for (i, m) in in_range.iter().enumerate() {
        let done = round_trip(server, settings, &mut snapshots.conn, m).await?;
        // Past a failed re-apply (or a failed no-transaction down, which may
        // have stopped half-way) the scratch database is not where the next
        // migration expects it.
        let stop = done.outcome == Outcome::NotReappliable
            || (done.outcome == Outcome::DownFailed
                && m.down.as_ref().is_some_and(|d| d.no_transaction));
        checked.push(done);
        if stop {
            let not_reached = in_range[i + 1..].iter().map(|m| m.version).collect();
            return Ok((checked, not_reached));
        }
    }
    let _ = snapshots.conn.close().await;
    Ok((checked, Vec::new()))
}

/// Up, snapshot-compared down, up again, for one migration.
async fn round_trip(
    server: &Connector,
    settings: &Settings,
    conn: &mut sqlx::PgConnection,
    m: &Migration,
) -> Result<Checked> {
    let mut checked = Checked {
        version: m.version,
        version_text: m.version_text.clone(),
        name: m.name.clone(),
        up_file: m.up.path.clone(),
        down_file: m.down.as_ref().map(|d| d.path.clone()),
        outcome: Outcome::Restored,
        note: None,
        differences: Vec::new(),
        error: None,
    };
    let skip = match &m.down {
        None => Some("no down script".to_string()),
        Some(down) => irreversible_marker(&down.sql).map(|why| format!("irreversible: {why}")),
    };
    if let Some(note) = skip {
        migrate_to(server, settings, m.version).await?;
        checked.outcome = Outcome::Skipped;
        checked.note = Some(note);
        return Ok(checked);
    }
    let snapshot_error = |e: sqlx::Error| Error::Other(anyhow::anyhow!("reading the catalog: {e}"));
    let before = Snapshot::read(conn, &settings.history)
        .await
        .map_err(snapshot_error)?;
    migrate_to(server, settings, m.version).await?;
    let target = RollbackTarget::Version(m.version);
    if let Err(e) = crate::migrate::rollback(server, settings, target, false).await {
        checked.outcome = Outcome::DownFailed;
        checked.error = Some(e.to_string());
        return Ok(checked);
    }
    let after = Snapshot::read(conn, &settings.history)
        .await
        .map_err(snapshot_error)?;
    checked.differences = before.differences(&after);
    if !checked.differences.is_empty() {
        checked.outcome = Outcome::NotRestored;
    }
    if let Err(e) = migrate_to(server, settings, m.version).await {
        checked.outcome = Outcome::NotReappliable;
        checked.error = Some(e.to_string());
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irreversible_marker_gives_its_reason() {
        assert_eq!(
            irreversible_marker("-- seedkit:irreversible: the up drops legacy rows\nSELECT 1;"),
            Some("the up drops legacy rows".to_string())
        );
        assert_eq!(
            irreversible_marker("  --seedkit:irreversible\n"),
            Some("no reason given".to_string())
        );
        assert_eq!(irreversible_marker("-- irreversible\nDROP TABLE a;"), None);
    }
}
