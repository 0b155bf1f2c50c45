//! Turning a set's rows into Redis commands.
//!
//! Rows come from the same generators as the database rows (a cursor over the
//! table, or random access for `top` and for joined parent rows), never from
//! PostgreSQL. Per row, string-like sets write one `SET key value [EX ttl]`;
//! hashes, sets and sorted sets gather members per key and write them with
//! variadic `HSET`/`SADD`/`ZADD` of at most `batch` members, each followed by
//! `EXPIRE` when the set has a TTL. Memory stays bounded: gathered members
//! are flushed once too many keys or members are pending.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write;
use std::ops::Range;
use std::time::Instant;

use super::CacheError;
use super::resp::{Command, push_int};
use super::sink::Sink;
use super::spec::{
    CacheSpec, CompareOp, Condition, CounterValue, Kind, Literal, Operand, Part, RowSource,
    SetSpec, Template, Test, number, sort_key,
};
use crate::generate::{Chunk, Dataset, RowCursor, Shard, TableGen, Value};
use crate::ui;

/// Pending members across all keys before everything pending is sent.
const MAX_PENDING_MEMBERS: usize = 100_000;
/// Pending keys before everything pending is sent.
const MAX_PENDING_KEYS: usize = 4_096;

/// What one set wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SetReport {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Source rows that passed the filters.
    pub rows: u64,
    /// Distinct keys written.
    pub keys: u64,
    /// Commands sent (including EXPIREs).
    pub commands: u64,
    pub seconds: f64,
}

/// Sends the commands of `sets` into `sink`; returns a report per set, in
/// the order given. Sets that read the same table share one pass over its
/// rows (the shipped profiles read `game_sessions` for three sets), so each
/// row is generated once.
///
/// With a shard of several, each set writes the rows of the shard's range
/// of its table (`count` sets: the shard's range of `0..count`), except a
/// set with `top`: its best rows are chosen among all rows, so shard 0
/// writes it whole and the others skip it.
pub async fn warm_sets(
    sets: &[&SetSpec],
    spec: &CacheSpec,
    dataset: &Dataset,
    shard: Shard,
    sink: &mut Sink,
) -> Result<Vec<SetReport>, CacheError> {
    let has_top = |set: &SetSpec| matches!(&set.source, RowSource::Table { top: Some(_), .. });
    // Whole: sets of one table share a pass. Sharded: `top` sets pass over
    // the whole table on their own.
    let same_pass = |a: &SetSpec, b: &SetSpec| match (&a.source, &b.source) {
        (RowSource::Table { table: x, .. }, RowSource::Table { table: y, .. }) => {
            x == y && (shard.is_whole() || has_top(a) == has_top(b))
        }
        _ => false,
    };
    let mut reports: Vec<Option<SetReport>> = vec![None; sets.len()];
    let mut done = vec![false; sets.len()];
    for first in 0..sets.len() {
        if done[first] {
            continue;
        }
        let started = Instant::now();
        let group: Vec<usize> = match &sets[first].source {
            RowSource::Count(_) => vec![first],
            RowSource::Table { .. } => (first..sets.len())
                .filter(|&i| same_pass(sets[first], sets[i]))
                .collect(),
        };
        let mut emitters: Vec<Emitter> = group
            .iter()
            .map(|&i| Emitter::new(sets[i], spec, dataset))
            .collect();
        match &sets[first].source {
            RowSource::Count(n) => {
                let range = shard.range_of(*n);
                count_pass(range, &sets[first].name, &mut emitters[0], sink).await?
            }
            RowSource::Table { table, top, .. } => {
                let table = dataset
                    .table(table)
                    .expect("checked when the profile loaded");
                let range = match (top, shard.index()) {
                    (None, _) => Some(table.shard_rows(shard)),
                    (Some(_), 0) => Some(0..table.row_count()),
                    (Some(_), _) => None,
                };
                if let Some(range) = range {
                    table_pass(table, range, &mut emitters, sink).await?;
                }
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        for (emitter, &i) in emitters.iter_mut().zip(&group) {
            emitter.flush_all(sink).await?;
            done[i] = true;
            reports[i] = Some(SetReport {
                name: sets[i].name.clone(),
                kind: sets[i].kind.type_name(),
                rows: emitter.rows,
                keys: emitter.keys.len() as u64,
                commands: emitter.commands,
                seconds: crate::ui::round3(seconds),
            });
        }
    }
    Ok(reports.into_iter().flatten().collect())
}

/// `count = N`: synthetic rows (those of `range`, a part of `0..N`).
async fn count_pass(
    range: Range<u64>,
    name: &str,
    emitter: &mut Emitter<'_>,
    sink: &mut Sink,
) -> Result<(), CacheError> {
    let bar = ui::bar(&format!("warming {name}"), range.end - range.start, "rows");
    for index in range {
        emitter.row(sink, &[], index).await?;
        if index % 4096 == 4095 {
            bar.inc(4096);
        }
    }
    bar.finish_and_clear();
    Ok(())
}

/// The `top` candidates of one set: the best `n` rows seen so far.
struct TopRows {
    by: usize,
    n: usize,
    descending: bool,
    best: Vec<(f64, u64)>,
}

impl TopRows {
    /// The `top` of a set that has one.
    fn of(set: &SetSpec) -> Option<TopRows> {
        match &set.source {
            RowSource::Table { top: Some(top), .. } => Some(TopRows {
                by: top.by,
                n: top.n as usize,
                descending: top.descending,
                best: Vec::new(),
            }),
            _ => None,
        }
    }

    fn consider(&mut self, values: &[Value], index: u64) {
        if let Some(key) = sort_key(&values[self.by]) {
            self.best.push((key, index));
            if self.best.len() >= self.n.saturating_mul(2).max(1024) {
                self.settle();
            }
        }
    }

    fn settle(&mut self) {
        let descending = self.descending;
        self.best.sort_by(|a, b| {
            let by_key = if descending {
                b.0.total_cmp(&a.0)
            } else {
                a.0.total_cmp(&b.0)
            };
            by_key.then(a.1.cmp(&b.1))
        });
        self.best.truncate(self.n);
    }

    /// The chosen rows, in table order.
    fn chosen(mut self) -> Vec<u64> {
        self.settle();
        let mut rows: Vec<u64> = self.best.into_iter().map(|(_, i)| i).collect();
        rows.sort_unstable();
        rows
    }
}

/// Which columns a table pass generates: every column any set reads, the
/// ones generated first for every row (those that decide whether a set
/// uses the row; all of a set's columns when it has no filter), and per set
/// whether a kept row needs more than those first columns.
fn columns_to_generate(emitters: &[Emitter<'_>]) -> (Vec<usize>, Vec<usize>, Vec<bool>) {
    let mut used = Vec::new();
    let mut first = Vec::new();
    let mut own_used = Vec::new();
    for emitter in emitters {
        let columns = emitter.set.columns_used().0;
        let filters = emitter.set.filter_columns();
        first.extend(if filters.is_empty() {
            &columns
        } else {
            &filters
        });
        used.extend(&columns);
        own_used.push(columns);
    }
    used.sort_unstable();
    used.dedup();
    first.sort_unstable();
    first.dedup();
    let needs_rest = own_used
        .iter()
        .map(|columns| columns.iter().any(|c| !first.contains(c)))
        .collect();
    (used, first, needs_rest)
}

/// One pass over a table's rows (those of `range`) for every set that reads it.
async fn table_pass(
    table: &TableGen,
    range: Range<u64>,
    emitters: &mut [Emitter<'_>],
    sink: &mut Sink,
) -> Result<(), CacheError> {
    let (used, first, needs_rest) = columns_to_generate(emitters);
    let mut rows = Rows::new(table, range.clone(), used, first);
    let mut tops: Vec<Option<TopRows>> = emitters.iter().map(|e| TopRows::of(e.set)).collect();
    // Labelled by the cache sets, not the table: a bar named after a table
    // the load just filled would read as the load starting again.
    let names: Vec<&str> = emitters.iter().map(|e| e.set.name.as_str()).collect();
    let bar = ui::bar(
        &format!("warming {}", names.join(", ")),
        range.end - range.start,
        &format!("{} rows", table.name()),
    );
    let projected = rows.is_projected();
    let mut kept = vec![false; emitters.len()];
    while let Some((index, values)) = rows.next() {
        if index % 4096 == 4095 {
            bar.inc(4096);
        }
        let mut any = false;
        let mut complete = false;
        for (i, (emitter, top)) in emitters.iter_mut().zip(&mut tops).enumerate() {
            kept[i] = emitter.keep(values, index);
            if let (true, Some(top)) = (kept[i], top.as_mut()) {
                top.consider(values, index);
                kept[i] = false;
            }
            any |= kept[i];
            complete |= kept[i] && needs_rest[i];
        }
        if !any {
            continue;
        }
        let values = if projected && complete {
            rows.complete(index)
        } else {
            values
        };
        for (emitter, keep) in emitters.iter_mut().zip(&kept) {
            if *keep {
                emitter.row(sink, values, index).await?;
            }
        }
    }
    bar.finish_and_clear();
    for (emitter, top) in emitters.iter_mut().zip(tops) {
        let Some(top) = top else { continue };
        for index in top.chosen() {
            let values = rows.at(index);
            emitter.keep(&values, index);
            emitter.row(sink, &values, index).await?;
        }
    }
    Ok(())
}

/// A table's rows in order: whole rows from the table's cursor, or, when a
/// set reads only a few of the columns or filters most rows out, just the
/// columns it reads, in two steps: first those the filters need, then, for
/// the rows that pass, the rest. Generating a player's fake name, e-mail and
/// JSON preferences is most of the cost of a row, and a rate-limit counter
/// only needs its id; 99% of game sessions fail `ended_at is null`.
/// Columns to generate, by index and name.
type Columns = Vec<(usize, String)>;

struct Rows<'d> {
    table: &'d TableGen,
    /// Projected: the columns the filters need, then the others.
    projection: Option<(Columns, Columns)>,
    cursor: Option<RowCursor<'d>>,
    values: Vec<Value>,
    next: u64,
    end: u64,
}

impl<'d> Rows<'d> {
    /// The rows of `range`; `first`: the columns every row needs (a subset
    /// of `used`).
    fn new(
        table: &'d TableGen,
        range: Range<u64>,
        used: Vec<usize>,
        first: Vec<usize>,
    ) -> Rows<'d> {
        let width = table.columns().len();
        // Measured on the large profile: a column costs about a third of a
        // whole row when a table's rows hang off parents (finding a row's
        // parent is a binary search per column), far less otherwise.
        let per_parent = table.parent_row_of(0).is_some();
        let projected = if per_parent {
            first.len() * 3 < width
        } else {
            first.len() * 2 <= width
        };
        let named = |c: usize| (c, table.columns()[c].clone());
        let projection = projected.then(|| {
            let rest = used.iter().filter(|c| !first.contains(c)).copied();
            (
                first.iter().copied().map(named).collect(),
                rest.map(named).collect(),
            )
        });
        let cursor = (!projected).then(|| {
            let whole = Chunk {
                first_row: range.start,
                rows: range.end - range.start,
            };
            table.rows(&whole)
        });
        Rows {
            table,
            projection,
            cursor,
            values: vec![Value::Null; width],
            next: range.start,
            end: range.end,
        }
    }

    /// The next row (its index and values). When projected, only the
    /// filters' columns are filled: call [`Self::complete`] for the rest.
    fn next(&mut self) -> Option<(u64, &[Value])> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        self.next += 1;
        match (&self.projection, &mut self.cursor) {
            (Some((first, _)), _) => {
                fill(self.table, index, first, &mut self.values);
                Some((index, &self.values))
            }
            (None, Some(cursor)) => cursor.next_row().map(|values| (index, values)),
            (None, None) => None,
        }
    }

    fn is_projected(&self) -> bool {
        self.projection.is_some()
    }

    /// A projected row with every column the set reads.
    fn complete(&mut self, index: u64) -> &[Value] {
        if let Some((_, rest)) = &self.projection {
            fill(self.table, index, rest, &mut self.values);
        }
        &self.values
    }

    /// Row `index` out of order (for `top`).
    fn at(&self, index: u64) -> Vec<Value> {
        match &self.projection {
            Some((first, rest)) => {
                let mut values = vec![Value::Null; self.values.len()];
                fill(self.table, index, first, &mut values);
                fill(self.table, index, rest, &mut values);
                values
            }
            None => self.table.row_at(index),
        }
    }
}

fn fill(table: &TableGen, index: u64, columns: &[(usize, String)], values: &mut [Value]) {
    for (c, name) in columns {
        values[*c] = table.value_at(index, name).unwrap_or(Value::Null);
    }
}

/// A parent row looked up through a join, cached: children of one parent
/// are usually generated next to each other.
struct ParentRow<'d> {
    table: &'d TableGen,
    on_column: usize,
    /// The parent's columns the set reads, by index and name.
    columns: Vec<(usize, String)>,
    key: Option<i64>,
    values: Vec<Value>,
}

impl ParentRow<'_> {
    fn load(&mut self, row: &[Value]) {
        let key = row[self.on_column].as_i64();
        if key == self.key {
            return;
        }
        self.key = key;
        self.values.iter_mut().for_each(|v| *v = Value::Null);
        if let Some(index) = key.and_then(|k| self.table.index_of_key(k)) {
            for (c, name) in &self.columns {
                self.values[*c] = self.table.value_at(index, name).unwrap_or(Value::Null);
            }
        }
    }

    fn get(&self, column: usize) -> &Value {
        self.values.get(column).unwrap_or(&Value::Null)
    }
}

/// Members gathered per key for a variadic command.
struct Group {
    key: Vec<u8>,
    cmd: Command,
    members: usize,
}

struct Emitter<'s> {
    set: &'s SetSpec,
    prefix: &'s [u8],
    batch: usize,
    ttl: Option<i64>,
    seed: u64,
    set_hash: u64,
    parents: Vec<ParentRow<'s>>,
    cmd: Command,
    key: Vec<u8>,
    scratch: Vec<u8>,
    groups: Vec<Group>,
    group_of: HashMap<Vec<u8>, usize>,
    spare: Vec<Command>,
    pending: usize,
    keys: HashSet<u64, BuildHasherDefault<Prehashed>>,
    rows: u64,
    commands: u64,
}

impl<'s> Emitter<'s> {
    fn new(set: &'s SetSpec, spec: &'s CacheSpec, dataset: &'s Dataset) -> Emitter<'s> {
        let parent_columns = set.columns_used().1;
        let parents = match &set.source {
            RowSource::Table { joins, .. } => joins
                .iter()
                .zip(parent_columns)
                .map(|(join, columns)| {
                    let table = dataset
                        .table(&join.table)
                        .expect("checked when the profile loaded");
                    ParentRow {
                        table,
                        on_column: join.on_column,
                        columns: columns
                            .into_iter()
                            .map(|c| (c, table.columns()[c].clone()))
                            .collect(),
                        key: None,
                        values: vec![Value::Null; table.columns().len()],
                    }
                })
                .collect(),
            RowSource::Count(_) => Vec::new(),
        };
        Emitter {
            set,
            prefix: spec.prefix.as_bytes(),
            batch: spec.batch.max(1),
            ttl: set.ttl.map(|d| d.as_secs() as i64),
            seed: dataset.seed(),
            set_hash: fnv1a(set.name.as_bytes()),
            parents,
            cmd: Command::default(),
            key: Vec::new(),
            scratch: Vec::new(),
            groups: Vec::new(),
            group_of: HashMap::new(),
            spare: Vec::new(),
            pending: 0,
            keys: HashSet::default(),
            rows: 0,
            commands: 0,
        }
    }

    /// Whether a table row passes `where` and `sample` (loads its parents).
    fn keep(&mut self, row: &[Value], index: u64) -> bool {
        let RowSource::Table { filter, sample, .. } = &self.set.source else {
            return true;
        };
        if filter
            .iter()
            .any(|c| matches!(c.column, Operand::Parent { .. }))
        {
            for parent in &mut self.parents {
                parent.load(row);
            }
        }
        if !filter.iter().all(|c| self.holds(c, row)) {
            return false;
        }
        match sample {
            Some(fraction) => unit(self.draw(index, 0)) < *fraction,
            None => true,
        }
    }

    fn holds(&self, condition: &Condition, row: &[Value]) -> bool {
        let value = self.operand(condition.column, row);
        match &condition.test {
            Test::IsNull => value.is_null(),
            Test::IsNotNull => !value.is_null(),
            Test::Compare(op, literal) => {
                compare(value, literal).is_some_and(|ordering| match op {
                    CompareOp::Eq => ordering.is_eq(),
                    CompareOp::Ne => ordering.is_ne(),
                    CompareOp::Lt => ordering.is_lt(),
                    CompareOp::Le => ordering.is_le(),
                    CompareOp::Gt => ordering.is_gt(),
                    CompareOp::Ge => ordering.is_ge(),
                })
            }
        }
    }

    fn operand<'r>(&'r self, operand: Operand, row: &'r [Value]) -> &'r Value {
        match operand {
            Operand::Column(c) => &row[c],
            Operand::Parent { join, column } => self.parents[join].get(column),
        }
    }

    fn draw(&self, index: u64, stream: u64) -> u64 {
        mix(mix(self.seed ^ self.set_hash) ^ mix(index.wrapping_mul(4).wrapping_add(stream)))
    }

    /// The value a single-placeholder template stands for.
    fn single<'r>(&'r self, template: &Template, row: &'r [Value]) -> Option<&'r Value> {
        match template.single()? {
            Part::Column(c) => Some(&row[*c]),
            Part::Parent { join, column } => Some(self.parents[*join].get(*column)),
            _ => None,
        }
    }

    /// Renders a template; `false` when a placeholder is null.
    fn render(&self, template: &Template, row: &[Value], index: u64, out: &mut Vec<u8>) -> bool {
        let mut complete = true;
        for part in &template.parts {
            let value = match part {
                Part::Literal(text) => {
                    out.extend_from_slice(text.as_bytes());
                    continue;
                }
                Part::Index => {
                    push_int(out, index as i64);
                    continue;
                }
                Part::Uuid => {
                    let uuid = self.uuid(index);
                    write!(out, "{uuid}").expect("writing to a Vec");
                    continue;
                }
                Part::Column(c) => &row[*c],
                Part::Parent { join, column } => self.parents[*join].get(*column),
            };
            complete &= !value.is_null();
            render_value(value, out);
        }
        complete
    }

    fn uuid(&self, index: u64) -> uuid::Uuid {
        let high = self.draw(index, 1).to_be_bytes();
        let low = self.draw(index, 2).to_be_bytes();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&high);
        bytes[8..].copy_from_slice(&low);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// Writes one row's part of the set.
    async fn row(&mut self, sink: &mut Sink, row: &[Value], index: u64) -> Result<(), CacheError> {
        // Parents again: with a two-step projection, `keep` saw only the
        // filters' columns (cached by key, so this is cheap).
        for parent in &mut self.parents {
            parent.load(row);
        }
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        key.extend_from_slice(self.prefix);
        let complete = self.render(&self.set.key, row, index, &mut key);
        let result = if complete {
            self.rows += 1;
            self.write(sink, &key, row, index).await
        } else {
            Ok(())
        };
        self.key = key;
        result
    }

    async fn write(
        &mut self,
        sink: &mut Sink,
        key: &[u8],
        row: &[Value],
        index: u64,
    ) -> Result<(), CacheError> {
        let set = self.set;
        let mut value = std::mem::take(&mut self.scratch);
        value.clear();
        let written = match &set.kind {
            Kind::String(template) => {
                self.render(template, row, index, &mut value) || template.single().is_none()
            }
            Kind::Counter(CounterValue::Template(template)) => {
                self.render(template, row, index, &mut value)
            }
            Kind::Counter(CounterValue::Uniform { lo, hi }) => {
                let span = (*hi - *lo) as u64 + 1;
                let n = if span == 0 {
                    self.draw(index, 3) as i64
                } else {
                    *lo + (self.draw(index, 3) % span) as i64
                };
                push_int(&mut value, n);
                true
            }
            Kind::Json(fields) => {
                // Written by hand to keep the declared field order.
                value.push(b'{');
                for (i, (name, template)) in fields.iter().enumerate() {
                    if i > 0 {
                        value.push(b',');
                    }
                    serde_json::to_writer(&mut value, name).expect("writing to a Vec");
                    value.push(b':');
                    let json = match self.single(template, row) {
                        Some(v) => to_json(v),
                        None => {
                            let mut text = Vec::new();
                            self.render(template, row, index, &mut text);
                            serde_json::Value::String(String::from_utf8_lossy(&text).into_owned())
                        }
                    };
                    serde_json::to_writer(&mut value, &json).expect("writing to a Vec");
                }
                value.push(b'}');
                true
            }
            Kind::Hash(_) | Kind::Set(_) | Kind::SortedSet { .. } => {
                self.scratch = value;
                return self.gather(sink, key, row, index).await;
            }
        };
        let result = if written {
            self.count_key(key);
            self.cmd.start("SET").arg(key).arg(&value);
            if let Some(ttl) = self.ttl {
                self.cmd.arg(b"EX").int(ttl);
            }
            self.commands += 1;
            sink.send(&self.cmd).await
        } else {
            Ok(())
        };
        self.scratch = value;
        result
    }

    /// Adds this row's members to its key's pending variadic command.
    async fn gather(
        &mut self,
        sink: &mut Sink,
        key: &[u8],
        row: &[Value],
        index: u64,
    ) -> Result<(), CacheError> {
        let group = match self.group_of.get(key) {
            Some(&g) => g,
            None => {
                let verb = match self.set.kind {
                    Kind::Hash(_) => "HSET",
                    Kind::Set(_) => "SADD",
                    _ => "ZADD",
                };
                let mut cmd = self.spare.pop().unwrap_or_default();
                cmd.start(verb).arg(key);
                self.groups.push(Group {
                    key: key.to_vec(),
                    cmd,
                    members: 0,
                });
                self.group_of.insert(key.to_vec(), self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        let mut cmd = std::mem::take(&mut self.groups[group].cmd);
        let added = self.members(&mut cmd, row, index);
        self.groups[group].cmd = cmd;
        self.groups[group].members += added;
        self.pending += added;
        if self.groups[group].members >= self.batch {
            self.send_group(sink, group).await?;
        }
        if self.pending >= MAX_PENDING_MEMBERS || self.groups.len() >= MAX_PENDING_KEYS {
            self.flush_all(sink).await?;
        }
        Ok(())
    }

    /// Appends a row's members (fields, members, score+member) to `cmd`.
    fn members(&self, cmd: &mut Command, row: &[Value], index: u64) -> usize {
        let mut added = 0;
        match &self.set.kind {
            Kind::Hash(fields) => {
                for (name, template) in fields {
                    if self.single(template, row).is_some_and(Value::is_null) {
                        continue;
                    }
                    self.render(name, row, index, cmd.open_arg());
                    cmd.close_arg();
                    self.render(template, row, index, cmd.open_arg());
                    cmd.close_arg();
                    added += 1;
                }
            }
            Kind::Set(member) if !self.single(member, row).is_some_and(Value::is_null) => {
                self.render(member, row, index, cmd.open_arg());
                cmd.close_arg();
                added += 1;
            }
            Kind::SortedSet { score, member } => {
                let score_value = self.single(score, row);
                if score_value.is_some_and(Value::is_null)
                    || self.single(member, row).is_some_and(Value::is_null)
                {
                    return 0;
                }
                let out = cmd.open_arg();
                match score_value {
                    Some(Value::Int(i)) => push_int(out, *i),
                    Some(v) => match number(v) {
                        Some(f) if f.is_finite() => write!(out, "{f}").expect("writing to a Vec"),
                        _ => render_value(v, out),
                    },
                    None => {
                        self.render(score, row, index, out);
                    }
                }
                cmd.close_arg();
                self.render(member, row, index, cmd.open_arg());
                cmd.close_arg();
                added += 1;
            }
            _ => {}
        }
        added
    }

    async fn send_group(&mut self, sink: &mut Sink, group: usize) -> Result<(), CacheError> {
        let g = &mut self.groups[group];
        if g.members == 0 {
            return Ok(());
        }
        sink.send(&g.cmd).await?;
        self.commands += 1;
        if let Some(ttl) = self.ttl {
            self.cmd.start("EXPIRE").arg(&g.key).int(ttl);
            sink.send(&self.cmd).await?;
            self.commands += 1;
        }
        self.pending -= g.members;
        g.members = 0;
        let verb = String::from_utf8_lossy(g.cmd.get(0)).into_owned();
        g.cmd.start(&verb).arg(&g.key);
        let key = g.key.clone();
        self.count_key(&key);
        Ok(())
    }

    /// Sends every pending variadic command, in the order keys first appeared.
    async fn flush_all(&mut self, sink: &mut Sink) -> Result<(), CacheError> {
        for group in 0..self.groups.len() {
            self.send_group(sink, group).await?;
        }
        for group in self.groups.drain(..) {
            self.spare.push(group.cmd);
        }
        self.group_of.clear();
        self.pending = 0;
        Ok(())
    }

    fn count_key(&mut self, key: &[u8]) {
        // 64 bits of a pinned hash per distinct key: a collision among a
        // few million keys is vanishingly unlikely and only affects the count.
        self.keys.insert(mix(fnv1a(key)));
    }
}

/// A value as text in Redis: text as is, numbers in decimal, booleans as
/// `true`/`false`, timestamps in RFC 3339 (UTC), JSON and arrays as JSON.
pub fn render_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => push_int(out, *i),
        Value::Text(s) => out.extend_from_slice(s.as_bytes()),
        Value::Json(j) => serde_json::to_writer(out, j).expect("writing to a Vec"),
        Value::Array(_) => serde_json::to_writer(out, &to_json(value)).expect("writing to a Vec"),
        other => write!(out, "{other}").expect("writing to a Vec"),
    }
}

/// A value in a JSON document: numbers, booleans, null and JSON keep their
/// type; timestamps and the rest become strings as [`render_value`] writes them.
pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Json(j) => j.clone(),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        other => {
            let mut text = Vec::new();
            render_value(other, &mut text);
            serde_json::Value::String(String::from_utf8_lossy(&text).into_owned())
        }
    }
}

fn compare(value: &Value, literal: &Literal) -> Option<std::cmp::Ordering> {
    match (value, literal) {
        (Value::Null, _) => None,
        (Value::Text(s), Literal::Text(l)) => Some(s.as_str().cmp(l.as_str())),
        (Value::Bool(b), Literal::Bool(l)) => Some(b.cmp(l)),
        (Value::Timestamp(us), Literal::Text(l)) => {
            let literal = chrono::DateTime::parse_from_rfc3339(l)
                .ok()?
                .timestamp_micros();
            Some(us.cmp(&literal))
        }
        (v, Literal::Number(n)) => number(v)?.partial_cmp(n),
        (v, Literal::Text(l)) => {
            let mut text = Vec::new();
            render_value(v, &mut text);
            Some(text.as_slice().cmp(l.as_bytes()))
        }
        _ => None,
    }
}

/// A hasher for keys that already are well-mixed 64-bit hashes.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a(bytes);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// SplitMix64's finalizer: a pinned, well-mixed 64-bit hash step.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A uniform float in [0, 1) from 53 bits.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_values_for_redis() {
        let mut out = Vec::new();
        for v in [
            Value::Int(-3),
            Value::Bool(true),
            Value::Timestamp(1_000_000),
            Value::Array(vec![Value::Int(1), Value::Text("a".into())]),
        ] {
            render_value(&v, &mut out);
            out.push(b'|');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "-3|true|1970-01-01T00:00:01Z|[1,\"a\"]|"
        );
    }

    #[test]
    fn draws_are_pinned() {
        // A change here changes every warmed value: keep it stable.
        assert_eq!(mix(0), 0xE220_A839_7B1D_CDAF);
        assert!((0.0..1.0).contains(&unit(u64::MAX)));
    }
}
