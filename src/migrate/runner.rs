//! The migration engine: `migrate`, `rollback`, `status`, `repair`, written
//! once over the [`Migrate`] seam.
//!
//! Every changing command follows the same order: read and check the folder
//! (before connecting), connect, take the lock, create the history table if
//! needed, read the history (after the lock, so a run that finished while we
//! waited is seen), plan, refuse with every problem at once or run, and
//! release the lock on every path.

use std::path::PathBuf;
use std::time::Duration;

use super::error::{Failure, MigrateError, Problem};
use super::history::{AppliedRow, HistoryTable, RowState};
use super::lock::{self, LockSettings, RunLock};
use super::plan::{Entry, Plan, RollbackTarget, State, rollback_entries, rollback_problems};
use super::repeatable;
use super::source::{self, LayoutChoice, Migration, Script, Source};
use super::split::{char_position_to_byte, statement_at};
use crate::db::session::{ExecError, HistoryChange, Migrate, Record, Session};
use crate::db::{Connector, DbError};
use crate::error::Result;

/// Where the migrations and their history are, and how long to wait for the lock.
#[derive(Debug, Clone)]
pub struct Settings {
    pub dir: PathBuf,
    pub history: HistoryTable,
    pub lock_timeout: Duration,
    /// The folder's layout (`--layout`), recognised by default.
    pub layout: LayoutChoice,
    /// Which migration lock, and a lease's length.
    pub lock: LockSettings,
}

/// `seedkit migrate` options.
#[derive(Debug, Clone, Default)]
pub struct MigrateOptions {
    /// Stop after this version.
    pub to: Option<u64>,
    pub dry_run: bool,
    pub allow_out_of_order: bool,
}

/// One migration applied (or that would be) or undone.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    pub version: u64,
    pub version_text: String,
    pub name: String,
    pub no_transaction: bool,
    /// Why it runs without a transaction when seedkit decided so: the
    /// statement kind PostgreSQL refuses in one (`CREATE INDEX CONCURRENTLY`).
    pub no_transaction_because: Option<&'static str>,
    /// None in a dry run.
    pub execution_ms: Option<u64>,
}

/// What `migrate` or `rollback` did (or would do, with `dry_run`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunReport {
    pub dry_run: bool,
    pub steps: Vec<Step>,
    /// The highest applied version afterwards (before, in a dry run).
    pub current: Option<u64>,
    pub elapsed_ms: u64,
}

/// Parses a version given on the command line (`014`, `14`).
pub fn version_arg(text: &str) -> std::result::Result<u64, MigrateError> {
    source::parse_version(text.trim()).ok_or_else(|| MigrateError::BadVersion {
        message: format!("`{text}` is not a migration version"),
        hint: "a version is the unsigned number a migration file name starts with, e.g. 014 \
               (014, 14 and 0014 are the same)"
            .into(),
    })
}

/// Parses a version given on the command line as the folder writes its
/// versions: Flyway's `2.1` too, besides `014` / `14`.
pub fn folder_version_arg(settings: &Settings, text: &str) -> Result<u64> {
    let source = source::read_as(&settings.dir, &settings.layout)?;
    match source.version_arg(text) {
        Some(version) => Ok(version),
        None => Ok(version_arg(text)?),
    }
}

/// Connects and picks the dialect for the server.
pub(super) async fn open(server: &Connector) -> Result<Session> {
    let db = server.connect().await?;
    Ok(Session::new(db).await?)
}

/// Takes the migration lock, runs `work` with it, and releases it whatever
/// happened; the work's error wins over the release's.
pub(super) async fn locked<D: Migrate, T>(
    db: &mut D,
    server: &Connector,
    settings: &Settings,
    work: impl AsyncFnOnce(&mut D, &RunLock) -> Result<T>,
) -> Result<T> {
    let held = lock::acquire(
        db,
        server,
        &settings.history,
        settings.lock_timeout,
        &settings.lock,
    )
    .await?;
    let result = work(db, &held).await;
    let released = held.release(db).await;
    match (result, released) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

/// Reads the history, or nothing when the table does not exist yet.
async fn read_history<D: Migrate>(db: &mut D, history: &HistoryTable) -> Result<Vec<AppliedRow>> {
    if db.history_exists(history).await? {
        Ok(db.applied(history).await?)
    } else {
        Ok(Vec::new())
    }
}

fn refuse(action: &'static str, problems: Vec<Problem>) -> std::result::Result<(), MigrateError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(MigrateError::Refused { action, problems })
    }
}

fn highest_applied(rows: &[AppliedRow]) -> Option<u64> {
    rows.iter()
        .filter(|r| r.state == RowState::Applied && !repeatable::is_repeatable(r.version))
        .map(|r| r.version)
        .max()
}

/// Applies pending migrations in version order, each in its own transaction
/// with its history row (or statement by statement for no-transaction ones).
pub async fn migrate(
    server: &Connector,
    settings: &Settings,
    options: &MigrateOptions,
) -> Result<RunReport> {
    let started = std::time::Instant::now();
    let source = source::read_as(&settings.dir, &settings.layout)?;
    let mut db = open(server).await?;
    if options.dry_run {
        let rows = read_history(&mut db, &settings.history).await?;
        let plan = Plan::new(&source, &rows);
        if let Some(to) = options.to {
            known_version(&plan, to)?;
        }
        refuse("migrate", plan.problems(options.allow_out_of_order))?;
        let mut steps: Vec<Step> = plan
            .pending(&source, options.to)
            .into_iter()
            .map(|m| step(m, None))
            .collect();
        steps.extend(
            repeatable::due(&source, &rows)
                .into_iter()
                .map(|r| repeatable_step(r, None)),
        );
        return Ok(report(true, steps, &rows, started));
    }
    locked(&mut db, server, settings, async |db, held| {
        apply_pending(db, held, settings, &source, options, started).await
    })
    .await
}

async fn apply_pending<D: Migrate>(
    db: &mut D,
    held: &RunLock,
    settings: &Settings,
    source: &Source,
    options: &MigrateOptions,
    started: std::time::Instant,
) -> Result<RunReport> {
    db.ensure_history(&settings.history).await?;
    let rows = db.applied(&settings.history).await?;
    let plan = Plan::new(source, &rows);
    if let Some(to) = options.to {
        known_version(&plan, to)?;
    }
    refuse("migrate", plan.problems(options.allow_out_of_order))?;
    let mut steps = Vec::new();
    for migration in plan.pending(source, options.to) {
        held.check()?;
        let ran = apply_one(db, &settings.history, migration).await;
        record_step(&mut steps, ran, |elapsed| {
            let why = migration
                .up
                .auto_no_transaction
                .map_or_else(String::new, |kind| {
                    format!(", without a transaction: {kind} cannot run in one")
                });
            let said = format!(
                "applied {} {} ({}{why})",
                migration.version_text,
                migration.name,
                crate::ui::secs(elapsed)
            );
            (said, step(migration, Some(elapsed)))
        })?;
    }
    apply_repeatables(db, &rows, settings, source, &mut steps).await?;
    finished(db, &settings.history, steps, started).await
}

/// A step that ran is said on stderr and added to `steps`; a failure
/// becomes the run's error, carrying the steps completed before it.
fn record_step(
    steps: &mut Vec<Step>,
    ran: std::result::Result<Duration, Box<Failure>>,
    said_and_step: impl FnOnce(Duration) -> (String, Step),
) -> Result<()> {
    match ran {
        Ok(elapsed) => {
            let (said, step) = said_and_step(elapsed);
            crate::ui::info(said);
            steps.push(step);
            Ok(())
        }
        Err(mut failure) => {
            failure.completed = steps.iter().map(|s| s.version).collect();
            Err(MigrateError::Failed(failure).into())
        }
    }
}

/// The report of a run that changed the database: its steps and where the
/// history stands now.
async fn finished<D: Migrate>(
    db: &mut D,
    history: &HistoryTable,
    steps: Vec<Step>,
    started: std::time::Instant,
) -> Result<RunReport> {
    let rows = db.applied(history).await?;
    Ok(report(false, steps, &rows, started))
}

/// A run's report: its steps (planned or done) and where the history stands.
fn report(
    dry_run: bool,
    steps: Vec<Step>,
    rows: &[AppliedRow],
    started: std::time::Instant,
) -> RunReport {
    RunReport {
        dry_run,
        steps,
        current: highest_applied(rows),
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

/// Applies the Flyway repeatables that are new or changed, after the
/// versioned migrations.
async fn apply_repeatables<D: Migrate>(
    db: &mut D,
    rows: &[AppliedRow],
    settings: &Settings,
    source: &Source,
    steps: &mut Vec<Step>,
) -> Result<()> {
    for r in repeatable::due(source, rows) {
        let ran = repeatable::apply(db, &settings.history, r).await;
        record_step(steps, ran, |elapsed| {
            let said = format!(
                "applied repeatable {} ({})",
                r.name,
                crate::ui::secs(elapsed)
            );
            (said, repeatable_step(r, Some(elapsed)))
        })?;
    }
    Ok(())
}

fn repeatable_step(r: &source::Repeatable, elapsed: Option<Duration>) -> Step {
    Step {
        version: repeatable::key(&r.name),
        version_text: "R".into(),
        name: r.name.clone(),
        no_transaction: r.script.no_transaction,
        no_transaction_because: r.script.auto_no_transaction,
        execution_ms: elapsed.map(|d| d.as_millis() as u64),
    }
}

fn step(m: &Migration, elapsed: Option<Duration>) -> Step {
    Step {
        version: m.version,
        version_text: m.version_text.clone(),
        name: m.name.clone(),
        no_transaction: m.up.no_transaction,
        no_transaction_because: m.up.auto_no_transaction,
        execution_ms: elapsed.map(|d| d.as_millis() as u64),
    }
}

fn record(m: &Migration, state: RowState) -> Record {
    Record {
        version: m.version,
        name: m.name.clone(),
        checksum: m.checksum.clone(),
        state,
        execution_ms: 0,
        no_transaction: m.up.no_transaction,
        failed_statement: None,
        failed_line: None,
        error: None,
    }
}

fn failure(
    m: &Migration,
    script: &Script,
    direction: &'static str,
    error: ExecError,
) -> Box<Failure> {
    // The session already added what the SQLSTATE means on its dialect
    // (CockroachDB's XXA00, a partial commit).
    let message = error.message;
    // No SQLSTATE (the socket broke), or class 08 (connection exception) /
    // 57P (the server shut down or restarted).
    let connection_lost = error
        .code
        .as_deref()
        .is_none_or(|code| code.starts_with("08") || code.starts_with("57P"));
    Box::new(Failure {
        connection_lost,
        version: m.version,
        name: m.name.clone(),
        file: script.path.clone(),
        direction,
        line: None,
        statement: None,
        error_at: None,
        message,
        sqlstate: error.code,
        no_transaction: script.no_transaction,
        completed: Vec::new(),
    })
}

/// Writing the history row failed: said as a failure of the migration,
/// without claiming to know whether the connection or the table was at fault.
fn history_failure(
    m: &Migration,
    script: &Script,
    direction: &'static str,
    error: impl std::fmt::Display,
) -> Box<Failure> {
    let mut failed = failure(
        m,
        script,
        direction,
        ExecError {
            message: error.to_string(),
            position: None,
            code: None,
        },
    );
    failed.connection_lost = false;
    failed
}

/// Applies one migration; on failure says which statement failed.
async fn apply_one<D: Migrate>(
    db: &mut D,
    history: &HistoryTable,
    m: &Migration,
) -> std::result::Result<Duration, Box<Failure>> {
    if m.up.no_transaction {
        return apply_no_transaction(db, history, m).await;
    }
    let change = HistoryChange::Record(record(m, RowState::Applied));
    match db.run_in_transaction(&m.up.body, history, &change).await {
        Ok(elapsed) => Ok(elapsed),
        Err(error) => Err(locate(db, m, &m.up, "up", error).await),
    }
}

/// Runs a no-transaction migration one statement at a time, recording it
/// as `running` first, then `applied`, or `failed` with the statement.
async fn apply_no_transaction<D: Migrate>(
    db: &mut D,
    history: &HistoryTable,
    m: &Migration,
) -> std::result::Result<Duration, Box<Failure>> {
    let history_failure = |e: DbError| history_failure(m, &m.up, "up", e);
    let started = std::time::Instant::now();
    db.change_history(
        history,
        &HistoryChange::Record(record(m, RowState::Running)),
    )
    .await
    .map_err(history_failure)?;
    for statement in &m.up.statements {
        if let Err(error) = db.execute_alone(&statement.text).await {
            let mut failed = failure(m, &m.up, "up", error);
            failed.line = Some(statement.line);
            failed.statement = Some(statement.text.clone());
            let row = Record {
                state: RowState::Failed,
                execution_ms: started.elapsed().as_millis() as i64,
                failed_statement: Some(statement.text.clone()),
                failed_line: Some(statement.line as i32),
                error: Some(failed.message.clone()),
                ..record(m, RowState::Failed)
            };
            if let Err(e) = db
                .change_history(history, &HistoryChange::Record(row))
                .await
            {
                failed
                    .message
                    .push_str(&format!("\n  and recording the failure failed too: {e}"));
            }
            return Err(failed);
        }
    }
    let elapsed = started.elapsed();
    let row = Record {
        execution_ms: elapsed.as_millis() as i64,
        ..record(m, RowState::Applied)
    };
    db.change_history(history, &HistoryChange::Record(row))
        .await
        .map_err(history_failure)?;
    Ok(elapsed)
}

/// Finds the failing statement of a failed transactional script: from the
/// server's error position when it gave one, else by replaying the
/// statements one by one in a transaction that is rolled back.
async fn locate<D: Migrate>(
    db: &mut D,
    m: &Migration,
    script: &Script,
    direction: &'static str,
    error: ExecError,
) -> Box<Failure> {
    let position = error.position;
    let mut failed = failure(m, script, direction, error);
    if failed.connection_lost {
        return failed; // nothing to replay the statements on
    }
    let found = match position {
        Some(p) => {
            let byte = char_position_to_byte(&script.body, p);
            failed.error_at = Some(line_and_column(&script.body, byte));
            statement_at(&script.statements, byte).cloned()
        }
        None => {
            let texts: Vec<&str> = script.statements.iter().map(|s| s.text.as_str()).collect();
            db.find_failing_statement(&texts)
                .await
                .map(|(i, _)| script.statements[i].clone())
        }
    };
    if let Some(statement) = found {
        failed.line = Some(statement.line);
        failed.statement = Some(statement.text);
    }
    failed
}

/// The 1-based line and column (in characters) of byte offset `at`.
fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Undoes applied migrations, newest first, each down script in a
/// transaction with the removal of its history row. Refuses before any
/// change when a needed down script is missing.
pub async fn rollback(
    server: &Connector,
    settings: &Settings,
    target: RollbackTarget,
    dry_run: bool,
) -> Result<RunReport> {
    let started = std::time::Instant::now();
    let source = source::read_as(&settings.dir, &settings.layout)?;
    let mut db = open(server).await?;
    if dry_run {
        let rows = read_history(&mut db, &settings.history).await?;
        let plan = Plan::new(&source, &rows);
        let entries = rollback_targets(&plan, &source, target)?;
        let steps = entries.iter().map(|e| undo_step(e, None)).collect();
        return Ok(report(true, steps, &rows, started));
    }
    locked(&mut db, server, settings, async |db, held| {
        undo(db, held, settings, &source, target, started).await
    })
    .await
}

/// A version named on the command line (`migrate --to`, `rollback`) must be
/// one the folder or the history knows: a typo must not read as "nothing to do".
fn known_version(plan: &Plan, version: u64) -> std::result::Result<(), MigrateError> {
    if plan.entries.iter().any(|e| e.version == version) {
        return Ok(());
    }
    Err(MigrateError::BadVersion {
        message: format!("there is no migration {version}, neither in the folder nor applied"),
        hint: "`seedkit status` lists the versions".into(),
    })
}

fn rollback_targets<'a>(
    plan: &'a Plan,
    source: &Source,
    target: RollbackTarget,
) -> std::result::Result<Vec<&'a Entry>, MigrateError> {
    if let RollbackTarget::Version(v) = target {
        known_version(plan, v)?;
    }
    let entries = rollback_entries(plan, target);
    refuse("rollback", rollback_problems(&entries, source))?;
    Ok(entries)
}

fn undo_step(e: &Entry, elapsed: Option<Duration>) -> Step {
    Step {
        version: e.version,
        version_text: e.version_text.clone(),
        name: e.name.clone(),
        no_transaction: e.no_transaction,
        no_transaction_because: None,
        execution_ms: elapsed.map(|d| d.as_millis() as u64),
    }
}

async fn undo<D: Migrate>(
    db: &mut D,
    held: &RunLock,
    settings: &Settings,
    source: &Source,
    target: RollbackTarget,
    started: std::time::Instant,
) -> Result<RunReport> {
    let rows = read_history(db, &settings.history).await?;
    let plan = Plan::new(source, &rows);
    let entries = rollback_targets(&plan, source, target)?;
    let mut steps = Vec::new();
    for entry in entries {
        held.check()?;
        let m = source
            .get(entry.version)
            .expect("rollback_problems checked the file");
        let down = m
            .down
            .as_ref()
            .expect("rollback_problems checked the down script");
        let ran = undo_one(db, &settings.history, m, down).await;
        record_step(&mut steps, ran, |elapsed| {
            let said = format!(
                "rolled back {} {} ({})",
                m.version_text,
                m.name,
                crate::ui::secs(elapsed)
            );
            (said, undo_step(entry, Some(elapsed)))
        })?;
    }
    if !steps.is_empty() {
        repeatable::forget_all(db, &settings.history, &rows).await?;
    }
    finished(db, &settings.history, steps, started).await
}

async fn undo_one<D: Migrate>(
    db: &mut D,
    history: &HistoryTable,
    m: &Migration,
    down: &Script,
) -> std::result::Result<Duration, Box<Failure>> {
    let forget = HistoryChange::Forget(m.version);
    if !down.no_transaction {
        return match db.run_in_transaction(&down.body, history, &forget).await {
            Ok(elapsed) => Ok(elapsed),
            Err(error) => Err(locate(db, m, down, "down", error).await),
        };
    }
    // A no-transaction down script: statement by statement; the migration
    // stays recorded as applied until the last statement succeeded.
    let started = std::time::Instant::now();
    for statement in &down.statements {
        if let Err(error) = db.execute_alone(&statement.text).await {
            let mut failed = failure(m, down, "down", error);
            failed.line = Some(statement.line);
            failed.statement = Some(statement.text.clone());
            return Err(failed);
        }
    }
    db.change_history(history, &forget)
        .await
        .map_err(|e| history_failure(m, down, "down", e))?;
    Ok(started.elapsed())
}

/// What `status` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatusReport {
    pub database: String,
    pub history_table: String,
    pub lock_key: i64,
    pub migrations_dir: PathBuf,
    pub migrations: Vec<Entry>,
    pub summary: Summary,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub total: usize,
    pub applied: usize,
    pub pending: usize,
    pub problems: usize,
    pub current: Option<u64>,
}

impl StatusReport {
    /// What `status --exit-code` returns: 6 when something is wrong, 7 when
    /// something is pending, 0 when clean.
    pub fn exit_code(&self) -> crate::error::ExitCode {
        use crate::error::ExitCode;
        if !self.problems.is_empty() {
            ExitCode::Refused
        } else if self.summary.pending > 0 {
            ExitCode::Pending
        } else {
            ExitCode::Success
        }
    }
}

/// Every migration's state. Takes no lock and changes nothing (the history
/// table is not created).
pub async fn status(server: &Connector, settings: &Settings) -> Result<StatusReport> {
    let source = source::read_as(&settings.dir, &settings.layout)?;
    let mut db = open(server).await?;
    let database = db.current_database().await?;
    let rows = read_history(&mut db, &settings.history).await?;
    let plan = Plan::new(&source, &rows);
    let problems = plan.problems(false);
    let summary = Summary {
        total: plan.entries.len(),
        applied: plan.count(State::Applied)
            + plan.count(State::Changed)
            + plan.count(State::Missing),
        pending: plan.count(State::Pending),
        problems: problems.len(),
        current: highest_applied(&rows),
    };
    Ok(StatusReport {
        lock_key: lock::lock_key(&database, &settings.history),
        database,
        history_table: settings.history.to_string(),
        migrations_dir: settings.dir.clone(),
        migrations: plan.entries,
        summary,
        problems,
    })
}

/// What `repair` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RepairReport {
    pub version: u64,
    pub name: String,
    pub action: RepairAction,
    pub old_checksum: String,
    pub new_checksum: String,
}

/// What `repair` did to the history row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairAction {
    /// The row now carries the file's checksum.
    ChecksumUpdated,
    /// The row already carried it: nothing was written.
    AlreadyMatching,
    /// A failed or interrupted no-transaction run was removed from the history.
    FailedRunForgotten,
}

/// Accepts an edited file (re-records its checksum), or forgets a failed or
/// interrupted no-transaction run so `migrate` runs it again.
pub async fn repair(server: &Connector, settings: &Settings, version: u64) -> Result<RepairReport> {
    let source = source::read_as(&settings.dir, &settings.layout)?;
    let mut db = open(server).await?;
    locked(&mut db, server, settings, async |db, _held| {
        repair_locked(db, settings, &source, version).await
    })
    .await
}

async fn repair_locked<D: Migrate>(
    db: &mut D,
    settings: &Settings,
    source: &Source,
    version: u64,
) -> Result<RepairReport> {
    let rows = read_history(db, &settings.history).await?;
    let Some(row) = rows.iter().find(|r| r.version == version) else {
        return Err(MigrateError::BadVersion {
            message: format!(
                "migration {version} is not in the history: there is nothing to repair"
            ),
            hint: "repair is for applied migrations whose file changed, or failed \
                   no-transaction runs; `seedkit status` shows them"
                .into(),
        }
        .into());
    };
    let Some(m) = source.get(version) else {
        return Err(MigrateError::BadVersion {
            message: format!(
                "migration {version} ({}) has no file in {}",
                row.name,
                settings.dir.display()
            ),
            hint: "restore the file first: repair records the checksum of the file as it is".into(),
        }
        .into());
    };
    let (action, change) = match row.state {
        RowState::Failed | RowState::Running => (
            RepairAction::FailedRunForgotten,
            HistoryChange::Forget(version),
        ),
        RowState::Applied if row.checksum == m.checksum => (
            RepairAction::AlreadyMatching,
            HistoryChange::SetChecksum {
                version,
                checksum: m.checksum.clone(),
            },
        ),
        RowState::Applied => (
            RepairAction::ChecksumUpdated,
            HistoryChange::SetChecksum {
                version,
                checksum: m.checksum.clone(),
            },
        ),
    };
    if action != RepairAction::AlreadyMatching {
        db.change_history(&settings.history, &change).await?;
    }
    Ok(RepairReport {
        version,
        name: m.name.clone(),
        action,
        old_checksum: row.checksum.clone(),
        new_checksum: m.checksum.clone(),
    })
}
