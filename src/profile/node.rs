//! The profile document as a tree of located values.
//!
//! TOML is parsed with `toml`'s spanned `DeTable`, then turned into [`Node`]s
//! that carry their own [`Location`] (file, line, column). Keeping the
//! location on every value is what lets a profile that `extends` another, and
//! values given with `--set`, still point at the exact place a mistake was
//! made after the documents are merged.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Location, ProfileError};

/// One source text (a profile file or a `--set` argument) and its line starts.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl Source {
    pub fn new(path: PathBuf, text: String) -> Source {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source {
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn locate(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Location {
            file: self.path.clone(),
            line,
            column,
        }
    }

    pub fn locate_span(&self, span: &Range<usize>) -> Location {
        self.locate(span.start)
    }

    /// Parses the whole text as a TOML document.
    pub fn parse(&self) -> Result<Table, ProfileError> {
        let doc = DeTable::parse(&self.text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            ProfileError::Syntax {
                location: self.locate(offset),
                message: e.message().trim().to_string(),
            }
        })?;
        table_from_de(doc.get_ref(), self)
    }
}

/// A located value of the profile document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    /// Where the value starts.
    pub location: Location,
    /// For a string written on one line without escapes (`"a{b}"`, `'a'`):
    /// the column of its first character, so a mistake inside the string
    /// can be pointed at exactly (see [`Node::location_at`]).
    text_column: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    Datetime(toml::value::Datetime),
    Array(Vec<Node>),
    Table(Table),
}

/// A table whose entries keep the order they were written in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    entries: Vec<Entry>,
}

/// A key, where the key is written, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_location: Location,
    pub node: Node,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.node)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries
            .iter_mut()
            .find(|e| e.key == key)
            .map(|e| &mut e.node)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Inserts or replaces `entry.key`; a replaced entry keeps its position.
    pub fn insert(&mut self, entry: Entry) {
        match self.entries.iter_mut().find(|e| e.key == entry.key) {
            Some(existing) => *existing = entry,
            None => self.entries.push(entry),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        let index = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries.remove(index))
    }

    /// This table as a plain `toml::Table` (locations dropped).
    pub fn to_toml(&self) -> toml::Table {
        self.entries
            .iter()
            .map(|e| (e.key.clone(), e.node.to_toml()))
            .collect()
    }
}

impl Node {
    /// A value located at `location` (for values seedkit builds itself).
    pub fn new(value: NodeValue, location: Location) -> Node {
        Node {
            value,
            location,
            text_column: None,
        }
    }

    /// Where byte `offset` of this string's text is written: the exact
    /// character when the string is written verbatim on one line, else the
    /// start of the string (its text then differs from what is in the file).
    pub fn location_at(&self, offset: usize) -> Location {
        match (&self.value, self.text_column) {
            (NodeValue::String(text), Some(column)) => Location {
                column: column + text.get(..offset).map_or(0, |s| s.chars().count()),
                ..self.location.clone()
            },
            _ => self.location.clone(),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match &self.value {
            NodeValue::String(_) => "a string",
            NodeValue::Integer(_) => "an integer",
            NodeValue::Float(_) => "a float",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Datetime(_) => "a datetime",
            NodeValue::Array(_) => "an array",
            NodeValue::Table(_) => "a table",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            NodeValue::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// Integers are accepted where a float is expected.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            NodeValue::Integer(i) => Some(*i as f64),
            NodeValue::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            NodeValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_table(&self) -> Option<&Table> {
        match &self.value {
            NodeValue::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Array(items) => Some(items),
            _ => None,
        }
    }

    /// This value as a plain `toml::Value` (locations dropped), for code
    /// that prefers to deserialize a part of the profile with serde.
    pub fn to_toml(&self) -> toml::Value {
        match &self.value {
            NodeValue::String(s) => toml::Value::String(s.clone()),
            NodeValue::Integer(i) => toml::Value::Integer(*i),
            NodeValue::Float(f) => toml::Value::Float(*f),
            NodeValue::Bool(b) => toml::Value::Boolean(*b),
            NodeValue::Datetime(d) => toml::Value::Datetime(*d),
            NodeValue::Array(items) => {
                toml::Value::Array(items.iter().map(Node::to_toml).collect())
            }
            NodeValue::Table(t) => toml::Value::Table(t.to_toml()),
        }
    }
}

fn table_from_de(table: &DeTable<'_>, source: &Source) -> Result<Table, ProfileError> {
    let mut entries = Vec::with_capacity(table.len());
    for (key, value) in table {
        entries.push(Entry {
            key: key.get_ref().to_string(),
            key_location: source.locate_span(&key.span()),
            node: node_from_de(value, source)?,
        });
    }
    Ok(Table { entries })
}

fn node_from_de(value: &Spanned<DeValue<'_>>, source: &Source) -> Result<Node, ProfileError> {
    let span = value.span();
    let location = source.locate_span(&span);
    let out_of_range = |text: &str| ProfileError::Invalid {
        location: location.clone(),
        message: format!("number `{text}` is out of range"),
        hint: None,
    };
    let value = match value.get_ref() {
        DeValue::String(s) => NodeValue::String(s.to_string()),
        DeValue::Integer(i) => NodeValue::Integer(
            i64::from_str_radix(i.as_str(), i.radix()).map_err(|_| out_of_range(i.as_str()))?,
        ),
        DeValue::Float(f) => {
            NodeValue::Float(parse_float(f.as_str()).ok_or_else(|| out_of_range(f.as_str()))?)
        }
        DeValue::Boolean(b) => NodeValue::Bool(*b),
        DeValue::Datetime(d) => NodeValue::Datetime(*d),
        DeValue::Array(items) => NodeValue::Array(
            items
                .iter()
                .map(|item| node_from_de(item, source))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(t) => NodeValue::Table(table_from_de(t, source)?),
    };
    // A string whose span is exactly its text plus two quotes is written
    // verbatim: no escapes (each makes the span longer), not multi-line.
    let text_column = match &value {
        NodeValue::String(text) if span.len() == text.len() + 2 => Some(location.column + 1),
        _ => None,
    };
    Ok(Node {
        value,
        location,
        text_column,
    })
}

fn parse_float(text: &str) -> Option<f64> {
    match text.trim_start_matches('+') {
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" | "-nan" => Some(f64::NAN),
        other => other.replace('_', "").parse().ok(),
    }
}

/// Merges `over` into `base`: tables merge key by key, everything else is
/// replaced. Two exceptions make overriding read naturally:
/// - a column definition (`tables.T.columns.C`) is replaced as a whole, so a
///   new generator does not mix with the old one's options;
/// - `rows`, `per_parent` and `rows_literal` exclude each other: setting one
///   in a table removes the others inherited from the base.
pub(crate) fn merge(base: &mut Table, over: Table, path: &[&str]) {
    const ROW_KEYS: [&str; 3] = ["rows", "per_parent", "rows_literal"];
    let is_table_spec = path.len() == 2 && path[0] == "tables";
    for entry in over.entries {
        if is_table_spec && ROW_KEYS.contains(&entry.key.as_str()) {
            for other in ROW_KEYS.iter().filter(|k| **k != entry.key) {
                base.remove(other);
            }
        }
        let is_column = path.len() == 3 && path[0] == "tables" && path[2] == "columns";
        let child_path: Vec<&str> = path.iter().copied().chain([entry.key.as_str()]).collect();
        match (base.get_mut(&entry.key), &entry.node.value) {
            (
                Some(Node {
                    value: NodeValue::Table(existing),
                    ..
                }),
                NodeValue::Table(_),
            ) if !is_column => {
                let NodeValue::Table(over_table) = entry.node.value else {
                    unreachable!()
                };
                merge(existing, over_table, &child_path);
            }
            _ => base.insert(entry),
        }
    }
}

/// A path `--set` reaches, e.g. `tables.players.rows`.
pub(crate) struct SetPath {
    pub segments: Vec<(String, Location)>,
    pub value: Node,
}

/// Parses one `--set KEY=VALUE` argument. KEY is a TOML dotted key (quote a
/// segment holding dots: `'"game.players".rows=5'`); VALUE is parsed as a
/// TOML value, and taken as a string when it is not one (`--set
/// redis.prefix=staging:`). Locations point into the argument itself.
pub(crate) fn parse_set(arg: &str) -> Result<SetPath, ProfileError> {
    let label = PathBuf::from(format!("--set {arg}"));
    // Offsets below are into `arg`; the label adds "--set " before it.
    let shift = "--set ".len();
    let whole = Source::new(label.clone(), format!("--set {arg}"));
    let Some((key, raw_value)) = arg.split_once('=') else {
        return Err(ProfileError::invalid(
            &whole.locate(shift),
            format!("`--set {arg}` has no `=`"),
        )
        .with_hint("write --set PATH=VALUE, e.g. --set players.rows=500"));
    };
    let as_toml = format!("{}{key}={raw_value}", " ".repeat(shift));
    let as_string = format!(
        "{}{key}={}",
        " ".repeat(shift),
        toml::Value::String(raw_value.to_string())
    );
    // A value that is not TOML is read as a string: its quotes are not in
    // the argument, so its text starts one column earlier than parsed.
    let mut unquoted = false;
    let parsed = Source::new(label.clone(), as_toml)
        .parse()
        .or_else(|_| {
            unquoted = true;
            Source::new(label.clone(), as_string).parse()
        })
        .map_err(|e| match e {
            ProfileError::Syntax { location, message } => ProfileError::Invalid {
                location,
                message: format!("`{key}` is not a valid dotted key: {message}"),
                hint: Some(
                    "quote a segment that holds dots: --set '\"game.players\".rows=5'".into(),
                ),
            },
            other => other,
        })?;
    // How many segments the key has (`"game.users".rows` has two): parse
    // the key alone with a plain value and count the nested tables.
    let depth = {
        let mut depth = 0;
        let mut probe = Source::new(label.clone(), format!("{key}=0")).parse()?;
        while let Some(entry) = probe.entries.pop() {
            depth += 1;
            match entry.node.value {
                NodeValue::Table(inner) => probe = inner,
                _ => break,
            }
        }
        depth
    };
    let mut segments = Vec::new();
    let mut table = parsed;
    loop {
        let mut entries = table.entries.into_iter();
        let (Some(entry), None) = (entries.next(), entries.next()) else {
            return Err(ProfileError::invalid(
                &whole.locate(shift),
                format!("`--set {arg}` must set exactly one value"),
            ));
        };
        segments.push((entry.key, entry.key_location));
        match entry.node.value {
            // `a.b={x=1}` sets a table value; `a.b=1` walks the dotted key.
            NodeValue::Table(inner) if segments.len() < depth => {
                table = inner;
            }
            _ => {
                let mut value = entry.node;
                if unquoted {
                    value.text_column = value.text_column.map(|column| column - 1);
                }
                return Ok(SetPath { segments, value });
            }
        }
    }
}

/// The display path of a file, relative to the current folder when it is
/// inside it (shorter messages, still clickable in editors and terminals).
pub(crate) fn display_path(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}
