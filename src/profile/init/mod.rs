//! `seedkit profile init`: a complete, commented profile written from a
//! live schema ([`crate::introspect::Schema`]), meant to load on the first
//! try and to be edited by a person.
//!
//! Every choice is written down next to what it was made for:
//! - a table with a NOT NULL foreign key becomes `per_parent` of that
//!   parent ([`DEFAULT_COUNT`] children each); other foreign keys are
//!   references; self-references and one nullable edge per cycle are left
//!   NULL;
//! - primary keys, unique constraints and unique indexes hold by
//!   construction (`seq`, `uuid`, `template` with `{n}`, a series, or a
//!   `distinct` pick for composite keys under a parent);
//! - CHECK constraints of the usual shapes become bounds, choices, lengths
//!   and `derive`s; anything else is quoted, with what to do;
//! - column names choose realistic values ([`names`]).

mod names;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::introspect::checks::{Literal, Op, Rule};
use crate::introspect::{Column, Partitions, Schema, Table, TypeKind};

/// Children per parent row for a table with a NOT NULL foreign key: 0 to
/// 10, most parents few (zipf).
pub const DEFAULT_COUNT: &str = "{ dist = \"zipf\", min = 0, max = 10, s = 1.0 }";
/// A one-to-one child (its foreign key is unique): none or one per parent.
const ONE_TO_ONE_COUNT: &str = "{ dist = \"uniform\", min = 0, max = 1 }";
/// The time window of generated timestamps.
const TIME_START: &str = "2024-01-01T00:00:00Z";
const TIME_END: &str = "2026-11-30T00:00:00Z";
/// Share of NULLs in a nullable column.
const NULL_SHARE: &str = "0.1";

/// What `profile init` needs besides the schema.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Rows of each table without a NOT NULL foreign key.
    pub rows: u64,
    /// Where the schema was read (a redacted URL and the schemas), for the
    /// header.
    pub source: String,
}

/// The profile, as TOML text.
pub fn write_profile(schema: &Schema, options: &InitOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# seedkit profile written by `seedkit profile init` from {}.",
        options.source
    );
    out.push_str(
        "# Every table, parents first. Each choice is explained in a comment above it;\n\
         # edit freely (docs/own-schema.md: common edits; docs/profiles.md: the format).\n\
         # Tables without a NOT NULL foreign key get `rows`; a table with one gets\n\
         # `per_parent` of that parent, 0 to 10 rows per parent row (zipf).\n\n\
         seed = 42\n",
    );
    let mut unloadable: HashMap<String, String> = schema.unloadable.iter().cloned().collect();
    for table in &schema.tables {
        let plan = TablePlan::new(table, schema, options, &unloadable);
        if let Some(reason) = &plan.not_loaded {
            unloadable.insert(table.name.clone(), reason.clone());
        }
        plan.write(&mut out);
    }
    out
}

/// One table's decisions.
struct TablePlan<'a> {
    table: &'a Table,
    /// `rows = N` or `per_parent = {...}`.
    rows_line: String,
    notes: Vec<String>,
    lines: Vec<Line>,
    /// `load = false` and why.
    not_loaded: Option<String>,
}

/// One `name = { ... }` line with its comments.
struct Line {
    name: String,
    value: String,
    comments: Vec<String>,
}

/// What happens to one column.
enum Decision {
    Generate {
        value: String,
        comments: Vec<String>,
        /// Helper columns written before it (`hidden = true`).
        helpers: Vec<Line>,
    },
    /// Left out: its DEFAULT or NULL fills it.
    Omit(String),
    /// Cannot be filled: the table is not loaded.
    Unloadable(String),
}

/// The CHECK-derived facts about one column.
#[derive(Default, Clone)]
struct Facts {
    lo: Option<(Literal, bool)>,
    hi: Option<(Literal, bool)>,
    one_of: Option<Vec<Literal>>,
    max_len: Option<i64>,
    min_len: Option<i64>,
    never_null: bool,
    because: Vec<String>,
}

/// A column computed from another: `derive = { from, add in [min, max] }`.
struct Derived {
    from: String,
    min: f64,
    max: f64,
    because: String,
}

impl<'a> TablePlan<'a> {
    fn new(
        table: &'a Table,
        schema: &Schema,
        options: &InitOptions,
        unloadable: &HashMap<String, String>,
    ) -> Self {
        let mut plan = TablePlan {
            table,
            rows_line: format!("rows = {}", options.rows),
            notes: Vec::new(),
            lines: Vec::new(),
            not_loaded: unloadable.get(&table.name).cloned(),
        };
        let ctx = Context::new(table, schema, unloadable);
        plan.choose_row_count(&ctx, options.rows);
        plan.note_table_traits();
        for column in &table.columns {
            plan.add_column(column, ctx.decide(column));
        }
        for (check, reason) in &ctx.untranslatable {
            plan.notes.push(format!(
                "CHECK {} cannot be turned into generators: {}",
                check, reason
            ));
        }
        if let Some(reason) = &ctx.blocking_check {
            plan.not_loaded.get_or_insert_with(|| reason.clone());
        }
        plan
    }

    /// `rows = N`, fewer when a short unique column caps it, or
    /// `per_parent` under the parent a NOT NULL foreign key names.
    fn choose_row_count(&mut self, ctx: &Context, rows: u64) {
        if ctx.parent.is_none()
            && let Some((cap, column)) = ctx.row_cap(rows)
        {
            self.rows_line = format!("rows = {cap}");
            self.notes.push(format!(
                "rows: {cap}, not {}: the unique column {column} is too short for more \
                 distinct values",
                rows
            ));
        }
        if let Some((fk, one_to_one)) = &ctx.parent {
            let count = if *one_to_one {
                ONE_TO_ONE_COUNT
            } else {
                DEFAULT_COUNT
            };
            self.rows_line = format!(
                "per_parent = {{ parent = {}, count = {count} }}",
                quote(&fk.target)
            );
            self.notes.push(format!(
                "per_parent: {} is NOT NULL (foreign key {} to {}){}",
                fk.columns.join(", "),
                fk.name,
                fk.target,
                if *one_to_one {
                    ", and unique: at most one row per parent"
                } else {
                    ""
                }
            ));
        }
    }

    /// Notes on what loading this table sets off: insert triggers, partitions.
    fn note_table_traits(&mut self) {
        let table = self.table;
        if !table.insert_triggers.is_empty() {
            self.notes.push(format!(
                "trigger {} runs on every row loaded; nullable columns get no NULLs here, \
                 since a trigger often fills a NULL with a value that differs from run to run \
                 (now())",
                table.insert_triggers.join(", ")
            ));
        }
        if table.partitioned {
            self.notes.push(
                "partitioned: rows are loaded through this table and PostgreSQL routes \
                 them to the partitions"
                    .into(),
            );
        }
    }

    /// A generated column's line (after its helpers), or a note on why not.
    fn add_column(&mut self, column: &Column, decision: Decision) {
        match decision {
            Decision::Generate {
                value,
                comments,
                helpers,
            } => {
                self.lines.extend(helpers);
                self.lines.push(Line {
                    name: column.name.clone(),
                    value,
                    comments,
                });
            }
            Decision::Omit(why) => self.notes.push(format!("{}: {why}", column.name)),
            Decision::Unloadable(why) => {
                self.notes.push(format!("{}: {why}", column.name));
                self.not_loaded
                    .get_or_insert_with(|| format!("column {}: {why}", column.name));
            }
        }
    }

    fn write(&self, out: &mut String) {
        let t = self.table;
        let key = table_key(&t.name);
        let _ = writeln!(out, "\n# {:-<76}", format!("- {} ", t.name));
        for note in &self.notes {
            write_comment(out, note);
        }
        let _ = writeln!(out, "[tables.{key}]");
        if let Some(reason) = &self.not_loaded {
            write_comment(out, &format!("not loaded: {reason}"));
            out.push_str("# Fix the columns named above, then remove `load = false` to load it.\n");
            out.push_str("load = false\n");
        }
        let _ = writeln!(out, "{}", self.rows_line);
        if self.lines.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n[tables.{key}.columns]");
        let width = self
            .lines
            .iter()
            .map(|l| bare_key(&l.name).len())
            .max()
            .unwrap_or(0);
        for line in &self.lines {
            for comment in &line.comments {
                write_comment(out, comment);
            }
            let _ = writeln!(out, "{:width$} = {}", bare_key(&line.name), line.value);
        }
    }
}

fn write_comment(out: &mut String, text: &str) {
    // One comment line per line of text, never a raw newline in TOML.
    for line in text.lines() {
        let _ = writeln!(out, "# {line}");
    }
}

/// Everything the column decisions of one table share.
struct Context<'a> {
    table: &'a Table,
    schema: &'a Schema,
    /// The parent foreign key and whether it is one-to-one.
    parent: Option<(&'a crate::introspect::ForeignKey, bool)>,
    unique: HashSet<String>,
    /// Distinct among the children of one parent (composite keys).
    per_parent_distinct: HashSet<String>,
    facts: HashMap<String, Facts>,
    derived: HashMap<String, Derived>,
    /// Columns left NULL so a CHECK seedkit cannot read holds.
    forced_null: HashMap<String, String>,
    untranslatable: Vec<(String, String)>,
    blocking_check: Option<String>,
    unloadable: &'a HashMap<String, String>,
}

impl<'a> Context<'a> {
    fn new(table: &'a Table, schema: &'a Schema, unloadable: &'a HashMap<String, String>) -> Self {
        let mut ctx = Context {
            table,
            schema,
            parent: None,
            unique: HashSet::new(),
            per_parent_distinct: HashSet::new(),
            facts: HashMap::new(),
            derived: HashMap::new(),
            forced_null: HashMap::new(),
            untranslatable: Vec::new(),
            blocking_check: None,
            unloadable,
        };
        ctx.parent = ctx.choose_parent();
        ctx.plan_keys();
        ctx.read_rules();
        ctx.plan_partitions();
        ctx
    }

    /// The most rows a unique text column of a few characters can number
    /// (`{n}` in `char(2)` gives 1 to 99).
    fn row_cap(&self, rows: u64) -> Option<(u64, String)> {
        let mut cap: Option<(u64, String)> = None;
        for name in &self.unique {
            let Some(column) = self.table.column(name) else {
                continue;
            };
            let TypeKind::Text { max_len } = column.kind else {
                continue;
            };
            let facts = self.facts.get(name);
            let limit = max_len
                .map(i64::from)
                .into_iter()
                .chain(facts.and_then(|f| f.max_len))
                .min();
            if let Some(limit) = limit.filter(|l| (1..19).contains(l)) {
                let most = 10u64.pow(limit as u32) - 1;
                if most < rows && cap.as_ref().is_none_or(|(c, _)| most < *c) {
                    cap = Some((most, name.clone()));
                }
            }
        }
        cap
    }

    fn broken(&self, constraint: &str) -> bool {
        self.schema
            .broken_edges
            .iter()
            .any(|(t, c)| *t == self.table.name && c == constraint)
    }

    /// The NOT NULL foreign key that makes this table `per_parent`: one in
    /// the primary key first, then a unique one, then the first.
    fn choose_parent(&self) -> Option<(&'a crate::introspect::ForeignKey, bool)> {
        let t = self.table;
        let candidates: Vec<&crate::introspect::ForeignKey> = t
            .foreign_keys
            .iter()
            .filter(|fk| {
                fk.internal
                    && !self.broken(&fk.name)
                    && !self.unloadable.contains_key(&fk.target)
                    && fk
                        .columns
                        .iter()
                        .all(|c| t.column(c).is_some_and(|c| c.not_null))
            })
            .collect();
        let is_key = |fk: &crate::introspect::ForeignKey| {
            t.keys()
                .any(|k| k.len() == fk.columns.len() && fk.columns.iter().all(|c| k.contains(c)))
        };
        let in_pk = |fk: &&crate::introspect::ForeignKey| {
            fk.columns.iter().all(|c| t.primary_key.contains(c))
        };
        // Among those in the primary key, the one whose column comes first.
        let pk_position = |fk: &&&crate::introspect::ForeignKey| {
            t.primary_key
                .iter()
                .position(|c| fk.columns.contains(c))
                .unwrap_or(usize::MAX)
        };
        let chosen = candidates
            .iter()
            .filter(|fk| in_pk(fk))
            .min_by_key(pk_position)
            .or_else(|| candidates.iter().find(|fk| is_key(fk)))
            .or_else(|| candidates.first())?;
        Some((chosen, is_key(chosen)))
    }

    fn parent_columns(&self) -> Vec<String> {
        self.parent
            .map(|(fk, _)| fk.columns.clone())
            .unwrap_or_default()
    }

    /// Which columns must be unique, or distinct per parent, so that every
    /// key holds.
    fn plan_keys(&mut self) {
        let t = self.table;
        let parent_columns = self.parent_columns();
        for key in t.keys() {
            if key.len() == 1 && !parent_columns.contains(&key[0]) {
                self.unique.insert(key[0].clone());
            }
        }
        for key in t.keys().filter(|k| k.len() > 1) {
            if key.iter().any(|c| self.unique.contains(c)) {
                continue;
            }
            let covers_parent =
                !parent_columns.is_empty() && parent_columns.iter().all(|c| key.contains(c));
            let rest: Vec<&String> = key.iter().filter(|c| !parent_columns.contains(c)).collect();
            if covers_parent && !rest.is_empty() {
                if !rest.iter().any(|c| self.per_parent_distinct.contains(*c)) {
                    self.per_parent_distinct.insert(rest[0].clone());
                }
                continue;
            }
            // A column outside every foreign key made unique keeps the key.
            if let Some(c) = key.iter().find(|c| t.foreign_key_of(c).is_none()) {
                self.unique.insert(c.clone());
            }
        }
    }

    fn facts_mut(&mut self, column: &str) -> &mut Facts {
        self.facts.entry(column.to_string()).or_default()
    }

    fn read_rules(&mut self) {
        let t = self.table;
        let mut others = Vec::new();
        let mut orders = Vec::new();
        for (check, rule) in t.rules() {
            let because = format!("CHECK {}: {}", check.name, strip_check(&check.definition));
            match rule {
                Rule::WhenSet { rule, .. } => match rule.as_ref() {
                    Rule::Order { left, op, right } => {
                        orders.push((left.clone(), *op, right.clone(), because))
                    }
                    inner => self.apply(inner, &because, &mut others),
                },
                Rule::Order { left, op, right } => {
                    orders.push((left.clone(), *op, right.clone(), because))
                }
                other => self.apply(other, &because, &mut others),
            }
        }
        for (left, op, right, because) in orders {
            self.plan_order(&left, op, &right, because);
        }
        for (text, columns, check) in others {
            self.handle_other(&text, &columns, &check);
        }
    }

    fn apply(
        &mut self,
        rule: &Rule,
        because: &str,
        others: &mut Vec<(String, Vec<String>, String)>,
    ) {
        let note = |f: &mut Facts| {
            if !f.because.iter().any(|b| b == because) {
                f.because.push(because.to_string());
            }
        };
        match rule {
            Rule::Bound { column, op, value } => {
                let f = self.facts_mut(column);
                match op {
                    Op::Ge => f.lo = Some((value.clone(), false)),
                    Op::Gt => f.lo = Some((value.clone(), true)),
                    Op::Le => f.hi = Some((value.clone(), false)),
                    Op::Lt => f.hi = Some((value.clone(), true)),
                    Op::Eq => f.one_of = Some(vec![value.clone()]),
                }
                note(f);
            }
            Rule::OneOf { column, values } => {
                let f = self.facts_mut(column);
                f.one_of = Some(values.clone());
                note(f);
            }
            Rule::Length { column, op, n } => {
                let f = self.facts_mut(column);
                match op {
                    Op::Le => f.max_len = Some(*n),
                    Op::Lt => f.max_len = Some(n - 1),
                    Op::Ge => f.min_len = Some(*n),
                    Op::Gt => f.min_len = Some(n + 1),
                    Op::Eq => {
                        f.min_len = Some(*n);
                        f.max_len = Some(*n);
                    }
                }
                note(f);
            }
            Rule::AnySet(columns) => {
                if let Some(first) = columns.first() {
                    let f = self.facts_mut(first);
                    f.never_null = true;
                    note(f);
                }
            }
            Rule::NotNull(column) => {
                let f = self.facts_mut(column);
                f.never_null = true;
                note(f);
            }
            Rule::Other { text, columns } => {
                others.push((text.clone(), columns.clone(), because.to_string()))
            }
            Rule::WhenSet { .. } | Rule::Order { .. } => {}
        }
    }

    /// `left OP right` between two columns: one is derived from the other
    /// with an amount of the right sign.
    fn plan_order(&mut self, left: &str, op: Op, right: &str, because: String) {
        // Normalise to low <= high (strict when `<`).
        let (low, high, strict) = match op {
            Op::Le => (left, right, false),
            Op::Lt => (left, right, true),
            Op::Ge => (right, left, false),
            Op::Gt => (right, left, true),
            Op::Eq => (left, right, false),
        };
        let t = self.table;
        let (Some(lc), Some(hc)) = (t.column(low), t.column(high)) else {
            return;
        };
        let orderable = |c: &Column| {
            matches!(
                c.kind,
                TypeKind::Int2
                    | TypeKind::Int4
                    | TypeKind::Int8
                    | TypeKind::Float4
                    | TypeKind::Float8
                    | TypeKind::Numeric { .. }
                    | TypeKind::Timestamptz
                    | TypeKind::Timestamp
                    | TypeKind::Date
            ) && !self.unique.contains(&c.name)
                && !self.per_parent_distinct.contains(&c.name)
                && t.foreign_key_of(&c.name).is_none()
        };
        if !orderable(lc) || !orderable(hc) {
            self.untranslatable.push((
                because.clone(),
                format!("{low} and {high} are keys, references or not numbers/times"),
            ));
            self.block_if_generated(&[low.to_string(), high.to_string()], &because);
            return;
        }
        let is_base = |ctx: &Self, c: &str| ctx.derived.values().any(|d| d.from == c);
        let span = span_of(&hc.kind);
        let equal = op == Op::Eq;
        let min_gap = if strict { step_of(&hc.kind) } else { 0.0 };
        if !self.derived.contains_key(high) && !is_base(self, high) && !self.reaches(low, high) {
            self.derived.insert(
                high.to_string(),
                Derived {
                    from: low.to_string(),
                    min: min_gap,
                    max: if equal { 0.0 } else { span },
                    because,
                },
            );
        } else if !self.derived.contains_key(low) && !is_base(self, low) && !self.reaches(high, low)
        {
            self.derived.insert(
                low.to_string(),
                Derived {
                    from: high.to_string(),
                    min: if equal { 0.0 } else { -span },
                    max: -min_gap,
                    because,
                },
            );
        } else {
            self.untranslatable.push((
                because.clone(),
                "its columns are already derived from others".into(),
            ));
            self.block_if_generated(&[low.to_string(), high.to_string()], &because);
        }
    }

    /// Whether `from` is (through derives) computed from `to`.
    fn reaches(&self, from: &str, to: &str) -> bool {
        let mut current = from;
        for _ in 0..self.derived.len() + 1 {
            if current == to {
                return true;
            }
            match self.derived.get(current) {
                Some(d) => current = &d.from,
                None => return false,
            }
        }
        false
    }

    /// A CHECK seedkit cannot read: NULL satisfies it, so nullable plain
    /// columns are left NULL; otherwise the table is not loaded.
    fn handle_other(&mut self, text: &str, columns: &[String], because: &str) {
        let t = self.table;
        let nullable = |c: &String| {
            t.column(c).is_some_and(|col| {
                !col.not_null
                    && !self.unique.contains(c)
                    && !self.per_parent_distinct.contains(c)
                    && t.foreign_key_of(c).is_none()
                    && !self.derived.values().any(|d| &d.from == c)
            })
        };
        if !columns.is_empty() && columns.iter().all(nullable) {
            for c in columns {
                self.forced_null.insert(
                    c.clone(),
                    format!(
                        "left NULL, which satisfies {because} (seedkit cannot read `{text}`): \
                         write a generator whose values satisfy it"
                    ),
                );
            }
            return;
        }
        self.untranslatable.push((
            because.to_string(),
            format!(
                "`{text}` is not a shape seedkit reads; write generators for {} whose values \
                 satisfy it, then remove `load = false`",
                columns.join(", ")
            ),
        ));
        self.block_if_generated(columns, because);
    }

    fn block_if_generated(&mut self, columns: &[String], because: &str) {
        let t = self.table;
        let generated = columns
            .iter()
            .any(|c| t.column(c).is_some_and(|col| !col.generated));
        if generated || columns.is_empty() {
            self.blocking_check
                .get_or_insert_with(|| format!("{because} cannot be guaranteed by the generators"));
        }
    }

    /// A partition key's values must fall into a partition.
    fn plan_partitions(&mut self) {
        let Some(partitions) = &self.table.partitions else {
            return;
        };
        match partitions {
            Partitions::Range { column, from, to } => {
                let f = self.facts_mut(column);
                f.lo = Some((literal_of(from), false));
                f.hi = Some((literal_of(to), true));
                f.because.push(format!(
                    "partitions take {column} from {from} to {to} (exclusive)"
                ));
            }
            Partitions::List { column, values } => {
                let f = self.facts_mut(column);
                f.one_of = Some(values.iter().map(|v| literal_of(v)).collect());
                f.because.push(format!(
                    "partitions take {column} in ({})",
                    values.join(", ")
                ));
            }
            Partitions::Any => {}
        }
    }

    fn decide(&self, column: &Column) -> Decision {
        let t = self.table;
        if column.generated {
            return Decision::Omit(
                "a generated column (GENERATED ALWAYS AS ...): PostgreSQL computes it".into(),
            );
        }
        if let Some(fk) = t.foreign_key_of(&column.name) {
            return self.reference(column, fk);
        }
        if let Some(why) = self.forced_null.get(&column.name) {
            return Decision::Omit(why.clone());
        }
        let facts = self.facts.get(&column.name).cloned().unwrap_or_default();
        let mut comments = facts.because.clone();
        if let Some(d) = self.derived.get(&column.name)
            && let Some(value) = self.derive(column, d)
        {
            comments.push(d.because.clone());
            let value = self.with_nulls(column, &facts, value, &mut comments);
            return Decision::Generate {
                value,
                comments,
                helpers: Vec::new(),
            };
        }
        let unique = self.unique.contains(&column.name);
        let distinct = self.per_parent_distinct.contains(&column.name);
        let (value, helpers) = match self.value_for(column, &facts, unique, distinct, &mut comments)
        {
            Ok(v) => v,
            Err(Omission::Omit(why)) => return Decision::Omit(why),
            Err(Omission::Unloadable(why)) => return Decision::Unloadable(why),
        };
        if let Some(default) = &column.default
            && column.default_is_volatile()
            && !column.serial
        {
            comments.push(format!(
                "replaces DEFAULT {default}, which differs from run to run"
            ));
        }
        let value = if unique || distinct {
            value
        } else {
            self.with_nulls(column, &facts, value, &mut comments)
        };
        Decision::Generate {
            value,
            comments,
            helpers,
        }
    }

    /// Adds `null_probability` to a nullable column that nothing needs set.
    fn with_nulls(
        &self,
        column: &Column,
        facts: &Facts,
        value: String,
        comments: &mut Vec<String>,
    ) -> String {
        let is_base = self.derived.values().any(|d| d.from == column.name);
        let triggered = !self.table.insert_triggers.is_empty();
        if column.not_null || facts.never_null || is_base || triggered {
            if facts.never_null && !column.not_null {
                comments.push("never NULL: a CHECK needs it set".into());
            }
            return value;
        }
        let inner = value
            .strip_prefix("{ ")
            .and_then(|v| v.strip_suffix(" }"))
            .unwrap_or(&value);
        format!("{{ {inner}, null_probability = {NULL_SHARE} }}")
    }

    /// A foreign-key column: `ref` to the parent, or a random (or
    /// distinct) pick among the target's rows; NULL or unloadable when the
    /// target cannot be reached.
    fn reference(&self, column: &Column, fk: &crate::introspect::ForeignKey) -> Decision {
        let position = fk
            .columns
            .iter()
            .position(|c| *c == column.name)
            .unwrap_or(0);
        let target_column = fk.target_columns.get(position).cloned().unwrap_or_default();
        let target = format!("{}.{}", fk.target, target_column);
        if let Some(decision) = self.unreachable_reference(column, fk, &target) {
            return decision;
        }
        let is_parent = self.parent.is_some_and(|(p, _)| p.name == fk.name);
        if is_parent {
            return Decision::Generate {
                value: format!("{{ ref = {} }}", quote(&target)),
                comments: Vec::new(),
                helpers: Vec::new(),
            };
        }
        if let Some(decision) = self.composite_reference(fk) {
            return decision;
        }
        self.picked_reference(column, &target)
    }

    /// The target's rows are not there when this table loads: outside the
    /// schemas read, on a foreign-key cycle, or in a table not loaded.
    fn unreachable_reference(
        &self,
        column: &Column,
        fk: &crate::introspect::ForeignKey,
        target: &str,
    ) -> Option<Decision> {
        let nullable = !column.not_null;
        if !fk.internal {
            let why = format!(
                "references {target} outside the schemas read (foreign key {})",
                fk.name
            );
            return Some(if nullable {
                Decision::Omit(format!("{why}: left NULL; add its schema with --schema"))
            } else {
                Decision::Unloadable(format!("{why}; add its schema with --schema"))
            });
        }
        if self.broken(&fk.name) {
            let what = if fk.target == self.table.name {
                "a self-reference"
            } else {
                "on a foreign-key cycle"
            };
            return Some(if nullable {
                Decision::Omit(format!(
                    "{what} (foreign key {} to {target}): left NULL, since a profile computes \
                     a reference from rows loaded before it",
                    fk.name
                ))
            } else {
                Decision::Unloadable(format!("{what} (foreign key {}) that is NOT NULL", fk.name))
            });
        }
        if let Some(reason) = self.unloadable.get(&fk.target) {
            let why = format!("references {}, which is not loaded ({reason})", fk.target);
            return Some(if nullable {
                Decision::Omit(format!("{why}: left NULL"))
            } else {
                Decision::Unloadable(why)
            });
        }
        None
    }

    /// One column of a composite foreign key that is not the parent's.
    fn composite_reference(&self, fk: &crate::introspect::ForeignKey) -> Option<Decision> {
        if fk.columns.len() <= 1 {
            return None;
        }
        // Each column would pick its own row: only the parent's keeps
        // the columns of one reference together.
        let why = format!(
            "part of the composite foreign key {} to {}, which only a per_parent table \
             can fill consistently",
            fk.name, fk.target
        );
        let all_nullable = fk
            .columns
            .iter()
            .all(|c| self.table.column(c).is_some_and(|c| !c.not_null));
        Some(if all_nullable {
            Decision::Omit(format!("{why}: left NULL"))
        } else {
            Decision::Unloadable(why)
        })
    }

    /// A random pick among the target's rows (distinct per parent row
    /// when the column is part of a key).
    fn picked_reference(&self, column: &Column, target: &str) -> Decision {
        let nullable = !column.not_null;
        let pick = if self.per_parent_distinct.contains(&column.name) {
            ", pick = \"distinct\""
        } else {
            ""
        };
        let mut comments = Vec::new();
        if !pick.is_empty() {
            comments.push(format!(
                "distinct per parent row: ({}) is a key",
                self.table
                    .keys()
                    .find(|k| k.contains(&column.name))
                    .map(|k| k.join(", "))
                    .unwrap_or_default()
            ));
        }
        if self.unique.contains(&column.name) {
            return if nullable {
                Decision::Omit(format!(
                    "unique reference to {target}: left NULL (a random pick could repeat)"
                ))
            } else {
                Decision::Unloadable(format!(
                    "a unique reference to {target} that is not this table's parent"
                ))
            };
        }
        let value = if pick.is_empty() {
            format!("{{ ref = {} }}", quote(target))
        } else {
            format!("{{ ref = {{ to = {}{pick} }} }}", quote(target))
        };
        let value = if nullable && pick.is_empty() {
            format!(
                "{{ ref = {}, null_probability = {NULL_SHARE} }}",
                quote(target)
            )
        } else {
            value
        };
        Decision::Generate {
            value,
            comments,
            helpers: Vec::new(),
        }
    }

    /// `derive` from another column, the amount bounded so the derived
    /// column stays inside its own bounds.
    fn derive(&self, column: &Column, d: &Derived) -> Option<String> {
        let base = self.table.column(&d.from)?;
        let facts = self.facts.get(&column.name).cloned().unwrap_or_default();
        let base_facts = self.facts.get(&d.from).cloned().unwrap_or_default();
        let (mut min, mut max) = (d.min, d.max);
        if is_numeric(&column.kind) {
            let (blo, bhi) = self.number_range(base, &base_facts);
            let (lo, hi) = self.number_range(column, &facts);
            if let Some(lo) = bound_value(&facts.lo, &column.kind, true) {
                min = min.max(lo - blo);
            }
            if let Some(hi) = bound_value(&facts.hi, &column.kind, false) {
                max = max.min(hi - bhi);
            }
            let _ = (lo, hi);
            if min > max {
                return None;
            }
        }
        let (add, unit) = match column.kind {
            TypeKind::Timestamptz | TypeKind::Timestamp => (
                format!(
                    "{{ int = {{ min = {}, max = {} }} }}",
                    min as i64, max as i64
                ),
                ", unit = \"seconds\"",
            ),
            TypeKind::Date => (
                format!(
                    "{{ int = {{ min = {}, max = {} }} }}",
                    min as i64, max as i64
                ),
                "",
            ),
            TypeKind::Int2 | TypeKind::Int4 | TypeKind::Int8 => (
                format!(
                    "{{ int = {{ min = {}, max = {} }} }}",
                    min.ceil() as i64,
                    max.floor() as i64
                ),
                "",
            ),
            _ => {
                let round = round_of(&column.kind);
                (
                    format!(
                        "{{ float = {{ min = {}, max = {}, round = {round} }} }}",
                        num(min),
                        num(max)
                    ),
                    "",
                )
            }
        };
        let round = match column.kind {
            TypeKind::Float4 | TypeKind::Float8 | TypeKind::Numeric { .. } => {
                format!(", round = {}", round_of(&column.kind))
            }
            _ => String::new(),
        };
        if min == 0.0 && max == 0.0 {
            return Some(format!("{{ derive = {{ from = {} }} }}", quote(&d.from)));
        }
        Some(format!(
            "{{ derive = {{ from = {}, add = {add}{unit}{round} }} }}",
            quote(&d.from)
        ))
    }

    /// The generator for a column that is neither a reference nor derived.
    fn value_for(
        &self,
        column: &Column,
        facts: &Facts,
        unique: bool,
        distinct: bool,
        comments: &mut Vec<String>,
    ) -> Result<(String, Vec<Line>), Omission> {
        let kind = &column.kind;
        if unique {
            return self.unique_value(column, facts, comments);
        }
        if distinct {
            return self.distinct_value(column, comments);
        }
        if let Some(values) = &facts.one_of {
            let items: Vec<String> = values.iter().map(|v| literal_toml(v, kind)).collect();
            return Ok((format!("{{ choice = [{}] }}", items.join(", ")), Vec::new()));
        }
        let value = match kind {
            TypeKind::Enum(labels) => {
                let items: Vec<String> = labels.iter().map(|l| quote(l)).collect();
                comments.push(format!("the labels of enum {}", column.type_name));
                format!("{{ choice = [{}] }}", items.join(", "))
            }
            TypeKind::Bool => "{ bool = { probability = 0.5 } }".into(),
            TypeKind::Int2
            | TypeKind::Int4
            | TypeKind::Int8
            | TypeKind::Interval
            | TypeKind::Float4
            | TypeKind::Float8
            | TypeKind::Numeric { .. }
            | TypeKind::Money => self.number_value(column, facts, comments),
            TypeKind::Text { max_len } => {
                let limit = max_len
                    .map(i64::from)
                    .into_iter()
                    .chain(facts.max_len)
                    .min();
                self.text(column, limit, facts.min_len, comments)?
            }
            TypeKind::Timestamptz | TypeKind::Timestamp => {
                let (start, end) = self.time_window(column, facts);
                format!("{{ timestamp = {{ start = {start}, end = {end} }} }}")
            }
            TypeKind::Date => {
                let (start, end) = self.date_window(column, facts);
                format!("{{ date = {{ start = {start}, end = {end} }} }}")
            }
            TypeKind::Time | TypeKind::TimeTz => {
                comments.push("a time of day: the time part of a timestamp".into());
                "{ timestamp = { start = 2026-01-01T00:00:00Z, end = 2026-01-01T23:59:59Z } }"
                    .into()
            }
            TypeKind::Uuid => "{ uuid = {} }".into(),
            TypeKind::Inet | TypeKind::Cidr => "{ fake = \"ipv4\" }".into(),
            TypeKind::Macaddr => "{ fake = \"mac_address\" }".into(),
            TypeKind::Bytea => {
                comments.push("bytes: the UTF-8 of a word".into());
                "{ fake = \"word\" }".into()
            }
            TypeKind::Json | TypeKind::Jsonb => json_value(column, comments)?,
            TypeKind::Array(element) => return self.array_value(column, element, comments),
            TypeKind::Range(subtype) => return self.range(column, subtype, comments),
            TypeKind::Other(name) => {
                return self.omit_or_block(column, &format!("type {name} has no generator"));
            }
        };
        Ok((value, Vec::new()))
    }

    /// `int` (an interval: seconds) or `float` rounded to the column's scale,
    /// within the range the CHECKs allow.
    fn number_value(&self, column: &Column, facts: &Facts, comments: &mut Vec<String>) -> String {
        let kind = &column.kind;
        let (lo, hi) = self.number_range(column, facts);
        match kind {
            TypeKind::Interval => {
                comments.push("an interval from a number: seconds".into());
                "{ int = { min = 60, max = 86_400 } }".into()
            }
            TypeKind::Int2 | TypeKind::Int4 | TypeKind::Int8 => {
                format!("{{ int = {{ min = {}, max = {} }} }}", lo as i64, hi as i64)
            }
            _ if round_of(kind) == 0 => {
                format!("{{ int = {{ min = {}, max = {} }} }}", lo as i64, hi as i64)
            }
            _ => format!(
                "{{ float = {{ min = {}, max = {}, round = {} }} }}",
                num(lo),
                num(hi),
                round_of(kind)
            ),
        }
    }

    /// `array` of the element type's generator, up to 3 elements.
    fn array_value(
        &self,
        column: &Column,
        element: &TypeKind,
        comments: &mut Vec<String>,
    ) -> Result<(String, Vec<Line>), Omission> {
        let element_column = Column {
            kind: element.clone(),
            not_null: true,
            default: None,
            ..column.clone()
        };
        let (inner, _) =
            self.value_for(&element_column, &Facts::default(), false, false, comments)?;
        if matches!(element, TypeKind::Array(_)) {
            return self.omit_or_block(column, "a multi-dimensional array");
        }
        Ok((
            format!("{{ array = {{ of = {inner}, min = 0, max = 3 }} }}"),
            Vec::new(),
        ))
    }

    fn omit_or_block(&self, column: &Column, why: &str) -> Result<(String, Vec<Line>), Omission> {
        if column.has_default() {
            Err(Omission::Omit(format!(
                "{why}; its DEFAULT {} applies",
                column.default.as_deref().unwrap_or("")
            )))
        } else if !column.not_null {
            Err(Omission::Omit(format!("{why}; left NULL")))
        } else {
            Err(Omission::Unloadable(format!(
                "{why} and it is NOT NULL without a DEFAULT"
            )))
        }
    }

    fn text(
        &self,
        column: &Column,
        limit: Option<i64>,
        min_len: Option<i64>,
        comments: &mut Vec<String>,
    ) -> Result<String, Omission> {
        if let Some(min) = min_len.filter(|m| *m > 1) {
            // Sentences of enough words (each word and its space are at
            // least 3 characters) reach the minimum.
            let words = (min + 2) / 3 + 1;
            let max_words = words + 2;
            let longest = max_words * 15;
            if limit.is_none_or(|l| l >= longest) {
                return Ok(format!(
                    "{{ fake = {{ kind = \"sentence\", min = {words}, max = {max_words} }} }}"
                ));
            }
            let template = format!("{}-{{n}}", column.name);
            let shortest = column.name.len() as i64 + 2;
            if min <= shortest && limit.is_none_or(|l| l >= shortest + 8) {
                comments.push(format!(
                    "at least {min} characters: the name and the row number"
                ));
                return Ok(format!("{{ template = {} }}", quote(&template)));
            }
            let width = limit.unwrap_or(min).max(min);
            let pattern = "x".repeat(width as usize);
            comments.push(format!("length {min} to {width}: a fixed pattern"));
            return Ok(format!("{{ value = {} }}", quote(&pattern)));
        }
        let by_name = names::text_by_name(&self.table.name, &column.name, limit)
            .filter(|c| limit.is_none_or(|l| i64::from(c.max_len) <= l));
        let choice =
            by_name.unwrap_or_else(|| names::plain_text(limit.map(|l| l.clamp(1, 10_000) as u32)));
        Ok(format!("{{ {} }}", choice.spec))
    }

    fn unique_value(
        &self,
        column: &Column,
        facts: &Facts,
        comments: &mut Vec<String>,
    ) -> Result<(String, Vec<Line>), Omission> {
        let key = if self.table.primary_key == [column.name.clone()] {
            "primary key"
        } else {
            "unique"
        };
        let source = if column.identity.is_some() {
            ", an identity column: seed moves its sequence past the loaded ids"
        } else if column.serial {
            ", a serial column: seed moves its sequence past the loaded ids"
        } else {
            ""
        };
        let value = match &column.kind {
            TypeKind::Int2
            | TypeKind::Int4
            | TypeKind::Int8
            | TypeKind::Numeric { .. }
            | TypeKind::Float4
            | TypeKind::Float8 => {
                let start = bound_value(&facts.lo, &column.kind, true)
                    .map_or(1, |lo| (lo.ceil() as i64).max(1));
                comments.push(format!("{key}: 1, 2, 3, ...{source}"));
                if start == 1 {
                    "{ seq = {} }".into()
                } else {
                    format!("{{ seq = {{ start = {start} }} }}")
                }
            }
            TypeKind::Uuid => {
                comments.push(format!(
                    "{key}: deterministic UUIDs, distinct by construction"
                ));
                "{ uuid = {}, unique = true }".into()
            }
            TypeKind::Text { max_len } => {
                let limit = max_len
                    .map(i64::from)
                    .into_iter()
                    .chain(facts.max_len)
                    .min();
                comments.push(format!("{key}: the row number makes every value distinct"));
                self.unique_text(column, limit)
            }
            TypeKind::Timestamptz | TypeKind::Timestamp | TypeKind::Date => {
                let (start, _) = self.time_window(column, facts);
                let step = if column.kind == TypeKind::Date {
                    "1d"
                } else {
                    "1m"
                };
                comments.push(format!("{key}: one {step} apart, distinct by construction"));
                format!(
                    "{{ series = {{ start = {start}, step = \"{step}\", by = \"row\" }}, unique = true }}"
                )
            }
            other => {
                let why = format!(
                    "a {key} of type {} that seedkit cannot make distinct",
                    column.type_name
                );
                let _ = other;
                return if column.has_default() {
                    Err(Omission::Omit(format!("{why}: its DEFAULT fills it")))
                } else {
                    Err(Omission::Unloadable(why))
                };
            }
        };
        Ok((value, Vec::new()))
    }

    /// Unique text: a generator the name suggests with the row number
    /// appended, else a template of the name (or just the row number, when
    /// the name does not fit).
    fn unique_text(&self, column: &Column, limit: Option<i64>) -> String {
        let by_name = names::text_by_name(&self.table.name, &column.name, limit)
            .filter(|c| c.can_be_unique && limit.is_none_or(|l| i64::from(c.max_len) <= l));
        match by_name {
            Some(choice) => format!("{{ {}, unique = true }}", choice.spec),
            None => {
                let prefix = format!("{}-", column.name);
                let fits = limit.is_none_or(|l| l >= prefix.len() as i64 + 10);
                let template = if fits {
                    format!("{prefix}{{n}}")
                } else {
                    "{n}".into()
                };
                format!("{{ template = {}, unique = true }}", quote(&template))
            }
        }
    }

    fn distinct_value(
        &self,
        column: &Column,
        comments: &mut Vec<String>,
    ) -> Result<(String, Vec<Line>), Omission> {
        let key = self
            .table
            .keys()
            .find(|k| k.contains(&column.name))
            .map(|k| k.join(", "))
            .unwrap_or_default();
        comments.push(format!(
            "distinct among one parent row's children: ({key}) is a key"
        ));
        let value = match &column.kind {
            TypeKind::Int2 | TypeKind::Int4 | TypeKind::Int8 | TypeKind::Numeric { .. } => {
                "{ series = { start = 1, step = 1, by = \"child\" } }".into()
            }
            TypeKind::Timestamptz | TypeKind::Timestamp | TypeKind::Date => {
                format!("{{ series = {{ start = {TIME_START}, step = \"1d\", by = \"child\" }} }}")
            }
            TypeKind::Text { .. } => {
                format!(
                    "{{ template = {} }}",
                    quote(&format!("{}-{{child}}", column.name))
                )
            }
            _ => {
                return Err(Omission::Unloadable(format!(
                    "part of the key ({key}) with type {}, which seedkit cannot make distinct \
                     per parent",
                    column.type_name
                )));
            }
        };
        Ok((value, Vec::new()))
    }

    /// A range: a hidden lower bound, a hidden upper bound derived from it,
    /// and the range written as text `[lower,upper)`.
    fn range(
        &self,
        column: &Column,
        subtype: &TypeKind,
        comments: &mut Vec<String>,
    ) -> Result<(String, Vec<Line>), Omission> {
        let lower = format!("{}_lower", column.name);
        let upper = format!("{}_upper", column.name);
        let (low, add, unit) = match subtype {
            TypeKind::Int4 | TypeKind::Int8 => (
                "{ int = { min = 0, max = 1000 }, hidden = true }".to_string(),
                "{ int = { min = 1, max = 100 } }",
                "",
            ),
            TypeKind::Numeric { .. } => (
                "{ float = { min = 0, max = 1000, round = 2 }, hidden = true }".to_string(),
                "{ float = { min = 1, max = 100, round = 2 } }",
                "",
            ),
            TypeKind::Date => (
                "{ date = { start = 2024-01-01, end = 2026-11-30 }, hidden = true }".to_string(),
                "{ int = { min = 1, max = 30 } }",
                "",
            ),
            TypeKind::Timestamptz | TypeKind::Timestamp => (
                format!(
                    "{{ timestamp = {{ start = {TIME_START}, end = {TIME_END} }}, hidden = true }}"
                ),
                "{ int = { min = 1, max = 72 } }",
                ", unit = \"hours\"",
            ),
            other => {
                return self.omit_or_block(column, &format!("a range of {other:?}"));
            }
        };
        comments.push(format!(
            "a range [{lower}, {upper}) from two helper columns"
        ));
        let helpers = vec![
            Line {
                name: lower.clone(),
                value: low,
                comments: Vec::new(),
            },
            Line {
                name: upper.clone(),
                value: format!(
                    "{{ derive = {{ from = {}, add = {add}{unit} }}, hidden = true }}",
                    quote(&lower)
                ),
                comments: Vec::new(),
            },
        ];
        Ok((
            format!(
                "{{ template = {} }}",
                quote(&format!("[{{{lower}}},{{{upper}}})"))
            ),
            helpers,
        ))
    }

    /// [min, max] for a number: the column's bounds, else what its name
    /// suggests, else 0 to 1000; inside the type's own limits.
    fn number_range(&self, column: &Column, facts: &Facts) -> (f64, f64) {
        let kind = &column.kind;
        let (tlo, thi) = type_limits(kind);
        let (mut lo, mut hi) = names::number_by_name(&column.name)
            .map(|(lo, hi, _)| (lo, hi))
            .unwrap_or((0.0, 1000.0));
        let blo = bound_value(&facts.lo, kind, true);
        let bhi = bound_value(&facts.hi, kind, false);
        match (blo, bhi) {
            (Some(a), Some(b)) => {
                lo = a.max(lo.min(b));
                hi = b.min(hi.max(a));
                if lo > hi {
                    (lo, hi) = (a, b);
                }
            }
            (Some(a), None) => {
                if lo < a || lo > hi {
                    lo = a;
                }
                if hi < lo {
                    hi = lo + 1000.0;
                }
            }
            (None, Some(b)) => {
                if hi > b {
                    hi = b;
                }
                if lo > hi {
                    lo = hi - 1000.0;
                }
            }
            (None, None) => {}
        }
        (lo.max(tlo), hi.min(thi))
    }

    fn time_window(&self, column: &Column, facts: &Facts) -> (String, String) {
        let mut start = parse_time(TIME_START).unwrap_or(0);
        let mut end = parse_time(TIME_END).unwrap_or(0);
        if let Some((lit, strict)) = &facts.lo
            && let Some(t) = literal_time(lit)
        {
            let t = if *strict { t + 1_000_000 } else { t };
            if start < t || start > end {
                start = t;
            }
        }
        if let Some((lit, strict)) = &facts.hi
            && let Some(t) = literal_time(lit)
        {
            let t = if *strict { t - 1_000_000 } else { t };
            if end > t {
                end = t;
            }
            if start > end {
                start = end - 30 * 86_400_000_000;
            }
        }
        let _ = column;
        (format_time(start), format_time(end))
    }

    fn date_window(&self, column: &Column, facts: &Facts) -> (String, String) {
        if names::is_birth_date(&column.name) && facts.lo.is_none() && facts.hi.is_none() {
            return ("1950-01-01".into(), "2008-12-31".into());
        }
        let (start, end) = self.time_window(column, facts);
        (start[..10].to_string(), end[..10].to_string())
    }
}

enum Omission {
    Omit(String),
    Unloadable(String),
}

fn is_numeric(kind: &TypeKind) -> bool {
    matches!(
        kind,
        TypeKind::Int2
            | TypeKind::Int4
            | TypeKind::Int8
            | TypeKind::Float4
            | TypeKind::Float8
            | TypeKind::Numeric { .. }
    )
}

/// How far a derived value may be from its base by default.
fn span_of(kind: &TypeKind) -> f64 {
    match kind {
        TypeKind::Timestamptz | TypeKind::Timestamp => 7.0 * 86_400.0,
        TypeKind::Date => 30.0,
        _ => 100.0,
    }
}

/// The smallest step of a type (for strict comparisons).
fn step_of(kind: &TypeKind) -> f64 {
    match kind {
        TypeKind::Float4 | TypeKind::Float8 | TypeKind::Numeric { .. } | TypeKind::Money => {
            10f64.powi(-(round_of(kind) as i32))
        }
        _ => 1.0,
    }
}

/// A sample `json` document, or nothing when a constant DEFAULT fills the column.
fn json_value(column: &Column, comments: &mut Vec<String>) -> Result<String, Omission> {
    if let Some(default) = &column.default
        && !column.default_is_volatile()
    {
        return Err(Omission::Omit(format!(
            "DEFAULT {default} applies (a constant); write a `json` generator to \
             vary it"
        )));
    }
    comments.push("a sample document: shape it like the application's".into());
    Ok(
        "{ json = { kind = { choice = [\"a\", \"b\"] }, score = { int = { min = 0, max = 100 } } } }"
            .into(),
    )
}

/// Decimals a float generator rounds to for the type.
fn round_of(kind: &TypeKind) -> u32 {
    match kind {
        TypeKind::Numeric {
            scale: Some(scale), ..
        } => (*scale).min(12),
        _ => 2,
    }
}

/// The smallest and largest value of a numeric type.
fn type_limits(kind: &TypeKind) -> (f64, f64) {
    match kind {
        TypeKind::Int2 => (i16::MIN as f64, i16::MAX as f64),
        TypeKind::Int4 => (i32::MIN as f64, i32::MAX as f64),
        TypeKind::Int8 => (-9.0e18, 9.0e18),
        TypeKind::Numeric {
            precision: Some(p),
            scale,
        } => {
            let s = scale.unwrap_or(0) as i32;
            let max = 10f64.powi(*p as i32 - s) - 10f64.powi(-s);
            (-max, max)
        }
        TypeKind::Money => (-9.0e13, 9.0e13),
        _ => (-1.0e15, 1.0e15),
    }
}

/// A bound as a number, moved one step inside when strict.
fn bound_value(bound: &Option<(Literal, bool)>, kind: &TypeKind, lower: bool) -> Option<f64> {
    let (lit, strict) = bound.as_ref()?;
    let v = lit.as_f64()?;
    let step = if *strict { step_of(kind) } else { 0.0 };
    Some(if lower { v + step } else { v - step })
}

fn literal_of(text: &str) -> Literal {
    match text.parse::<f64>() {
        Ok(n) => Literal::Number(n),
        Err(_) => Literal::Text(text.to_string()),
    }
}

fn literal_time(lit: &Literal) -> Option<i64> {
    match lit {
        Literal::Text(t) => parse_time(t),
        Literal::Number(_) => None,
    }
}

/// Microseconds since the epoch of a date or timestamp as PostgreSQL or
/// RFC 3339 writes it.
fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp_micros());
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z"] {
        if let Ok(dt) = chrono::DateTime::parse_from_str(text, format) {
            return Some(dt.timestamp_micros());
        }
    }
    if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(dt.and_utc().timestamp_micros());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_micros())
}

fn format_time(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A CHECK literal as a TOML value for a column of `kind`.
fn literal_toml(lit: &Literal, kind: &TypeKind) -> String {
    match (lit, kind) {
        (Literal::Number(n), TypeKind::Text { .. } | TypeKind::Enum(_)) => quote(&num(*n)),
        (Literal::Number(n), _) => num(*n),
        (Literal::Text(t), TypeKind::Timestamptz | TypeKind::Timestamp) => {
            parse_time(t).map(format_time).unwrap_or_else(|| quote(t))
        }
        (Literal::Text(t), TypeKind::Date) => quote(t),
        (Literal::Text(t), _) => quote(t),
    }
}

/// A number as TOML writes it: whole numbers without a fraction.
fn num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A key as TOML needs it: bare when it can be, quoted otherwise.
fn bare_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        name.to_string()
    } else {
        quote(name)
    }
}

/// A table name as the key after `tables.` (`"game.players"` when qualified).
fn table_key(name: &str) -> String {
    bare_key(name)
}

/// `CHECK ((a > 0))` -> `a > 0` for comments.
fn strip_check(definition: &str) -> String {
    let inner = definition
        .trim()
        .strip_prefix("CHECK ")
        .unwrap_or(definition);
    let mut inner = inner.trim();
    while inner.starts_with('(') && inner.ends_with(')') && balanced(&inner[1..inner.len() - 1]) {
        inner = inner[1..inner.len() - 1].trim();
    }
    inner.to_string()
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}
