//! The typed profile: tables, row counts and column generators, each with
//! the location it was written at.
//!
//! `table.rs`, `column.rs` and `dist.rs` read these from the merged
//! [`Node`](super::node::Node) tree and check what a single table or column
//! can get wrong (unknown generator, min > max, weights that do not match
//! values...). Checks across tables (references, cycles) live in
//! `validate.rs`.

use super::Location;
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
    /// `{column}`: another column of the same row, and where it is named.
    Column {
        name: String,
        location: Location,
    },
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
    MacAddress,
}

impl FakeKind {
    pub const ALL: [(&'static str, FakeKind); 26] = [
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
        ("mac_address", FakeKind::MacAddress),
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
