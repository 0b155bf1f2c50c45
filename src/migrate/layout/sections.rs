//! Layouts with the up and the down script in one file, as sections:
//!
//! - goose: `-- +goose Up`, `-- +goose Down`; `-- +goose StatementBegin` /
//!   `-- +goose StatementEnd` around a statement that must be sent whole;
//!   `-- +goose NO TRANSACTION` anywhere runs both directions without a
//!   transaction. Annotations are case-insensitive, as goose reads them.
//! - dbmate: `-- migrate:up`, `-- migrate:down`, each optionally followed by
//!   `transaction:false`.
//!
//! A section becomes a script by blanking every character outside it
//! (newlines kept), so line numbers and error positions still point into
//! the file; the checksum is that of the up section's text.

use std::ops::Range;

/// Which section syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Goose,
    Dbmate,
}

/// One direction's part of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Byte range of the section's text (after its marker line).
    pub range: Range<usize>,
    /// goose `StatementBegin`/`StatementEnd` bodies, each one statement.
    pub blocks: Vec<Range<usize>>,
    pub no_transaction: bool,
}

/// The sections of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections {
    pub up: Section,
    pub down: Option<Section>,
}

/// One marker line.
enum Marker {
    Up(bool),
    Down(bool),
    BlockBegin,
    BlockEnd,
    NoTransaction,
}

impl Kind {
    pub fn up_marker(self) -> &'static str {
        match self {
            Kind::Goose => "-- +goose Up",
            Kind::Dbmate => "-- migrate:up",
        }
    }

    pub fn down_marker(self) -> &'static str {
        match self {
            Kind::Goose => "-- +goose Down",
            Kind::Dbmate => "-- migrate:down",
        }
    }

    /// Whether the file has this kind's up marker on a line of its own.
    pub fn is_marked(self, text: &str) -> bool {
        text.lines()
            .any(|line| matches!(self.marker(line), Ok(Some(Marker::Up(_)))))
    }

    /// Reads a marker line; `Ok(None)` for any other line.
    fn marker(self, line: &str) -> Result<Option<Marker>, String> {
        let line = line.trim_end();
        let Some(comment) = line.strip_prefix("--") else {
            return Ok(None);
        };
        let comment = comment.trim_start();
        match self {
            Kind::Goose => {
                let Some(rest) = strip_prefix_ignore_case(comment, "+goose") else {
                    return Ok(None);
                };
                let command: Vec<String> = rest
                    .split_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect();
                let command: Vec<&str> = command.iter().map(String::as_str).collect();
                match command.as_slice() {
                    ["up"] => Ok(Some(Marker::Up(false))),
                    ["down"] => Ok(Some(Marker::Down(false))),
                    ["statementbegin"] => Ok(Some(Marker::BlockBegin)),
                    ["statementend"] => Ok(Some(Marker::BlockEnd)),
                    ["no", "transaction"] => Ok(Some(Marker::NoTransaction)),
                    _ => Err(format!(
                        "`{line}`: seedkit reads the goose annotations Up, Down, StatementBegin, \
                         StatementEnd and NO TRANSACTION (not ENVSUB)"
                    )),
                }
            }
            Kind::Dbmate => {
                let Some(rest) = comment.strip_prefix("migrate:") else {
                    return Ok(None);
                };
                let mut words = rest.split_whitespace();
                let direction = words.next().unwrap_or("");
                let mut no_transaction = false;
                for option in words {
                    match option {
                        "transaction:false" => no_transaction = true,
                        "transaction:true" => no_transaction = false,
                        _ => {
                            return Err(format!(
                                "`{line}`: unknown dbmate option `{option}` (dbmate knows \
                                 transaction:false)"
                            ));
                        }
                    }
                }
                match direction {
                    "up" => Ok(Some(Marker::Up(no_transaction))),
                    "down" => Ok(Some(Marker::Down(no_transaction))),
                    _ => Err(format!(
                        "`{line}`: expected -- migrate:up or -- migrate:down"
                    )),
                }
            }
        }
    }

    /// Finds the sections of a file; the error names the line. A section
    /// runs from the line after its marker to the next up/down marker (or
    /// the end); the other annotations inside it are SQL comments.
    pub fn parse(self, text: &str) -> Result<Sections, String> {
        if !self.is_marked(text) {
            return Err(format!("no `{}` line", self.up_marker()));
        }
        let mut up: Option<Section> = None;
        // The down section, and where its marker line starts.
        let mut down: Option<(usize, Section)> = None;
        let mut block_start: Option<(usize, usize)> = None;
        let mut no_transaction = false;
        let mut offset = 0;
        for (index, line) in text.split_inclusive('\n').enumerate() {
            let number = index + 1;
            let start = offset;
            offset += line.len();
            let at = |message: String| format!("line {number}: {message}");
            let Some(marker) = self.marker(line).map_err(at)? else {
                if up.is_none() && !is_blank_or_comment(line) {
                    return Err(at(format!(
                        "a statement before `{}`: it would belong to neither direction",
                        self.up_marker()
                    )));
                }
                continue;
            };
            match marker {
                Marker::Up(_) if up.is_some() => {
                    return Err(at(format!("a second `{}`", self.up_marker())));
                }
                Marker::Up(nt) => up = Some(section_from(offset, nt)),
                Marker::Down(_) if up.is_none() => {
                    return Err(at(format!(
                        "`{}` before `{}`",
                        self.down_marker(),
                        self.up_marker()
                    )));
                }
                Marker::Down(_) if down.is_some() => {
                    return Err(at(format!("a second `{}`", self.down_marker())));
                }
                Marker::Down(nt) => down = Some((start, section_from(offset, nt))),
                Marker::NoTransaction => no_transaction = true,
                Marker::BlockBegin if block_start.is_some() => {
                    return Err(at("StatementBegin inside another StatementBegin".into()));
                }
                Marker::BlockBegin => block_start = Some((offset, number)),
                Marker::BlockEnd => {
                    let Some((begin, _)) = block_start.take() else {
                        return Err(at("StatementEnd without StatementBegin".into()));
                    };
                    let section = match (&mut down, &mut up) {
                        (Some((_, d)), _) => d,
                        (None, Some(u)) => u,
                        (None, None) => {
                            return Err(at(format!("StatementEnd before `{}`", self.up_marker())));
                        }
                    };
                    section.blocks.push(begin..start);
                }
            }
        }
        if let Some((_, line)) = block_start {
            return Err(format!("line {line}: StatementBegin without StatementEnd"));
        }
        let mut up = up.ok_or_else(|| format!("no `{}` line", self.up_marker()))?;
        up.range.end = down.as_ref().map_or(text.len(), |(marker, _)| *marker);
        up.no_transaction |= no_transaction;
        let down = down.map(|(_, mut d)| {
            d.range.end = text.len();
            d.no_transaction |= no_transaction;
            d
        });
        Ok(Sections { up, down })
    }
}

fn section_from(offset: usize, no_transaction: bool) -> Section {
    Section {
        range: offset..offset,
        blocks: Vec::new(),
        no_transaction,
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn is_blank_or_comment(line: &str) -> bool {
    let line = line.trim();
    line.is_empty() || line.starts_with("--")
}

/// `text` with every character outside `range` turned into a space
/// (newlines kept), so positions in the result are positions in the file.
pub fn blank_outside(text: &str, range: &Range<usize>) -> String {
    text.char_indices()
        .map(|(i, c)| {
            if range.contains(&i) || c == '\n' {
                c
            } else {
                ' '
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goose_sections_and_blocks() {
        let text = "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\n-- +goose StatementEnd\nCREATE TABLE t ();\n\n-- +goose down\nDROP TABLE t;\nDROP FUNCTION f;\n";
        let s = Kind::Goose.parse(text).unwrap();
        let up = &text[s.up.range.clone()];
        assert!(
            up.contains("CREATE FUNCTION") && up.contains("CREATE TABLE t") && !up.contains("DROP")
        );
        assert_eq!(s.up.blocks.len(), 1);
        assert!(text[s.up.blocks[0].clone()].starts_with("CREATE FUNCTION"));
        let down = s.down.unwrap();
        assert_eq!(
            &text[down.range.clone()],
            "DROP TABLE t;\nDROP FUNCTION f;\n"
        );
        assert!(!s.up.no_transaction);
        let blank = blank_outside(text, &s.up.range);
        assert_eq!(blank.len(), text.len());
        assert_eq!(blank.lines().count(), text.lines().count());
        assert!(!blank.contains("DROP") && !blank.contains("goose Up"));
    }

    #[test]
    fn goose_no_transaction_and_errors() {
        let s = Kind::Goose
            .parse(
                "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
            )
            .unwrap();
        assert!(s.up.no_transaction && s.down.is_none());
        let err = Kind::Goose.parse("SELECT 1;\n-- +goose Up\n").unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
        let err = Kind::Goose
            .parse("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n")
            .unwrap_err();
        assert!(err.contains("without StatementEnd"), "{err}");
        assert!(
            Kind::Goose
                .parse("-- +goose ENVSUB ON\n-- +goose Up\n")
                .is_err()
        );
    }

    #[test]
    fn dbmate_sections_with_options() {
        let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\nDROP INDEX i;\n";
        let s = Kind::Dbmate.parse(text).unwrap();
        assert!(s.up.no_transaction);
        assert_eq!(
            &text[s.up.range.clone()],
            "CREATE INDEX CONCURRENTLY i ON t (a);\n"
        );
        assert!(!s.down.unwrap().no_transaction);
        assert!(
            Kind::Dbmate
                .parse("-- migrate:down\n-- migrate:up\n")
                .is_err()
        );
        assert!(Kind::Dbmate.is_marked(text) && !Kind::Goose.is_marked(text));
    }
}
