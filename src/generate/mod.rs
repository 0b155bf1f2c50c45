//! Deterministic value generators: every value is a pure function of
//! (seed, table, row index, column).
//!
//! [`Dataset::new`] compiles a [`Profile`] into one [`TableGen`] per loaded
//! table, parents before children. A table's rows can be produced in any
//! number of [`Chunk`]s (one per COPY connection), by a lending
//! [`RowCursor`] that allocates nothing per row, or one at a time with
//! [`TableGen::row_at`] (the cache warmer uses both). The RNG algorithm is
//! pinned in `rng.rs`; docs/profiles.md states the guarantee.
//!
//! A [`Shard`] (`--shard i/n`) picks one contiguous row range of every table
//! ([`TableGen::shard_rows`]); `shard.rs` documents the split. Memory does
//! not grow with the row count: `children.rs` finds a child's parent from a
//! bounded index.

mod children;
mod column;
mod dist;
mod fake;
pub mod possible;
mod rng;
mod shard;
mod table;
pub mod value;

use std::collections::HashMap;
use std::sync::Arc;

pub use children::MAX_BLOCKS as MAX_INDEX_BLOCKS;
pub use dist::expected_int_mean;
pub use shard::Shard;
pub use value::Value;

use crate::profile::{FakeKind, Generator, Profile, ProfileError, TableSpec};
use column::Gen;
use table::{RowCtx, TableCore};

/// A profile compiled for generation: tables in foreign-key (load) order.
#[derive(Debug)]
pub struct Dataset {
    seed: u64,
    tables: Vec<TableGen>,
}

impl Dataset {
    /// Compiles every table. Adds up the per-parent row counts of
    /// `per_parent` tables (one pass over each parent; memory bounded per
    /// table, see `children.rs`).
    pub fn new(profile: &Profile) -> Result<Dataset, ProfileError> {
        let mut compiled: HashMap<String, Arc<TableCore>> = HashMap::new();
        let mut tables = Vec::new();
        for spec in profile.tables_in_load_order() {
            let core = Arc::new(TableCore::compile(spec, profile.seed, &compiled)?);
            compiled.insert(spec.name.clone(), core.clone());
            if spec.load {
                tables.push(TableGen { core });
            }
        }
        Ok(Dataset {
            seed: profile.seed,
            tables,
        })
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The loaded tables, parents before children.
    pub fn tables(&self) -> &[TableGen] {
        &self.tables
    }

    pub fn table(&self, name: &str) -> Option<&TableGen> {
        self.tables.iter().find(|t| t.name() == name)
    }
}

/// One table ready to generate.
#[derive(Debug, Clone)]
pub struct TableGen {
    core: Arc<TableCore>,
}

/// A contiguous range of a table's rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    pub first_row: u64,
    pub rows: u64,
}

/// A cursor over a chunk's rows, in order. Reuses one row buffer.
pub struct RowCursor<'a> {
    table: &'a TableCore,
    next: u64,
    end: u64,
    ctx: RowCtx,
    /// For `per_parent` tables: the rows of `ctx.parent`.
    siblings: std::ops::Range<u64>,
    values: Vec<Value>,
}

impl TableGen {
    pub fn name(&self) -> &str {
        &self.core.spec.name
    }

    /// The profile's table (for Locations in errors).
    pub fn spec(&self) -> &TableSpec {
        &self.core.spec
    }

    /// The loaded columns, in COPY order.
    pub fn columns(&self) -> &[String] {
        &self.core.names[..self.core.visible]
    }

    pub fn row_count(&self) -> u64 {
        self.core.rows()
    }

    /// Names of the loaded tables this one references (its parents).
    pub fn parents(&self) -> Vec<&str> {
        let mut targets: Vec<&TableCore> = self.core.parent.iter().map(|p| &**p).collect();
        for col in &self.core.columns {
            collect_refs(col, &mut targets);
        }
        let mut names: Vec<&str> = Vec::new();
        for core in targets {
            let name = core.spec.name.as_str();
            if core.spec.load && name != self.name() && !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Splits the rows into at most `n` contiguous chunks (at least one,
    /// possibly empty); generating them in order yields the whole table.
    pub fn chunks(&self, n: usize) -> Vec<Chunk> {
        self.chunks_of(0..self.row_count(), n)
    }

    /// Shard `shard`'s rows of this table: one contiguous range (see
    /// [`Shard`]). The ranges of shards `0/n .. n-1/n` follow each other
    /// and cover the table.
    pub fn shard_rows(&self, shard: Shard) -> std::ops::Range<u64> {
        self.core.shard_rows(shard)
    }

    /// Splits `range` into at most `n` contiguous chunks (at least one,
    /// possibly empty), in order.
    pub fn chunks_of(&self, range: std::ops::Range<u64>, n: usize) -> Vec<Chunk> {
        let rows = range.end.saturating_sub(range.start);
        let n = (n.max(1) as u64).min(rows.max(1));
        (0..n)
            .map(|i| {
                let first = (u128::from(rows) * u128::from(i) / u128::from(n)) as u64;
                let next = (u128::from(rows) * u128::from(i + 1) / u128::from(n)) as u64;
                Chunk {
                    first_row: range.start + first,
                    rows: next - first,
                }
            })
            .collect()
    }

    /// Bytes this table keeps to find a row's parent (0 without a parent;
    /// at most `MAX_INDEX_BLOCKS * 8` with one).
    pub fn index_bytes(&self) -> usize {
        self.core.index_bytes()
    }

    /// A cursor over a chunk's rows.
    pub fn rows(&self, chunk: &Chunk) -> RowCursor<'_> {
        let ctx = self
            .core
            .ctx(chunk.first_row.min(self.row_count().saturating_sub(1)));
        RowCursor {
            table: &self.core,
            next: chunk.first_row,
            end: (chunk.first_row + chunk.rows).min(self.row_count()),
            siblings: self.core.children_of(ctx.parent),
            ctx,
            values: vec![Value::Null; self.core.columns.len()],
        }
    }

    /// The values of row `index` (the same as the cursor gives).
    pub fn row_at(&self, index: u64) -> Vec<Value> {
        let mut values = vec![Value::Null; self.core.columns.len()];
        self.core.fill_row(&self.core.ctx(index), &mut values);
        values.truncate(self.core.visible);
        values
    }

    /// The value of one column (by name, hidden columns too) at row `index`.
    pub fn value_at(&self, index: u64, column: &str) -> Option<Value> {
        let c = self.core.names.iter().position(|n| n == column)?;
        let mut out = Value::Null;
        self.core.value_at(index, c, &mut out);
        Some(out)
    }

    /// For a table whose key column is a sequence (the column named `id` if
    /// it is one, else the first sequence column): the row index holding
    /// `key` (players id 42 -> index 41 with `seq = { start = 1 }`).
    pub fn index_of_key(&self, key: i64) -> Option<u64> {
        let visible = &self.core.columns[..self.core.visible];
        let named_id = self.columns().iter().position(|n| n == "id");
        let column = named_id
            .filter(|&i| matches!(visible[i].generator, Gen::Sequence { .. }))
            .or_else(|| {
                visible
                    .iter()
                    .position(|c| matches!(c.generator, Gen::Sequence { .. }))
            })?;
        let Gen::Sequence { start, step } = visible[column].generator else {
            return None;
        };
        if step == 0 {
            return (key == start && self.row_count() > 0).then_some(0);
        }
        let offset = i128::from(key) - i128::from(start);
        if offset % i128::from(step) != 0 {
            return None;
        }
        let index = offset / i128::from(step);
        (0..i128::from(self.row_count()))
            .contains(&index)
            .then_some(index as u64)
    }

    /// For a `per_parent` table: the parent row of row `index`.
    pub fn parent_row_of(&self, index: u64) -> Option<u64> {
        self.core.has_parent().then(|| self.core.ctx(index).parent)
    }

    /// For a `per_parent` table: the rows of its parent table (loaded or not).
    pub fn parent_rows(&self) -> Option<u64> {
        self.core.parent.as_ref().map(|p| p.rows())
    }

    /// For a `per_parent` table: its rows whose parent is row `parent`.
    pub fn children_of(&self, parent: u64) -> std::ops::Range<u64> {
        self.core.children_of(parent)
    }

    /// Estimated bytes per row in binary COPY (for `--dry-run`'s plan).
    pub fn estimated_row_bytes(&self) -> u64 {
        // 2 bytes of field count, then 4 bytes of length per field.
        2 + self
            .core
            .spec
            .columns
            .iter()
            .map(|c| 4 + estimated_cell_bytes(&c.generator))
            .sum::<u64>()
    }
}

fn collect_refs<'a>(col: &'a column::Col, out: &mut Vec<&'a TableCore>) {
    match &col.generator {
        Gen::Ref(r) => out.push(&r.target),
        Gen::Json(fields) => {
            fn walk<'a>(fields: &'a [column::JsonGen], out: &mut Vec<&'a TableCore>) {
                for f in fields {
                    match f {
                        column::JsonGen::Value { col, .. } => collect_refs(col, out),
                        column::JsonGen::Object { fields, .. } => walk(fields, out),
                    }
                }
            }
            walk(fields, out);
        }
        Gen::Array { of, .. } => collect_refs(of, out),
        Gen::Derive { add: Some(a), .. } => collect_refs(a, out),
        _ => {}
    }
}

fn estimated_cell_bytes(generator: &Generator) -> u64 {
    match generator {
        Generator::Sequence { .. } | Generator::Int(_) | Generator::Ref { .. } => 8,
        Generator::Float { .. } | Generator::Timestamp { .. } | Generator::Series { .. } => 8,
        Generator::Derive { .. } => 8,
        Generator::Bool { .. } => 1,
        Generator::Date { .. } => 4,
        Generator::Uuid => 16,
        Generator::Choice { values, .. } | Generator::Literal(values) => {
            let total: usize = values.iter().map(|v| v.to_string().len()).sum();
            (total / values.len().max(1)) as u64
        }
        Generator::Const(v) => v.to_string().len() as u64,
        Generator::Template(parts) => 8 + 4 * parts.len() as u64,
        Generator::Json(fields) => 1 + 24 * fields.len() as u64,
        Generator::Array { of, len } => {
            20 + (4 + estimated_cell_bytes(&of.generator)) * ((len.min + len.max) / 2.0) as u64
        }
        Generator::Fake { kind, min, max } => {
            let words = u64::from(min + max) / 2;
            match kind {
                FakeKind::Ipv4 => 8,
                FakeKind::Ipv6 => 20,
                FakeKind::UserAgent => 110,
                FakeKind::Email | FakeKind::SafeEmail => 24,
                FakeKind::Username => 14,
                FakeKind::Words => 7 * words,
                FakeKind::Sentence => 7 * words,
                FakeKind::Paragraph => 60 * words,
                FakeKind::CatchPhrase => 40,
                _ => 10,
            }
        }
    }
}

impl RowCursor<'_> {
    /// The next row's values in `columns()` order; None at the chunk's end.
    /// The slice is valid until the next call.
    #[inline]
    pub fn next_row(&mut self) -> Option<&[Value]> {
        if self.next >= self.end {
            return None;
        }
        let table = self.table;
        let ctx = if table.has_parent() {
            // Walk forward over parents whose children are all done: one
            // count per parent, no index lookup.
            while self.siblings.end <= self.next {
                self.ctx.parent += 1;
                let start = self.siblings.end;
                self.siblings = start..start + table.child_count(self.ctx.parent);
            }
            RowCtx::new(self.next, self.ctx.parent, self.next - self.siblings.start)
        } else {
            RowCtx::new(self.next, self.next, 0)
        };
        table.fill_row(&ctx, &mut self.values);
        self.ctx = ctx;
        self.next += 1;
        Some(&self.values[..table.visible])
    }

    /// The row index the last `next_row` returned.
    pub fn row_index(&self) -> u64 {
        self.next.saturating_sub(1)
    }
}

#[cfg(test)]
mod tests;
