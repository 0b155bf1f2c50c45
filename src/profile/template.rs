//! The one template language of a profile: text with `{name}` placeholders,
//! `{{` and `}}` for literal braces.
//!
//! A column's `template = "player_{n}"` and a cache set's
//! `key = "session:{id}"` are parsed here, the same way; each caller then
//! says what a name means where it is used (a column of the row, `{n}`,
//! `{@index}`, a joined parent's `{alias.column}`). A mistake points at the
//! brace or placeholder itself (file:line:column).

use super::node::Node;
use super::reader::string;
use super::{Location, ProfileError};

/// A piece of a template, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Text copied as it is (escaped braces already unescaped).
    Text(String),
    /// `{name}`: the name without surrounding spaces, and where its `{` is.
    Placeholder { name: String, location: Location },
}

const BRACES_HINT: &str = "write {{ and }} for literal braces";

/// Parses the string `node` (the value of `key`) into pieces. Adjacent
/// text is merged into one piece.
pub fn parse(node: &Node, key: &str) -> Result<Vec<Piece>, ProfileError> {
    let text = string(node, key)?;
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(brace) = rest.find(['{', '}']) {
        let offset = text.len() - rest.len() + brace;
        literal.push_str(&rest[..brace]);
        let after = &rest[brace..];
        if after.starts_with("{{") || after.starts_with("}}") {
            literal.push_str(&after[..1]);
            rest = &after[2..];
            continue;
        }
        let fail = |message: String| {
            ProfileError::invalid(&node.location_at(offset), message).with_hint(BRACES_HINT)
        };
        if after.starts_with('}') {
            return Err(fail(format!("`{key}`: unmatched `}}` in `{text}`")));
        }
        let Some(close) = after.find('}') else {
            return Err(fail(format!("`{key}`: `{{` is never closed in `{text}`")));
        };
        let name = after[1..close].trim();
        if name.is_empty() {
            return Err(fail(format!(
                "`{key}`: empty placeholder `{{}}` in `{text}`"
            )));
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut literal)));
        }
        pieces.push(Piece::Placeholder {
            name: name.to_string(),
            location: node.location_at(offset),
        });
        rest = &after[close + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `template` node of column `c` of table `t` in a one-line profile.
    fn pieces(template: &str) -> Result<Vec<Piece>, String> {
        let text = format!("[tables.t]\nrows = 1\ncolumns.c.template = {template}\n");
        let source = super::super::node::Source::new("p.toml".into(), text);
        let document = source.parse().map_err(|e| e.to_string())?;
        let node = document
            .get("tables")
            .and_then(|n| n.as_table()?.get("t")?.as_table()?.get("columns"))
            .and_then(|n| n.as_table()?.get("c")?.as_table()?.get("template"))
            .expect("the template node")
            .clone();
        parse(&node, "template").map_err(|e| e.to_string())
    }

    fn placeholder(name: &str, column: usize) -> Piece {
        Piece::Placeholder {
            name: name.into(),
            location: Location {
                file: "p.toml".into(),
                line: 3,
                column,
            },
        }
    }

    #[test]
    fn placeholders_escapes_and_their_columns() {
        // `columns.c.template = "` is 22 characters: the text starts at 23.
        assert_eq!(
            pieces(r#""p_{n}-{{x}}-{ kind }""#).unwrap(),
            vec![
                Piece::Text("p_".into()),
                placeholder("n", 25),
                Piece::Text("-{x}-".into()),
                placeholder("kind", 35),
            ]
        );
        assert_eq!(pieces("'{a}'").unwrap(), vec![placeholder("a", 23)]);
    }

    #[test]
    fn mistakes_point_at_the_brace() {
        let err = pieces(r#""ab}c""#).unwrap_err();
        assert!(
            err.starts_with("p.toml:3:25: `template`: unmatched `}`"),
            "{err}"
        );
        let err = pieces(r#""ab{c""#).unwrap_err();
        assert!(
            err.starts_with("p.toml:3:25: `template`: `{` is never closed"),
            "{err}"
        );
        let err = pieces(r#""a{ }""#).unwrap_err();
        assert!(
            err.starts_with("p.toml:3:24: `template`: empty placeholder"),
            "{err}"
        );
        // An escape before the mistake: the file's text differs from the
        // string's, so the string itself is pointed at.
        let err = pieces(r#""\t{""#).unwrap_err();
        assert!(err.starts_with("p.toml:3:22: "), "{err}");
        let err = pieces("7").unwrap_err();
        assert!(
            err.contains("`template` must be a string, not an integer"),
            "{err}"
        );
    }
}
