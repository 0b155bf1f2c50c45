//! A table compiled for generation: its row count, its place under a parent
//! table, and its columns in evaluation order.
//!
//! `per_parent` tables know, for each parent row, where its children start
//! ([`ChildIndex`], bounded memory), each count a pure function of (seed,
//! table, parent row). So a child's parent is computed, never looked up, and
//! any row can be generated on its own.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use super::children::ChildIndex;
use super::column::{Col, Gen, JsonGen, Part, RefGen, Row};
use super::dist::{Sampler, Zipf};
use super::rng::{column_key, sub_key};
use super::shard::Shard;
use super::value::Value;
use crate::profile::{
    ColumnSpec, Generator, JsonField, Location, Pick, ProfileError, RowsSpec, SeriesIndex,
    TableSpec, TemplatePart,
};

/// Where a row sits: its index, and for `per_parent` tables its parent row
/// and its position among that parent's children.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RowCtx {
    pub row: u64,
    pub parent: u64,
    pub child: u64,
    /// `rng::row_mix(row)`, shared by the row's cells.
    pub row_mix: u64,
}

impl RowCtx {
    #[inline]
    pub fn new(row: u64, parent: u64, child: u64) -> RowCtx {
        RowCtx {
            row,
            parent,
            child,
            row_mix: super::rng::row_mix(row),
        }
    }
}

#[derive(Debug)]
pub(crate) struct TableCore {
    pub spec: TableSpec,
    rows: u64,
    /// Where each parent row's children are; None for tables without a parent.
    children: Option<ChildIndex>,
    pub parent: Option<Arc<TableCore>>,
    /// Visible columns first (COPY order), then hidden ones.
    pub columns: Vec<Col>,
    pub names: Vec<String>,
    pub visible: usize,
    /// All columns in an order where dependencies come first.
    pub eval_order: Vec<usize>,
}

impl TableCore {
    pub fn compile(
        spec: &TableSpec,
        seed: u64,
        compiled: &HashMap<String, Arc<TableCore>>,
    ) -> Result<TableCore, ProfileError> {
        let all: Vec<&ColumnSpec> = spec.columns.iter().chain(&spec.hidden).collect();
        let names: Vec<String> = all.iter().map(|c| c.name.clone()).collect();

        let (rows, children, parent) = match &spec.rows {
            RowsSpec::Fixed { rows, .. } | RowsSpec::Literal { rows, .. } => (*rows, None, None),
            RowsSpec::PerParent { parent, count, .. } => {
                let parent_core = compiled
                    .get(parent)
                    .expect("validated: parents compile first")
                    .clone();
                let count_key = column_key(seed, &spec.name, "\u{0}count");
                let children = ChildIndex::new(count, count_key, parent_core.rows);
                (children.total(), Some(children), Some(parent_core))
            }
        };

        let context = Context {
            table: spec,
            names: &names,
            compiled,
            parent_rows: parent.as_ref().map(|p| p.rows),
            max_children: match &spec.rows {
                RowsSpec::PerParent { count, .. } => count.max as u64,
                _ => 0,
            },
        };
        let mut columns = Vec::with_capacity(all.len());
        for c in &all {
            let key = column_key(seed, &spec.name, &c.name);
            columns.push(context.compile(c, key)?);
        }
        let eval_order = eval_order(&columns);
        Ok(TableCore {
            spec: spec.clone(),
            rows,
            children,
            parent,
            columns,
            names,
            visible: spec.columns.len(),
            eval_order,
        })
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The row's context (parent row, position among siblings).
    pub fn ctx(&self, row: u64) -> RowCtx {
        match &self.children {
            None => RowCtx::new(row, row, 0),
            Some(children) => {
                let (parent, child) = children.parent_of(row);
                RowCtx::new(row, parent, child)
            }
        }
    }

    /// The rows whose parent is `parent`.
    pub fn children_of(&self, parent: u64) -> Range<u64> {
        match &self.children {
            Some(children) => children.children_of(parent),
            None => 0..0,
        }
    }

    /// How many children parent row `parent` has (0 without a parent table).
    #[inline]
    pub fn child_count(&self, parent: u64) -> u64 {
        self.children.as_ref().map_or(0, |c| c.count_of(parent))
    }

    pub fn has_parent(&self) -> bool {
        self.children.is_some()
    }

    /// Shard `shard`'s rows: a root table's own slice, or the children of
    /// the parent rows in the parent's shard (contiguous either way).
    pub fn shard_rows(&self, shard: Shard) -> Range<u64> {
        match (&self.parent, &self.children) {
            (Some(parent), Some(children)) => {
                let parents = parent.shard_rows(shard);
                let start = children.children_of(parents.start).start;
                let end = match parents.end.checked_sub(1) {
                    Some(last) if parents.end > parents.start => children.children_of(last).end,
                    _ => start,
                };
                start..end
            }
            _ => shard.range_of(self.rows),
        }
    }

    /// Bytes kept per table for finding parents (bounded, see `children.rs`).
    pub fn index_bytes(&self) -> usize {
        self.children.as_ref().map_or(0, ChildIndex::heap_bytes)
    }

    /// The value of one column at one row, computing just the columns it
    /// depends on.
    pub fn value_at(&self, row: u64, column: usize, out: &mut Value) {
        let ctx = self.ctx(row);
        let col = &self.columns[column];
        if col.deps.is_empty() {
            col.fill(&ctx, &Row::EMPTY, out);
            return;
        }
        let mut values = vec![Value::Null; self.columns.len()];
        let needed = self.closure(column);
        for &i in &self.eval_order {
            if needed[i] {
                let (row, cell) = Row::split(&mut values, i);
                self.columns[i].fill(&ctx, &row, cell);
            }
        }
        *out = std::mem::replace(&mut values[column], Value::Null);
    }

    fn closure(&self, column: usize) -> Vec<bool> {
        let mut needed = vec![false; self.columns.len()];
        let mut stack = vec![column];
        while let Some(c) = stack.pop() {
            if !needed[c] {
                needed[c] = true;
                stack.extend(&self.columns[c].deps);
            }
        }
        needed
    }

    /// Fills every column of `row` into `values` (visible then hidden).
    #[inline]
    pub fn fill_row(&self, ctx: &RowCtx, values: &mut [Value]) {
        for &i in &self.eval_order {
            let (row, cell) = Row::split(values, i);
            self.columns[i].fill(ctx, &row, cell);
        }
    }
}

/// Dependencies first; otherwise declaration order.
fn eval_order(columns: &[Col]) -> Vec<usize> {
    let mut order = Vec::with_capacity(columns.len());
    let mut done = vec![false; columns.len()];
    fn visit(i: usize, columns: &[Col], done: &mut [bool], order: &mut Vec<usize>) {
        if done[i] {
            return;
        }
        done[i] = true; // cycles were rejected by the profile check
        for &d in &columns[i].deps {
            visit(d, columns, done, order);
        }
        order.push(i);
    }
    for i in 0..columns.len() {
        visit(i, columns, &mut done, &mut order);
    }
    order
}

struct Context<'a> {
    table: &'a TableSpec,
    names: &'a [String],
    compiled: &'a HashMap<String, Arc<TableCore>>,
    parent_rows: Option<u64>,
    max_children: u64,
}

impl Context<'_> {
    fn index(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| n == name)
            .expect("validated by the profile check")
    }

    fn compile(&self, spec: &ColumnSpec, key: u64) -> Result<Col, ProfileError> {
        let mut deps = Vec::new();
        let null_if = spec.null_if.as_ref().map(|n| {
            let i = self.index(&n.column);
            deps.push(i);
            (i, n.test.clone())
        });
        let generator = self.generator(spec, key, &mut deps)?;
        deps.sort_unstable();
        deps.dedup();
        Ok(Col {
            key,
            generator,
            null_probability: spec.null_probability,
            null_if,
            unique: spec.unique,
            deps,
        })
    }

    /// The generator of a column; the columns of the row it reads are added
    /// to `deps`.
    fn generator(
        &self,
        spec: &ColumnSpec,
        key: u64,
        deps: &mut Vec<usize>,
    ) -> Result<Gen, ProfileError> {
        Ok(match &spec.generator {
            Generator::Sequence { start, step } => Gen::Sequence {
                start: *start,
                step: *step,
            },
            Generator::Int(d) => Gen::Int(Sampler::new(d)),
            Generator::Float { dist, round } => Gen::Float {
                sampler: Sampler::new(dist),
                scale: round.map(|r| 10f64.powi(r as i32)),
            },
            Generator::Bool { probability } => Gen::Bool {
                probability: *probability,
            },
            Generator::Choice { values, weights } => Gen::Choice {
                values: values.clone(),
                weights: super::dist::Alias::new(weights),
            },
            Generator::Fake { kind, min, max } => Gen::Fake {
                kind: *kind,
                min: *min,
                max: *max,
            },
            Generator::Timestamp { start, end } => Gen::Timestamp {
                start: *start,
                span: (end - start) as u64,
            },
            Generator::Date { start, end } => Gen::Date {
                start: *start,
                span: (end - start) as u64,
            },
            Generator::Series { start, step, by } => Gen::Series {
                start: start.clone(),
                step: *step,
                by: by.unwrap_or(if self.parent_rows.is_some() {
                    SeriesIndex::Child
                } else {
                    SeriesIndex::Row
                }),
            },
            Generator::Json(fields) => Gen::Json(self.json(fields, key, deps)?),
            Generator::Array { of, len } => Gen::Array {
                of: self.compile_inner(of, sub_key(key, "of"), deps)?,
                len: Sampler::new(len),
            },
            Generator::Uuid => Gen::Uuid,
            Generator::Ref {
                table,
                column,
                pick,
                location,
            } => Gen::Ref(self.compile_ref(table, column, pick.as_ref(), location, key)?),
            Generator::Derive {
                from,
                add,
                unit_micros,
                round,
            } => {
                deps.push(self.index(from));
                let add = add
                    .as_ref()
                    .map(|a| self.compile_inner(a, sub_key(key, "add"), deps))
                    .transpose()?;
                Gen::Derive {
                    from: self.index(from),
                    add,
                    unit_micros: *unit_micros,
                    scale: round.map(|r| 10f64.powi(r as i32)),
                }
            }
            Generator::Template(parts) => Gen::Template(self.template(parts, deps)),
            Generator::Const(v) => Gen::Const(v.clone()),
            Generator::Literal(values) => Gen::Literal(values.clone()),
        })
    }

    /// A column inside another generator (`array.of`, `derive.add`): the
    /// columns it reads become the outer column's too.
    fn compile_inner(
        &self,
        spec: &ColumnSpec,
        key: u64,
        deps: &mut Vec<usize>,
    ) -> Result<Box<Col>, ProfileError> {
        let col = self.compile(spec, key)?;
        deps.extend(&col.deps);
        Ok(Box::new(col))
    }

    /// A reference: the target table's column, and how a row is picked.
    fn compile_ref(
        &self,
        table: &str,
        column: &str,
        pick: Option<&Pick>,
        location: &Location,
        key: u64,
    ) -> Result<RefGen, ProfileError> {
        let target = self
            .compiled
            .get(table)
            .expect("validated: referenced tables compile first")
            .clone();
        let column_index = target
            .names
            .iter()
            .position(|n| n == column)
            .expect("validated");
        let parent_name = match &self.table.rows {
            RowsSpec::PerParent { parent, .. } => Some(parent.as_str()),
            _ => None,
        };
        let pick = pick.cloned().unwrap_or(if parent_name == Some(table) {
            Pick::Parent
        } else {
            Pick::Uniform
        });
        if pick == Pick::Distinct && self.max_children > target.rows() {
            return Err(ProfileError::invalid(
                location,
                format!(
                    "`pick = \"distinct\"` needs at most {} children per parent (the rows of `{table}`), \
                     but `count` allows up to {}",
                    target.rows(),
                    self.max_children
                ),
            )
            .with_hint(format!("lower the count's max, or add rows to `{table}`")));
        }
        let zipf = match pick {
            Pick::Zipf { s } => Some(Zipf::new(target.rows().max(1), s)),
            _ => None,
        };
        Ok(RefGen {
            target,
            column: column_index,
            pick,
            zipf,
            offset_key: sub_key(key, "distinct-offset"),
        })
    }

    /// A template's parts, with the columns it reads added to `deps`.
    fn template(&self, parts: &[TemplatePart], deps: &mut Vec<usize>) -> Vec<Part> {
        parts
            .iter()
            .map(|p| match p {
                TemplatePart::Text(t) => Part::Text(t.clone()),
                TemplatePart::Row => Part::Row,
                TemplatePart::N => Part::N,
                TemplatePart::Child => Part::Child,
                TemplatePart::Column { name, .. } => {
                    let i = self.index(name);
                    deps.push(i);
                    Part::Column(i)
                }
            })
            .collect()
    }

    fn json(
        &self,
        fields: &[JsonField],
        key: u64,
        deps: &mut Vec<usize>,
    ) -> Result<Vec<JsonGen>, ProfileError> {
        // Sorted by name: the order `fill_json` walks the object in.
        let mut sorted: Vec<&JsonField> = fields.iter().collect();
        sorted.sort_by(|a, b| json_field_name(a).cmp(json_field_name(b)));
        sorted
            .into_iter()
            .map(|f| match f {
                JsonField::Value(spec) => {
                    let col = self.compile(spec, sub_key(key, &spec.name))?;
                    deps.extend(&col.deps);
                    Ok(JsonGen::Value {
                        name: spec.name.clone(),
                        col,
                    })
                }
                JsonField::Object { name, fields } => Ok(JsonGen::Object {
                    name: name.clone(),
                    fields: self.json(fields, sub_key(key, name), deps)?,
                }),
            })
            .collect()
    }
}

fn json_field_name(field: &JsonField) -> &str {
    match field {
        JsonField::Value(spec) => &spec.name,
        JsonField::Object { name, .. } => name,
    }
}
