//! The diesel layout: a folder `<version>_<name>/` holding `up.sql`,
//! `down.sql` and optionally `metadata.toml`; the version is the folder
//! name's timestamp with the dashes removed (`2024-01-02-030405_x` is
//! 20240102030405), as diesel records it.

use std::path::Path;

use super::parse_version;

/// Parses a diesel folder name `2024-01-02-030405_create_users` into
/// (version, version text, name).
pub fn parse_name(dir_name: &str) -> Option<(u64, String, String)> {
    let (stamp, name) = dir_name.split_once('_')?;
    if !stamp.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let digits: String = stamp.chars().filter(|&c| c != '-').collect();
    Some((parse_version(&digits)?, stamp.to_string(), name.to_string()))
}

/// diesel's `metadata.toml`: `run_in_transaction = false` means no
/// transaction. Returns whether the migration runs outside a transaction.
pub fn read_metadata(path: &Path) -> Result<bool, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names() {
        assert_eq!(
            parse_name("2024-01-02-030405_create_users"),
            Some((
                20240102030405,
                "2024-01-02-030405".into(),
                "create_users".into()
            ))
        );
        assert_eq!(
            parse_name("00000000000000_diesel_initial_setup").unwrap().0,
            0
        );
        assert!(parse_name("2024-01-0x_bad").is_none());
    }
}
