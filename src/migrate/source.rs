//! Reading a migrations folder, in the layouts teams already have
//! (see [`super::layout`] for each layout's names and sections).
//!
//! Versions are unsigned integers compared as numbers (`014` = `14`;
//! Flyway's dotted versions are mapped onto integers in order). Hidden
//! entries (`.keep`, `.DS_Store`), files not ending in `.sql` (`README.md`)
//! and folders whose name does not start with a digit are ignored. Every
//! problem in the folder is collected and reported at once, before anything
//! touches the database.
//!
//! A migration made only of statements PostgreSQL refuses inside a
//! transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...) runs
//! without one, as Flyway does, even without a marker; one that mixes them
//! with other statements is refused, naming the statement and the marker
//! that would make the whole file run statement by statement.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::checksum::checksum;
use super::error::MigrateError;
pub use super::layout::sqlx::Direction;
pub use super::layout::{Layout, LayoutChoice, NamePattern, parse_version};
use super::layout::{diesel, flyway, sections, sqlx};
use super::split::{Statement, TransactionControl, split};

/// One up or down script.
#[derive(Debug, Clone)]
pub struct Script {
    pub path: PathBuf,
    /// The file's text as read (for a goose or dbmate section: the file with
    /// everything outside the section blanked, so positions still match).
    pub sql: String,
    /// What is sent to the server: `sql` with a file's own leading `BEGIN;`
    /// and trailing `COMMIT;` blanked out (same length, so error positions
    /// still point into the file).
    pub body: String,
    pub statements: Vec<Statement>,
    /// Runs outside a transaction, one statement at a time.
    pub no_transaction: bool,
    /// Set when seedkit chose no transaction by itself: the kind of
    /// statement PostgreSQL refuses in a transaction block that the
    /// script is made of (`CREATE INDEX CONCURRENTLY`).
    pub auto_no_transaction: Option<&'static str>,
}

impl Script {
    /// Whether there is nothing to run (an empty or comment-only file).
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

/// A migration: an up script, maybe a down script.
#[derive(Debug, Clone)]
pub struct Migration {
    pub version: u64,
    /// The version as written in the file name (`014`, Flyway's `2.1`).
    pub version_text: String,
    pub name: String,
    pub layout: Layout,
    pub up: Script,
    pub down: Option<Script>,
    /// Hex SHA-256 of the up script, CRLF normalised to LF.
    pub checksum: String,
    /// Where a missing down script would go, for messages.
    pub expected_down: String,
}

/// A Flyway repeatable migration (`R__<description>.sql`): re-applied
/// whenever its checksum changes, after the versioned migrations.
#[derive(Debug, Clone)]
pub struct Repeatable {
    pub name: String,
    pub script: Script,
    pub checksum: String,
}

/// A migrations folder, read and checked.
#[derive(Debug, Clone)]
pub struct Source {
    pub dir: PathBuf,
    /// Sorted by version.
    pub migrations: Vec<Migration>,
    /// Sorted by name.
    pub repeatables: Vec<Repeatable>,
    /// The folder's layout: forced, recognised, or sqlx for an empty folder.
    pub layout: Layout,
    /// The `--layout` pattern, when one was given.
    pub pattern: Option<NamePattern>,
}

impl Source {
    pub fn get(&self, version: u64) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.version == version)
    }

    /// The layout new migrations should use: the one the folder already uses.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The version a command-line argument names in this folder: a version
    /// as written in a file name (`014`, Flyway's `2.1`), else as a number.
    pub fn version_arg(&self, text: &str) -> Option<u64> {
        let text = text.trim();
        if let Some(m) = self.migrations.iter().find(|m| m.version_text == text) {
            return Some(m.version);
        }
        match self.layout {
            Layout::Flyway => flyway::encode_version(&text.replace('_', ".")).ok(),
            _ => parse_version(text),
        }
    }
}

/// Something wrong with one file or folder of the migrations folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderProblem {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for FolderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Parses `<version>_<name>.up.sql`, `.down.sql` or `<version>_<name>.sql`.
pub fn parse_sqlx_name(file_name: &str) -> Option<sqlx::SqlxName> {
    sqlx::parse_name(file_name)
}

/// Whether a script's first line asks to run outside a transaction
/// (`-- seedkit:no-transaction`, or sqlx's `-- no-transaction`).
pub fn has_no_transaction_directive(sql: &str) -> bool {
    let first = sql
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let Some(comment) = first.trim().strip_prefix("--") else {
        return false;
    };
    matches!(comment.trim(), "seedkit:no-transaction" | "no-transaction")
}

/// Reads and checks a migrations folder, recognising its layout.
pub fn read(dir: &Path) -> Result<Source, MigrateError> {
    read_as(dir, &LayoutChoice::Auto)
}

/// Reads and checks a migrations folder in the layout `choice` says, for a
/// run (migrate, rollback, status, repair, baseline): an empty folder is
/// worth a warning, since a run against it only creates the history table.
pub fn read_as(dir: &Path, choice: &LayoutChoice) -> Result<Source, MigrateError> {
    let source = read_folder_as(dir, choice)?;
    if source.migrations.is_empty() {
        crate::ui::warn(format!(
            "no migrations found in {} (files like 001_create_players.sql, or \
             `seedkit new NAME` to start one)",
            dir.display()
        ));
    }
    Ok(source)
}

/// Reads and checks a migrations folder in the layout `choice` says.
pub fn read_folder_as(dir: &Path, choice: &LayoutChoice) -> Result<Source, MigrateError> {
    let entries = std::fs::read_dir(dir).map_err(|e| MigrateError::FolderUnreadable {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut reader = Reader {
        choice: choice.clone(),
        ..Reader::default()
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        reader.entry(&path);
    }
    reader.finish(dir)
}

#[derive(Default)]
struct Reader {
    choice: LayoutChoice,
    ups: BTreeMap<u64, Vec<Found>>,
    downs: Vec<Down>,
    repeatables: Vec<Repeatable>,
    /// The first entry seen of each layout.
    seen: BTreeMap<Layout, PathBuf>,
    problems: Vec<FolderProblem>,
}

struct Found {
    version_text: String,
    name: String,
    layout: Layout,
    up: Script,
    down: Option<Script>,
    checksum: String,
    expected_down: String,
}

struct Down {
    version: u64,
    version_text: String,
    name: String,
    layout: Layout,
    script: Script,
}

impl Reader {
    fn problem(&mut self, path: &Path, message: impl Into<String>) {
        self.problems.push(FolderProblem {
            path: path.to_path_buf(),
            message: message.into(),
        });
    }

    fn entry(&mut self, path: &Path) {
        let Some(file_name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return;
        };
        if file_name.starts_with('.') {
            return;
        }
        let is_dir = path.is_dir();
        if is_dir && !file_name.starts_with(|c: char| c.is_ascii_digit()) {
            return;
        }
        if !is_dir && !file_name.ends_with(".sql") {
            return;
        }
        let text = if is_dir {
            None
        } else {
            let Some(text) = self.read_text(path) else {
                return;
            };
            Some(text)
        };
        let layout = match &self.choice {
            LayoutChoice::Auto => {
                let Some(layout) = super::layout::detect(&file_name, is_dir, text.as_deref())
                else {
                    return;
                };
                layout
            }
            LayoutChoice::Forced(_) | LayoutChoice::Pattern(_) if is_dir => {
                self.problem(
                    path,
                    format!(
                        "a folder, which the {} layout does not have",
                        self.forced_name()
                    ),
                );
                return;
            }
            LayoutChoice::Forced(layout) => *layout,
            LayoutChoice::Pattern(_) => Layout::Pattern,
        };
        self.seen
            .entry(layout)
            .or_insert_with(|| path.to_path_buf());
        match (layout, text) {
            (Layout::Diesel, _) => self.diesel_folder(path, &file_name),
            (_, None) => {}
            (Layout::Sqlx, Some(text)) => self.sqlx_file(path, &file_name, text),
            (Layout::Flyway, Some(text)) => self.flyway_file(path, &file_name, text),
            (Layout::Goose, Some(text)) => {
                self.sections_file(path, &file_name, text, sections::Kind::Goose)
            }
            (Layout::Dbmate, Some(text)) => {
                self.sections_file(path, &file_name, text, sections::Kind::Dbmate)
            }
            (Layout::Pattern, Some(text)) => self.pattern_file(path, &file_name, text),
        }
    }

    fn forced_name(&self) -> String {
        match &self.choice {
            LayoutChoice::Pattern(p) => format!("`{}`", p.text),
            LayoutChoice::Forced(l) => l.name().to_string(),
            LayoutChoice::Auto => "auto".into(),
        }
    }

    fn add_up(&mut self, version: u64, found: Found) {
        self.ups.entry(version).or_default().push(found);
    }

    /// An up script from a whole file: the layout's name parts and script.
    fn whole_file_up(
        &mut self,
        version: u64,
        version_text: String,
        name: String,
        layout: Layout,
        up: Script,
        expected_down: String,
    ) {
        let checksum = checksum(&up.sql);
        self.add_up(
            version,
            Found {
                version_text,
                name,
                layout,
                up,
                down: None,
                checksum,
                expected_down,
            },
        );
    }

    fn sqlx_file(&mut self, path: &Path, file_name: &str, text: String) {
        let Some(parsed) = sqlx::parse_name(file_name) else {
            let message = match self.choice {
                LayoutChoice::Auto => format!("unparseable name: {}", sqlx::EXPECTED),
                _ => format!(
                    "not a migration of the {} layout: {}",
                    self.forced_name(),
                    sqlx::EXPECTED
                ),
            };
            self.problem(path, message);
            return;
        };
        let no_transaction = has_no_transaction_directive(&text);
        let Some(script) = self.script(path, text, no_transaction, Layout::Sqlx) else {
            return;
        };
        match parsed.direction {
            Direction::Up => {
                let up = path.display().to_string();
                let expected_down = match up.strip_suffix(".up.sql") {
                    Some(stem) => format!("{stem}.down.sql"),
                    None => format!("{}.down.sql", up.trim_end_matches(".sql")),
                };
                self.whole_file_up(
                    parsed.version,
                    parsed.version_text,
                    parsed.name,
                    Layout::Sqlx,
                    script,
                    expected_down,
                )
            }
            Direction::Down => self.downs.push(Down {
                version: parsed.version,
                version_text: parsed.version_text,
                name: parsed.name,
                layout: Layout::Sqlx,
                script,
            }),
        }
    }

    fn flyway_file(&mut self, path: &Path, file_name: &str, text: String) {
        let parsed = match flyway::parse_name(file_name) {
            Ok(parsed) => parsed,
            Err(message) => return self.problem(path, message),
        };
        let no_transaction = has_no_transaction_directive(&text);
        let Some(script) = self.script(path, text, no_transaction, Layout::Flyway) else {
            return;
        };
        match parsed {
            flyway::FlywayName::Repeatable { name } => self.repeatables.push(Repeatable {
                name,
                checksum: checksum(&script.sql),
                script,
            }),
            flyway::FlywayName::Versioned {
                version,
                version_text,
                name,
                direction: Direction::Up,
            } => {
                let expected_down = path
                    .with_file_name(format!("U{}", &file_name[1..]))
                    .display()
                    .to_string();
                self.whole_file_up(
                    version,
                    version_text,
                    name,
                    Layout::Flyway,
                    script,
                    expected_down,
                )
            }
            flyway::FlywayName::Versioned {
                version,
                version_text,
                name,
                direction: Direction::Down,
            } => self.downs.push(Down {
                version,
                version_text,
                name,
                layout: Layout::Flyway,
                script,
            }),
        }
    }

    fn pattern_file(&mut self, path: &Path, file_name: &str, text: String) {
        let LayoutChoice::Pattern(pattern) = &self.choice else {
            return;
        };
        let Some(parsed) = pattern.parse_name(file_name) else {
            let message = format!("does not match the layout pattern `{}`", pattern.text);
            return self.problem(path, message);
        };
        let expected_down = path
            .with_file_name(pattern.file_name(&parsed.version_text, &parsed.name, "down"))
            .display()
            .to_string();
        let no_transaction = has_no_transaction_directive(&text);
        let Some(script) = self.script(path, text, no_transaction, Layout::Pattern) else {
            return;
        };
        match parsed.direction {
            Direction::Up => self.whole_file_up(
                parsed.version,
                parsed.version_text,
                parsed.name,
                Layout::Pattern,
                script,
                expected_down,
            ),
            Direction::Down => self.downs.push(Down {
                version: parsed.version,
                version_text: parsed.version_text,
                name: parsed.name,
                layout: Layout::Pattern,
                script,
            }),
        }
    }

    /// A goose or dbmate file: `<version>_<name>.sql` with up and down sections.
    fn sections_file(&mut self, path: &Path, file_name: &str, text: String, kind: sections::Kind) {
        let layout = match kind {
            sections::Kind::Goose => Layout::Goose,
            sections::Kind::Dbmate => Layout::Dbmate,
        };
        let parsed = match file_name
            .strip_suffix(".sql")
            .and_then(|s| s.split_once('_'))
        {
            Some((v, name)) if !v.contains('.') => {
                parse_version(v).map(|version| (version, v, name))
            }
            _ => None,
        };
        let Some((version, version_text, name)) = parsed else {
            let message = format!(
                "unparseable {layout} name: expected <version>_<name>.sql, with <version> an unsigned integer"
            );
            return self.problem(path, message);
        };
        let found = match kind.parse(&text) {
            Ok(found) => found,
            Err(message) => return self.problem(path, message),
        };
        let mut script_of = |section: &sections::Section| {
            let sql = sections::blank_outside(&text, &section.range);
            let mut script = self.script(path, sql, section.no_transaction, layout)?;
            merge_blocks(&mut script, &section.blocks);
            Some(script)
        };
        let Some(up) = script_of(&found.up) else {
            return;
        };
        let down = match &found.down {
            Some(section) => match script_of(section) {
                Some(down) => Some(down),
                None => return,
            },
            None => None,
        };
        self.add_up(
            version,
            Found {
                version_text: version_text.to_string(),
                name: name.to_string(),
                layout,
                checksum: checksum(&text[found.up.range.clone()]),
                up,
                down,
                expected_down: format!("a `{}` section in {}", kind.down_marker(), path.display()),
            },
        );
    }

    fn diesel_folder(&mut self, path: &Path, dir_name: &str) {
        let up_path = path.join("up.sql");
        let down_path = path.join("down.sql");
        let Some((version, version_text, name)) = diesel::parse_name(dir_name) else {
            self.problem(
                path,
                "unparseable name: a diesel migration folder is <timestamp>_<name>, \
                 e.g. 2024-01-02-030405_create_users",
            );
            return;
        };
        if !up_path.is_file() {
            let message = if down_path.is_file() {
                "the up.sql of this migration is missing, only its down.sql is here: restore \
                 it (from version control if the migration was applied) or remove the folder"
            } else {
                "migration folder without up.sql"
            };
            self.problem(path, message);
            return;
        }
        let no_transaction = match diesel::read_metadata(&path.join("metadata.toml")) {
            Ok(flag) => flag,
            Err(message) => {
                self.problem(&path.join("metadata.toml"), message);
                return;
            }
        };
        let Some(up) = self.read_script(&up_path, no_transaction) else {
            return;
        };
        let down = if down_path.is_file() {
            let Some(down) = self.read_script(&down_path, no_transaction) else {
                return;
            };
            Some(down)
        } else {
            None
        };
        self.add_up(
            version,
            Found {
                version_text,
                name,
                layout: Layout::Diesel,
                checksum: checksum(&up.sql),
                up,
                down,
                expected_down: down_path.display().to_string(),
            },
        );
    }

    /// Reads a file as UTF-8; records a problem and returns None when it cannot.
    fn read_text(&mut self, path: &Path) -> Option<String> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.problem(path, format!("cannot read: {e}"));
                return None;
            }
        };
        match String::from_utf8(bytes) {
            Ok(s) => Some(s),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                self.problem(
                    path,
                    format!("not UTF-8 (invalid byte at offset {at}); save the file as UTF-8"),
                );
                None
            }
        }
    }

    /// Reads one diesel script (its marker is in metadata.toml or the file).
    fn read_script(&mut self, path: &Path, forced_no_transaction: bool) -> Option<Script> {
        let sql = self.read_text(path)?;
        let no_transaction = forced_no_transaction || has_no_transaction_directive(&sql);
        self.script(path, sql, no_transaction, Layout::Diesel)
    }

    /// Makes a script of `sql`; records a problem and returns None when the
    /// script cannot run as it is.
    fn script(
        &mut self,
        path: &Path,
        sql: String,
        no_transaction: bool,
        layout: Layout,
    ) -> Option<Script> {
        let mut script = match prepare(&sql, no_transaction) {
            Ok((body, statements)) => Script {
                path: path.to_path_buf(),
                sql,
                body,
                statements,
                no_transaction,
                auto_no_transaction: None,
            },
            Err(message) => {
                self.problem(path, message);
                return None;
            }
        };
        if !no_transaction {
            match refusing_transaction(&script.statements, layout) {
                Ok(None) => {}
                Ok(Some(kind)) => {
                    script.no_transaction = true;
                    script.auto_no_transaction = Some(kind);
                }
                Err(message) => {
                    self.problem(path, message);
                    return None;
                }
            }
        }
        Some(script)
    }

    fn finish(mut self, dir: &Path) -> Result<Source, MigrateError> {
        self.pair_downs();
        let mut migrations = Vec::new();
        for (version, mut found) in std::mem::take(&mut self.ups) {
            if found.len() > 1 {
                let paths: Vec<String> = found
                    .iter()
                    .map(|f| f.up.path.display().to_string())
                    .collect();
                self.problem(
                    &found[0].up.path.clone(),
                    format!("duplicate version {version}: {}", paths.join(", ")),
                );
                continue;
            }
            let f = found.remove(0);
            migrations.push(Migration {
                version,
                version_text: f.version_text,
                name: f.name,
                layout: f.layout,
                checksum: f.checksum,
                up: f.up,
                down: f.down,
                expected_down: f.expected_down,
            });
        }
        self.mixed_layouts(dir);
        let mut repeatables = std::mem::take(&mut self.repeatables);
        repeatables.sort_by(|a, b| a.name.cmp(&b.name));
        if !self.problems.is_empty() {
            self.problems.sort_by(|a, b| a.path.cmp(&b.path));
            return Err(MigrateError::Folder {
                dir: dir.to_path_buf(),
                problems: self.problems,
            });
        }
        let layout = match &self.choice {
            LayoutChoice::Forced(layout) => *layout,
            LayoutChoice::Pattern(_) => Layout::Pattern,
            LayoutChoice::Auto => self.seen.keys().next().copied().unwrap_or(Layout::Sqlx),
        };
        Ok(Source {
            dir: dir.to_path_buf(),
            migrations,
            repeatables,
            layout,
            pattern: match self.choice {
                LayoutChoice::Pattern(p) => Some(p),
                _ => None,
            },
        })
    }

    /// Pairs each down script with the up script of its version (by
    /// version, not by name, as golang-migrate does).
    fn pair_downs(&mut self) {
        let downs = std::mem::take(&mut self.downs);
        let mut taken: BTreeMap<u64, PathBuf> = BTreeMap::new();
        for down in downs {
            let path = down.script.path.clone();
            if let Some(first) = taken.get(&down.version) {
                let message = format!(
                    "duplicate down script for version {}: {}, {}",
                    down.version_text,
                    first.display(),
                    path.display()
                );
                self.problem(&path, message);
                continue;
            }
            taken.insert(down.version, path.clone());
            let up = self
                .ups
                .get_mut(&down.version)
                .and_then(|found| found.iter_mut().find(|f| f.layout == down.layout));
            match up {
                Some(found) if found.down.is_none() => found.down = Some(down.script),
                Some(found) => {
                    let message = format!(
                        "a second down script for version {} (the first is in {})",
                        down.version_text,
                        found.up.path.display()
                    );
                    self.problem(&path, message);
                }
                None => {
                    let expected = match down.layout {
                        Layout::Flyway => format!("V{}__{}.sql", down.version_text, down.name),
                        _ => path
                            .file_name()
                            .map(|n| n.to_string_lossy().replace(".down.sql", ".up.sql"))
                            .unwrap_or_default(),
                    };
                    let message = format!(
                        "the up file of migration {} ({}) is missing, only its down script is \
                         here: restore {expected} (from version control if the migration was \
                         applied) or remove the down script",
                        down.version_text, down.name
                    );
                    self.problem(&path, message);
                }
            }
        }
    }

    /// Without `--layout`, a folder whose entries belong to two layouts is
    /// refused, naming both.
    fn mixed_layouts(&mut self, dir: &Path) {
        if self.choice != LayoutChoice::Auto || self.seen.len() < 2 {
            return;
        }
        let found: Vec<String> = self
            .seen
            .iter()
            .map(|(layout, path)| {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                format!("{layout} ({name})")
            })
            .collect();
        self.problem(
            dir,
            format!(
                "mixes layouts: {}; keep one layout per folder, or pass --layout NAME to read \
                 the folder as one of them",
                found.join(" and ")
            ),
        );
    }
}

/// Whether a transactional script must run without a transaction: `Ok(Some)`
/// when every statement is one PostgreSQL refuses in a transaction block;
/// an error naming the statement and the marker when only some are.
fn refusing_transaction(
    statements: &[Statement],
    layout: Layout,
) -> Result<Option<&'static str>, String> {
    let refusing: Vec<(&Statement, &'static str)> = statements
        .iter()
        .filter_map(|s| s.refuses_transaction().map(|kind| (s, kind)))
        .collect();
    let Some(&(first, kind)) = refusing.first() else {
        return Ok(None);
    };
    if refusing.len() == statements.len() {
        return Ok(Some(kind));
    }
    let other = statements
        .iter()
        .find(|s| s.refuses_transaction().is_none())
        .expect("some statement is not refusing");
    Err(format!(
        "line {}: `{}` ({kind}) cannot run inside a transaction block, but the migration also \
         has statements that run in one (line {}: `{}`); move it to a migration of its own \
         (which then runs without a transaction), or mark the file {} to run every statement \
         on its own",
        first.line,
        first.first_line(),
        other.line,
        other.first_line(),
        layout.no_transaction_marker()
    ))
}

/// Makes each goose `StatementBegin`/`StatementEnd` body one statement.
fn merge_blocks(script: &mut Script, blocks: &[std::ops::Range<usize>]) {
    for block in blocks {
        let inside: Vec<usize> = (0..script.statements.len())
            .filter(|&i| block.contains(&script.statements[i].start))
            .collect();
        let (Some(&first), Some(&last)) = (inside.first(), inside.last()) else {
            continue;
        };
        let start = script.statements[first].start;
        let end = script.statements[last].end;
        let merged = Statement::spanning(&script.body, start, end, script.statements[first].line);
        script.statements.splice(first..=last, [merged]);
    }
}

/// Splits a script and applies seedkit's policy for a file's own
/// transaction control: a leading `BEGIN;` and trailing `COMMIT;` around the
/// whole file are dropped (seedkit runs the file in its own transaction,
/// together with the history row); any other transaction control in a
/// transactional file is refused, since it would commit part of the
/// migration apart from its history row. No-transaction files run as written.
fn prepare(file_text: &str, no_transaction: bool) -> Result<(String, Vec<Statement>), String> {
    // A UTF-8 byte-order mark (some Windows editors write one) is not SQL:
    // it becomes a space, keeping character positions.
    let unmarked;
    let sql = match file_text.strip_prefix('\u{feff}') {
        Some(rest) => {
            unmarked = format!(" {rest}");
            unmarked.as_str()
        }
        None => file_text,
    };
    let mut statements = split(sql);
    if no_transaction {
        return Ok((sql.to_string(), statements));
    }
    let first = statements.first().and_then(Statement::transaction_control);
    let last = statements.last().and_then(Statement::transaction_control);
    let mut blank = Vec::new();
    if first == Some(TransactionControl::Begin) {
        if statements.len() < 2 || last != Some(TransactionControl::Commit) {
            return Err(format!(
                "line {}: the file opens a transaction with BEGIN but does not end with COMMIT",
                statements[0].line
            ));
        }
        blank.push(statements.remove(statements.len() - 1));
        blank.push(statements.remove(0));
    }
    if let Some(s) = statements
        .iter()
        .find(|s| s.transaction_control().is_some())
    {
        return Err(format!(
            "line {}: `{}` inside a transactional migration: seedkit runs each migration in one \
             transaction with its history row; remove it, or make the file \
             `-- seedkit:no-transaction` on its first line",
            s.line,
            s.first_line()
        ));
    }
    let mut body = sql.to_string();
    for s in blank {
        let spaces: String = sql[s.start..s.end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        // Same number of characters, so positions still match the file.
        body.replace_range(s.start..s.end, &spaces);
    }
    Ok((body, statements))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert_eq!(parse_version("014"), parse_version("14"));
        assert_eq!(parse_version("0014"), Some(14));
        assert_eq!(parse_version("-1"), None);
    }

    #[test]
    fn reads_the_no_transaction_directive() {
        assert!(has_no_transaction_directive(
            "-- seedkit:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);"
        ));
        assert!(has_no_transaction_directive("--no-transaction\r\nSELECT 1"));
        assert!(!has_no_transaction_directive(
            "SELECT 1;\n-- no-transaction"
        ));
    }

    #[test]
    fn own_begin_commit_is_blanked_keeping_positions() {
        let sql = "BEGIN;\nCREATE TABLE a ();\nCOMMIT;\n";
        let (body, statements) = prepare(sql, false).unwrap();
        assert_eq!(body.len(), sql.len());
        assert_eq!(body.trim(), "CREATE TABLE a ();");
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].line, 2);
    }

    #[test]
    fn byte_order_mark_is_not_sent() {
        let (body, statements) = prepare("\u{feff}SELECT 1;", false).unwrap();
        assert_eq!(body, " SELECT 1;");
        assert_eq!(statements[0].text, "SELECT 1");
    }

    #[test]
    fn transaction_control_in_the_middle_is_refused() {
        let err = prepare("CREATE TABLE a ();\nCOMMIT;\nCREATE TABLE b ();", false).unwrap_err();
        assert!(err.starts_with("line 2: `COMMIT`"), "{err}");
        assert!(prepare("BEGIN;\nCREATE TABLE a ();", false).is_err());
        assert!(prepare("BEGIN;\nSELECT 1;\nCOMMIT;", true).is_ok());
    }
}
