//! `seedkit baseline`: take over a database another tool migrated, or one
//! built by hand, without running anything.
//!
//! With `--from TOOL`, the tool's own history table says what is applied
//! ([`tools`] reads each one); without it, `baseline VERSION` takes every
//! migration up to VERSION as applied, like Flyway's baseline. Either way
//! seedkit's history gets one row per applied migration, with the checksum
//! of the file on disk, all in one transaction under the migration lock;
//! the other tool's table is only read. It refuses, changing nothing, when
//! the tool's state is not clean (golang-migrate's `dirty`, a failed sqlx
//! or Flyway row), when an applied version has no file, or when seedkit's
//! history already records migrations.

pub mod tools;

use std::collections::BTreeSet;

use super::error::{MigrateError, Problem};
use super::history::RowState;
use super::layout::flyway;
use super::repeatable;
use super::runner::{Settings, open};
use super::source::{self, Source};
use crate::db::Connector;
use crate::db::session::{HistoryChange, Migrate, Record};
use crate::error::Result;
pub use tools::Tool;

/// Where the applied set comes from.
#[derive(Debug, Clone)]
pub enum BaselineFrom {
    /// Another tool's history table (`table`: its name when not the default).
    Tool { tool: Tool, table: Option<String> },
    /// Everything up to this version, as written on the command line.
    UpTo(String),
}

/// One migration recorded (or that would be) as applied.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Recorded {
    pub version: u64,
    pub version_text: String,
    pub name: String,
    pub checksum: String,
}

/// What `baseline` did (or would do, with `dry_run`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct BaselineReport {
    pub dry_run: bool,
    /// `golang-migrate`, ..., or `version` for `baseline VERSION`.
    pub from: String,
    /// The other tool's table that was read, when there is one.
    pub table: Option<String>,
    /// What that table says, in a few words (`version 10, not dirty`).
    pub tool_state: String,
    pub recorded: Vec<Recorded>,
    /// Flyway repeatables recorded with their files' checksums.
    pub repeatables: Vec<String>,
    /// The migrations `seedkit migrate` will apply afterwards.
    pub pending: Vec<String>,
}

/// What another tool (or the VERSION argument) says is applied.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Every migration up to this version (golang-migrate, Flyway's
    /// baseline, `baseline VERSION`).
    pub up_to: Option<u64>,
    /// Whether `up_to` must be a file's version (golang-migrate ran it).
    pub up_to_ran: bool,
    /// These versions, as the tool wrote them.
    pub versions: Vec<String>,
    /// Flyway repeatables applied (by description).
    pub repeatables: Vec<String>,
    /// A few words on the tool's state, for the report.
    pub state: String,
}

/// Records in seedkit's history what another tool (or `VERSION`) says is
/// applied. Reads the tool's table after the lock is taken.
pub async fn baseline(
    server: &Connector,
    settings: &Settings,
    from: &BaselineFrom,
    dry_run: bool,
) -> Result<BaselineReport> {
    let source = source::read_as(&settings.dir, &settings.layout)?;
    let mut db = open(server).await?;
    crate::migrate::runner::locked(&mut db, server, settings, async |db, _held| {
        baseline_locked(db, server, settings, &source, from, dry_run).await
    })
    .await
}

/// Refuses when seedkit's history already records migrations.
async fn refuse_recorded<D: Migrate>(db: &mut D, settings: &Settings) -> Result<()> {
    if !db.history_exists(&settings.history).await? {
        return Ok(());
    }
    let rows = db.applied(&settings.history).await?;
    if rows.is_empty() {
        return Ok(());
    }
    Err(refused(vec![Problem {
        version: None,
        kind: "history_not_empty",
        message: format!(
            "seedkit's history {} already records {} migration{}",
            settings.history,
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        ),
        way_out: "baseline is for a database seedkit has not migrated yet; \
                  `seedkit status` shows what is recorded"
            .into(),
    }])
    .into())
}

async fn baseline_locked<D: Migrate>(
    db: &mut D,
    server: &Connector,
    settings: &Settings,
    source: &Source,
    from: &BaselineFrom,
    dry_run: bool,
) -> Result<BaselineReport> {
    refuse_recorded(db, settings).await?;
    let (name, table, applied) = match from {
        BaselineFrom::Tool { tool, table } => {
            let table = table
                .clone()
                .unwrap_or_else(|| tool.default_table().to_string());
            let applied = tools::read(server, *tool, &table).await?;
            (tool.name().to_string(), Some(table), applied)
        }
        BaselineFrom::UpTo(text) => {
            let version = source
                .version_arg(text)
                .ok_or_else(|| MigrateError::BadVersion {
                    message: format!("`{text}` is not a migration version"),
                    hint: "give the version of the last migration the database already has, \
                       as its file name writes it"
                        .into(),
                })?;
            let applied = Applied {
                up_to: Some(version),
                state: format!("built by hand up to {text}"),
                ..Applied::default()
            };
            ("version".to_string(), None, applied)
        }
    };
    let (recorded, repeatables) = plan(source, &applied, &name)?;
    let recorded_set: BTreeSet<u64> = recorded.iter().map(|r| r.version).collect();
    let pending = source
        .migrations
        .iter()
        .filter(|m| !recorded_set.contains(&m.version))
        .map(|m| m.version_text.clone())
        .collect();
    let nothing = recorded.is_empty() && repeatables.is_empty();
    if !dry_run && !nothing {
        db.ensure_history(&settings.history).await?;
        let records = records(source, &recorded, &repeatables);
        db.run_in_transaction("", &settings.history, &HistoryChange::Records(records))
            .await
            .map_err(|e| MigrateError::Database {
                context: format!("writing the history table {}", settings.history),
                message: e.message,
            })?;
    }
    Ok(BaselineReport {
        dry_run,
        from: name,
        table,
        tool_state: applied.state,
        recorded,
        repeatables,
        pending,
    })
}

fn refused(problems: Vec<Problem>) -> MigrateError {
    MigrateError::Refused {
        action: "baseline",
        problems,
    }
}

/// Matches what is applied with the files: the migrations to record, or
/// a refusal naming every applied version without a file.
fn plan(
    source: &Source,
    applied: &Applied,
    tool: &str,
) -> std::result::Result<(Vec<Recorded>, Vec<String>), MigrateError> {
    let mut versions = BTreeSet::new();
    let mut problems = Vec::new();
    let parse = |text: &str| match source.layout {
        super::layout::Layout::Flyway => flyway::encode_version(text).ok(),
        _ => source::parse_version(text),
    };
    for text in &applied.versions {
        match parse(text).filter(|v| source.get(*v).is_some()) {
            Some(v) => {
                versions.insert(v);
            }
            None => problems.push(no_file(tool, text, source)),
        }
    }
    if let Some(up_to) = applied.up_to {
        if applied.up_to_ran && source.get(up_to).is_none() {
            problems.push(no_file(tool, &up_to.to_string(), source));
        }
        versions.extend(
            source
                .migrations
                .iter()
                .map(|m| m.version)
                .filter(|&v| v <= up_to),
        );
    }
    let mut repeatables = Vec::new();
    for name in &applied.repeatables {
        if source.repeatables.iter().any(|r| &r.name == name) {
            repeatables.push(name.clone());
        } else {
            problems.push(Problem {
                version: None,
                kind: "no_file",
                message: format!(
                    "{tool} applied the repeatable R__{name}.sql, which is not in {}",
                    source.dir.display()
                ),
                way_out: "restore the file (e.g. from git), then run baseline again".into(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    let recorded = versions
        .into_iter()
        .filter_map(|v| source.get(v))
        .map(|m| Recorded {
            version: m.version,
            version_text: m.version_text.clone(),
            name: m.name.clone(),
            checksum: m.checksum.clone(),
        })
        .collect();
    Ok((recorded, repeatables))
}

fn no_file(tool: &str, version: &str, source: &Source) -> Problem {
    Problem {
        version: None,
        kind: "no_file",
        message: format!(
            "{tool} applied version {version}, which has no file in {}",
            source.dir.display()
        ),
        way_out: "restore the file (e.g. from git) or point --migrations at the folder that \
                  built this database, then run baseline again"
            .into(),
    }
}

fn records(source: &Source, recorded: &[Recorded], repeatables: &[String]) -> Vec<Record> {
    let versioned = recorded
        .iter()
        .filter_map(|r| source.get(r.version))
        .map(|m| Record {
            version: m.version,
            name: m.name.clone(),
            checksum: m.checksum.clone(),
            state: RowState::Applied,
            execution_ms: 0,
            no_transaction: m.up.no_transaction,
            failed_statement: None,
            failed_line: None,
            error: None,
        });
    let repeatable = source
        .repeatables
        .iter()
        .filter(|r| repeatables.contains(&r.name))
        .map(repeatable::record);
    versioned.chain(repeatable).collect()
}
