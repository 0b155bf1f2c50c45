//! Reading a migrations folder, in the layouts teams already have.
//!
//! - sqlx / golang-migrate: `<version>_<name>.up.sql` + `<version>_<name>.down.sql`
//!   side by side; a plain `<version>_<name>.sql` is an up script with no down.
//! - diesel: a folder `<version>_<name>/` holding `up.sql`, `down.sql` and
//!   optionally `metadata.toml`; the version is the folder name's timestamp
//!   with the dashes removed (`2024-01-02-030405_x` is 20240102030405).
//!
//! Versions are unsigned integers compared as numbers (`014` = `14`).
//! Hidden entries (`.keep`, `.DS_Store`), files not ending in `.sql`
//! (`README.md`) and folders whose name does not start with a digit are
//! ignored. Every problem in the folder is collected and reported at once,
//! before anything touches the database.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::checksum::checksum;
use super::error::MigrateError;
use super::split::{Statement, TransactionControl, split};

/// Which layout a migration was read from (and `seedkit new` writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `<version>_<name>.up.sql` + `.down.sql` (sqlx, golang-migrate).
    Sqlx,
    /// `<version>_<name>/up.sql` + `down.sql` (diesel).
    Diesel,
}

/// One up or down script.
#[derive(Debug, Clone)]
pub struct Script {
    pub path: PathBuf,
    /// The file's text as read.
    pub sql: String,
    /// What is sent to the server: `sql` with a file's own leading `BEGIN;`
    /// and trailing `COMMIT;` blanked out (same length, so error positions
    /// still point into the file).
    pub body: String,
    pub statements: Vec<Statement>,
    /// Runs outside a transaction, one statement at a time.
    pub no_transaction: bool,
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
    /// The version as written in the file name (`014`), for `seedkit new`.
    pub version_text: String,
    pub name: String,
    pub layout: Layout,
    pub up: Script,
    pub down: Option<Script>,
    /// Hex SHA-256 of the up script, CRLF normalised to LF.
    pub checksum: String,
}

/// A migrations folder, read and checked.
#[derive(Debug, Clone)]
pub struct Source {
    pub dir: PathBuf,
    /// Sorted by version.
    pub migrations: Vec<Migration>,
}

impl Source {
    pub fn get(&self, version: u64) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.version == version)
    }

    /// The layout new migrations should use: the one the folder already uses.
    pub fn layout(&self) -> Layout {
        match self.migrations.last() {
            Some(m) => m.layout,
            None => Layout::Sqlx,
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

/// Parses a version as written in a file name. `None` when it is not an
/// unsigned integer that fits the history table's bigint.
pub fn parse_version(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u64>().ok().filter(|&v| v <= i64::MAX as u64)
}

/// What a file name in sqlx layout says.
#[derive(Debug, PartialEq, Eq)]
pub struct SqlxName {
    pub version: u64,
    pub version_text: String,
    pub name: String,
    pub direction: Direction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// Parses `<version>_<name>.up.sql`, `.down.sql` or `<version>_<name>.sql`.
pub fn parse_sqlx_name(file_name: &str) -> Option<SqlxName> {
    let stem = file_name.strip_suffix(".sql")?;
    let (stem, direction) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Direction::Up)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Direction::Down)
    } else {
        (stem, Direction::Up)
    };
    let (version_text, name) = stem.split_once('_')?;
    Some(SqlxName {
        version: parse_version(version_text)?,
        version_text: version_text.to_string(),
        name: name.to_string(),
        direction,
    })
}

/// Parses a diesel folder name `2024-01-02-030405_create_users` into
/// (version, version text, name).
pub fn parse_diesel_name(dir_name: &str) -> Option<(u64, String, String)> {
    let (stamp, name) = dir_name.split_once('_')?;
    if !stamp.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let digits: String = stamp.chars().filter(|&c| c != '-').collect();
    Some((parse_version(&digits)?, stamp.to_string(), name.to_string()))
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

/// Reads and checks a migrations folder.
pub fn read(dir: &Path) -> Result<Source, MigrateError> {
    let entries = std::fs::read_dir(dir).map_err(|e| MigrateError::FolderUnreadable {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut reader = Reader::default();
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        reader.entry(&path);
    }
    reader.finish(dir)
}

#[derive(Default)]
struct Reader {
    ups: BTreeMap<u64, Vec<Found>>,
    downs: Vec<(u64, String, Script)>,
    problems: Vec<FolderProblem>,
}

struct Found {
    version_text: String,
    name: String,
    layout: Layout,
    up: Script,
    down: Option<Script>,
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
        if path.is_dir() {
            self.diesel_folder(path, &file_name);
        } else if file_name.ends_with(".sql") {
            self.sqlx_file(path, &file_name);
        }
    }

    fn sqlx_file(&mut self, path: &Path, file_name: &str) {
        let Some(parsed) = parse_sqlx_name(file_name) else {
            self.problem(
                path,
                "unparseable name: expected <version>_<name>.up.sql, <version>_<name>.down.sql \
                 or <version>_<name>.sql, with <version> an unsigned integer",
            );
            return;
        };
        let Some(script) = self.script(path, false) else {
            return;
        };
        match parsed.direction {
            Direction::Up => self.ups.entry(parsed.version).or_default().push(Found {
                version_text: parsed.version_text,
                name: parsed.name,
                layout: Layout::Sqlx,
                up: script,
                down: None,
            }),
            Direction::Down => self.downs.push((parsed.version, parsed.name, script)),
        }
    }

    fn diesel_folder(&mut self, path: &Path, dir_name: &str) {
        if !dir_name.starts_with(|c: char| c.is_ascii_digit()) {
            return;
        }
        let up_path = path.join("up.sql");
        let down_path = path.join("down.sql");
        let Some((version, version_text, name)) = parse_diesel_name(dir_name) else {
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
        let no_transaction = match read_diesel_metadata(&path.join("metadata.toml")) {
            Ok(flag) => flag,
            Err(message) => {
                self.problem(&path.join("metadata.toml"), message);
                return;
            }
        };
        let Some(up) = self.script(&up_path, no_transaction) else {
            return;
        };
        let down = if down_path.is_file() {
            let Some(down) = self.script(&down_path, no_transaction) else {
                return;
            };
            Some(down)
        } else {
            None
        };
        self.ups.entry(version).or_default().push(Found {
            version_text,
            name,
            layout: Layout::Diesel,
            up,
            down,
        });
    }

    /// Reads one script; records a problem and returns None when it cannot.
    fn script(&mut self, path: &Path, forced_no_transaction: bool) -> Option<Script> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.problem(path, format!("cannot read: {e}"));
                return None;
            }
        };
        let sql = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                self.problem(
                    path,
                    format!("not UTF-8 (invalid byte at offset {at}); save the file as UTF-8"),
                );
                return None;
            }
        };
        let no_transaction = forced_no_transaction || has_no_transaction_directive(&sql);
        match prepare(&sql, no_transaction) {
            Ok((body, statements)) => Some(Script {
                path: path.to_path_buf(),
                sql,
                body,
                statements,
                no_transaction,
            }),
            Err(message) => {
                self.problem(path, message);
                None
            }
        }
    }

    fn finish(mut self, dir: &Path) -> Result<Source, MigrateError> {
        let downs = std::mem::take(&mut self.downs);
        for (version, name, script) in downs {
            let up = self.ups.get_mut(&version).and_then(|found| {
                found
                    .iter_mut()
                    .find(|f| f.name == name && f.layout == Layout::Sqlx)
            });
            match up {
                Some(found) => found.down = Some(script),
                None => self.problem(
                    &script.path.clone(),
                    format!(
                        "the up file of migration {version} ({name}) is missing, only its down \
                         script is here: restore {version}_{name}.up.sql (from version control if \
                         the migration was applied) or remove the down script"
                    ),
                ),
            }
        }
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
                checksum: checksum(&f.up.sql),
                up: f.up,
                down: f.down,
            });
        }
        if self.problems.is_empty() {
            Ok(Source {
                dir: dir.to_path_buf(),
                migrations,
            })
        } else {
            self.problems.sort_by(|a, b| a.path.cmp(&b.path));
            Err(MigrateError::Folder {
                dir: dir.to_path_buf(),
                problems: self.problems,
            })
        }
    }
}

/// diesel's `metadata.toml`: `run_in_transaction = false` means no
/// transaction. Returns whether the migration runs outside a transaction.
fn read_diesel_metadata(path: &Path) -> Result<bool, String> {
    if !path.is_file() {
        return Ok(false);
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| format!("invalid TOML: {e}"))?;
    match table.get("run_in_transaction") {
        None => Ok(false),
        Some(toml::Value::Boolean(run)) => Ok(!run),
        Some(_) => Err("run_in_transaction must be true or false".into()),
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
    fn parses_sqlx_names() {
        let n = parse_sqlx_name("014_add_index.up.sql").unwrap();
        assert_eq!(
            (n.version, n.version_text.as_str(), n.name.as_str()),
            (14, "014", "add_index")
        );
        assert_eq!(n.direction, Direction::Up);
        assert_eq!(
            parse_sqlx_name("2_x.down.sql").unwrap().direction,
            Direction::Down
        );
        let plain = parse_sqlx_name("20240102030405_users.sql").unwrap();
        assert_eq!(
            (plain.version, plain.direction),
            (20240102030405, Direction::Up)
        );
        assert!(parse_sqlx_name("v1_x.up.sql").is_none());
        assert!(parse_sqlx_name("1x.up.sql").is_none());
        assert!(parse_sqlx_name("99999999999999999999_huge.sql").is_none());
    }

    #[test]
    fn parses_diesel_names() {
        assert_eq!(
            parse_diesel_name("2024-01-02-030405_create_users"),
            Some((
                20240102030405,
                "2024-01-02-030405".into(),
                "create_users".into()
            ))
        );
        assert_eq!(
            parse_diesel_name("00000000000000_diesel_initial_setup")
                .unwrap()
                .0,
            0
        );
        assert!(parse_diesel_name("2024-01-0x_bad").is_none());
    }

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
