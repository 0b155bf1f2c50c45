//! Any other paired layout, described by a file-name pattern given as
//! `--layout PATTERN`: `{version}` (an unsigned integer), `{name}` (any
//! non-empty text) and `{direction}` (`up` or `down`) between literal text,
//! e.g. `V{version}.{name}.{direction}.sql` for `V0001.Users.up.sql` /
//! `V0001.Users.down.sql`. Ups and downs pair by version.

use super::parse_version;
use super::sqlx::Direction;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Version,
    Name,
    Direction,
}

/// A parsed `--layout` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    pub text: String,
    parts: Vec<Part>,
}

/// What a file name says under a pattern.
#[derive(Debug, PartialEq, Eq)]
pub struct PatternName {
    pub version: u64,
    pub version_text: String,
    pub name: String,
    pub direction: Direction,
}

impl NamePattern {
    pub fn parse(text: &str) -> Result<NamePattern, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("layout pattern `{text}`: a `{{` without `}}`"))?;
            let part = match &rest[open + 1..open + close] {
                "version" => Part::Version,
                "name" => Part::Name,
                "direction" => Part::Direction,
                other => {
                    return Err(format!(
                        "layout pattern `{text}`: unknown placeholder {{{other}}} (use {{version}}, \
                         {{name}} and {{direction}})"
                    ));
                }
            };
            if parts.last().is_some_and(|p| !matches!(p, Part::Literal(_))) {
                return Err(format!(
                    "layout pattern `{text}`: two placeholders need literal text between them"
                ));
            }
            parts.push(part);
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_string()));
        }
        for needed in [Part::Version, Part::Direction] {
            if !parts.contains(&needed) {
                return Err(format!(
                    "layout pattern `{text}` needs {{version}} and {{direction}}, e.g. \
                     V{{version}}.{{name}}.{{direction}}.sql"
                ));
            }
        }
        Ok(NamePattern {
            text: text.to_string(),
            parts,
        })
    }

    /// Reads a file name; `None` when it does not match.
    pub fn parse_name(&self, file_name: &str) -> Option<PatternName> {
        let mut values = Vec::new();
        if !match_parts(&self.parts, file_name, &mut values) {
            return None;
        }
        let mut found = PatternName {
            version: 0,
            version_text: String::new(),
            name: String::new(),
            direction: Direction::Up,
        };
        for (part, value) in values {
            match part {
                Part::Version => {
                    found.version = parse_version(value)?;
                    found.version_text = value.to_string();
                }
                Part::Name => found.name = value.to_string(),
                Part::Direction if value.eq_ignore_ascii_case("down") => {
                    found.direction = Direction::Down;
                }
                _ => {}
            }
        }
        Some(found)
    }

    /// The file name of a version's script in this pattern.
    pub fn file_name(&self, version_text: &str, name: &str, direction: &str) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal(l) => l.as_str(),
                Part::Version => version_text,
                Part::Name => name,
                Part::Direction => direction,
            })
            .collect()
    }
}

/// Matches `parts` against the whole of `text`, trying every length for
/// each placeholder (names are short; the first full match wins).
fn match_parts<'a>(
    parts: &'a [Part],
    text: &'a str,
    values: &mut Vec<(&'a Part, &'a str)>,
) -> bool {
    let Some((part, rest)) = parts.split_first() else {
        return text.is_empty();
    };
    if let Part::Literal(literal) = part {
        return text
            .strip_prefix(literal.as_str())
            .is_some_and(|after| match_parts(rest, after, values));
    }
    for end in (1..=text.len()).filter(|&e| text.is_char_boundary(e)) {
        let value = &text[..end];
        let fits = match part {
            Part::Version => value.bytes().all(|b| b.is_ascii_digit()),
            Part::Direction => {
                value.eq_ignore_ascii_case("up") || value.eq_ignore_ascii_case("down")
            }
            _ => true,
        };
        if !fits {
            continue;
        }
        values.push((part, value));
        if match_parts(rest, &text[end..], values) {
            return true;
        }
        values.pop();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_names_by_pattern() {
        let p = NamePattern::parse("V{version}.{name}.{direction}.sql").unwrap();
        let n = p.parse_name("V0001.Create.Users.up.sql").unwrap();
        assert_eq!(
            (
                n.version,
                n.version_text.as_str(),
                n.name.as_str(),
                n.direction
            ),
            (1, "0001", "Create.Users", Direction::Up)
        );
        assert_eq!(
            p.parse_name("V0002.x.down.sql").unwrap().direction,
            Direction::Down
        );
        assert!(p.parse_name("V0002.x.sideways.sql").is_none());
        assert!(p.parse_name("0002.x.up.sql").is_none());
        assert_eq!(p.file_name("0003", "y", "down"), "V0003.y.down.sql");
        assert!(NamePattern::parse("{name}.sql").is_err());
        assert!(NamePattern::parse("{version}{name}.{direction}.sql").is_err());
    }
}
