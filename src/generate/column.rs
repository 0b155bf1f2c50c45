//! Column generators compiled from the profile, ready to fill cells.
//!
//! A [`Col`] fills one cell in place (`fill`), reusing the cell's previous
//! allocation (a `String` keeps its capacity from row to row), from the
//! cell's own RNG stream. Columns that read other columns of the row
//! (`derive`, `null_if`, `template`) get the row's values filled so far.

use std::fmt::Write;
use std::sync::Arc;

use super::dist::Sampler;
use super::rng::{CellRng, mix64};
use super::table::{RowCtx, TableCore};
use super::value::Value;
use crate::profile::{FakeKind, NullTest, Pick, SeriesIndex};

/// One compiled column (or JSON field, array element, derive amount).
#[derive(Debug)]
pub(crate) struct Col {
    pub key: u64,
    pub generator: Gen,
    pub null_probability: f64,
    pub null_if: Option<(usize, NullTest)>,
    pub unique: bool,
    /// Indexes of the same-row columns this one reads.
    pub deps: Vec<usize>,
}

#[derive(Debug)]
pub(crate) enum Gen {
    Sequence {
        start: i64,
        step: i64,
    },
    Int(Sampler),
    Float {
        sampler: Sampler,
        scale: Option<f64>,
    },
    Bool {
        probability: f64,
    },
    Choice {
        values: Vec<Value>,
        weights: super::dist::Alias,
    },
    Fake {
        kind: FakeKind,
        min: u32,
        max: u32,
    },
    Timestamp {
        start: i64,
        span: u64,
    },
    Date {
        start: i32,
        span: u64,
    },
    Series {
        start: Value,
        step: f64,
        by: SeriesIndex,
    },
    Json(Vec<JsonGen>),
    Array {
        of: Box<Col>,
        len: Sampler,
    },
    Uuid,
    Ref(RefGen),
    Derive {
        from: usize,
        add: Option<Box<Col>>,
        unit_micros: i64,
        scale: Option<f64>,
    },
    Template(Vec<Part>),
    Const(Value),
    Literal(Vec<Value>),
}

#[derive(Debug)]
pub(crate) enum JsonGen {
    Value { name: String, col: Col },
    Object { name: String, fields: Vec<JsonGen> },
}

#[derive(Debug)]
pub(crate) enum Part {
    Text(String),
    Row,
    N,
    Child,
    Column(usize),
}

#[derive(Debug)]
pub(crate) struct RefGen {
    pub target: Arc<TableCore>,
    pub column: usize,
    pub pick: Pick,
    /// For `zipf` picks.
    pub zipf: Option<super::dist::Zipf>,
    /// For `distinct` picks: the key of the per-parent random offset.
    pub offset_key: u64,
}

/// The other cells of the row being filled: the values before and after
/// the cell being written, so the cell can be written in place while its
/// dependencies are read (moving each fresh value through a local instead
/// cost a store-forwarding stall per cell, ~40% of the row time).
#[derive(Clone, Copy)]
pub(crate) struct Row<'a> {
    before: &'a [Value],
    /// Index of the cell being written (not readable).
    cell: usize,
    after: &'a [Value],
}

impl<'a> Row<'a> {
    pub const EMPTY: Row<'static> = Row {
        before: &[],
        cell: 0,
        after: &[],
    };

    /// Splits `values` around the cell `cell`.
    pub fn split(values: &'a mut [Value], cell: usize) -> (Row<'a>, &'a mut Value) {
        let (before, rest) = values.split_at_mut(cell);
        let (out, after) = rest.split_first_mut().expect("cell index in range");
        (
            Row {
                before,
                cell,
                after,
            },
            out,
        )
    }

    /// Another cell of the row (the profile check guarantees a column never
    /// depends on itself).
    #[inline]
    pub fn get(&self, index: usize) -> &'a Value {
        if index < self.cell {
            &self.before[index]
        } else {
            &self.after[index - self.cell - 1]
        }
    }
}

/// The cell as a `String` to write into, keeping its old capacity.
#[inline]
pub(crate) fn text_mut(out: &mut Value) -> &mut String {
    if !matches!(out, Value::Text(_)) {
        *out = Value::Text(String::new());
    }
    match out {
        Value::Text(s) => {
            s.clear();
            s
        }
        _ => unreachable!(),
    }
}

const NULL_SALT: u64 = 0x243F_6A88_85A3_08D3;

impl Col {
    /// Fills `out` with this column's value for the row. `row` holds the
    /// values of the columns listed in `deps` (already filled).
    #[inline]
    pub fn fill(&self, ctx: &RowCtx, row: &Row<'_>, out: &mut Value) {
        if self.null_probability > 0.0
            && CellRng::at(self.key ^ NULL_SALT, ctx.row_mix).chance(self.null_probability)
        {
            *out = Value::Null;
            return;
        }
        if let Some((column, test)) = &self.null_if
            && null_test(test, row.get(*column))
        {
            *out = Value::Null;
            return;
        }
        let mut rng = CellRng::at(self.key, ctx.row_mix);
        self.generate(ctx, row, &mut rng, out);
    }

    fn generate(&self, ctx: &RowCtx, row: &Row<'_>, rng: &mut CellRng, out: &mut Value) {
        match &self.generator {
            Gen::Sequence { start, step } => {
                *out = Value::Int(start.wrapping_add(step.wrapping_mul(ctx.row as i64)));
            }
            Gen::Int(s) => *out = Value::Int(s.int(rng)),
            Gen::Float { sampler, scale } => {
                let v = sampler.float(rng);
                *out = Value::Float(match scale {
                    Some(scale) => (v * scale).round() / scale,
                    None => v,
                });
            }
            Gen::Bool { probability } => *out = Value::Bool(rng.chance(*probability)),
            Gen::Choice { values, weights } => {
                copy_value(&values[weights.sample(rng)], out);
            }
            Gen::Fake { kind, min, max } => {
                let unique_n = self.unique.then_some(ctx.row + 1);
                super::fake::fill(*kind, *min, *max, unique_n, rng, out);
            }
            Gen::Timestamp { start, span } => {
                // Whole seconds: what applications usually store and show.
                let seconds = rng.below(span / 1_000_000 + 1) as i64;
                *out = Value::Timestamp(start + seconds * 1_000_000);
            }
            Gen::Date { start, span } => {
                *out = Value::Date(start + rng.below(span + 1) as i32);
            }
            Gen::Series { start, step, by } => {
                let index = match by {
                    SeriesIndex::Row => ctx.row,
                    SeriesIndex::Child => ctx.child,
                } as f64;
                *out = match start {
                    Value::Timestamp(t) => Value::Timestamp(t + (index * step) as i64),
                    Value::Int(i) => Value::Int(i + (index * step) as i64),
                    Value::Float(f) => Value::Float(f + index * step),
                    other => other.clone(),
                };
            }
            Gen::Uuid => *out = Value::Uuid(unique_uuid(self.key, ctx.row)),
            Gen::Ref(r) => r.fill(ctx, rng, out),
            Gen::Const(v) => copy_value(v, out),
            Gen::Literal(values) => {
                copy_value(values.get(ctx.row as usize).unwrap_or(&Value::Null), out);
            }
            Gen::Json(_) | Gen::Array { .. } | Gen::Derive { .. } | Gen::Template(_) => {
                self.generate_composite(ctx, row, rng, out);
            }
        }
    }
    /// The generators built from other generators. Kept out of `generate`
    /// so the simple ones run with a small stack frame.
    #[inline(never)]
    fn generate_composite(&self, ctx: &RowCtx, row: &Row<'_>, rng: &mut CellRng, out: &mut Value) {
        match &self.generator {
            Gen::Json(fields) => {
                if !matches!(out, Value::Json(serde_json::Value::Object(_))) {
                    *out = Value::Json(serde_json::Value::Object(serde_json::Map::new()));
                }
                let Value::Json(serde_json::Value::Object(map)) = out else {
                    unreachable!()
                };
                fill_json(fields, ctx, row, map);
            }
            Gen::Array { of, len } => {
                let n = len.int(rng).max(0) as usize;
                if !matches!(out, Value::Array(_)) {
                    *out = Value::Array(Vec::new());
                }
                let Value::Array(items) = out else {
                    unreachable!()
                };
                items.resize(n, Value::Null);
                for (k, item) in items.iter_mut().enumerate() {
                    let element = RowCtx::new(
                        mix64(ctx.row ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                        ctx.parent,
                        ctx.child,
                    );
                    of.fill(&element, row, item);
                }
            }
            Gen::Derive {
                from,
                add,
                unit_micros,
                scale,
            } => {
                let base = row.get(*from);
                let amount = add
                    .as_ref()
                    .map_or(Amount::None, |add| add.amount(ctx, row));
                *out = derive(base, amount, *unit_micros);
                if let (Value::Float(f), Some(scale)) = (&mut *out, scale) {
                    *f = (*f * scale).round() / scale;
                }
            }
            Gen::Template(parts) => {
                // The cell itself is the buffer; other columns are read from
                // `row`, never from this cell.
                let s = text_mut(out);
                for part in parts {
                    match part {
                        Part::Text(t) => s.push_str(t),
                        Part::Row => super::fake::push_u64(s, ctx.row),
                        Part::N => super::fake::push_u64(s, ctx.row + 1),
                        Part::Child => super::fake::push_u64(s, ctx.child),
                        Part::Column(c) => {
                            let _ = write!(s, "{}", row.get(*c));
                        }
                    }
                }
            }
            _ => unreachable!("simple generators are handled in generate"),
        }
    }
}

impl RefGen {
    fn fill(&self, ctx: &RowCtx, rng: &mut CellRng, out: &mut Value) {
        let n = self.target.rows();
        let target_row = match self.pick {
            Pick::Parent => Some(ctx.parent),
            Pick::Uniform => (n > 0).then(|| rng.below(n)),
            Pick::Zipf { .. } => self
                .zipf
                .as_ref()
                .map(|z| z.sample(rng) - 1)
                .filter(|_| n > 0),
            Pick::Distinct => (n > 0).then(|| {
                // One random offset per parent, then consecutive rows.
                let offset = CellRng::new(self.offset_key, ctx.parent).below(n);
                (offset + ctx.child) % n
            }),
            Pick::SameParent => {
                let range = self.target.children_of(ctx.parent);
                let len = range.end - range.start;
                (len > 0).then(|| range.start + rng.below(len))
            }
        };
        match target_row {
            Some(r) => self.target.value_at(r, self.column, out),
            None => *out = Value::Null,
        }
    }
}

/// Fills a JSON object in place. `fields` are sorted by name, the order a
/// `serde_json::Map` iterates in, so once the object has its keys (from the
/// first row) each row only walks the map alongside the fields: no key
/// lookups, no key allocations, and string values reuse their buffers.
fn fill_json(
    fields: &[JsonGen],
    ctx: &RowCtx,
    row: &Row<'_>,
    map: &mut serde_json::Map<String, serde_json::Value>,
) {
    // The cell only ever holds this column's object: once it has as many
    // keys as there are fields, they are the fields' names.
    debug_assert!(map.len() != fields.len() || map.keys().zip(fields).all(|(k, f)| k == f.name()));
    if map.len() != fields.len() {
        map.clear();
        for field in fields {
            let initial = match field {
                JsonGen::Value { .. } => serde_json::Value::Null,
                JsonGen::Object { .. } => serde_json::Value::Object(serde_json::Map::new()),
            };
            map.insert(field.name().to_string(), initial);
        }
    }
    for (field, slot) in fields.iter().zip(map.values_mut()) {
        match field {
            JsonGen::Value { col, .. } => col.fill_json_slot(ctx, row, slot),
            JsonGen::Object { fields, .. } => {
                if !slot.is_object() {
                    *slot = serde_json::Value::Object(serde_json::Map::new());
                }
                if let serde_json::Value::Object(inner) = slot {
                    fill_json(fields, ctx, row, inner);
                }
            }
        }
    }
}

impl Col {
    /// Fills one JSON value in place. Numbers and booleans without NULL
    /// modifiers go straight into the slot; the rest through a [`Value`].
    #[inline]
    fn fill_json_slot(&self, ctx: &RowCtx, row: &Row<'_>, slot: &mut serde_json::Value) {
        if self.null_probability == 0.0 && self.null_if.is_none() {
            let mut rng = CellRng::at(self.key, ctx.row_mix);
            match &self.generator {
                Gen::Bool { probability } => {
                    *slot = serde_json::Value::Bool(rng.chance(*probability));
                    return;
                }
                Gen::Int(sampler) => {
                    *slot = serde_json::Value::from(sampler.int(&mut rng));
                    return;
                }
                Gen::Choice { values, weights } => {
                    match &values[weights.sample(&mut rng)] {
                        Value::Text(text) => match slot {
                            serde_json::Value::String(s) => {
                                s.clear();
                                s.push_str(text);
                            }
                            _ => *slot = serde_json::Value::String(text.clone()),
                        },
                        Value::Int(i) => *slot = serde_json::Value::from(*i),
                        other => *slot = to_json(other.clone()),
                    }
                    return;
                }
                Gen::Float { sampler, scale } => {
                    let v = sampler.float(&mut rng);
                    let v = scale.map_or(v, |scale| (v * scale).round() / scale);
                    *slot = serde_json::Number::from_f64(v)
                        .map_or(serde_json::Value::Null, serde_json::Value::Number);
                    return;
                }
                _ => {}
            }
        }
        let mut v = match slot {
            serde_json::Value::String(s) => Value::Text(std::mem::take(s)),
            _ => Value::Null,
        };
        self.fill(ctx, row, &mut v);
        *slot = to_json(v);
    }
}

impl JsonGen {
    fn name(&self) -> &str {
        match self {
            JsonGen::Value { name, .. } | JsonGen::Object { name, .. } => name,
        }
    }
}

/// A generated value inside a JSON document.
pub(crate) fn to_json(v: Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(b),
        Value::Int(i) => serde_json::Value::from(i),
        Value::Float(f) => serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Text(s) => serde_json::Value::String(s),
        Value::Json(j) => j,
        Value::Array(items) => serde_json::Value::Array(items.into_iter().map(to_json).collect()),
        other => serde_json::Value::String(other.to_string()),
    }
}

fn null_test(test: &NullTest, value: &Value) -> bool {
    match test {
        NullTest::In(values) => values.iter().any(|v| loosely_equal(v, value)),
        NullTest::NotIn(values) => !values.iter().any(|v| loosely_equal(v, value)),
    }
}

fn loosely_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => *x as f64 == *y,
        _ => a == b,
    }
}

/// Copies `from` into `out`, reusing a text buffer when both are text.
#[inline]
fn copy_value(from: &Value, out: &mut Value) {
    match (from, &mut *out) {
        (Value::Text(src), Value::Text(dst)) => {
            dst.clear();
            dst.push_str(src);
        }
        _ => *out = from.clone(),
    }
}

/// What a `derive` adds: nothing (a copy), NULL, or a number.
enum Amount {
    None,
    Null,
    Int(i64),
    Float(f64),
}

impl Col {
    /// This column's value as a number to add. Plain numbers are computed
    /// directly (a `Value` written and read back at once stalls the CPU).
    fn amount(&self, ctx: &RowCtx, row: &Row<'_>) -> Amount {
        if self.null_probability == 0.0 && self.null_if.is_none() {
            let mut rng = CellRng::at(self.key, ctx.row_mix);
            match &self.generator {
                Gen::Int(sampler) => return Amount::Int(sampler.int(&mut rng)),
                Gen::Float { sampler, scale } => {
                    let v = sampler.float(&mut rng);
                    return Amount::Float(scale.map_or(v, |scale| (v * scale).round() / scale));
                }
                _ => {}
            }
        }
        let mut v = Value::Null;
        self.fill(ctx, row, &mut v);
        match v {
            Value::Null => Amount::Null,
            Value::Int(i) => Amount::Int(i),
            other => Amount::Float(other.as_f64().unwrap_or(0.0)),
        }
    }
}

fn derive(base: &Value, amount: Amount, unit_micros: i64) -> Value {
    let a = match amount {
        Amount::None => return base.clone(),
        Amount::Null => return Value::Null,
        Amount::Int(i) => i as f64,
        Amount::Float(f) => f,
    };
    match base {
        Value::Timestamp(t) => Value::Timestamp(t + (a * unit_micros as f64).round() as i64),
        Value::Date(d) => Value::Date(d + a.round() as i32),
        Value::Int(i) => match amount {
            Amount::Int(x) => Value::Int(i + x),
            _ => Value::Float(*i as f64 + a),
        },
        Value::Float(f) => Value::Float(f + a),
        other => other.clone(),
    }
}

/// A UUID shaped like version 4 whose 62 low bits are a bijection of the
/// row (so unique by construction) and whose other bits are derived from
/// them (so it looks random).
pub(crate) fn unique_uuid(key: u64, row: u64) -> uuid::Uuid {
    const MASK62: u64 = (1 << 62) - 1;
    // xor-shift and odd multiplication are both bijections mod 2^62.
    let mut x = (row ^ key) & MASK62;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9) & MASK62;
    x ^= x >> 32;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB) & MASK62;
    x ^= x >> 29;
    let high = mix64(x ^ key);
    let high = (high & !0xF000) | 0x4000; // version 4
    let low = x | (0b10 << 62); // RFC 4122 variant
    uuid::Uuid::from_u64_pair(high, low)
}
