//! The Flyway layout: `V<version>__<description>.sql` (versioned),
//! `U<version>__<description>.sql` (its undo, seedkit's down script) and
//! `R__<description>.sql` (repeatable: re-applied whenever its checksum
//! changes, after the versioned migrations, in description order).
//!
//! Flyway versions are dotted (`1`, `1.1`, `2_3` which is `2.3`) and compare
//! part by part as numbers, trailing zero parts ignored (`1` = `1.0`). The
//! history table keys migrations by a bigint, so a Flyway version is stored
//! as `major * 100000 + minor * 100 + patch` (`2.1` is 200100, `10` is
//! 1000000), which orders exactly as Flyway does. That allows up to three
//! parts, a minor below 1000 and a patch below 100; a version outside that
//! is refused naming the file. `status` and messages show the version as
//! written (`2.1`).

use super::sqlx::Direction;

/// The bigint a major version is multiplied by.
const MAJOR: u64 = 100_000;
/// The bigint a minor version is multiplied by.
const MINOR: u64 = 100;

/// What a Flyway file name says.
#[derive(Debug, PartialEq, Eq)]
pub enum FlywayName {
    Versioned {
        version: u64,
        /// Dotted, as Flyway writes it in its history (`2_1` -> `2.1`).
        version_text: String,
        name: String,
        direction: Direction,
    },
    Repeatable {
        name: String,
    },
}

/// What a Flyway name should look like, for messages.
pub const EXPECTED: &str = "expected V<version>__<description>.sql, U<version>__<description>.sql \
                            or R__<description>.sql, with <version> like 1, 1.1 or 2_3";

/// Whether a file name is meant as a Flyway one (`V1__`, `U1__`, `R__`).
pub fn looks_like(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some('V' | 'U') => chars.next().is_some_and(|c| c.is_ascii_digit()) && name.contains("__"),
        Some('R') => name.starts_with("R__"),
        _ => false,
    }
}

/// Parses a Flyway file name; the error says what is wrong with it.
pub fn parse_name(file_name: &str) -> Result<FlywayName, String> {
    let bad = || format!("unparseable Flyway name: {EXPECTED}");
    let stem = file_name.strip_suffix(".sql").ok_or_else(bad)?;
    if let Some(name) = stem.strip_prefix("R__") {
        return Ok(FlywayName::Repeatable {
            name: name.to_string(),
        });
    }
    let direction = match stem.chars().next() {
        Some('V') => Direction::Up,
        Some('U') => Direction::Down,
        _ => return Err(bad()),
    };
    let (version_text, name) = stem[1..].split_once("__").ok_or_else(bad)?;
    let version_text = version_text.replace('_', ".");
    let version = encode_version(&version_text)?;
    Ok(FlywayName::Versioned {
        version,
        version_text,
        name: name.to_string(),
        direction,
    })
}

/// The bigint a dotted Flyway version is stored as (see the module doc).
pub fn encode_version(text: &str) -> Result<u64, String> {
    let bad = |why: &str| format!("Flyway version `{text}` {why}");
    let mut parts = Vec::new();
    for part in text.split('.') {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("is not dot-separated numbers (like 1, 1.1, 2.0.3)"));
        }
        parts.push(
            part.parse::<u64>()
                .map_err(|_| bad("has a part too large"))?,
        );
    }
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    let limits = "seedkit reads Flyway versions of up to three parts, the second below 1000 \
                  and the third below 100";
    let (major, minor, patch) = match parts.as_slice() {
        [a] => (*a, 0, 0),
        [a, b] => (*a, *b, 0),
        [a, b, c] => (*a, *b, *c),
        _ => return Err(bad(&format!("has more than three parts: {limits}"))),
    };
    if minor >= MAJOR / MINOR || patch >= MINOR {
        return Err(bad(&format!("is out of range: {limits}")));
    }
    major
        .checked_mul(MAJOR)
        .and_then(|v| v.checked_add(minor * MINOR + patch))
        .filter(|&v| v <= i64::MAX as u64)
        .ok_or_else(|| bad("is too large for the history table's bigint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(name: &str) -> u64 {
        match parse_name(name).unwrap() {
            FlywayName::Versioned { version, .. } => version,
            FlywayName::Repeatable { .. } => panic!("repeatable"),
        }
    }

    #[test]
    fn dotted_versions_order_as_numbers() {
        let mut names = [
            "V10__j.sql",
            "V2.1__c.sql",
            "V2__b.sql",
            "V1.1__a1.sql",
            "V2_10__d.sql",
            "V1__a.sql",
        ];
        names.sort_by_key(|n| version(n));
        assert_eq!(
            names,
            [
                "V1__a.sql",
                "V1.1__a1.sql",
                "V2__b.sql",
                "V2.1__c.sql",
                "V2_10__d.sql",
                "V10__j.sql"
            ]
        );
        assert_eq!(version("V2.1__c.sql"), 200_100);
        assert_eq!(encode_version("1.0.0"), encode_version("1"));
        assert_eq!(
            version("V20240102030405__ts.sql"),
            20_240_102_030_405 * MAJOR
        );
    }

    #[test]
    fn reads_undo_and_repeatable_names() {
        assert_eq!(
            parse_name("U2_1__drop_c.sql").unwrap(),
            FlywayName::Versioned {
                version: 200_100,
                version_text: "2.1".into(),
                name: "drop_c".into(),
                direction: Direction::Down
            }
        );
        assert_eq!(
            parse_name("R__views.sql").unwrap(),
            FlywayName::Repeatable {
                name: "views".into()
            }
        );
        assert!(
            parse_name("V1.2.3.4__x.sql")
                .unwrap_err()
                .contains("three parts")
        );
        assert!(parse_name("V1.x__x.sql").is_err());
        assert!(looks_like("V1__x.sql") && !looks_like("Vx__a.sql") && !looks_like("1_a.sql"));
    }
}
