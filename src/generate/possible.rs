//! The values a column's generator can produce, worked out from the profile
//! alone (no row is generated): a number or time range, a finite set, a
//! text length range, and whether NULL can come out. `seed` compares them
//! with the catalog before any write (enum labels, numeric precision,
//! varchar lengths, NOT NULL, CHECK shapes).

use super::Value;
use crate::profile::{ColumnSpec, FakeKind, Generator, TableSpec, TemplatePart};

/// What can come out of one column. `None` fields are unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Possible {
    /// Smallest and largest number (or timestamp in microseconds, or date
    /// in days, see `unit`).
    pub range: Option<(f64, f64)>,
    pub unit: Unit,
    /// Only whole numbers (`seq`, `int`).
    pub whole: bool,
    /// Every value, when there are few.
    pub set: Option<Vec<Value>>,
    /// Longest and shortest text (characters).
    pub max_len: Option<usize>,
    pub min_len: Option<usize>,
    /// Free text: not limited to a list (fake, template, ...).
    pub free_text: bool,
    pub nullable: bool,
    /// `derive` base and the amount's range, in the base's unit.
    pub derived: Option<(String, f64, f64)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unit {
    #[default]
    Number,
    /// Microseconds since the epoch.
    Micros,
    /// Days since the epoch.
    Days,
}

/// What `column` of `table` (with `rows` rows) can produce.
pub fn possible(table: &TableSpec, column: &ColumnSpec, rows: u64) -> Possible {
    possible_at(table, column, rows, 0)
}

fn possible_at(table: &TableSpec, column: &ColumnSpec, rows: u64, depth: usize) -> Possible {
    let mut p = of_generator(table, &column.generator, rows, depth);
    p.nullable |= column.null_probability > 0.0 || column.null_if.is_some();
    p
}

fn numbers(min: f64, max: f64) -> Possible {
    Possible {
        range: Some((min, max)),
        ..Possible::default()
    }
}

fn of_generator(table: &TableSpec, generator: &Generator, rows: u64, depth: usize) -> Possible {
    let last = rows.saturating_sub(1) as f64;
    match generator {
        Generator::Sequence { start, step } => of_sequence(*start, *step, last),
        Generator::Int(dist) => Possible {
            whole: true,
            ..numbers(dist.min, dist.max)
        },
        Generator::Float { dist, .. } => numbers(dist.min, dist.max),
        Generator::Series { start, step, .. } => of_series(start, *step, last),
        Generator::Timestamp { start, end } => Possible {
            range: Some((*start as f64, *end as f64)),
            unit: Unit::Micros,
            ..Possible::default()
        },
        Generator::Date { start, end } => Possible {
            range: Some((f64::from(*start), f64::from(*end))),
            unit: Unit::Days,
            ..Possible::default()
        },
        Generator::Choice { values, .. } | Generator::Literal(values) => of_set(values),
        Generator::Const(value) => of_set(std::slice::from_ref(value)),
        Generator::Fake { kind, min, max } => of_fake(*kind, *min, *max, rows),
        Generator::Template(parts) => of_template(parts, rows),
        Generator::Derive {
            from,
            add,
            unit_micros,
            ..
        } => of_derive(table, from, add.as_deref(), *unit_micros, rows, depth),
        Generator::Ref { .. } => Possible {
            // `same_parent` gives NULL when the parent has no such row.
            nullable: matches!(
                generator,
                Generator::Ref {
                    pick: Some(crate::profile::Pick::SameParent),
                    ..
                }
            ),
            ..Possible::default()
        },
        Generator::Bool { .. } | Generator::Uuid | Generator::Json(_) | Generator::Array { .. } => {
            Possible::default()
        }
    }
}

/// `seq`: whole numbers from `start`, `step` apart, one per row.
fn of_sequence(start: i64, step: i64, last: f64) -> Possible {
    let a = start as f64;
    let b = a + step as f64 * last;
    Possible {
        whole: true,
        ..numbers(a.min(b), a.max(b))
    }
}

/// `series`: numbers or timestamps from `start`, `step` apart.
fn of_series(start: &Value, step: f64, last: f64) -> Possible {
    // By child, the index stays below the row count too.
    let span = step * last;
    let (unit, base) = match start {
        Value::Timestamp(t) => (Unit::Micros, *t as f64),
        Value::Int(i) => (Unit::Number, *i as f64),
        Value::Float(f) => (Unit::Number, *f),
        _ => return Possible::default(),
    };
    Possible {
        range: Some((base.min(base + span), base.max(base + span))),
        unit,
        ..Possible::default()
    }
}

/// `fake`: free text (except IP addresses) with a known longest value.
fn of_fake(kind: FakeKind, min: u32, max: u32, rows: u64) -> Possible {
    Possible {
        max_len: super::fake::max_len(kind, min, max).map(|m| {
            // A unique username/email gets the row number appended.
            m + if kind.can_be_unique() {
                digits(rows)
            } else {
                0
            }
        }),
        free_text: !matches!(kind, FakeKind::Ipv4 | FakeKind::Ipv6),
        ..Possible::default()
    }
}

/// `derive`: the base column's values moved by the `add` column's range.
fn of_derive(
    table: &TableSpec,
    from: &str,
    add: Option<&ColumnSpec>,
    unit_micros: i64,
    rows: u64,
    depth: usize,
) -> Possible {
    let Some(base) = table.column(from).filter(|_| depth < 16) else {
        return Possible::default();
    };
    let b = possible_at(table, base, rows, depth + 1);
    let (a_lo, a_hi, a_nullable) = match add {
        None => (0.0, 0.0, false),
        Some(add) => {
            let a = possible_at(table, add, rows, depth + 1);
            match a.range {
                Some((lo, hi)) => (lo, hi, a.nullable),
                None => {
                    return Possible {
                        nullable: b.nullable || a.nullable,
                        ..Possible::default()
                    };
                }
            }
        }
    };
    let scale = match b.unit {
        Unit::Micros => unit_micros as f64,
        _ => 1.0,
    };
    let (lo, hi) = (a_lo * scale, a_hi * scale);
    Possible {
        range: b.range.map(|(min, max)| (min + lo, max + hi)),
        unit: b.unit,
        set: if lo == 0.0 && hi == 0.0 { b.set } else { None },
        max_len: if add.is_none() { b.max_len } else { None },
        free_text: b.free_text && add.is_none(),
        nullable: b.nullable || a_nullable,
        derived: Some((from.to_string(), lo, hi)),
        ..Possible::default()
    }
}

fn of_set(values: &[Value]) -> Possible {
    let numbers: Vec<f64> = values
        .iter()
        .filter_map(|v| match v {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        })
        .collect();
    let texts: Vec<usize> = values
        .iter()
        .filter_map(|v| match v {
            Value::Text(s) => Some(s.chars().count()),
            _ => None,
        })
        .collect();
    let mut p = Possible {
        set: Some(values.to_vec()),
        nullable: values.iter().any(Value::is_null),
        ..Possible::default()
    };
    if !numbers.is_empty() && numbers.len() == values.len() {
        let min = numbers.iter().copied().fold(f64::INFINITY, f64::min);
        let max = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        p.range = Some((min, max));
    }
    if !texts.is_empty() && texts.len() == values.len() {
        p.max_len = texts.iter().copied().max();
        p.min_len = texts.iter().copied().min();
    }
    p
}

/// A template's text: its fixed parts plus at most the digits of the
/// largest row number; unknown when it names other columns.
fn of_template(parts: &[TemplatePart], rows: u64) -> Possible {
    let mut max = 0;
    let mut min = 0;
    for part in parts {
        match part {
            TemplatePart::Text(t) => {
                max += t.chars().count();
                min += t.chars().count();
            }
            TemplatePart::Row | TemplatePart::N | TemplatePart::Child => {
                max += digits(rows);
                min += 1;
            }
            TemplatePart::Column { .. } => {
                return Possible {
                    free_text: true,
                    min_len: Some(min),
                    ..Possible::default()
                };
            }
        }
    }
    Possible {
        max_len: Some(max),
        min_len: Some(min),
        free_text: true,
        ..Possible::default()
    }
}

/// Decimal digits of the largest 1-based row number.
fn digits(rows: u64) -> usize {
    rows.max(1).to_string().len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    fn column(text: &str, table: &str, column: &str) -> Possible {
        let profile = Profile::from_str(text, std::path::Path::new("t.toml")).unwrap();
        let t = profile.table(table).unwrap();
        possible(t, t.column(column).unwrap(), 100)
    }

    #[test]
    fn ranges_sets_lengths_and_derives() {
        let text = r#"
[tables.t]
rows = 100
[tables.t.columns]
id = { seq = { start = 10, step = 2 } }
level = { int = { min = 1, max = 50 }, null_probability = 0.1 }
kind = { choice = ["ab", "abcd"] }
code = { template = "C-{n}" }
lo = { float = { min = 0, max = 10 } }
hi = { derive = { from = "lo", add = { float = { min = 1, max = 5 } } } }
"#;
        assert_eq!(column(text, "t", "id").range, Some((10.0, 208.0)));
        let level = column(text, "t", "level");
        assert_eq!(level.range, Some((1.0, 50.0)));
        assert!(level.nullable);
        let kind = column(text, "t", "kind");
        assert_eq!((kind.min_len, kind.max_len), (Some(2), Some(4)));
        assert_eq!(column(text, "t", "code").max_len, Some(5));
        let hi = column(text, "t", "hi");
        assert_eq!(hi.range, Some((1.0, 15.0)));
        assert_eq!(hi.derived, Some(("lo".into(), 1.0, 5.0)));
    }
}
