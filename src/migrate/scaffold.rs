//! `seedkit new`: the next migration's files, in the folder's own layout.
//!
//! The version follows the folder: if it uses timestamps (14-digit
//! versions, as sqlx and diesel write them), the new one is the current UTC
//! time `YYYYMMDDHHMMSS` (or one more than the highest, if the clock is
//! behind); otherwise it is the highest version plus one, zero-padded to the
//! width of the existing file names (`014` -> `015`). An empty or missing
//! folder starts at `001` in the sqlx layout.

use std::path::{Path, PathBuf};

use super::error::MigrateError;
use super::layout::sections::Kind;
use super::source::{self, Layout, LayoutChoice, Source};

/// The smallest version seedkit treats as a timestamp (a 14-digit number).
const TIMESTAMP_MIN: u64 = 10_000_000_000_000;

/// Creates the up and down files of a new migration; returns their paths.
pub fn new_migration(dir: &Path, name: &str) -> Result<Vec<PathBuf>, MigrateError> {
    new_migration_as(dir, &LayoutChoice::Auto, name)
}

/// [`new_migration`] in the layout `choice` says (or the folder's own).
pub fn new_migration_as(
    dir: &Path,
    choice: &LayoutChoice,
    name: &str,
) -> Result<Vec<PathBuf>, MigrateError> {
    let name = clean_name(name)?;
    let write_error = |path: &Path, e: std::io::Error| MigrateError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
    let source = source::read_folder_as(dir, choice)?;
    let now = chrono::Utc::now();
    let (version, version_text) = next_version(&source, now.format("%Y%m%d%H%M%S").to_string());
    let header = |direction: &str| {
        format!(
            "-- {direction} for {version_text}_{name}, created {}\n",
            now.format("%Y-%m-%d %H:%M:%S UTC")
        )
    };
    let (up, down) = (header("up"), header("down (undoes the up script)"));
    let pair = |up_path: PathBuf, down_path: PathBuf| {
        vec![(up_path, up.clone()), (down_path, down.clone())]
    };
    let files = match source.layout() {
        Layout::Sqlx => pair(
            dir.join(format!("{version_text}_{name}.up.sql")),
            dir.join(format!("{version_text}_{name}.down.sql")),
        ),
        Layout::Flyway => pair(
            dir.join(format!("V{version_text}__{name}.sql")),
            dir.join(format!("U{version_text}__{name}.sql")),
        ),
        Layout::Pattern => {
            let pattern = source
                .pattern
                .as_ref()
                .expect("a pattern layout has its pattern");
            pair(
                dir.join(pattern.file_name(&version_text, &name, "up")),
                dir.join(pattern.file_name(&version_text, &name, "down")),
            )
        }
        Layout::Goose | Layout::Dbmate => {
            let kind = match source.layout() {
                Layout::Goose => Kind::Goose,
                _ => Kind::Dbmate,
            };
            let text = format!("{}\n{up}\n{}\n{down}", kind.up_marker(), kind.down_marker());
            vec![(dir.join(format!("{version_text}_{name}.sql")), text)]
        }
        Layout::Diesel => {
            let stamp = if version >= TIMESTAMP_MIN {
                diesel_stamp(&version.to_string())
            } else {
                version_text.clone()
            };
            let folder = dir.join(format!("{stamp}_{name}"));
            std::fs::create_dir(&folder).map_err(|e| write_error(&folder, e))?;
            pair(folder.join("up.sql"), folder.join("down.sql"))
        }
    };
    for (path, text) in &files {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| write_error(path, e))?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| write_error(path, e))?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

/// The next version and how to write it.
fn next_version(source: &Source, now_stamp: String) -> (u64, String) {
    let Some(last) = source.migrations.last() else {
        return match source.layout() {
            Layout::Flyway => (
                super::layout::flyway::encode_version("1").unwrap_or(0),
                "1".into(),
            ),
            _ => (1, "001".into()),
        };
    };
    if last.layout == Layout::Flyway {
        let major = last.version_text.split('.').next().unwrap_or("0");
        let next = major.parse::<u64>().unwrap_or(0) + 1;
        let text = format!("{next:0width$}", width = major.len());
        return (
            super::layout::flyway::encode_version(&text).unwrap_or(0),
            text,
        );
    }
    if last.version >= TIMESTAMP_MIN {
        let now: u64 = now_stamp.parse().unwrap_or(0);
        let version = now.max(last.version + 1);
        return (version, version.to_string());
    }
    let version = last.version + 1;
    let width = last
        .version_text
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    (version, format!("{version:0width$}"))
}

/// `20240102030405` -> `2024-01-02-030405`, diesel's folder name format.
fn diesel_stamp(digits: &str) -> String {
    if digits.len() != 14 {
        return digits.to_string();
    }
    format!(
        "{}-{}-{}-{}",
        &digits[..4],
        &digits[4..6],
        &digits[6..8],
        &digits[8..]
    )
}

/// Keeps letters, digits and `_`; other characters become `_`.
fn clean_name(name: &str) -> Result<String, MigrateError> {
    let cleaned: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches('_').to_string();
    if cleaned.is_empty() {
        return Err(MigrateError::BadVersion {
            message: format!("`{name}` cannot be a migration name"),
            hint: "use letters, digits and underscores, e.g. add_player_index".into(),
        });
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesel_stamps_and_names() {
        assert_eq!(diesel_stamp("20240102030405"), "2024-01-02-030405");
        assert_eq!(clean_name("Add player-index").unwrap(), "add_player_index");
        assert!(clean_name("--").is_err());
    }
}
