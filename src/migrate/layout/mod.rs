//! The folder layouts seedkit reads, how a folder's layout is recognised,
//! and how each layout's file names and sections are read.
//!
//! | layout | files |
//! |---|---|
//! | sqlx / golang-migrate ([`sqlx`]) | `<v>_<name>.up.sql` + `<v>_<other>.down.sql`, paired by version; `<v>_<name>.sql` up only |
//! | diesel ([`diesel`]) | `<ts>_<name>/up.sql` + `down.sql` (+ `metadata.toml`) |
//! | Flyway ([`flyway`]) | `V<v>__<desc>.sql`, undo `U<v>__<desc>.sql`, repeatable `R__<desc>.sql` |
//! | goose ([`sections`]) | `<v>_<name>.sql` with `-- +goose Up` / `-- +goose Down` |
//! | dbmate ([`sections`]) | `<v>_<name>.sql` with `-- migrate:up` / `-- migrate:down` |
//! | a pattern ([`pattern`]) | e.g. `V{version}.{name}.{direction}.sql` |
//!
//! Without `--layout`, each entry of the folder is recognised on its own
//! (by its name, and for `<v>_<name>.sql` files by their goose or dbmate
//! annotations); a folder whose entries belong to two layouts is refused,
//! naming both.

pub mod diesel;
pub mod flyway;
pub mod pattern;
pub mod sections;
pub mod sqlx;

use std::fmt;
use std::str::FromStr;

pub use pattern::NamePattern;

/// Which layout a migration was read from (and `seedkit new` writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// `<version>_<name>.up.sql` + `.down.sql` (sqlx, golang-migrate).
    Sqlx,
    /// `<version>_<name>/up.sql` + `down.sql` (diesel).
    Diesel,
    /// `V<version>__<desc>.sql`, `U...`, `R__...` (Flyway).
    Flyway,
    /// One file with `-- +goose Up` / `-- +goose Down` sections.
    Goose,
    /// One file with `-- migrate:up` / `-- migrate:down` sections.
    Dbmate,
    /// File names described by `--layout PATTERN`.
    Pattern,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Sqlx => "sqlx / golang-migrate",
            Layout::Diesel => "diesel",
            Layout::Flyway => "flyway",
            Layout::Goose => "goose",
            Layout::Dbmate => "dbmate",
            Layout::Pattern => "pattern",
        }
    }

    /// The marker that makes a migration of this layout run without a
    /// transaction, for messages.
    pub fn no_transaction_marker(self) -> &'static str {
        match self {
            Layout::Goose => "`-- +goose NO TRANSACTION`",
            Layout::Dbmate => "`-- migrate:up transaction:false` (or on `-- migrate:down`)",
            Layout::Diesel => "`run_in_transaction = false` in its metadata.toml",
            Layout::Sqlx | Layout::Flyway | Layout::Pattern => {
                "`-- seedkit:no-transaction` on its first line"
            }
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the folder's layout is chosen (`--layout`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LayoutChoice {
    /// Recognise each entry; refuse a folder that mixes two layouts.
    #[default]
    Auto,
    /// Read every entry as this layout.
    Forced(Layout),
    /// Read every `.sql` file by this file-name pattern.
    Pattern(NamePattern),
}

/// The names `--layout` accepts, for messages and `--help`.
pub const LAYOUT_NAMES: &str = "auto, sqlx, golang-migrate, diesel, flyway, goose, dbmate, or a pattern such as \
     'V{version}.{name}.{direction}.sql'";

impl FromStr for LayoutChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let layout = match text.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => return Ok(LayoutChoice::Auto),
            "sqlx" | "golang-migrate" | "migrate" => Layout::Sqlx,
            "diesel" => Layout::Diesel,
            "flyway" => Layout::Flyway,
            "goose" => Layout::Goose,
            "dbmate" => Layout::Dbmate,
            _ if text.contains('{') => return NamePattern::parse(text).map(LayoutChoice::Pattern),
            _ => return Err(format!("unknown layout `{text}`: use {LAYOUT_NAMES}")),
        };
        Ok(LayoutChoice::Forced(layout))
    }
}

/// Recognises the layout of one folder entry: `is_dir` entries are diesel
/// migrations, `.sql` files by their name and, for `<v>_<name>.sql`, by
/// their goose or dbmate annotations. `None`: not a migration (ignored).
pub fn detect(name: &str, is_dir: bool, text: Option<&str>) -> Option<Layout> {
    if is_dir {
        return name
            .starts_with(|c: char| c.is_ascii_digit())
            .then_some(Layout::Diesel);
    }
    if !name.ends_with(".sql") {
        return None;
    }
    if flyway::looks_like(name) {
        return Some(Layout::Flyway);
    }
    if name.ends_with(".up.sql") || name.ends_with(".down.sql") {
        return Some(Layout::Sqlx);
    }
    let text = text.unwrap_or("");
    if sections::Kind::Goose.is_marked(text) {
        Some(Layout::Goose)
    } else if sections::Kind::Dbmate.is_marked(text) {
        Some(Layout::Dbmate)
    } else {
        Some(Layout::Sqlx)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_layout() {
        assert_eq!(detect("1_a.up.sql", false, Some("")), Some(Layout::Sqlx));
        assert_eq!(
            detect("1_a.sql", false, Some("SELECT 1")),
            Some(Layout::Sqlx)
        );
        assert_eq!(
            detect("1_a.sql", false, Some("-- +goose Up\nSELECT 1;")),
            Some(Layout::Goose)
        );
        assert_eq!(
            detect("1_a.sql", false, Some("-- migrate:up\nSELECT 1;")),
            Some(Layout::Dbmate)
        );
        assert_eq!(detect("V2.1__x.sql", false, None), Some(Layout::Flyway));
        assert_eq!(detect("R__views.sql", false, None), Some(Layout::Flyway));
        assert_eq!(
            detect("2024-01-01-000000_x", true, None),
            Some(Layout::Diesel)
        );
        assert_eq!(detect("README.md", false, None), None);
    }

    #[test]
    fn parses_layout_names_and_patterns() {
        assert_eq!(
            "golang-migrate".parse::<LayoutChoice>(),
            Ok(LayoutChoice::Forced(Layout::Sqlx))
        );
        assert!(matches!(
            "V{version}.{name}.{direction}.sql".parse::<LayoutChoice>(),
            Ok(LayoutChoice::Pattern(_))
        ));
        let err = "liquibase".parse::<LayoutChoice>().unwrap_err();
        assert!(err.contains("goose"), "{err}");
    }
}
