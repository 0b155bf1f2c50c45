//! The sqlx / golang-migrate layout: `<version>_<name>.up.sql` and
//! `<version>_<name>.down.sql` side by side, paired by version as
//! golang-migrate does (the up and the down of one version may carry
//! different names); a plain `<version>_<name>.sql` is an up script with no
//! down (sqlx).

use super::parse_version;

/// What a file name in this layout says.
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

/// What a name that does not parse should have looked like.
pub const EXPECTED: &str = "expected <version>_<name>.up.sql, <version>_<name>.down.sql \
                            or <version>_<name>.sql, with <version> an unsigned integer";

/// Parses `<version>_<name>.up.sql`, `.down.sql` or `<version>_<name>.sql`.
pub fn parse_name(file_name: &str) -> Option<SqlxName> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names() {
        let n = parse_name("014_add_index.up.sql").unwrap();
        assert_eq!(
            (n.version, n.version_text.as_str(), n.name.as_str()),
            (14, "014", "add_index")
        );
        assert_eq!(n.direction, Direction::Up);
        assert_eq!(
            parse_name("2_x.down.sql").unwrap().direction,
            Direction::Down
        );
        let plain = parse_name("20240102030405_users.sql").unwrap();
        assert_eq!(
            (plain.version, plain.direction),
            (20240102030405, Direction::Up)
        );
        assert!(parse_name("v1_x.up.sql").is_none());
        assert!(parse_name("1x.up.sql").is_none());
        assert!(parse_name("99999999999999999999_huge.sql").is_none());
    }
}
