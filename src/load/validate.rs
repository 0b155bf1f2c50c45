//! The profile checked against the live catalog before anything is written.
//!
//! Each problem is a [`ProfileError::Catalog`] naming the profile's file,
//! line and column and the database object: an unknown table or column, a
//! type the encoder cannot produce, a NOT NULL column nobody fills, a child
//! table loaded before its parent, a generator whose possible values
//! ([`crate::generate::possible`]) do not fit the column (a NULL for NOT
//! NULL, a label the enum lacks, a number beyond numeric(p,s) or the
//! integer type, text longer than varchar(n), a value a CHECK of a known
//! shape refuses), or one whose first row does not encode.
//!
//! A row PostgreSQL still rejects during COPY is named by [`copy_step`]:
//! table, row index, column and the column's generator in the profile.

use super::catalog::TableInfo;
use super::copy::{PgType, RowEncoder};
use crate::generate::possible::{Possible, Unit, possible};
use crate::generate::{Dataset, TableGen, Value};
use crate::introspect::checks::{Literal, Op, Rule};
use crate::introspect::{self, TypeKind};
use crate::profile::{ColumnSpec, Location, ProfileError};

pub use super::catalog::Edge;

/// Checks every table of `dataset` against `catalog` (same order, `None` for
/// a table the database does not have) and the foreign keys between them.
/// `database` names the database in messages (a redacted URL).
pub fn validate(
    dataset: &Dataset,
    catalog: &[Option<TableInfo>],
    edges: &[Edge],
    database: &str,
) -> Result<(), ProfileError> {
    for (table, info) in dataset.tables().iter().zip(catalog) {
        let Some(info) = info else {
            return Err(catalog_error(
                table.spec().location.clone(),
                format!("table {} does not exist in {database}", table.name()),
                "run `seedkit migrate` first, or fix the table's name in the profile",
            ));
        };
        check_columns(table, info)?;
        check_not_null(table, info)?;
        if let Some(schema) = &info.schema {
            check_values(table, schema)?;
        }
    }
    check_order(dataset, edges)?;
    warn_irreproducible(dataset, catalog);
    for (table, info) in dataset.tables().iter().zip(catalog) {
        if let Some(info) = info {
            check_first_row(table, info)?;
        }
    }
    Ok(())
}

/// The encoder for a validated table's profile columns, in COPY order.
pub fn encoder(table: &TableGen, info: &TableInfo) -> RowEncoder {
    RowEncoder::new(
        table
            .columns()
            .iter()
            .map(|name| {
                info.column(name)
                    .and_then(|c| c.pg_type.clone())
                    .unwrap_or(PgType::Text)
            })
            .collect(),
    )
}

fn catalog_error(location: Location, message: String, hint: impl Into<String>) -> ProfileError {
    ProfileError::Catalog {
        location,
        message,
        hint: Some(hint.into()),
    }
}

fn column_location(table: &TableGen, column: &str) -> Location {
    table
        .spec()
        .columns
        .iter()
        .find(|c| c.name == column)
        .map(|c| c.location.clone())
        .unwrap_or_else(|| table.spec().location.clone())
}

fn check_columns(table: &TableGen, info: &TableInfo) -> Result<(), ProfileError> {
    for name in table.columns() {
        let Some(column) = info.column(name) else {
            let known: Vec<&str> = info.columns.iter().map(|c| c.name.as_str()).collect();
            return Err(catalog_error(
                column_location(table, name),
                format!("column {name:?} does not exist in table {}", info.qualified),
                format!("{} has columns: {}", info.qualified, known.join(", ")),
            ));
        };
        if column.generated {
            return Err(catalog_error(
                column_location(table, name),
                format!(
                    "column {}.{name} is a generated column; the database computes it",
                    info.qualified
                ),
                "remove it from the profile",
            ));
        }
        if column.pg_type.is_none() {
            return Err(catalog_error(
                column_location(table, name),
                format!(
                    "column {}.{name} has type {}, which seedkit cannot load",
                    info.qualified, column.type_name
                ),
                format!(
                    "seedkit loads {}; leave the column out of the profile to use its default",
                    PgType::SUPPORTED
                ),
            ));
        }
    }
    Ok(())
}

fn check_not_null(table: &TableGen, info: &TableInfo) -> Result<(), ProfileError> {
    let generated = |name: &str| table.columns().iter().any(|c| c == name);
    for column in &info.columns {
        if column.not_null && !column.has_default && !column.generated && !generated(&column.name) {
            return Err(catalog_error(
                table.spec().location.clone(),
                format!(
                    "column {}.{} is NOT NULL and has no default, but the profile has no \
                     generator for it",
                    info.qualified, column.name
                ),
                format!(
                    "add a generator for {} ({}) to the table {} in the profile",
                    column.name,
                    column.type_name,
                    table.name()
                ),
            ));
        }
    }
    Ok(())
}

fn check_order(dataset: &Dataset, edges: &[Edge]) -> Result<(), ProfileError> {
    let position = |name: &str| dataset.tables().iter().position(|t| t.name() == name);
    for Edge {
        child,
        parent,
        constraint,
        columns,
    } in edges
    {
        let (Some(c), Some(p)) = (position(child), position(parent)) else {
            continue;
        };
        // A key whose columns the profile leaves out (NULL: a self-reference
        // or a cycle broken there) needs no order.
        let filled = columns
            .iter()
            .any(|col| dataset.tables()[c].columns().contains(col));
        if c < p && filled {
            let table = &dataset.tables()[c];
            return Err(catalog_error(
                table.spec().location.clone(),
                format!(
                    "table {child} would be loaded before {parent}, which it references \
                     (foreign key {constraint})"
                ),
                format!(
                    "make the profile say so: generate {child}'s foreign-key column with a \
                     reference to {parent}, so {parent} is loaded first"
                ),
            ));
        }
    }
    Ok(())
}

/// Columns the profile leaves to a default like `now()` differ between
/// runs; say so (the seed still runs: the application may want that).
fn warn_irreproducible(dataset: &Dataset, catalog: &[Option<TableInfo>]) {
    for (table, info) in dataset.tables().iter().zip(catalog) {
        let Some(info) = info else { continue };
        for column in &info.columns {
            if column.has_volatile_default() && !table.columns().contains(&column.name) {
                crate::ui::warn(format!(
                    "{}.{} is not in the profile; its default {} differs between runs, so \
                     this table will not be byte-identical from seed to seed ({}: add a \
                     generator for it)",
                    table.name(),
                    column.name,
                    column.default_expr.as_deref().unwrap_or_default(),
                    table.spec().location
                ));
            }
        }
    }
}

/// Encodes the first row, so a generator producing the wrong kind of value
/// is reported with its location before anything is written.
fn check_first_row(table: &TableGen, info: &TableInfo) -> Result<(), ProfileError> {
    if table.row_count() == 0 {
        return Ok(());
    }
    let encoder = encoder(table, info);
    let row = table.row_at(0);
    if let Err(e) = encoder.encode_row(&row, &mut Vec::new()) {
        let name = table.columns().get(e.column).cloned().unwrap_or_default();
        let type_name = info
            .column(&name)
            .map(|c| c.type_name.clone())
            .unwrap_or_default();
        return Err(catalog_error(
            column_location(table, &name),
            format!("{}.{name} ({type_name}): {}", info.qualified, e.message),
            format!("use a generator that produces {type_name} values for {name}"),
        ));
    }
    Ok(())
}

/// A generator's possible values against its column's type, NOT NULL and
/// the table's CHECKs (and its columns' domains' CHECKs) of known shapes.
fn check_values(table: &TableGen, schema: &introspect::Table) -> Result<(), ProfileError> {
    let values = Values::new(table);
    for name in table.columns() {
        let (Some(column), Some(spec)) = (schema.column(name), table.spec().column(name)) else {
            continue;
        };
        let p = values.of(name);
        let fail = |message: String, hint: String| {
            Err(catalog_error(
                spec.generator_location.clone(),
                format!("{}.{name}: {message}", table.name()),
                hint,
            ))
        };
        if column.not_null && p.nullable {
            return fail(
                format!(
                    "the column is NOT NULL, but {} can give NULL",
                    describe(spec)
                ),
                "remove null_probability / null_if (or the NULL value) from this column".into(),
            );
        }
        if let Some((message, hint)) = type_problem(&column.kind, &column.type_name, &p) {
            return fail(message, hint);
        }
    }
    for (check, rule) in schema.rules() {
        if let Some((column, message, hint)) = values.rule_problem(rule) {
            let spec = table.spec().column(&column);
            let location = spec
                .map(|c| c.generator_location.clone())
                .unwrap_or_else(|| table.spec().location.clone());
            return Err(catalog_error(
                location,
                format!(
                    "{}.{column}: {message}, but CHECK {} ({}) refuses it",
                    table.name(),
                    check.name,
                    check.definition
                ),
                hint,
            ));
        }
    }
    Ok(())
}

/// The generator of a column, as written in the profile, for messages.
fn describe(spec: &ColumnSpec) -> String {
    let kind = match &spec.generator {
        crate::profile::Generator::Sequence { .. } => "seq",
        crate::profile::Generator::Int(_) => "int",
        crate::profile::Generator::Float { .. } => "float",
        crate::profile::Generator::Choice { .. } => "choice",
        crate::profile::Generator::Fake { .. } => "fake",
        crate::profile::Generator::Timestamp { .. } => "timestamp",
        crate::profile::Generator::Date { .. } => "date",
        crate::profile::Generator::Series { .. } => "series",
        crate::profile::Generator::Derive { .. } => "derive",
        crate::profile::Generator::Template(_) => "template",
        crate::profile::Generator::Const(_) => "value",
        crate::profile::Generator::Literal(_) => "rows_literal",
        crate::profile::Generator::Ref { .. } => "ref",
        _ => "its generator",
    };
    if spec.null_probability > 0.0 {
        format!("`{kind}` with null_probability = {}", spec.null_probability)
    } else if spec.null_if.is_some() {
        format!("`{kind}` with null_if")
    } else {
        format!("`{kind}`")
    }
}

/// A value the column's type cannot take: (message, hint).
fn type_problem(kind: &TypeKind, type_name: &str, p: &Possible) -> Option<(String, String)> {
    match kind {
        TypeKind::Enum(labels) => enum_problem(labels, type_name, p),
        TypeKind::Numeric {
            precision: Some(precision),
            scale,
        } => numeric_problem(*precision, *scale, type_name, p),
        TypeKind::Int2 | TypeKind::Int4 if p.unit == Unit::Number => {
            let (min, max) = if *kind == TypeKind::Int2 {
                (f64::from(i16::MIN), f64::from(i16::MAX))
            } else {
                (f64::from(i32::MIN), f64::from(i32::MAX))
            };
            int_problem(min, max, type_name, p)
        }
        TypeKind::Text { max_len: Some(n) } => {
            let longest = p.max_len?;
            (longest > *n as usize).then(|| {
                (
                    format!("values up to {longest} characters do not fit {type_name}"),
                    format!("use a generator whose values have at most {n} characters"),
                )
            })
        }
        _ => None,
    }
}

/// A value that is not one of the enum's labels, or free text.
fn enum_problem(labels: &[String], type_name: &str, p: &Possible) -> Option<(String, String)> {
    let hint = || {
        format!(
            "use choice = [{}]",
            labels
                .iter()
                .map(|l| format!("\"{l}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if let Some(set) = &p.set {
        for value in set.iter().filter(|v| !v.is_null()) {
            let text = value.to_string();
            if !labels.contains(&text) {
                return Some((
                    format!("\"{text}\" is not a label of enum {type_name}"),
                    format!(
                        "{} has the labels {}; {}",
                        type_name,
                        labels.join(", "),
                        hint()
                    ),
                ));
            }
        }
    } else if p.free_text {
        return Some((format!("free text cannot go into enum {type_name}"), hint()));
    }
    None
}

/// A number with more digits before the point than `numeric(precision, scale)` holds.
fn numeric_problem(
    precision: u32,
    scale: Option<u32>,
    type_name: &str,
    p: &Possible,
) -> Option<(String, String)> {
    let scale = scale.unwrap_or(0) as i32;
    let limit = 10f64.powi(precision as i32 - scale);
    let (lo, hi) = p.range?;
    let largest = lo.abs().max(hi.abs());
    // PostgreSQL rounds to the scale first, then checks the digits.
    (largest + 0.5 * 10f64.powi(-scale) >= limit && largest.is_finite() || largest.is_infinite())
        .then(|| {
            (
                format!(
                    "values up to {} do not fit {type_name} (less than {} in absolute value)",
                    number(largest),
                    number(limit)
                ),
                format!(
                    "keep min and max within ±{}",
                    number(limit - 10f64.powi(-scale))
                ),
            )
        })
}

/// A number outside the integer type's `min..=max`.
fn int_problem(min: f64, max: f64, type_name: &str, p: &Possible) -> Option<(String, String)> {
    let (lo, hi) = p.range?;
    (lo < min || hi > max).then(|| {
        (
            format!(
                "values from {} to {} do not fit {type_name} ({} to {})",
                number(lo),
                number(hi),
                number(min),
                number(max)
            ),
            format!("keep min and max within {} to {}", number(min), number(max)),
        )
    })
}

/// The possible values of a table's columns, by name.
struct Values<'a> {
    table: &'a TableGen,
}

impl<'a> Values<'a> {
    fn new(table: &'a TableGen) -> Self {
        Values { table }
    }

    fn of(&self, name: &str) -> Possible {
        let spec = self.table.spec();
        spec.column(name)
            .map(|c| possible(spec, c, self.table.row_count()))
            .unwrap_or_default()
    }

    fn loaded(&self, name: &str) -> bool {
        self.table.columns().iter().any(|c| c == name)
    }

    /// The column a rule is broken at, why, and what to do; `None` when
    /// the generators keep it (or cannot be judged).
    fn rule_problem(&self, rule: &Rule) -> Option<(String, String, String)> {
        match rule {
            Rule::Bound { column, op, value } if self.loaded(column) => {
                self.bound_problem(column, *op, value)
            }
            Rule::OneOf { column, values } if self.loaded(column) => {
                self.one_of_problem(column, values)
            }
            Rule::Length { column, op, n } if self.loaded(column) => {
                self.length_problem(column, *op, *n)
            }
            Rule::WhenSet { rule, .. } => self.rule_problem(rule),
            Rule::Order { left, op, right } if self.loaded(left) && self.loaded(right) => {
                self.order_problem(left, *op, right)
            }
            Rule::NotNull(column) if self.loaded(column) => {
                let p = self.of(column);
                p.nullable.then(|| {
                    (
                        column.clone(),
                        "it can be NULL".into(),
                        "remove null_probability / null_if from this column".into(),
                    )
                })
            }
            Rule::AnySet(columns) if columns.iter().all(|c| self.loaded(c)) => {
                let all_nullable = columns.iter().all(|c| self.of(c).nullable);
                all_nullable.then(|| {
                    (
                        columns[0].clone(),
                        format!("{} can all be NULL in the same row", columns.join(" and ")),
                        format!("make {} never NULL", columns[0]),
                    )
                })
            }
            _ => None,
        }
    }

    /// `column >= value` and the like: the column's range crosses the bound.
    fn bound_problem(
        &self,
        column: &str,
        op: Op,
        value: &Literal,
    ) -> Option<(String, String, String)> {
        let p = self.of(column);
        let (lo, hi) = p.range?;
        let v = literal_in(value, p.unit)?;
        let broken = match op {
            Op::Ge => lo < v,
            Op::Gt => lo <= v,
            Op::Le => hi > v,
            Op::Lt => hi >= v,
            Op::Eq => lo != v || hi != v,
        };
        broken.then(|| {
            (
                column.to_string(),
                format!(
                    "its values run from {} to {}",
                    shown(lo, p.unit),
                    shown(hi, p.unit)
                ),
                format!(
                    "keep the generator's values {} {}",
                    op.symbol(),
                    shown(v, p.unit)
                ),
            )
        })
    }

    /// `column IN (...)`: the column can give a value not listed.
    fn one_of_problem(&self, column: &str, values: &[Literal]) -> Option<(String, String, String)> {
        let p = self.of(column);
        let allowed: Vec<String> = values.iter().map(literal_text).collect();
        let hint = format!("use choice = [{}]", allowed.join(", "));
        match &p.set {
            Some(set) => set
                .iter()
                .filter(|v| !v.is_null())
                .find(|v| !values.iter().any(|l| same(v, l)))
                .map(|v| (column.to_string(), format!("it can give {v}"), hint)),
            None if p.whole
                && p.range.is_some_and(|(lo, hi)| {
                    // An int range whose every value is listed.
                    hi - lo <= 1000.0
                        && lo.fract() == 0.0
                        && (lo as i64..=hi as i64)
                            .all(|i| values.iter().any(|l| same(&Value::Int(i), l)))
                }) =>
            {
                None
            }
            None if p.free_text || p.range.is_some() => Some((
                column.to_string(),
                "its values are not limited to the listed ones".into(),
                hint,
            )),
            None => None,
        }
    }

    /// `length(column) <= n` and the like: values too long or too short.
    fn length_problem(&self, column: &str, op: Op, n: i64) -> Option<(String, String, String)> {
        let p = self.of(column);
        let n = n as usize;
        let too_long = match op {
            Op::Le => p.max_len.is_some_and(|m| m > n),
            Op::Lt => p.max_len.is_some_and(|m| m >= n),
            _ => false,
        };
        let too_short = match op {
            Op::Ge => p.min_len.is_some_and(|m| m < n),
            Op::Gt => p.min_len.is_some_and(|m| m <= n),
            _ => false,
        };
        if too_long {
            Some((
                column.to_string(),
                format!("its values reach {} characters", p.max_len.unwrap_or(0)),
                format!("keep the values {} {n} characters", op.symbol()),
            ))
        } else if too_short {
            Some((
                column.to_string(),
                format!("its values can be {} characters", p.min_len.unwrap_or(0)),
                format!("keep the values {} {n} characters", op.symbol()),
            ))
        } else {
            None
        }
    }

    /// `left <= right` and the like: the generators do not keep the order.
    fn order_problem(&self, left: &str, op: Op, right: &str) -> Option<(String, String, String)> {
        let (low, high, strict) = match op {
            Op::Le => (left, right, false),
            Op::Lt => (left, right, true),
            Op::Ge => (right, left, false),
            Op::Gt => (right, left, true),
            Op::Eq => return None,
        };
        if self.ordered(low, high, strict) {
            return None;
        }
        Some((
            high.to_string(),
            format!(
                "{high} is not always {} {low}",
                if strict { ">" } else { ">=" }
            ),
            format!(
                "derive {high} from {low}: {high} = {{ derive = {{ from = \"{low}\", add = \
                 {{ int = {{ min = {}, max = 100 }} }} }} }}",
                u8::from(strict)
            ),
        ))
    }

    /// Whether `low <= high` (or `<`) holds in every row: through a
    /// common `derive` base with amounts of the right sign, or because the
    /// ranges do not overlap.
    fn ordered(&self, low: &str, high: &str, strict: bool) -> bool {
        let holds = |gap: f64| if strict { gap > 0.0 } else { gap >= 0.0 };
        // high = low + amounts, or low = high + amounts.
        if let Some((lo, _)) = self.offset(high, low) {
            return holds(lo);
        }
        if let Some((_, hi)) = self.offset(low, high) {
            return holds(-hi);
        }
        // Both from one base through different amounts.
        let (l_root, _, l_hi) = self.resolve(low);
        let (h_root, h_lo, _) = self.resolve(high);
        if l_root == h_root {
            return holds(h_lo - l_hi);
        }
        match (self.of(low).range, self.of(high).range) {
            (Some((_, lmax)), Some((hmin, _))) => holds(hmin - lmax),
            _ => false,
        }
    }

    /// The amounts `name` adds to `base` when it is derived from it
    /// (through other derives): (smallest, largest).
    fn offset(&self, name: &str, base: &str) -> Option<(f64, f64)> {
        let (mut current, mut lo, mut hi) = (name.to_string(), 0.0, 0.0);
        for _ in 0..16 {
            let (from, a, b) = self.of(&current).derived?;
            lo += a;
            hi += b;
            if from == base {
                return Some((lo, hi));
            }
            current = from;
        }
        None
    }

    /// The column a `derive` chain starts from, and the sum of the amounts.
    fn resolve(&self, name: &str) -> (String, f64, f64) {
        let (mut current, mut lo, mut hi) = (name.to_string(), 0.0, 0.0);
        for _ in 0..16 {
            match self.of(&current).derived {
                Some((from, a, b)) => {
                    lo += a;
                    hi += b;
                    current = from;
                }
                None => break,
            }
        }
        (current, lo, hi)
    }
}

/// A CHECK constant in the unit of a column's values.
fn literal_in(value: &Literal, unit: Unit) -> Option<f64> {
    match unit {
        Unit::Number => value.as_f64(),
        Unit::Micros | Unit::Days => {
            let Literal::Text(text) = value else {
                return None;
            };
            let micros = parse_time(text)?;
            Some(if unit == Unit::Days {
                micros.div_euclid(86_400_000_000) as f64
            } else {
                micros as f64
            })
        }
    }
}

fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    for format in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z"] {
        if let Ok(dt) = chrono::DateTime::parse_from_str(text, format) {
            return Some(dt.timestamp_micros());
        }
    }
    if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(dt.and_utc().timestamp_micros());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp_micros())
}

fn shown(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Number => number(v),
        Unit::Micros => Value::Timestamp(v as i64).to_string(),
        Unit::Days => Value::Date(v as i32).to_string(),
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn literal_text(l: &Literal) -> String {
    match l {
        Literal::Number(n) => number(*n),
        Literal::Text(t) => format!("\"{t}\""),
    }
}

fn same(v: &Value, l: &Literal) -> bool {
    match (v, l) {
        (Value::Int(i), Literal::Number(n)) => *i as f64 == *n,
        (Value::Float(f), Literal::Number(n)) => f == n,
        (Value::Text(s), Literal::Text(t)) => s == t,
        (Value::Text(s), Literal::Number(n)) => s.parse::<f64>().ok() == Some(*n),
        (other, Literal::Text(t)) => other.to_string() == *t,
        _ => false,
    }
}

/// The step named in a COPY failure: the table, and when PostgreSQL says
/// which row it refused (`COPY t, line N[, column c]`), the row's index and
/// the column with its generator in the profile; a refused CHECK names its
/// columns. `first_row` is the index of the COPY's first row (chunks start
/// further on); `schema` the table's catalog (for CHECK columns).
pub fn copy_step(
    table: &TableGen,
    schema: Option<&introspect::Table>,
    first_row: u64,
    err: &sqlx::Error,
) -> String {
    let mut step = format!("COPY into {}", table.name());
    let Some(pg) = err
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
    else {
        return step;
    };
    let Some((line, column)) = copy_context(pg.r#where().unwrap_or_default()) else {
        return step;
    };
    let row = first_row + line.saturating_sub(1);
    step.push_str(&format!(", row {row}"));
    let columns: Vec<String> = match column {
        Some(column) => vec![column],
        // A CHECK refused the row: its columns.
        None => pg
            .constraint()
            .and_then(|name| schema?.checks.iter().find(|c| c.name == name))
            .map(|check| {
                let mut names: Vec<String> = Vec::new();
                for rule in &check.rules {
                    for name in rule_columns(rule) {
                        if table.columns().contains(&name) && !names.contains(&name) {
                            names.push(name);
                        }
                    }
                }
                names
            })
            .unwrap_or_default(),
    };
    for column in columns {
        let at = table
            .spec()
            .column(&column)
            .map(|c| format!(" generated at {}", c.generator_location))
            .unwrap_or_default();
        step.push_str(&format!(", column {column}{at}"));
    }
    step
}

/// The columns a CHECK rule reads.
fn rule_columns(rule: &Rule) -> Vec<String> {
    match rule {
        Rule::Bound { column, .. }
        | Rule::OneOf { column, .. }
        | Rule::Length { column, .. }
        | Rule::NotNull(column) => vec![column.clone()],
        Rule::Order { left, right, .. } => vec![left.clone(), right.clone()],
        Rule::WhenSet { column, rule } => {
            let mut names = rule_columns(rule);
            if !names.contains(column) {
                names.push(column.clone());
            }
            names
        }
        Rule::AnySet(columns) | Rule::Other { columns, .. } => columns.clone(),
    }
}

/// `COPY players, line 5, column level: "0"` -> (5, Some("level")).
fn copy_context(context: &str) -> Option<(u64, Option<String>)> {
    let rest = context.strip_prefix("COPY ")?;
    let (_, rest) = rest.split_once(", line ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let line = digits.parse().ok()?;
    let column = rest[digits.len()..]
        .strip_prefix(", column ")
        .map(|c| c.split(':').next().unwrap_or(c).trim().to_string());
    Some((line, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_context_names_line_and_column() {
        assert_eq!(
            copy_context("COPY players, line 5, column level: \"0\""),
            Some((5, Some("level".into())))
        );
        assert_eq!(copy_context("COPY players, line 12"), Some((12, None)));
        assert_eq!(copy_context("SQL statement"), None);
    }
}
