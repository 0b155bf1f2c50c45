//! Comparing the folder with the history: each migration's state, the
//! problems that make `migrate` refuse, and what to apply or undo.
//!
//! Pure functions over [`Source`] and history rows, so the rules are
//! written once and unit-tested without a database.

use std::path::PathBuf;

use super::error::Problem;
use super::history::{AppliedRow, RowState};
use super::source::{Migration, Source};

/// A migration's state, as `status` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Applied,
    Pending,
    /// Applied, but the file's checksum differs from the recorded one.
    Changed,
    /// Applied, but its file is gone.
    Missing,
    /// A no-transaction migration that failed part-way.
    Failed,
    /// A no-transaction migration whose process died while it ran.
    Interrupted,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Changed => "changed",
            State::Missing => "missing",
            State::Failed => "failed",
            State::Interrupted => "interrupted",
        }
    }
}

/// One line of `status`: a version known to the folder, the history, or both.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub version: u64,
    /// The version as the file name writes it (`014`).
    pub version_text: String,
    pub name: String,
    pub state: State,
    /// A pending version lower than the highest recorded one.
    pub out_of_order: bool,
    pub file: Option<PathBuf>,
    /// Checksum of the file as it is now.
    pub checksum: Option<String>,
    pub has_down: bool,
    pub no_transaction: bool,
    /// The history row, when there is one.
    pub applied: Option<AppliedRow>,
}

/// The folder and the history side by side, ordered by version.
#[derive(Debug, Clone)]
pub struct Plan {
    pub entries: Vec<Entry>,
}

impl Plan {
    /// Rows of repeatable migrations ([`super::repeatable`]) are left out.
    pub fn new(source: &Source, rows: &[AppliedRow]) -> Plan {
        let rows: Vec<&AppliedRow> = rows
            .iter()
            .filter(|r| !super::repeatable::is_repeatable(r.version))
            .collect();
        let highest = rows.iter().map(|r| r.version).max();
        let mut entries: Vec<Entry> = source
            .migrations
            .iter()
            .map(|m| {
                let row = rows.iter().find(|r| r.version == m.version);
                let state = match row {
                    None => State::Pending,
                    Some(r) => match r.state {
                        RowState::Failed => State::Failed,
                        RowState::Running => State::Interrupted,
                        RowState::Applied if r.checksum != m.checksum => State::Changed,
                        RowState::Applied => State::Applied,
                    },
                };
                Entry {
                    version: m.version,
                    version_text: m.version_text.clone(),
                    name: m.name.clone(),
                    state,
                    out_of_order: state == State::Pending && highest.is_some_and(|h| m.version < h),
                    file: Some(m.up.path.clone()),
                    checksum: Some(m.checksum.clone()),
                    has_down: m.down.is_some(),
                    no_transaction: m.up.no_transaction,
                    applied: row.cloned().cloned(),
                }
            })
            .collect();
        for row in rows {
            if source.get(row.version).is_none() {
                entries.push(Entry {
                    version: row.version,
                    version_text: row.version.to_string(),
                    name: row.name.clone(),
                    state: match row.state {
                        RowState::Applied => State::Missing,
                        RowState::Failed => State::Failed,
                        RowState::Running => State::Interrupted,
                    },
                    out_of_order: false,
                    file: None,
                    checksum: None,
                    has_down: false,
                    no_transaction: row.no_transaction,
                    applied: Some(row.clone()),
                });
            }
        }
        entries.sort_by_key(|e| e.version);
        Plan { entries }
    }

    pub fn count(&self, state: State) -> usize {
        self.entries.iter().filter(|e| e.state == state).count()
    }

    /// Everything that makes `migrate` refuse, each with its way out.
    /// Out-of-order pending versions are a problem unless allowed.
    pub fn problems(&self, allow_out_of_order: bool) -> Vec<Problem> {
        let mut problems = Vec::new();
        for e in &self.entries {
            let v = e.version;
            let problem = match e.state {
                State::Changed => Some(Problem {
                    version: Some(v),
                    kind: "changed",
                    message: format!(
                        "{v} ({}) was edited after it was applied: recorded checksum {}, file {}",
                        e.name,
                        short(e.applied.as_ref().map(|r| r.checksum.as_str())),
                        short(e.checksum.as_deref())
                    ),
                    way_out: format!(
                        "restore the file as applied, or accept the edit with `seedkit repair {v}` \
                         (put new changes in a new migration: `seedkit new NAME`)"
                    ),
                }),
                State::Missing => Some(Problem {
                    version: Some(v),
                    kind: "missing",
                    message: format!("{v} ({}) is applied but its file is gone", e.name),
                    way_out: "restore the file (e.g. from git), or undo the migration by hand and \
                              delete its history row"
                        .into(),
                }),
                State::Failed => Some(Problem {
                    version: Some(v),
                    kind: "failed",
                    message: format!(
                        "{v} ({}) ran outside a transaction and failed{}: {}",
                        e.name,
                        e.applied
                            .as_ref()
                            .and_then(|r| r.failed_line)
                            .map(|l| format!(" at line {l}"))
                            .unwrap_or_default(),
                        e.applied
                            .as_ref()
                            .and_then(|r| r.error.clone())
                            .unwrap_or_default()
                    ),
                    way_out: format!(
                        "undo or finish by hand what its earlier statements did, fix the file, \
                         then `seedkit repair {v}` (forgets the failed run) and `seedkit migrate`"
                    ),
                }),
                State::Interrupted => Some(Problem {
                    version: Some(v),
                    kind: "interrupted",
                    message: format!(
                        "{v} ({}) ran outside a transaction and its process died part-way",
                        e.name
                    ),
                    way_out: format!(
                        "check which of its statements took effect and undo them, then \
                         `seedkit repair {v}` and `seedkit migrate`"
                    ),
                }),
                State::Pending if e.out_of_order && !allow_out_of_order => Some(Problem {
                    version: Some(v),
                    kind: "out_of_order",
                    message: format!(
                        "{v} ({}) is pending but a higher version is already applied",
                        e.name
                    ),
                    way_out: "renumber it above the applied versions, or apply it anyway with \
                              `seedkit migrate --allow-out-of-order`"
                        .into(),
                }),
                _ => None,
            };
            problems.extend(problem);
        }
        problems
    }

    /// The pending migrations to apply, in version order, up to `to`.
    pub fn pending<'a>(&self, source: &'a Source, to: Option<u64>) -> Vec<&'a Migration> {
        self.entries
            .iter()
            .filter(|e| e.state == State::Pending && to.is_none_or(|to| e.version <= to))
            .filter_map(|e| source.get(e.version))
            .collect()
    }

    /// Recorded versions (any state), newest first.
    pub fn recorded_newest_first(&self) -> Vec<&Entry> {
        let mut recorded: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.applied.is_some())
            .collect();
        recorded.reverse();
        recorded
    }
}

/// What `rollback` undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackTarget {
    /// This version and every applied version above it.
    Version(u64),
    /// The last N applied versions.
    Steps(u32),
    All,
}

/// The applied entries a rollback undoes, newest first.
pub fn rollback_entries(plan: &Plan, target: RollbackTarget) -> Vec<&Entry> {
    let recorded = plan.recorded_newest_first();
    match target {
        RollbackTarget::Version(v) => recorded.into_iter().filter(|e| e.version >= v).collect(),
        RollbackTarget::Steps(n) => recorded.into_iter().take(n as usize).collect(),
        RollbackTarget::All => recorded,
    }
}

/// Why a rollback over `entries` cannot start: missing down scripts, and
/// failed/interrupted migrations that need a decision first.
pub fn rollback_problems(entries: &[&Entry], source: &Source) -> Vec<Problem> {
    let mut problems = Vec::new();
    for e in entries {
        let v = e.version;
        match e.state {
            State::Failed | State::Interrupted => problems.push(Problem {
                version: Some(v),
                kind: e.state.as_str(),
                message: format!("{v} ({}) is recorded as {}", e.name, e.state.as_str()),
                way_out: format!(
                    "undo its partial effects by hand, then `seedkit repair {v}` to forget it"
                ),
            }),
            _ if source.get(v).is_none_or(|m| m.down.is_none()) => {
                let expected = match source.get(v) {
                    Some(m) => expected_down_path(m),
                    None => format!("a down script for {v}_{}", e.name),
                };
                problems.push(Problem {
                    version: Some(v),
                    kind: "no_down_script",
                    message: format!("{v} ({}) has no down script", e.name),
                    way_out: format!("write {expected}, or roll back to a version above {v}"),
                });
            }
            _ => {}
        }
    }
    problems
}

fn expected_down_path(m: &Migration) -> String {
    m.expected_down.clone()
}

fn short(checksum: Option<&str>) -> String {
    checksum.map_or_else(|| "-".to_string(), |c| c.chars().take(12).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::source::{Layout, Script};

    fn migration(version: u64, with_down: bool) -> Migration {
        let script = |name: &str| Script {
            path: PathBuf::from(name),
            sql: String::new(),
            body: String::new(),
            statements: Vec::new(),
            no_transaction: false,
            auto_no_transaction: None,
        };
        Migration {
            version,
            version_text: version.to_string(),
            name: format!("m{version}"),
            layout: Layout::Sqlx,
            up: script(&format!("{version}_m{version}.up.sql")),
            down: with_down.then(|| script(&format!("{version}_m{version}.down.sql"))),
            checksum: format!("sum{version}"),
            expected_down: format!("{version}_m{version}.down.sql"),
        }
    }

    fn row(version: u64, checksum: &str) -> AppliedRow {
        AppliedRow {
            version,
            name: format!("m{version}"),
            checksum: checksum.into(),
            state: RowState::Applied,
            applied_at: String::new(),
            execution_ms: 0,
            applied_by: String::new(),
            no_transaction: false,
            failed_statement: None,
            failed_line: None,
            error: None,
        }
    }

    fn source(migrations: Vec<Migration>) -> Source {
        Source {
            dir: PathBuf::from("m"),
            migrations,
            repeatables: Vec::new(),
            layout: Layout::Sqlx,
            pattern: None,
        }
    }

    #[test]
    fn states_and_problems() {
        let src = source(vec![
            migration(1, true),
            migration(2, true),
            migration(3, true),
        ]);
        let rows = [row(1, "edited"), row(3, "sum3"), row(4, "sum4")];
        let plan = Plan::new(&src, &rows);
        let states: Vec<_> = plan.entries.iter().map(|e| (e.version, e.state)).collect();
        assert_eq!(
            states,
            vec![
                (1, State::Changed),
                (2, State::Pending),
                (3, State::Applied),
                (4, State::Missing)
            ]
        );
        assert!(plan.entries[1].out_of_order);
        let kinds: Vec<_> = plan.problems(false).iter().map(|p| p.kind).collect();
        assert_eq!(kinds, vec!["changed", "out_of_order", "missing"]);
        let kinds: Vec<_> = plan.problems(true).iter().map(|p| p.kind).collect();
        assert_eq!(kinds, vec!["changed", "missing"]);
    }

    #[test]
    fn pending_stops_at_to() {
        let src = source(vec![
            migration(1, true),
            migration(2, true),
            migration(10, true),
        ]);
        let plan = Plan::new(&src, &[]);
        let versions: Vec<u64> = plan
            .pending(&src, Some(2))
            .iter()
            .map(|m| m.version)
            .collect();
        assert_eq!(versions, vec![1, 2]);
        assert_eq!(plan.pending(&src, None).len(), 3);
    }

    #[test]
    fn rollback_targets_newest_first_and_missing_down_refused() {
        let src = source(vec![
            migration(1, true),
            migration(2, false),
            migration(3, true),
        ]);
        let rows = [row(1, "sum1"), row(2, "sum2"), row(3, "sum3")];
        let plan = Plan::new(&src, &rows);
        let versions = |t| -> Vec<u64> {
            rollback_entries(&plan, t)
                .iter()
                .map(|e| e.version)
                .collect()
        };
        assert_eq!(versions(RollbackTarget::Version(2)), vec![3, 2]);
        assert_eq!(versions(RollbackTarget::Steps(1)), vec![3]);
        assert_eq!(versions(RollbackTarget::All), vec![3, 2, 1]);
        let problems = rollback_problems(&rollback_entries(&plan, RollbackTarget::All), &src);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].version, Some(2));
        assert!(
            problems[0].way_out.contains("2_m2.down.sql"),
            "{}",
            problems[0].way_out
        );
        assert!(
            rollback_problems(&rollback_entries(&plan, RollbackTarget::Steps(1)), &src).is_empty()
        );
    }
}
