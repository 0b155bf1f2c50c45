//! The typed profile: tables, row counts and column generators, read from
//! the merged [`Node`](super::node::Node) tree with a location on everything.
//!
//! This module only checks what a single column or table can get wrong
//! (unknown generator, min > max, weights that do not match values...).
//! Checks across tables (references, cycles) live in `validate.rs`.

use super::node::{Entry, Node, NodeValue, Table};
use super::{Location, ProfileError};
use crate::generate::Value;

/// One table of the profile.
#[derive(Debug, Clone)]
pub struct TableSpec {
    /// Table name as in the database (may be schema-qualified: `game.players`).
    pub name: String,
    /// Where the table is declared.
    pub location: Location,
    /// Generated columns, in COPY order (hidden helper columns excluded).
    pub columns: Vec<ColumnSpec>,
    /// Helper columns (`hidden = true`): generated, usable by `derive`,
    /// `null_if` and `template`, never loaded.
    pub hidden: Vec<ColumnSpec>,
    /// How many rows, and how they hang off a parent table.
    pub rows: RowsSpec,
    /// `load = false`: a helper table, computed for references and
    /// `per_parent` but never loaded (e.g. the list of game servers).
    pub load: bool,
}

impl TableSpec {
    /// A column by name, visible or hidden.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns
            .iter()
            .chain(&self.hidden)
            .find(|c| c.name == name)
    }
}

#[derive(Debug, Clone)]
pub enum RowsSpec {
    /// `rows = 1000`.
    Fixed { rows: u64, location: Location },
    /// `per_parent = { parent = "players", count = ... }`: each row of the
    /// parent table gets `count` rows here.
    PerParent {
        parent: String,
        parent_location: Location,
        count: Dist,
    },
    /// `rows_literal = [ {...}, ... ]`: exactly these rows.
    Literal { rows: u64, location: Location },
}

/// One generated column (or JSON field).
#[derive(Debug, Clone)]
pub struct ColumnSpec {
    pub name: String,
    /// Where the column's key is written.
    pub location: Location,
    pub generator: Generator,
    /// Where the generator is written (for messages about it).
    pub generator_location: Location,
    /// Distinct in every row, by construction.
    pub unique: bool,
    /// Chance that the cell is NULL (0.0 to 1.0).
    pub null_probability: f64,
    /// NULL when another column of the row matches.
    pub null_if: Option<NullIf>,
}

/// `null_if = "active"` (NULL when the bool column is true) or
/// `null_if = { column = "status", equals = "open" }` / `in = [...]` /
/// `not_in = [...]`.
#[derive(Debug, Clone)]
pub struct NullIf {
    pub column: String,
    pub location: Location,
    pub test: NullTest,
}

#[derive(Debug, Clone)]
pub enum NullTest {
    In(Vec<Value>),
    NotIn(Vec<Value>),
}

/// A numeric distribution with bounds. For integers, `min`/`max` are whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Dist {
    pub kind: DistKind,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DistKind {
    /// Every value in `[min, max]` equally likely.
    Uniform,
    /// Gaussian, clamped to `[min, max]`.
    Normal { mean: f64, stddev: f64 },
    /// Zipf over the ranks `min..=max`: `min` is the most likely value, and
    /// the probability of the k-th value falls like `1 / k^s`.
    Zipf { s: f64 },
    /// `min + Exp(1/mean)`, clamped to `max`.
    Exponential { mean: f64 },
    /// Always the same value.
    Constant(f64),
}

/// Which row of the referenced table a reference points at.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    /// The parent row of a `per_parent` table (the default when the
    /// reference targets the table's own parent).
    Parent,
    /// Any row, equally likely (the default otherwise).
    Uniform,
    /// Skewed: low row numbers are referenced much more often (`s` as zipf).
    Zipf { s: f64 },
    /// Distinct rows for the children of one parent: child k of a parent
    /// takes row (offset + k) mod n, with a per-parent random offset. Gives
    /// composite keys such as (player_id, achievement_id) without duplicates.
    Distinct,
    /// A row of the referenced `per_parent` table that has the same parent
    /// as this row (e.g. an achievement's session of the same player); NULL
    /// when that parent has none.
    SameParent,
}

/// What a series counts: the table's row number, or the row's position
/// among its parent's children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesIndex {
    Row,
    Child,
}

#[derive(Debug, Clone)]
pub enum TemplatePart {
    Text(String),
    /// `{row}`: the 0-based row number.
    Row,
    /// `{n}`: the 1-based row number.
    N,
    /// `{child}`: the 0-based position among the parent's children.
    Child,
    /// `{column}`: another column of the same row.
    Column(String),
}

/// The fake values available through the `fake` crate (English locale).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FakeKind {
    FirstName,
    LastName,
    Name,
    Username,
    Email,
    SafeEmail,
    Ipv4,
    Ipv6,
    UserAgent,
    Word,
    Words,
    Sentence,
    Paragraph,
    Company,
    Industry,
    Buzzword,
    CatchPhrase,
    JobTitle,
    City,
    Country,
    CountryCode,
    Street,
    ZipCode,
    Phone,
    DomainSuffix,
}

impl FakeKind {
    pub const ALL: [(&'static str, FakeKind); 25] = [
        ("first_name", FakeKind::FirstName),
        ("last_name", FakeKind::LastName),
        ("name", FakeKind::Name),
        ("username", FakeKind::Username),
        ("email", FakeKind::Email),
        ("safe_email", FakeKind::SafeEmail),
        ("ipv4", FakeKind::Ipv4),
        ("ipv6", FakeKind::Ipv6),
        ("user_agent", FakeKind::UserAgent),
        ("word", FakeKind::Word),
        ("words", FakeKind::Words),
        ("sentence", FakeKind::Sentence),
        ("paragraph", FakeKind::Paragraph),
        ("company", FakeKind::Company),
        ("industry", FakeKind::Industry),
        ("buzzword", FakeKind::Buzzword),
        ("catch_phrase", FakeKind::CatchPhrase),
        ("job_title", FakeKind::JobTitle),
        ("city", FakeKind::City),
        ("country", FakeKind::Country),
        ("country_code", FakeKind::CountryCode),
        ("street", FakeKind::Street),
        ("zip_code", FakeKind::ZipCode),
        ("phone", FakeKind::Phone),
        ("domain_suffix", FakeKind::DomainSuffix),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("?", |(n, _)| n)
    }

    /// Kinds whose `unique = true` is guaranteed by a row-number suffix.
    pub fn can_be_unique(self) -> bool {
        matches!(
            self,
            FakeKind::Username | FakeKind::Email | FakeKind::SafeEmail
        )
    }
}

/// A column generator. See docs/profiles.md for each one with an example.
#[derive(Debug, Clone)]
pub enum Generator {
    /// `seq = { start = 1, step = 1 }`: start + row * step.
    Sequence { start: i64, step: i64 },
    /// `int = { dist = "normal", mean = 80, stddev = 5, min = 0, max = 200 }`.
    Int(Dist),
    /// `float = { ..., round = 2 }`.
    Float { dist: Dist, round: Option<u32> },
    /// `bool = { probability = 0.1 }`.
    Bool { probability: f64 },
    /// `choice = { values = [...], weights = [...] }`.
    Choice {
        values: Vec<Value>,
        weights: Vec<f64>,
    },
    /// `fake = "email"` or `fake = { kind = "words", min = 2, max = 5 }`.
    Fake { kind: FakeKind, min: u32, max: u32 },
    /// `timestamp = { start = 2026-01-01T00:00:00Z, end = ... }`, microseconds.
    Timestamp { start: i64, end: i64 },
    /// `date = { start = 2025-01-01, end = 2026-01-01 }`, days since epoch.
    Date { start: i32, end: i32 },
    /// `series = { start = 2026-01-01T00:00:00Z, step = "1m" }`:
    /// start + index * step (timestamps) or numbers.
    Series {
        start: Value,
        step: f64,
        by: Option<SeriesIndex>,
    },
    /// `json = { fov = { int = {...} }, comfort = { vignette = { bool = {...} } } }`.
    Json(Vec<JsonField>),
    /// `array = { of = { fake = "word" }, min = 0, max = 3 }`.
    Array { of: Box<ColumnSpec>, len: Dist },
    /// `uuid = {}`: a deterministic, unique, version-4-shaped UUID.
    Uuid,
    /// `ref = "players.id"` or `ref = { to = "players.id", pick = "zipf" }`.
    Ref {
        table: String,
        column: String,
        pick: Option<Pick>,
        location: Location,
    },
    /// `derive = { from = "started_at", add = { int = {...} }, unit = "seconds" }`.
    Derive {
        from: String,
        add: Option<Box<ColumnSpec>>,
        /// Microseconds per unit of `add` when `from` is a timestamp.
        unit_micros: i64,
        /// Decimals to round a float result to.
        round: Option<u32>,
    },
    /// `template = "player_{n}"`.
    Template(Vec<TemplatePart>),
    /// `value = 42`: the same value in every row.
    Const(Value),
    /// The cells of a `rows_literal` column, one per row.
    Literal(Vec<Value>),
}

/// A JSON object field: either a generated value or a nested object.
#[derive(Debug, Clone)]
pub enum JsonField {
    Value(Box<ColumnSpec>),
    Object {
        name: String,
        fields: Vec<JsonField>,
    },
}

const GENERATORS: [&str; 16] = [
    "seq",
    "int",
    "float",
    "bool",
    "choice",
    "fake",
    "timestamp",
    "date",
    "series",
    "json",
    "array",
    "uuid",
    "ref",
    "derive",
    "template",
    "value",
];
const MODIFIERS: [&str; 4] = ["unique", "null_probability", "null_if", "hidden"];

/// Reads the keys of a table, complaining about any it does not know.
struct Reader<'a> {
    table: &'a Table,
    location: &'a Location,
    what: String,
    known: Vec<&'static str>,
}

impl<'a> Reader<'a> {
    fn new(node: &'a Node, what: impl Into<String>) -> Result<Reader<'a>, ProfileError> {
        let what = what.into();
        let table = node.as_table().ok_or_else(|| {
            ProfileError::invalid(
                &node.location,
                format!("{what} must be a table, not {}", node.type_name()),
            )
        })?;
        Ok(Reader {
            table,
            location: &node.location,
            what,
            known: Vec::new(),
        })
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Node> {
        self.known.push(key);
        self.table.get(key)
    }

    fn entry(&mut self, key: &'static str) -> Option<&'a Entry> {
        self.known.push(key);
        self.table.entry(key)
    }

    fn required(&mut self, key: &'static str) -> Result<&'a Node, ProfileError> {
        let what = self.what.clone();
        self.get(key)
            .ok_or_else(|| ProfileError::invalid(self.location, format!("{what} needs `{key}`")))
    }

    fn f64(&mut self, key: &'static str) -> Result<Option<f64>, ProfileError> {
        self.get(key).map(|n| number(n, key)).transpose()
    }

    fn i64(&mut self, key: &'static str) -> Result<Option<i64>, ProfileError> {
        self.get(key).map(|n| integer(n, key)).transpose()
    }

    /// Errors on the first key nobody asked for.
    fn finish(self) -> Result<(), ProfileError> {
        match self
            .table
            .iter()
            .find(|e| !self.known.contains(&e.key.as_str()))
        {
            Some(extra) => {
                let mut known = self.known.clone();
                known.dedup();
                Err(ProfileError::invalid(
                    &extra.key_location,
                    format!("unknown key `{}` in {}", extra.key, self.what),
                )
                .with_hint(format!("expected one of: {}", known.join(", "))))
            }
            None => Ok(()),
        }
    }
}

fn number(node: &Node, key: &str) -> Result<f64, ProfileError> {
    node.as_f64().ok_or_else(|| {
        ProfileError::invalid(
            &node.location,
            format!("`{key}` must be a number, not {}", node.type_name()),
        )
    })
}

fn integer(node: &Node, key: &str) -> Result<i64, ProfileError> {
    node.as_i64().ok_or_else(|| {
        ProfileError::invalid(
            &node.location,
            format!("`{key}` must be an integer, not {}", node.type_name()),
        )
    })
}

fn string<'n>(node: &'n Node, key: &str) -> Result<&'n str, ProfileError> {
    node.as_str().ok_or_else(|| {
        ProfileError::invalid(
            &node.location,
            format!("`{key}` must be a string, not {}", node.type_name()),
        )
    })
}

fn probability(node: &Node, key: &str) -> Result<f64, ProfileError> {
    let p = number(node, key)?;
    if !(0.0..=1.0).contains(&p) {
        return Err(ProfileError::invalid(
            &node.location,
            format!("`{key}` must be between 0 and 1, not {p}"),
        ));
    }
    Ok(p)
}

/// What a table is, as far as column parsing needs to know.
pub(crate) struct TableContext<'a> {
    pub name: &'a str,
    pub per_parent: Option<&'a str>,
}

/// Reads `[tables.NAME]`.
pub(crate) fn read_table(entry: &Entry) -> Result<TableSpec, ProfileError> {
    let what = format!("table `{}`", entry.key);
    let mut reader = Reader::new(&entry.node, what.clone())?;
    let load = match reader.get("load") {
        Some(node) => node
            .as_bool()
            .ok_or_else(|| ProfileError::invalid(&node.location, "`load` must be true or false"))?,
        None => true,
    };
    let rows_node = reader.entry("rows");
    let per_parent_node = reader.get("per_parent");
    let literal_node = reader.get("rows_literal");
    let columns_node = reader.get("columns");
    reader.finish()?;

    let given: Vec<&Location> = [
        rows_node.map(|e| &e.key_location),
        per_parent_node.map(|n| &n.location),
        literal_node.map(|n| &n.location),
    ]
    .into_iter()
    .flatten()
    .collect();
    if given.len() > 1 {
        return Err(ProfileError::invalid(
            given[1],
            format!("{what} sets more than one of `rows`, `per_parent` and `rows_literal`"),
        )
        .with_hint("keep exactly one of them"));
    }

    let rows = if let Some(rows) = rows_node {
        let count = integer(&rows.node, "rows")?;
        let rows_count = u64::try_from(count).map_err(|_| {
            ProfileError::invalid(
                &rows.node.location,
                format!("`rows` must be zero or more, not {count}"),
            )
        })?;
        RowsSpec::Fixed {
            rows: rows_count,
            location: rows.node.location.clone(),
        }
    } else if let Some(node) = per_parent_node {
        let mut pp = Reader::new(node, format!("`per_parent` of {what}"))?;
        let parent_node = pp.required("parent")?;
        let parent = string(parent_node, "parent")?.to_string();
        let count_node = pp.required("count")?;
        pp.finish()?;
        let count = match &count_node.value {
            NodeValue::Table(_) => read_dist(count_node, "`count`", true)?,
            NodeValue::Integer(n) if *n >= 0 => Dist {
                kind: DistKind::Constant(*n as f64),
                min: *n as f64,
                max: *n as f64,
            },
            _ => {
                return Err(ProfileError::invalid(
                    &count_node.location,
                    "`count` must be a whole number of rows or a distribution, \
                     e.g. { dist = \"zipf\", min = 0, max = 20 }",
                ));
            }
        };
        if count.min < 0.0 {
            return Err(ProfileError::invalid(
                &count_node.location,
                format!("`count` must be zero or more, not min = {}", count.min),
            ));
        }
        RowsSpec::PerParent {
            parent,
            parent_location: parent_node.location.clone(),
            count,
        }
    } else if let Some(node) = literal_node {
        let rows = node.as_array().ok_or_else(|| {
            ProfileError::invalid(
                &node.location,
                "`rows_literal` must be an array of tables, e.g. [ { id = 1, name = \"x\" } ]",
            )
        })?;
        RowsSpec::Literal {
            rows: rows.len() as u64,
            location: node.location.clone(),
        }
    } else {
        return Err(ProfileError::invalid(
            &entry.key_location,
            format!("{what} says neither `rows`, `per_parent` nor `rows_literal`"),
        )
        .with_hint("add e.g. `rows = 100`"));
    };

    let context = TableContext {
        name: &entry.key,
        per_parent: match &rows {
            RowsSpec::PerParent { parent, .. } => Some(parent),
            _ => None,
        },
    };
    let mut columns = Vec::new();
    let mut hidden = Vec::new();
    if let Some(node) = literal_node {
        if columns_node.is_some() {
            return Err(ProfileError::invalid(
                &node.location,
                format!("{what} has both `rows_literal` and `columns`"),
            )
            .with_hint("a literal table takes its columns from the rows' keys"));
        }
        columns = literal_columns(node)?;
    }
    if let Some(node) = columns_node {
        let table = node.as_table().ok_or_else(|| {
            ProfileError::invalid(
                &node.location,
                "`columns` must be a table of column generators",
            )
        })?;
        for column in table.iter() {
            let (spec, is_hidden) = read_column(column, &context)?;
            if is_hidden {
                hidden.push(spec);
            } else {
                columns.push(spec);
            }
        }
    }
    if columns.is_empty() && load {
        return Err(
            ProfileError::invalid(&entry.key_location, format!("{what} has no columns")).with_hint(
                format!(
                    "add [tables.{}.columns] with a generator per column",
                    entry.key
                ),
            ),
        );
    }
    Ok(TableSpec {
        name: entry.key.clone(),
        location: entry.key_location.clone(),
        columns,
        hidden,
        rows,
        load,
    })
}

fn literal_columns(node: &Node) -> Result<Vec<ColumnSpec>, ProfileError> {
    let rows = node.as_array().unwrap_or_default();
    let mut columns: Vec<ColumnSpec> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let table = row.as_table().ok_or_else(|| {
            ProfileError::invalid(
                &row.location,
                format!(
                    "row {} of `rows_literal` must be a table, not {}",
                    index + 1,
                    row.type_name()
                ),
            )
        })?;
        for entry in table.iter() {
            let position = match columns.iter().position(|c| c.name == entry.key) {
                Some(p) => p,
                None => {
                    columns.push(ColumnSpec {
                        name: entry.key.clone(),
                        location: entry.key_location.clone(),
                        generator: Generator::Literal(vec![Value::Null; rows.len()]),
                        generator_location: entry.key_location.clone(),
                        unique: false,
                        null_probability: 0.0,
                        null_if: None,
                    });
                    columns.len() - 1
                }
            };
            if let Generator::Literal(values) = &mut columns[position].generator {
                values[index] = node_value(&entry.node)?;
            }
        }
    }
    Ok(columns)
}

/// Reads one `name = { generator ... }` entry. Returns the spec and whether
/// it is a hidden helper column.
pub(crate) fn read_column(
    entry: &Entry,
    table: &TableContext<'_>,
) -> Result<(ColumnSpec, bool), ProfileError> {
    let node = &entry.node;
    let Some(fields) = node.as_table() else {
        // A bare scalar or array is a constant: `kind = "bot"`.
        return Ok((
            ColumnSpec {
                name: entry.key.clone(),
                location: entry.key_location.clone(),
                generator: Generator::Const(node_value(node)?),
                generator_location: node.location.clone(),
                unique: false,
                null_probability: 0.0,
                null_if: None,
            },
            false,
        ));
    };
    let mut generator: Option<&Entry> = None;
    for field in fields.iter() {
        let key = field.key.as_str();
        if MODIFIERS.contains(&key) {
            continue;
        }
        if !GENERATORS.contains(&key) {
            let what = if table.name.is_empty() {
                "field"
            } else {
                "column"
            };
            return Err(ProfileError::invalid(
                &field.key_location,
                format!("unknown generator `{key}` for {what} `{}`", entry.key),
            )
            .with_hint(format!(
                "use one of: {}; modifiers: {}",
                GENERATORS.join(", "),
                MODIFIERS.join(", ")
            )));
        }
        if let Some(first) = generator {
            return Err(ProfileError::invalid(
                &field.key_location,
                format!(
                    "column `{}` has two generators, `{}` and `{key}`",
                    entry.key, first.key
                ),
            )
            .with_hint("keep one generator per column; use `derive` to build on another column"));
        }
        generator = Some(field);
    }
    let Some(generator_entry) = generator else {
        return Err(ProfileError::invalid(
            &node.location,
            format!("column `{}` has no generator", entry.key),
        )
        .with_hint(format!("add one of: {}", GENERATORS.join(", "))));
    };
    let generated = read_generator(generator_entry, table)?;

    let mut unique = false;
    let mut null_probability = 0.0;
    let mut null_if = None;
    let mut hidden = false;
    for field in fields.iter() {
        match field.key.as_str() {
            "unique" => unique = flag(&field.node, "unique")?,
            "hidden" => hidden = flag(&field.node, "hidden")?,
            "null_probability" => null_probability = probability(&field.node, "null_probability")?,
            "null_if" => null_if = Some(read_null_if(&field.node)?),
            _ => {}
        }
    }
    let spec = ColumnSpec {
        name: entry.key.clone(),
        location: entry.key_location.clone(),
        generator: generated,
        generator_location: generator_entry.key_location.clone(),
        unique,
        null_probability,
        null_if,
    };
    if spec.unique {
        check_unique(&spec, table)?;
    }
    Ok((spec, hidden))
}

fn flag(node: &Node, key: &str) -> Result<bool, ProfileError> {
    node.as_bool().ok_or_else(|| {
        ProfileError::invalid(&node.location, format!("`{key}` must be true or false"))
    })
}

fn check_unique(spec: &ColumnSpec, table: &TableContext<'_>) -> Result<(), ProfileError> {
    let reason = match &spec.generator {
        Generator::Sequence { step: 0, .. } => Some("a sequence with step 0 repeats its start"),
        Generator::Sequence { .. } | Generator::Uuid => None,
        Generator::Fake { kind, .. } if kind.can_be_unique() => None,
        Generator::Fake { .. } => {
            Some("only the fake kinds username, email and safe_email can be unique")
        }
        Generator::Template(parts) if template_is_unique(parts) => None,
        Generator::Template(_) => Some(
            "a unique template must contain {row} or {n}, and when it also uses other \
             columns, end with {row} or {n} after a non-digit character (e.g. \"{name}-{n}\")",
        ),
        Generator::Series { step, by, .. } => {
            let by = by.unwrap_or(if table.per_parent.is_some() {
                SeriesIndex::Child
            } else {
                SeriesIndex::Row
            });
            if *step == 0.0 {
                Some("a series with step 0 repeats its start")
            } else if by == SeriesIndex::Child {
                Some("a series counted per parent (`by = \"child\"`) repeats for every parent")
            } else {
                None
            }
        }
        Generator::Literal(values) => {
            let mut seen = std::collections::HashSet::new();
            values
                .iter()
                .find(|v| !seen.insert(v.to_string()))
                .map(|_| "two literal rows have the same value")
        }
        _ => Some("its values are random and could repeat"),
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(ProfileError::invalid(
            &spec.location,
            format!("column `{}` cannot be `unique = true`: {reason}", spec.name),
        )
        .with_hint(
            "unique values come from seq, uuid, a template with {n}, a time series, \
             or fake username/email (which get a row-number suffix)",
        )),
    }
}

/// Whether every row renders a different text: the row number appears and
/// either nothing else varies, or the row number comes last after a fixed
/// non-digit character (then that last character splits off the number).
fn template_is_unique(parts: &[TemplatePart]) -> bool {
    let numbered = |p: &TemplatePart| matches!(p, TemplatePart::Row | TemplatePart::N);
    let varies = |p: &TemplatePart| matches!(p, TemplatePart::Column(_) | TemplatePart::Child);
    if !parts.iter().any(numbered) {
        return false;
    }
    if !parts.iter().any(varies) {
        return true;
    }
    match parts {
        [.., TemplatePart::Text(text), last] if numbered(last) => {
            text.chars().last().is_some_and(|c| !c.is_ascii_digit())
        }
        _ => false,
    }
}

fn read_null_if(node: &Node) -> Result<NullIf, ProfileError> {
    if let Some(column) = node.as_str() {
        return Ok(NullIf {
            column: column.to_string(),
            location: node.location.clone(),
            test: NullTest::In(vec![Value::Bool(true)]),
        });
    }
    let mut reader = Reader::new(node, "`null_if`")?;
    let column_node = reader.required("column")?;
    let column = string(column_node, "column")?.to_string();
    let equals = reader.get("equals");
    let in_list = reader.get("in");
    let not_in = reader.get("not_in");
    reader.finish()?;
    let list = |n: &Node| -> Result<Vec<Value>, ProfileError> {
        match n.as_array() {
            Some(items) => items.iter().map(node_value).collect(),
            None => Ok(vec![node_value(n)?]),
        }
    };
    let test = match (equals, in_list, not_in) {
        (Some(v), None, None) | (None, Some(v), None) => NullTest::In(list(v)?),
        (None, None, Some(v)) => NullTest::NotIn(list(v)?),
        (None, None, None) => NullTest::In(vec![Value::Bool(true)]),
        _ => {
            return Err(ProfileError::invalid(
                &node.location,
                "`null_if` takes one of `equals`, `in` or `not_in`",
            ));
        }
    };
    Ok(NullIf {
        column,
        location: column_node.location.clone(),
        test,
    })
}

fn read_generator(entry: &Entry, table: &TableContext<'_>) -> Result<Generator, ProfileError> {
    let node = &entry.node;
    Ok(match entry.key.as_str() {
        "seq" => {
            let mut r = Reader::new(node, "`seq`")?;
            let start = r.i64("start")?.unwrap_or(1);
            let step = r.i64("step")?.unwrap_or(1);
            r.finish()?;
            Generator::Sequence { start, step }
        }
        "int" => Generator::Int(read_dist(node, "`int`", true)?),
        "float" => {
            let round = node
                .as_table()
                .and_then(|t| t.get("round"))
                .map(read_round)
                .transpose()?;
            Generator::Float {
                dist: read_dist(node, "`float`", false)?,
                round,
            }
        }
        "bool" => {
            let probability = match &node.value {
                NodeValue::Table(_) => {
                    let mut r = Reader::new(node, "`bool`")?;
                    let p = r
                        .get("probability")
                        .map(|n| self::probability(n, "probability"));
                    r.finish()?;
                    p.transpose()?.unwrap_or(0.5)
                }
                _ => probability(node, "bool")?,
            };
            Generator::Bool { probability }
        }
        "choice" => read_choice(node)?,
        "fake" => read_fake(node)?,
        "timestamp" => {
            let mut r = Reader::new(node, "`timestamp`")?;
            let start_node = r.required("start")?;
            let end_node = r.required("end")?;
            r.finish()?;
            let start = timestamp(start_node)?;
            let end = timestamp(end_node)?;
            if start > end {
                return Err(ProfileError::invalid(
                    &start_node.location,
                    "`start` is after `end`",
                ));
            }
            Generator::Timestamp { start, end }
        }
        "date" => {
            let mut r = Reader::new(node, "`date`")?;
            let start_node = r.required("start")?;
            let end_node = r.required("end")?;
            r.finish()?;
            let start = timestamp(start_node)?.div_euclid(86_400_000_000) as i32;
            let end = timestamp(end_node)?.div_euclid(86_400_000_000) as i32;
            if start > end {
                return Err(ProfileError::invalid(
                    &start_node.location,
                    "`start` is after `end`",
                ));
            }
            Generator::Date { start, end }
        }
        "series" => read_series(node)?,
        "json" => Generator::Json(read_json_fields(node, table)?),
        "array" => {
            let mut r = Reader::new(node, "`array`")?;
            let of_node = r.required("of")?;
            let min = r.i64("min")?.unwrap_or(0);
            let max = r.i64("max")?.unwrap_or(min.max(3));
            r.finish()?;
            if min < 0 || min > max {
                return Err(ProfileError::invalid(
                    &node.location,
                    format!("array length: min ({min}) must be >= 0 and <= max ({max})"),
                ));
            }
            let of_entry = Entry {
                key: "of".into(),
                key_location: of_node.location.clone(),
                node: of_node.clone(),
            };
            let (of, _) = read_column(&of_entry, &TableContext { name: "", ..*table })?;
            Generator::Array {
                of: Box::new(of),
                len: Dist {
                    kind: DistKind::Uniform,
                    min: min as f64,
                    max: max as f64,
                },
            }
        }
        "uuid" => {
            match &node.value {
                NodeValue::Bool(true) => {}
                NodeValue::Table(_) => Reader::new(node, "`uuid`")?.finish()?,
                _ => {
                    return Err(ProfileError::invalid(&node.location, "write `uuid = {}`"));
                }
            }
            Generator::Uuid
        }
        "ref" => read_ref(node)?,
        "derive" => {
            let mut r = Reader::new(node, "`derive`")?;
            let from = string(r.required("from")?, "from")?.to_string();
            let add = r.get("add");
            let unit = r.get("unit");
            let round = r.get("round").map(read_round).transpose()?;
            r.finish()?;
            let unit_micros = match unit {
                None => 1_000_000,
                Some(n) => unit_micros(n)?,
            };
            let add = add
                .map(|n| {
                    let add_entry = Entry {
                        key: "add".into(),
                        key_location: n.location.clone(),
                        node: n.clone(),
                    };
                    read_column(&add_entry, &TableContext { name: "", ..*table })
                        .map(|(spec, _)| Box::new(spec))
                })
                .transpose()?;
            Generator::Derive {
                from,
                add,
                unit_micros,
                round,
            }
        }
        "template" => Generator::Template(read_template(node)?),
        "value" => Generator::Const(node_value(node)?),
        _ => unreachable!("checked against GENERATORS"),
    })
}

fn read_round(node: &Node) -> Result<u32, ProfileError> {
    integer(node, "round").and_then(|r| {
        u32::try_from(r).ok().filter(|r| *r <= 12).ok_or_else(|| {
            ProfileError::invalid(&node.location, "`round` must be 0 to 12 decimals")
        })
    })
}

fn unit_micros(node: &Node) -> Result<i64, ProfileError> {
    Ok(match string(node, "unit")? {
        "micros" | "microseconds" => 1,
        "millis" | "milliseconds" => 1_000,
        "seconds" | "s" => 1_000_000,
        "minutes" | "m" => 60_000_000,
        "hours" | "h" => 3_600_000_000,
        "days" | "d" => 86_400_000_000,
        other => {
            return Err(
                ProfileError::invalid(&node.location, format!("unknown unit `{other}`"))
                    .with_hint("use micros, millis, seconds, minutes, hours or days"),
            );
        }
    })
}

/// Reads `{ dist = "...", min, max, ... }` (int or float).
pub(crate) fn read_dist(node: &Node, what: &str, whole: bool) -> Result<Dist, ProfileError> {
    let mut r = Reader::new(node, what)?;
    let kind_node = r.get("dist");
    let kind_name = kind_node
        .map(|n| string(n, "dist"))
        .transpose()?
        .unwrap_or("uniform");
    let min = r.f64("min")?;
    let max = r.f64("max")?;
    if !whole {
        r.get("round");
    }
    let located = |key: &str| {
        node.as_table()
            .and_then(|t| t.get(key))
            .map(|n| &n.location)
    };
    if whole {
        for (key, v) in [("min", min), ("max", max)] {
            if let Some(v) = v
                && v.fract() != 0.0
            {
                return Err(ProfileError::invalid(
                    located(key).unwrap_or(&node.location),
                    format!("`{key}` of {what} must be a whole number, not {v}"),
                ));
            }
        }
    }
    let (lo_default, hi_default) = if whole {
        (i64::MIN as f64, i64::MAX as f64)
    } else {
        (f64::MIN, f64::MAX)
    };
    let need = |v: Option<f64>, key: &str| {
        v.ok_or_else(|| {
            ProfileError::invalid(
                &node.location,
                format!("{what} with dist = \"{kind_name}\" needs `{key}`"),
            )
        })
    };
    let (kind, min, max) = match kind_name {
        "uniform" => (DistKind::Uniform, need(min, "min")?, need(max, "max")?),
        "normal" => {
            let mean = need(r.f64("mean")?, "mean")?;
            let stddev = need(r.f64("stddev")?, "stddev")?;
            if stddev < 0.0 {
                return Err(ProfileError::invalid(
                    located("stddev").unwrap_or(&node.location),
                    "`stddev` must not be negative",
                ));
            }
            (
                DistKind::Normal { mean, stddev },
                min.unwrap_or(lo_default),
                max.unwrap_or(hi_default),
            )
        }
        "zipf" => {
            let s = r.f64("s")?.unwrap_or(1.0);
            if s <= 0.0 {
                return Err(ProfileError::invalid(
                    located("s").unwrap_or(&node.location),
                    "zipf exponent `s` must be greater than 0",
                ));
            }
            (DistKind::Zipf { s }, need(min, "min")?, need(max, "max")?)
        }
        "exponential" => {
            let mean = need(r.f64("mean")?, "mean")?;
            let lo = min.unwrap_or(0.0);
            if mean <= 0.0 {
                return Err(ProfileError::invalid(
                    located("mean").unwrap_or(&node.location),
                    "exponential `mean` must be greater than 0 (it is measured from `min`)",
                ));
            }
            (
                DistKind::Exponential { mean },
                lo,
                max.unwrap_or(hi_default),
            )
        }
        other => {
            return Err(ProfileError::invalid(
                &kind_node
                    .expect("a non-default name comes from the file")
                    .location,
                format!("unknown distribution `{other}`"),
            )
            .with_hint("use uniform, normal, zipf or exponential"));
        }
    };
    r.finish()?;
    if min > max {
        return Err(ProfileError::invalid(
            located("min").unwrap_or(&node.location),
            format!("min ({min}) is greater than max ({max}) in {what}"),
        ));
    }
    if let DistKind::Zipf { .. } = kind
        && max - min > 1e15
    {
        return Err(ProfileError::invalid(
            &node.location,
            "zipf range is too wide (max - min must be below 10^15)",
        ));
    }
    Ok(Dist { kind, min, max })
}

fn read_choice(node: &Node) -> Result<Generator, ProfileError> {
    let (values_node, weights_node) = match &node.value {
        NodeValue::Array(_) => (node, None),
        _ => {
            let mut r = Reader::new(node, "`choice`")?;
            let values = r.required("values")?;
            let weights = r.get("weights");
            r.finish()?;
            (values, weights)
        }
    };
    let values: Vec<Value> = values_node
        .as_array()
        .ok_or_else(|| ProfileError::invalid(&values_node.location, "`values` must be an array"))?
        .iter()
        .map(node_value)
        .collect::<Result<_, _>>()?;
    if values.is_empty() {
        return Err(ProfileError::invalid(
            &values_node.location,
            "`choice` needs at least one value",
        ));
    }
    let weights = match weights_node {
        None => vec![1.0; values.len()],
        Some(w) => {
            let items = w.as_array().ok_or_else(|| {
                ProfileError::invalid(&w.location, "`weights` must be an array of numbers")
            })?;
            if items.len() != values.len() {
                return Err(ProfileError::invalid(
                    &w.location,
                    format!(
                        "`weights` has {} entries but `values` has {}",
                        items.len(),
                        values.len()
                    ),
                )
                .with_hint("give one weight per value"));
            }
            let weights: Vec<f64> = items
                .iter()
                .map(|n| number(n, "weights"))
                .collect::<Result<_, _>>()?;
            if weights.iter().any(|w| *w < 0.0) || weights.iter().sum::<f64>() <= 0.0 {
                return Err(ProfileError::invalid(
                    &w.location,
                    "weights must be zero or more, and not all zero",
                ));
            }
            weights
        }
    };
    Ok(Generator::Choice { values, weights })
}

fn read_fake(node: &Node) -> Result<Generator, ProfileError> {
    let (kind_node, min, max) = match &node.value {
        NodeValue::String(_) => (node, None, None),
        _ => {
            let mut r = Reader::new(node, "`fake`")?;
            let kind = r.required("kind")?;
            let min = r.i64("min")?;
            let max = r.i64("max")?;
            r.finish()?;
            (kind, min, max)
        }
    };
    let name = string(kind_node, "fake")?;
    let kind = FakeKind::ALL
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            ProfileError::invalid(&kind_node.location, format!("unknown fake kind `{name}`"))
                .with_hint(format!(
                    "use one of: {}",
                    FakeKind::ALL
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
        })?;
    let (default_min, default_max) = match kind {
        FakeKind::Words => (2, 5),
        FakeKind::Sentence => (4, 10),
        FakeKind::Paragraph => (2, 5),
        _ => (1, 1),
    };
    let min = min.unwrap_or(default_min);
    let max = max.unwrap_or(default_max.max(min));
    if min < 1 || min > max || max > 1000 {
        return Err(ProfileError::invalid(
            &node.location,
            format!("fake word counts need 1 <= min ({min}) <= max ({max}) <= 1000"),
        ));
    }
    Ok(Generator::Fake {
        kind,
        min: min as u32,
        max: max as u32,
    })
}

fn read_series(node: &Node) -> Result<Generator, ProfileError> {
    let mut r = Reader::new(node, "`series`")?;
    let start_node = r.required("start")?;
    let step_node = r.required("step")?;
    let by_node = r.get("by");
    r.finish()?;
    let by = by_node
        .map(|n| match string(n, "by")? {
            "row" => Ok(SeriesIndex::Row),
            "child" => Ok(SeriesIndex::Child),
            other => Err(ProfileError::invalid(
                &n.location,
                format!("unknown series index `{other}` (use \"row\" or \"child\")"),
            )),
        })
        .transpose()?;
    let (start, step) = match (&start_node.value, &step_node.value) {
        (NodeValue::Integer(s), NodeValue::Integer(step)) => (Value::Int(*s), *step as f64),
        (
            NodeValue::Integer(_) | NodeValue::Float(_),
            NodeValue::Integer(_) | NodeValue::Float(_),
        ) => (
            Value::Float(start_node.as_f64().unwrap_or_default()),
            step_node.as_f64().unwrap_or_default(),
        ),
        (_, NodeValue::String(text)) => {
            let step = humantime::parse_duration(text).map_err(|e| {
                ProfileError::invalid(
                    &step_node.location,
                    format!("`step` is not a duration: {e}"),
                )
                .with_hint("write e.g. \"1m\", \"30s\", \"1h\"")
            })?;
            (
                Value::Timestamp(timestamp(start_node)?),
                step.as_micros() as f64,
            )
        }
        _ => {
            return Err(ProfileError::invalid(
                &step_node.location,
                "a time series needs `start` as a datetime and `step` as a duration like \"1m\"; \
                 a number series needs both as numbers",
            ));
        }
    };
    Ok(Generator::Series { start, step, by })
}

fn read_json_fields(node: &Node, table: &TableContext<'_>) -> Result<Vec<JsonField>, ProfileError> {
    let fields = node
        .as_table()
        .ok_or_else(|| ProfileError::invalid(&node.location, "`json` must be a table of fields"))?;
    let mut out = Vec::new();
    for field in fields.iter() {
        let is_spec = field.node.as_table().is_none_or(|t| {
            t.iter().any(|e| {
                GENERATORS.contains(&e.key.as_str()) || MODIFIERS.contains(&e.key.as_str())
            })
        });
        if is_spec {
            let (spec, _) = read_column(field, &TableContext { name: "", ..*table })?;
            out.push(JsonField::Value(Box::new(spec)));
        } else {
            out.push(JsonField::Object {
                name: field.key.clone(),
                fields: read_json_fields(&field.node, table)?,
            });
        }
    }
    Ok(out)
}

fn read_ref(node: &Node) -> Result<Generator, ProfileError> {
    let (target_node, pick) = match &node.value {
        NodeValue::String(_) => (node, None),
        _ => {
            let mut r = Reader::new(node, "`ref`")?;
            let to = r.required("to")?;
            let pick_node = r.get("pick");
            let s = r.f64("s")?;
            r.finish()?;
            let pick = pick_node
                .map(|n| {
                    Ok(match string(n, "pick")? {
                        "parent" => Pick::Parent,
                        "uniform" => Pick::Uniform,
                        "zipf" => Pick::Zipf {
                            s: s.unwrap_or(1.0),
                        },
                        "distinct" => Pick::Distinct,
                        "same_parent" => Pick::SameParent,
                        other => {
                            return Err(ProfileError::invalid(
                                &n.location,
                                format!("unknown pick `{other}`"),
                            )
                            .with_hint("use parent, uniform, zipf, distinct or same_parent"));
                        }
                    })
                })
                .transpose()?;
            (to, pick)
        }
    };
    let target = string(target_node, "ref")?;
    let Some((table, column)) = target.rsplit_once('.') else {
        return Err(ProfileError::invalid(
            &target_node.location,
            format!("`ref = \"{target}\"` must name a table and a column"),
        )
        .with_hint("write e.g. ref = \"players.id\""));
    };
    Ok(Generator::Ref {
        table: table.to_string(),
        column: column.to_string(),
        pick,
        location: target_node.location.clone(),
    })
}

fn read_template(node: &Node) -> Result<Vec<TemplatePart>, ProfileError> {
    let text = string(node, "template")?;
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        let (before, after) = rest.split_at(open);
        if !before.is_empty() {
            parts.push(TemplatePart::Text(before.to_string()));
        }
        if after.starts_with("{{") || after.starts_with("}}") {
            parts.push(TemplatePart::Text(after[..1].to_string()));
            rest = &after[2..];
            continue;
        }
        let Some(close) = after.find('}').filter(|_| after.starts_with('{')) else {
            return Err(ProfileError::invalid(
                &node.location,
                format!("unbalanced brace in template `{text}`"),
            )
            .with_hint("write {{ and }} for literal braces"));
        };
        let name = &after[1..close];
        parts.push(match name {
            "row" => TemplatePart::Row,
            "n" => TemplatePart::N,
            "child" => TemplatePart::Child,
            "" => {
                return Err(ProfileError::invalid(
                    &node.location,
                    format!("empty placeholder {{}} in template `{text}`"),
                ));
            }
            column => TemplatePart::Column(column.to_string()),
        });
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(TemplatePart::Text(rest.to_string()));
    }
    Ok(parts)
}

/// A TOML value as a generated [`Value`]: strings are text, datetimes are
/// timestamps (dates are dates), arrays are arrays, tables are JSON.
pub(crate) fn node_value(node: &Node) -> Result<Value, ProfileError> {
    Ok(match &node.value {
        NodeValue::String(s) => Value::Text(s.clone()),
        NodeValue::Integer(i) => Value::Int(*i),
        NodeValue::Float(f) => Value::Float(*f),
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Datetime(d) if d.time.is_none() => {
            Value::Date(timestamp(node)?.div_euclid(86_400_000_000) as i32)
        }
        NodeValue::Datetime(_) => Value::Timestamp(timestamp(node)?),
        NodeValue::Array(items) => {
            Value::Array(items.iter().map(node_value).collect::<Result<_, _>>()?)
        }
        NodeValue::Table(t) => Value::Json(serde_json::to_value(t.to_toml()).map_err(|e| {
            ProfileError::invalid(&node.location, format!("cannot turn table into JSON: {e}"))
        })?),
    })
}

/// Microseconds since the Unix epoch of a TOML datetime or an RFC 3339
/// string. Datetimes without an offset are taken as UTC.
pub(crate) fn timestamp(node: &Node) -> Result<i64, ProfileError> {
    let text = match &node.value {
        NodeValue::Datetime(d) => d.to_string(),
        NodeValue::String(s) => s.clone(),
        _ => {
            return Err(ProfileError::invalid(
                &node.location,
                format!(
                    "expected a datetime like 2026-01-01T00:00:00Z, not {}",
                    node.type_name()
                ),
            ));
        }
    };
    parse_timestamp(&text).ok_or_else(|| {
        ProfileError::invalid(
            &node.location,
            format!("`{text}` is not a date or datetime"),
        )
        .with_hint("write e.g. 2026-01-01T00:00:00Z or 2026-01-01")
    })
}

fn parse_timestamp(text: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp_micros());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp_micros())
}
