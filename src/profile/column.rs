//! Reading one column: its generator (`seq`, `int`, `fake`, `ref`,
//! `template`...) and its modifiers (`unique`, `null_probability`,
//! `null_if`, `hidden`). JSON fields and array items are columns too.

use super::dist::read_dist;
use super::node::{Entry, Node, NodeValue, Table};
use super::reader::{Reader, flag, integer, node_value, number, probability, string, timestamp};
use super::spec::{
    ColumnSpec, Dist, DistKind, FakeKind, Generator, JsonField, NullIf, NullTest, Pick,
    SeriesIndex, TemplatePart,
};
use super::{ProfileError, template};
use crate::generate::Value;

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

/// What a table is, as far as column parsing needs to know.
pub(crate) struct TableContext<'a> {
    pub name: &'a str,
    pub per_parent: Option<&'a str>,
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
    let generator_entry = find_generator(entry, fields, table)?;
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

/// The one key of a column's table that is a generator (the others are
/// modifiers such as `unique`).
fn find_generator<'e>(
    entry: &Entry,
    fields: &'e Table,
    table: &TableContext<'_>,
) -> Result<&'e Entry, ProfileError> {
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
    generator.ok_or_else(|| {
        ProfileError::invalid(
            &entry.node.location,
            format!("column `{}` has no generator", entry.key),
        )
        .with_hint(format!("add one of: {}", GENERATORS.join(", ")))
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
    let varies = |p: &TemplatePart| matches!(p, TemplatePart::Column { .. } | TemplatePart::Child);
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
        "bool" => read_bool(node)?,
        "choice" => read_choice(node)?,
        "fake" => read_fake(node)?,
        "timestamp" => {
            let (start, end) = read_time_range(node, "`timestamp`", 1)?;
            Generator::Timestamp { start, end }
        }
        "date" => {
            let (start, end) = read_time_range(node, "`date`", 86_400_000_000)?;
            Generator::Date {
                start: start as i32,
                end: end as i32,
            }
        }
        "series" => read_series(node)?,
        "json" => Generator::Json(read_json_fields(node, table)?),
        "array" => read_array(node, table)?,
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
        "derive" => read_derive(node, table)?,
        "template" => Generator::Template(read_template(node)?),
        "value" => Generator::Const(node_value(node)?),
        _ => unreachable!("checked against GENERATORS"),
    })
}

/// `bool = { probability = 0.1 }` or `bool = 0.1`.
fn read_bool(node: &Node) -> Result<Generator, ProfileError> {
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
    Ok(Generator::Bool { probability })
}

/// `{ start = ..., end = ... }` as microseconds since the epoch divided by
/// `unit` (1 for timestamps, a day's microseconds for dates).
fn read_time_range(node: &Node, what: &str, unit: i64) -> Result<(i64, i64), ProfileError> {
    let mut r = Reader::new(node, what)?;
    let start_node = r.required("start")?;
    let end_node = r.required("end")?;
    r.finish()?;
    let start = timestamp(start_node)?.div_euclid(unit);
    let end = timestamp(end_node)?.div_euclid(unit);
    if start > end {
        return Err(ProfileError::invalid(
            &start_node.location,
            "`start` is after `end`",
        ));
    }
    Ok((start, end))
}

/// A column written inside another generator (`array.of`, `derive.add`):
/// read like a column, but named as a field in messages.
fn nested_column(
    node: &Node,
    key: &str,
    table: &TableContext<'_>,
) -> Result<Box<ColumnSpec>, ProfileError> {
    let entry = Entry {
        key: key.into(),
        key_location: node.location.clone(),
        node: node.clone(),
    };
    let (spec, _) = read_column(&entry, &TableContext { name: "", ..*table })?;
    Ok(Box::new(spec))
}

/// `array = { of = { fake = "word" }, min = 0, max = 3 }`.
fn read_array(node: &Node, table: &TableContext<'_>) -> Result<Generator, ProfileError> {
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
    Ok(Generator::Array {
        of: nested_column(of_node, "of", table)?,
        len: Dist {
            kind: DistKind::Uniform,
            min: min as f64,
            max: max as f64,
        },
    })
}

/// `derive = { from = "started_at", add = { int = {...} }, unit = "seconds" }`.
fn read_derive(node: &Node, table: &TableContext<'_>) -> Result<Generator, ProfileError> {
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
    let add = add.map(|n| nested_column(n, "add", table)).transpose()?;
    Ok(Generator::Derive {
        from,
        add,
        unit_micros,
        round,
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

/// `template = "player_{n}"`: `{row}`, `{n}`, `{child}` or a column of
/// the row, in the profile's one template language (`template.rs`).
fn read_template(node: &Node) -> Result<Vec<TemplatePart>, ProfileError> {
    let pieces = template::parse(node, "template")?;
    Ok(pieces
        .into_iter()
        .map(|piece| match piece {
            template::Piece::Text(text) => TemplatePart::Text(text),
            template::Piece::Placeholder { name, location } => match name.as_str() {
                "row" => TemplatePart::Row,
                "n" => TemplatePart::N,
                "child" => TemplatePart::Child,
                _ => TemplatePart::Column { name, location },
            },
        })
        .collect())
}
