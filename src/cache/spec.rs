//! The `[redis]` part of a profile: which cache sets to build from which rows.
//!
//! ```toml
//! [redis]
//! prefix = "seedkit:"                  # every key starts with it
//!
//! [redis.sets.sessions]
//! table = "game_sessions"
//! where = "ended_at is null"
//! key = "session:{id}"
//! type = "hash"
//! fields = { player_id = "{player_id}", started_at = "{started_at}" }
//! ttl = "1h"
//! ```
//!
//! Everything is resolved against the compiled [`Dataset`] when the profile
//! is loaded (columns, parent tables, value types of a sample row), so a
//! mistake is reported with its file:line:column before anything is written,
//! to the database or to Redis. docs/caches.md is the user's reference.

use std::time::Duration;

use crate::generate::{Dataset, TableGen, Value};
use crate::profile::reader::{Reader, expected, flag, positive, probability, string};
use crate::profile::template::{self, Piece};
use crate::profile::{Entry, Location, Node, NodeValue, Profile, ProfileError};

/// Key prefix when the profile does not set `[redis] prefix`.
pub const DEFAULT_PREFIX: &str = "seedkit:";
/// Commands in flight per connection, unless `[redis] window` says otherwise.
pub const DEFAULT_WINDOW: usize = 20_000;
/// Members (or fields) per variadic ZADD / SADD / HSET, unless `[redis] batch`.
pub const DEFAULT_BATCH: usize = 1_000;

const DOCS: &str = "see docs/caches.md for the [redis] format";

/// A validated `[redis]` part.
#[derive(Debug, Clone)]
pub struct CacheSpec {
    pub prefix: String,
    pub window: usize,
    pub batch: usize,
    pub sets: Vec<SetSpec>,
}

/// One cache set: keys of one type built from one source of rows.
#[derive(Debug, Clone)]
pub struct SetSpec {
    pub name: String,
    pub location: Location,
    pub source: RowSource,
    pub key: Template,
    pub kind: Kind,
    pub ttl: Option<Duration>,
}

/// Where a set's rows come from.
#[derive(Debug, Clone)]
pub enum RowSource {
    /// The rows of a profile table, filtered.
    Table {
        table: String,
        joins: Vec<Join>,
        filter: Vec<Condition>,
        sample: Option<f64>,
        top: Option<Top>,
    },
    /// `count = N`: N synthetic rows with only `{@index}` and `{@uuid}`.
    Count(u64),
}

/// `join.<alias> = { table = "players", on = "player_id" }`: the parent row
/// whose key is this row's `on` column, reachable as `{alias.column}`.
#[derive(Debug, Clone)]
pub struct Join {
    pub alias: String,
    pub table: String,
    pub on_column: usize,
}

/// `top = { by = "last_login_at", n = 100, order = "desc" }`.
#[derive(Debug, Clone)]
pub struct Top {
    pub by: usize,
    pub n: u64,
    pub descending: bool,
}

/// What each row writes.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `SET key value`
    String(Template),
    /// `SET key {json}`: an object whose single-placeholder fields keep the
    /// value's JSON type.
    Json(Vec<(String, Template)>),
    /// `SET key integer`
    Counter(CounterValue),
    /// `HSET key field value ...` (fields whose value is null are left out)
    Hash(Vec<(Template, Template)>),
    /// `SADD key member ...`
    Set(Template),
    /// `ZADD key score member ...`
    SortedSet { score: Template, member: Template },
}

impl Kind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::String(_) => "string",
            Kind::Json(_) => "json",
            Kind::Counter(_) => "counter",
            Kind::Hash(_) => "hash",
            Kind::Set(_) => "set",
            Kind::SortedSet { .. } => "zset",
        }
    }
}

#[derive(Debug, Clone)]
pub enum CounterValue {
    Template(Template),
    /// A deterministic integer in `lo..=hi`, a pure function of
    /// (seed, set name, row index).
    Uniform {
        lo: i64,
        hi: i64,
    },
}

/// A string with `{column}`, `{alias.column}`, `{@index}`, `{@uuid}`
/// placeholders (`{{` and `}}` for literal braces).
#[derive(Debug, Clone)]
pub struct Template {
    pub parts: Vec<Part>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Literal(String),
    Column(usize),
    Parent {
        join: usize,
        column: usize,
    },
    /// The row's index in its table (0-based), or N's index for `count`.
    Index,
    /// A deterministic UUID from (seed, set name, row index).
    Uuid,
}

impl SetSpec {
    /// The columns this set reads: of its table, and of each joined parent
    /// (by join). Rows are generated for these columns only when that is
    /// cheaper than whole rows.
    pub fn columns_used(&self) -> (Vec<usize>, Vec<Vec<usize>>) {
        let RowSource::Table {
            joins, filter, top, ..
        } = &self.source
        else {
            return (Vec::new(), Vec::new());
        };
        let mut own = Vec::new();
        let mut parents = vec![Vec::new(); joins.len()];
        let mut add = |operand: Operand| match operand {
            Operand::Column(c) => own.push(c),
            Operand::Parent { join, column } => parents[join].push(column),
        };
        let mut templates: Vec<&Template> = vec![&self.key];
        match &self.kind {
            Kind::String(t) | Kind::Set(t) | Kind::Counter(CounterValue::Template(t)) => {
                templates.push(t)
            }
            Kind::Counter(CounterValue::Uniform { .. }) => {}
            Kind::Json(fields) => templates.extend(fields.iter().map(|(_, t)| t)),
            Kind::Hash(fields) => templates.extend(fields.iter().flat_map(|(n, v)| [n, v])),
            Kind::SortedSet { score, member } => templates.extend([score, member]),
        }
        for part in templates.iter().flat_map(|t| &t.parts) {
            match part {
                Part::Column(c) => add(Operand::Column(*c)),
                Part::Parent { join, column } => add(Operand::Parent {
                    join: *join,
                    column: *column,
                }),
                _ => {}
            }
        }
        for condition in filter {
            add(condition.column);
        }
        if let Some(top) = top {
            add(Operand::Column(top.by));
        }
        for join in joins {
            own.push(join.on_column);
        }
        own.sort_unstable();
        own.dedup();
        for columns in &mut parents {
            columns.sort_unstable();
            columns.dedup();
        }
        (own, parents)
    }
}

impl SetSpec {
    /// The table's columns that decide whether a row is used at all: those
    /// of `where` (and the joins' keys), and `top.by`.
    pub fn filter_columns(&self) -> Vec<usize> {
        let RowSource::Table {
            joins, filter, top, ..
        } = &self.source
        else {
            return Vec::new();
        };
        let mut columns: Vec<usize> = filter
            .iter()
            .filter_map(|c| match c.column {
                Operand::Column(c) => Some(c),
                Operand::Parent { .. } => None,
            })
            .collect();
        if filter
            .iter()
            .any(|c| matches!(c.column, Operand::Parent { .. }))
        {
            columns.extend(joins.iter().map(|j| j.on_column));
        }
        columns.extend(top.as_ref().map(|t| t.by));
        columns.sort_unstable();
        columns.dedup();
        columns
    }
}

impl Template {
    /// The one placeholder this template consists of, if it is exactly one.
    pub fn single(&self) -> Option<&Part> {
        match self.parts.as_slice() {
            [part] if !matches!(part, Part::Literal(_)) => Some(part),
            _ => None,
        }
    }
}

/// `where = "ended_at is null and credits > 100"`: conditions joined by `and`.
#[derive(Debug, Clone)]
pub struct Condition {
    pub column: Operand,
    pub test: Test,
}

#[derive(Debug, Clone, Copy)]
pub enum Operand {
    Column(usize),
    Parent { join: usize, column: usize },
}

#[derive(Debug, Clone)]
pub enum Test {
    IsNull,
    IsNotNull,
    Compare(CompareOp, Literal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
pub enum Literal {
    Number(f64),
    Text(String),
    Bool(bool),
}

impl CacheSpec {
    /// The profile's `[redis]` part, checked against the dataset. A profile
    /// without one warms nothing.
    pub fn new(profile: &Profile, dataset: &Dataset) -> Result<CacheSpec, ProfileError> {
        let Some(redis) = &profile.redis else {
            return Ok(CacheSpec {
                prefix: DEFAULT_PREFIX.to_string(),
                window: DEFAULT_WINDOW,
                batch: DEFAULT_BATCH,
                sets: Vec::new(),
            });
        };
        Parser { dataset }.spec(redis)
    }

    /// The sets as they will be warmed, with `only` restricting them by name.
    pub fn select(&self, only: &[String]) -> Result<Vec<&SetSpec>, String> {
        if let Some(unknown) = only
            .iter()
            .find(|n| !self.sets.iter().any(|s| &s.name == *n))
        {
            let known: Vec<&str> = self.sets.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "no cache set named `{unknown}` (the profile has: {})",
                known.join(", ")
            ));
        }
        Ok(self
            .sets
            .iter()
            .filter(|s| only.is_empty() || only.contains(&s.name))
            .collect())
    }
}

struct Parser<'a> {
    dataset: &'a Dataset,
}

/// Column names visible to a set's templates.
struct Scope<'a> {
    table: Option<&'a TableGen>,
    joins: Vec<(String, &'a TableGen)>,
}

fn invalid(location: &Location, message: impl Into<String>) -> ProfileError {
    ProfileError::invalid(location, message).with_hint(DOCS)
}

const SET_KEYS: [&str; 15] = [
    "enabled", "table", "count", "join", "where", "sample", "top", "key", "type", "fields",
    "columns", "value", "member", "score", "ttl",
];

/// The keys of one `[redis.sets.NAME]`, read through the profile's one
/// [`Reader`] (which has refused any other key).
struct SetNodes<'n> {
    path: String,
    location: &'n Location,
    table: Option<&'n Node>,
    count: Option<&'n Node>,
    join: Option<&'n Node>,
    filter: Option<&'n Node>,
    sample: Option<&'n Node>,
    top: Option<&'n Node>,
    key: &'n Node,
    kind: &'n Node,
    fields: Option<&'n Node>,
    columns: Option<&'n Node>,
    value: Option<&'n Node>,
    member: Option<&'n Node>,
    score: Option<&'n Node>,
    ttl: Option<&'n Node>,
}

impl<'n> SetNodes<'n> {
    /// The set's keys, or None when it says `enabled = false`.
    fn read(entry: &'n Entry) -> Result<Option<SetNodes<'n>>, ProfileError> {
        let path = format!("redis.sets.{}", entry.key);
        let mut r = Reader::new(&entry.node, path.clone())?.expect_keys(&SET_KEYS)?;
        if let Some(enabled) = r.get("enabled")
            && !flag(enabled, &format!("{path}.enabled"))?
        {
            return Ok(None);
        }
        Ok(Some(SetNodes {
            location: r.location(),
            table: r.get("table"),
            count: r.get("count"),
            join: r.get("join"),
            filter: r.get("where"),
            sample: r.get("sample"),
            top: r.get("top"),
            key: r.required_like("key", "\"session:{id}\"")?,
            kind: r.required_like("type", "\"hash\" (or zset, set, string, json, counter)")?,
            fields: r.get("fields"),
            columns: r.get("columns"),
            value: r.get("value"),
            member: r.get("member"),
            score: r.get("score"),
            ttl: r.get("ttl"),
            path,
        }))
    }

    /// `path.key`, for messages about one key of the set.
    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }
}

impl<'a> Parser<'a> {
    fn spec(&self, redis: &Node) -> Result<CacheSpec, ProfileError> {
        let mut r =
            Reader::new(redis, "[redis]")?.expect_keys(&["prefix", "window", "batch", "sets"])?;
        let prefix = match r.get("prefix") {
            Some(node) => string(node, "redis.prefix")?.to_string(),
            None => DEFAULT_PREFIX.to_string(),
        };
        let count = |node: Option<&Node>, key: &str, default: usize| {
            node.map_or(Ok(default), |n| positive(n, key).map(|n| n as usize))
        };
        let window = count(r.get("window"), "redis.window", DEFAULT_WINDOW)?;
        let batch = count(r.get("batch"), "redis.batch", DEFAULT_BATCH)?;
        let mut sets = Vec::new();
        if let Some(node) = r.get("sets") {
            for entry in Reader::new(node, "redis.sets")?.entries() {
                if let Some(nodes) = SetNodes::read(entry)? {
                    sets.push(self.set(&entry.key, &nodes)?);
                }
            }
        }
        Ok(CacheSpec {
            prefix,
            window,
            batch,
            sets,
        })
    }

    fn set(&self, name: &str, nodes: &SetNodes) -> Result<SetSpec, ProfileError> {
        let (source, scope) = self.source(nodes)?;
        let key = template(nodes.key, &nodes.at("key"), &scope)?;
        let kind = self.kind(nodes, &scope)?;
        let ttl = nodes.ttl.map(|n| ttl(n, &nodes.at("ttl"))).transpose()?;
        let set = SetSpec {
            name: name.to_string(),
            location: nodes.location.clone(),
            source,
            key,
            kind,
            ttl,
        };
        self.probe(&set, &scope)?;
        Ok(set)
    }

    fn source(&self, nodes: &SetNodes) -> Result<(RowSource, Scope<'a>), ProfileError> {
        let path = &nodes.path;
        match (nodes.table, nodes.count) {
            (Some(_), Some(count)) => Err(invalid(
                &count.location,
                format!(
                    "{path} has both `table` and `count`; a set reads a table or generates `count` rows"
                ),
            )),
            (None, None) => Err(invalid(
                nodes.location,
                format!("{path} needs `table = \"...\"` (or `count = N` for generated ids)"),
            )),
            (None, Some(count)) => count_source(nodes, count),
            (Some(table), None) => self.table_source(nodes, table),
        }
    }

    fn table_source(
        &self,
        nodes: &SetNodes,
        table_node: &Node,
    ) -> Result<(RowSource, Scope<'a>), ProfileError> {
        let table = self.table(string(table_node, &nodes.at("table"))?, table_node)?;
        let mut scope = Scope {
            table: Some(table),
            joins: Vec::new(),
        };
        let joins = match nodes.join {
            Some(node) => self.joins(node, &nodes.at("join"), table, &mut scope)?,
            None => Vec::new(),
        };
        let filter = match nodes.filter {
            Some(node) => conditions(node, &nodes.at("where"), &scope)?,
            None => Vec::new(),
        };
        let sample = nodes
            .sample
            .map(|node| {
                probability(node, &nodes.at("sample"))
                    .map_err(|_| expected(node, &nodes.at("sample"), "a fraction between 0 and 1"))
            })
            .transpose()?;
        let top = nodes
            .top
            .map(|node| top(node, &nodes.at("top"), table))
            .transpose()?;
        let source = RowSource::Table {
            table: table.name().to_string(),
            joins,
            filter,
            sample,
            top,
        };
        Ok((source, scope))
    }

    /// `join.<alias> = { table = "players", on = "player_id" }`, each added
    /// to `scope` so templates can name `{alias.column}`.
    fn joins(
        &self,
        node: &Node,
        path: &str,
        table: &TableGen,
        scope: &mut Scope<'a>,
    ) -> Result<Vec<Join>, ProfileError> {
        let mut joins = Vec::new();
        for entry in Reader::new(node, path)?.entries() {
            let jpath = format!("{path}.{}", entry.key);
            let mut r = Reader::new(&entry.node, jpath.clone())?.expect_keys(&["table", "on"])?;
            let parent_node = r.required_like("table", "\"players\" (the parent table)")?;
            let parent =
                self.table(string(parent_node, &format!("{jpath}.table"))?, parent_node)?;
            let on_node = r.required_like(
                "on",
                "\"player_id\" (this table's column holding the parent's key)",
            )?;
            let on = string(on_node, &format!("{jpath}.on"))?;
            let on_column =
                column_index(table, on).ok_or_else(|| unknown_column(on_node, table, on))?;
            joins.push(Join {
                alias: entry.key.clone(),
                table: parent.name().to_string(),
                on_column,
            });
            scope.joins.push((entry.key.clone(), parent));
        }
        Ok(joins)
    }

    fn table(&self, name: &str, node: &Node) -> Result<&'a TableGen, ProfileError> {
        self.dataset.table(name).ok_or_else(|| {
            let known: Vec<&str> = self.dataset.tables().iter().map(TableGen::name).collect();
            invalid(
                &node.location,
                format!(
                    "unknown table `{name}`: the profile generates {}",
                    known.join(", ")
                ),
            )
        })
    }

    fn kind<'n>(&self, nodes: &SetNodes<'n>, scope: &Scope) -> Result<Kind, ProfileError> {
        let type_node = nodes.kind;
        let type_name = string(type_node, &nodes.at("type"))?;
        check_type_keys(nodes, type_name)?;
        let required = |node: Option<&'n Node>, key: &str, example: &str| {
            node.ok_or_else(|| {
                invalid(
                    &type_node.location,
                    format!("a `{type_name}` set needs `{key}` (e.g. {key} = {example})"),
                )
            })
        };
        let template_of = |node: Option<&'n Node>, key: &str, example: &str| {
            template(required(node, key, example)?, &nodes.at(key), scope)
        };
        Ok(match type_name {
            "string" => Kind::String(template_of(nodes.value, "value", "\"{column}\"")?),
            "counter" => {
                let node = required(nodes.value, "value", "{ uniform = [1, 60] }")?;
                Kind::Counter(counter(node, &nodes.at("value"), scope)?)
            }
            "json" => Kind::Json(
                fields(nodes, scope)?
                    .into_iter()
                    .map(|field| (field.name, field.value))
                    .collect(),
            ),
            "hash" => Kind::Hash(
                fields(nodes, scope)?
                    .into_iter()
                    .map(|field| (field.name_template, field.value))
                    .collect(),
            ),
            "set" => Kind::Set(template_of(nodes.member, "member", "\"{id}\"")?),
            _ => Kind::SortedSet {
                score: template_of(nodes.score, "score", "\"{credits}\"")?,
                member: template_of(nodes.member, "member", "\"{id}\"")?,
            },
        })
    }

    /// Renders the set's numeric parts for the table's first row, so a score
    /// that is not a number, or a join whose parent key is not found, fails
    /// when the profile loads rather than in the middle of a warm.
    fn probe(&self, set: &SetSpec, scope: &Scope) -> Result<(), ProfileError> {
        let Some(table) = scope.table else {
            return Ok(());
        };
        if table.row_count() == 0 {
            return Ok(());
        }
        let row = table.row_at(0);
        for (i, (alias, parent)) in scope.joins.iter().enumerate() {
            let RowSource::Table { joins, .. } = &set.source else {
                break;
            };
            let key = &row[joins[i].on_column];
            if !key.is_null() && key.as_i64().and_then(|k| parent.index_of_key(k)).is_none() {
                return Err(invalid(
                    &set.location,
                    format!(
                        "join `{alias}`: {} row 0 has {} = {key}, which is not a key of `{}`",
                        table.name(),
                        table.columns()[joins[i].on_column],
                        parent.name()
                    ),
                )
                .with_hint("`on` must name a column referencing the parent's sequence key (e.g. player_id -> players)"));
            }
        }
        let numeric = |template: &Template, what: &str| -> Result<(), ProfileError> {
            if let Some(Part::Column(c)) = template.single()
                && let v = &row[*c]
                && !v.is_null()
                && number(v).is_none()
            {
                return Err(invalid(
                    &template.location,
                    format!(
                        "{what} must be a number, but `{}` holds {v:?}",
                        table.columns()[*c]
                    ),
                ));
            }
            Ok(())
        };
        match &set.kind {
            Kind::SortedSet { score, .. } => numeric(score, "a zset score")?,
            Kind::Counter(CounterValue::Template(t)) => numeric(t, "a counter value")?,
            _ => {}
        }
        if let RowSource::Table { top: Some(top), .. } = &set.source {
            let v = &row[top.by];
            if !v.is_null() && sort_key(v).is_none() {
                return Err(invalid(
                    &set.location,
                    format!(
                        "top.by: `{}` is not a number, timestamp or date",
                        table.columns()[top.by]
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// `count = N`: N generated rows, which have only `{@index}` and `{@uuid}`.
fn count_source<'a>(
    nodes: &SetNodes,
    count: &Node,
) -> Result<(RowSource, Scope<'a>), ProfileError> {
    let table_only = [
        ("join", nodes.join),
        ("where", nodes.filter),
        ("sample", nodes.sample),
        ("top", nodes.top),
    ];
    if let Some((key, extra)) = table_only
        .into_iter()
        .find_map(|(key, node)| Some((key, node?)))
    {
        return Err(invalid(
            &extra.location,
            format!(
                "`{key}` needs a table; {} generates `count` rows",
                nodes.path
            ),
        ));
    }
    let n = count
        .as_i64()
        .filter(|n| *n >= 0)
        .ok_or_else(|| expected(count, &nodes.at("count"), "a number of rows (0 or more)"))?;
    let scope = Scope {
        table: None,
        joins: Vec::new(),
    };
    Ok((RowSource::Count(n as u64), scope))
}

/// Refuses the value keys that do not belong to the set's `type`.
fn check_type_keys(nodes: &SetNodes, type_name: &str) -> Result<(), ProfileError> {
    let allowed: &[&str] = match type_name {
        "string" | "counter" => &["value"],
        "json" | "hash" => &["fields", "columns"],
        "set" => &["member"],
        "zset" => &["member", "score"],
        other => {
            return Err(invalid(
                &nodes.kind.location,
                format!("unknown type `{other}`: use hash, zset, set, string, json or counter"),
            ));
        }
    };
    let given = [
        ("value", nodes.value),
        ("fields", nodes.fields),
        ("columns", nodes.columns),
        ("member", nodes.member),
        ("score", nodes.score),
    ];
    for (key, node) in given {
        if let Some(extra) = node
            && !allowed.contains(&key)
        {
            return Err(invalid(
                &extra.location,
                format!(
                    "`{key}` does not apply to a `{type_name}` set (it takes {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A value as a zset score: numbers as they are, timestamps as Unix seconds.
pub fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Timestamp(us) => Some(*us as f64 / 1e6),
        Value::Date(days) => Some(f64::from(*days) * 86_400.0),
        Value::Text(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A value as an ordering key for `top`.
pub fn sort_key(value: &Value) -> Option<f64> {
    match value {
        Value::Int(_) | Value::Float(_) | Value::Timestamp(_) | Value::Date(_) => number(value),
        _ => None,
    }
}

/// A declared hash or JSON field: its name as written, as a template (hash
/// field names may use placeholders), and its value.
struct Field {
    name: String,
    name_template: Template,
    value: Template,
}

fn fields(nodes: &SetNodes, scope: &Scope) -> Result<Vec<Field>, ProfileError> {
    let out = match (nodes.fields, nodes.columns) {
        (Some(_), Some(columns)) => {
            return Err(invalid(
                &columns.location,
                format!("{}: use `fields` or `columns`, not both", nodes.path),
            ));
        }
        (None, None) => {
            return Err(invalid(
                &nodes.kind.location,
                format!(
                    "{} needs `fields = {{ name = \"{{column}}\", ... }}` or `columns = [\"a\", \"b\"]`",
                    nodes.path
                ),
            ));
        }
        (Some(fields), None) => declared_fields(fields, &nodes.at("fields"), scope)?,
        (None, Some(columns)) => column_fields(columns, &nodes.at("columns"), scope)?,
    };
    if out.is_empty() {
        return Err(invalid(
            &nodes.kind.location,
            format!("{} declares no fields", nodes.path),
        ));
    }
    Ok(out)
}

/// `fields = { name = "{column}", ... }`: names may hold placeholders too.
fn declared_fields(node: &Node, path: &str, scope: &Scope) -> Result<Vec<Field>, ProfileError> {
    let mut out = Vec::new();
    for entry in Reader::new(node, path)?.entries() {
        let value = template(&entry.node, &format!("{path}.{}", entry.key), scope)?;
        let name_node = Node::new(
            NodeValue::String(entry.key.clone()),
            entry.key_location.clone(),
        );
        let name = template(&name_node, path, scope)?;
        out.push(Field {
            name: entry.key.clone(),
            name_template: name,
            value,
        });
    }
    Ok(out)
}

/// `columns = ["a", "b"]`: each column under its own name.
fn column_fields(node: &Node, path: &str, scope: &Scope) -> Result<Vec<Field>, ProfileError> {
    let items = node
        .as_array()
        .ok_or_else(|| expected(node, path, "an array of column names"))?;
    let mut out = Vec::new();
    for item in items {
        let column = string(item, path)?;
        let value_node = Node::new(
            NodeValue::String(format!("{{{column}}}")),
            item.location.clone(),
        );
        out.push(Field {
            name: column.to_string(),
            name_template: Template {
                parts: vec![Part::Literal(column.to_string())],
                location: item.location.clone(),
            },
            value: template(&value_node, path, scope)?,
        });
    }
    Ok(out)
}

fn counter(node: &Node, path: &str, scope: &Scope) -> Result<CounterValue, ProfileError> {
    match &node.value {
        NodeValue::Integer(n) => Ok(CounterValue::Template(Template {
            parts: vec![Part::Literal(n.to_string())],
            location: node.location.clone(),
        })),
        NodeValue::String(_) => Ok(CounterValue::Template(template(node, path, scope)?)),
        NodeValue::Table(_) => {
            let mut r = Reader::new(node, path)?.expect_keys(&["uniform"])?;
            let bounds = r
                .get("uniform")
                .and_then(Node::as_array)
                .and_then(|a| match a {
                    [lo, hi] => Some((lo.as_i64()?, hi.as_i64()?)),
                    _ => None,
                })
                .filter(|(lo, hi)| lo <= hi)
                .ok_or_else(|| {
                    expected(node, path, "{ uniform = [LOW, HIGH] } with LOW <= HIGH")
                })?;
            Ok(CounterValue::Uniform {
                lo: bounds.0,
                hi: bounds.1,
            })
        }
        _ => Err(expected(
            node,
            path,
            "an integer, a template like \"{column}\", or { uniform = [LOW, HIGH] }",
        )),
    }
}

fn top(node: &Node, path: &str, table: &TableGen) -> Result<Top, ProfileError> {
    let mut r = Reader::new(node, path)?.expect_keys(&["by", "n", "order"])?;
    let by_node = r.required_like("by", "\"column\"")?;
    let by_name = string(by_node, &format!("{path}.by"))?;
    let by = column_index(table, by_name).ok_or_else(|| unknown_column(by_node, table, by_name))?;
    let n_node = r.required_like("n", "100")?;
    let n = n_node
        .as_i64()
        .filter(|n| *n >= 0)
        .ok_or_else(|| expected(n_node, &format!("{path}.n"), "a number of rows"))?;
    let descending = match r.get("order") {
        None => true,
        Some(order) => match order.as_str() {
            Some("desc") => true,
            Some("asc") => false,
            _ => {
                return Err(expected(
                    order,
                    &format!("{path}.order"),
                    "\"desc\" or \"asc\"",
                ));
            }
        },
    };
    Ok(Top {
        by,
        n: n as u64,
        descending,
    })
}

fn ttl(node: &Node, path: &str) -> Result<Duration, ProfileError> {
    let ttl = match &node.value {
        NodeValue::Integer(secs) if *secs > 0 => Duration::from_secs(*secs as u64),
        NodeValue::String(text) => humantime::parse_duration(text).map_err(|e| {
            invalid(
                &node.location,
                format!("{path}: `{text}` is not a duration ({e})"),
            )
            .with_hint("write a duration like \"60s\", \"1h\" or \"24h\", or a number of seconds")
        })?,
        _ => {
            return Err(expected(
                node,
                path,
                "a duration like \"1h\" or a number of seconds",
            ));
        }
    };
    if ttl.as_secs() == 0 {
        return Err(invalid(
            &node.location,
            format!("{path} must be at least one second"),
        ));
    }
    Ok(ttl)
}

/// Parses a template in the profile's one template language, resolving
/// its placeholders in `scope`.
fn template(node: &Node, path: &str, scope: &Scope) -> Result<Template, ProfileError> {
    let mut parts = Vec::new();
    for piece in template::parse(node, path)? {
        parts.push(match piece {
            Piece::Text(text) => Part::Literal(text),
            Piece::Placeholder { name, location } => placeholder(&name, scope)
                .map_err(|message| invalid(&location, format!("{path}: {message}")))?,
        });
    }
    Ok(Template {
        parts,
        location: node.location.clone(),
    })
}

fn placeholder(name: &str, scope: &Scope) -> Result<Part, String> {
    match name {
        "@index" => return Ok(Part::Index),
        "@uuid" => return Ok(Part::Uuid),
        "" => return Err("empty placeholder `{}`".into()),
        _ if name.starts_with('@') => {
            return Err(format!(
                "unknown placeholder `{{{name}}}`: the built-ins are {{@index}} and {{@uuid}}"
            ));
        }
        _ => {}
    }
    match resolve(name, scope)? {
        Operand::Column(column) => Ok(Part::Column(column)),
        Operand::Parent { join, column } => Ok(Part::Parent { join, column }),
    }
}

fn resolve(name: &str, scope: &Scope) -> Result<Operand, String> {
    let Some(table) = scope.table else {
        return Err(format!(
            "`{{{name}}}`: a `count` set has no columns, only {{@index}} and {{@uuid}}"
        ));
    };
    if let Some(column) = column_index(table, name) {
        return Ok(Operand::Column(column));
    }
    if let Some((alias, column_name)) = name.split_once('.')
        && let Some(join) = scope.joins.iter().position(|(a, _)| a == alias)
    {
        let parent = scope.joins[join].1;
        return column_index(parent, column_name)
            .map(|column| Operand::Parent { join, column })
            .ok_or_else(|| {
                format!(
                    "`{}` has no generated column `{column_name}` (it has {})",
                    parent.name(),
                    parent.columns().join(", ")
                )
            });
    }
    let joins: Vec<String> = scope
        .joins
        .iter()
        .map(|(a, _)| format!("{a}.COLUMN"))
        .collect();
    Err(format!(
        "`{}` has no generated column `{name}` (it has {}{}{})",
        table.name(),
        table.columns().join(", "),
        if joins.is_empty() { "" } else { "; joined: " },
        joins.join(", ")
    ))
}

fn column_index(table: &TableGen, name: &str) -> Option<usize> {
    table.columns().iter().position(|c| c == name)
}

fn unknown_column(node: &Node, table: &TableGen, name: &str) -> ProfileError {
    invalid(
        &node.location,
        format!(
            "`{}` has no generated column `{name}` (it has {})",
            table.name(),
            table.columns().join(", ")
        ),
    )
}

/// Parses `where`: `COLUMN is [not] null` or `COLUMN OP LITERAL`, joined by `and`.
fn conditions(node: &Node, path: &str, scope: &Scope) -> Result<Vec<Condition>, ProfileError> {
    let text = string(node, path)?;
    let fail = |message: String| {
        invalid(&node.location, format!("{path}: {message}")).with_hint(
            "write conditions like \"ended_at is null\", \"credits > 1000 and vr_headset = 'Quest 3'\"",
        )
    };
    let tokens = tokenize(text).map_err(fail)?;
    let mut out = Vec::new();
    let mut rest = tokens.as_slice();
    loop {
        let (column, after) = match rest {
            [Token::Word(name), after @ ..] => (name, after),
            _ => return Err(fail("expected a column name".into())),
        };
        let column = resolve(column, scope).map_err(fail)?;
        let is =
            |t: &Token, word: &str| matches!(t, Token::Word(w) if w.eq_ignore_ascii_case(word));
        let (test, after) = match after {
            [a, b, after @ ..] if is(a, "is") && is(b, "null") => (Test::IsNull, after),
            [a, b, c, after @ ..] if is(a, "is") && is(b, "not") && is(c, "null") => {
                (Test::IsNotNull, after)
            }
            [Token::Op(op), literal, after @ ..] => {
                let literal = match literal {
                    Token::Number(n) => Literal::Number(*n),
                    Token::Text(s) => Literal::Text(s.clone()),
                    t if is(t, "true") => Literal::Bool(true),
                    t if is(t, "false") => Literal::Bool(false),
                    _ => {
                        return Err(fail(
                            "expected a number, 'text', true or false after the operator".into(),
                        ));
                    }
                };
                (Test::Compare(*op, literal), after)
            }
            _ => {
                return Err(fail(
                    "expected `is null`, `is not null` or an operator (= != < <= > >=)".into(),
                ));
            }
        };
        out.push(Condition { column, test });
        match after {
            [] => return Ok(out),
            [t, more @ ..] if is(t, "and") => rest = more,
            _ => return Err(fail("conditions are joined with `and`".into())),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Number(f64),
    Text(String),
    Op(CompareOp),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() || c == '-' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            tokens.push(Token::Number(
                number
                    .parse()
                    .map_err(|_| format!("`{number}` is not a number"))?,
            ));
        } else if c == '\'' {
            let start = i + 1;
            i = start;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            if i == chars.len() {
                return Err("a 'quoted text' is never closed".into());
            }
            tokens.push(Token::Text(chars[start..i].iter().collect()));
            i += 1;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let (op, len) = match (two.as_str(), c) {
                ("!=" | "<>", _) => (CompareOp::Ne, 2),
                ("<=", _) => (CompareOp::Le, 2),
                (">=", _) => (CompareOp::Ge, 2),
                (_, '=') => (CompareOp::Eq, 1),
                (_, '<') => (CompareOp::Lt, 1),
                (_, '>') => (CompareOp::Gt, 1),
                _ => return Err(format!("unexpected `{c}`")),
            };
            tokens.push(Token::Op(op));
            i += len;
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error of a profile whose `[redis]` part is `redis` (after a
    /// two-column table `t` on lines 1-5).
    fn redis_error(redis: &str) -> String {
        let text = format!(
            "[tables.t]\nrows = 3\n[tables.t.columns]\nid = {{ seq = {{}} }}\nname = \"x\"\n{redis}"
        );
        let profile = Profile::from_str(&text, std::path::Path::new("p.toml")).unwrap();
        let dataset = Dataset::new(&profile).unwrap();
        CacheSpec::new(&profile, &dataset).unwrap_err().to_string()
    }

    #[test]
    fn the_redis_part_is_read_by_the_profile_reader() {
        let set = "[redis.sets.s]\ntable = \"t\"\ntype = \"set\"\nmember = \"{id}\"\n";
        // A misspelled key is named as such, before the key it should be.
        let err = redis_error(&format!("{set}kye = \"k:{{id}}\"\n"));
        assert_eq!(err, "p.toml:10:1: unknown key `kye` in redis.sets.s");
        // Templates point at the placeholder, as a column's template does.
        let err = redis_error(&format!("{set}key = \"k:{{id}}:{{nope}}\"\n"));
        assert!(
            err.starts_with("p.toml:10:15: redis.sets.s.key: `t` has no generated column `nope`"),
            "{err}"
        );
        let err = redis_error(&format!("{set}key = \"k:{{id\"\n"));
        assert!(
            err.starts_with("p.toml:10:10: `redis.sets.s.key`: `{` is never closed"),
            "{err}"
        );
        let err = redis_error("[redis]\nwindow = 0\n");
        assert_eq!(
            err,
            "p.toml:7:10: `redis.window` must be a positive integer, not 0"
        );
    }

    #[test]
    fn tokenizes_conditions() {
        assert_eq!(
            tokenize("ended_at is null and credits >= 10 and name != 'a b'").unwrap(),
            vec![
                Token::Word("ended_at".into()),
                Token::Word("is".into()),
                Token::Word("null".into()),
                Token::Word("and".into()),
                Token::Word("credits".into()),
                Token::Op(CompareOp::Ge),
                Token::Number(10.0),
                Token::Word("and".into()),
                Token::Word("name".into()),
                Token::Op(CompareOp::Ne),
                Token::Text("a b".into()),
            ]
        );
        assert!(tokenize("a = 'open").is_err());
    }
}
