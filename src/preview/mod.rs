//! Seeing a profile's data before it is loaded: sample rows and each
//! column's distribution, the fan-out of `per_parent` tables, and what each
//! Redis cache set would hold. Every value is a pure function of the profile
//! and seed, so none of this needs a database or Redis.
//!
//! - [`sample`]: which rows are looked at, and the margin that gives.
//! - [`column`]: one column's type, nulls, distinct values, top values,
//!   min/max and histogram.
//! - [`fanout`]: children per parent row (exact).
//! - [`html`]: the same as one self-contained HTML page with inline SVG
//!   charts (`preview --html`, `seed --report` with the load's timings).
//!
//! Cache sets come from [`crate::cache::examples`]: the plan `warm` runs,
//! sent into memory.

pub mod column;
pub mod fanout;
pub mod html;
pub mod sample;

use std::time::Instant;

use serde::Serialize;

use crate::cache::examples::SetPreview;
use crate::cache::{CacheError, CacheSpec};
use crate::generate::{Dataset, TableGen, Value};
use crate::profile::{ColumnSpec, Generator, JsonField, Profile};
use column::{ColumnPreview, ColumnStats};
use fanout::Fanout;
use sample::SampleInfo;

/// Rows sampled per table unless told otherwise: a share is then within
/// 0.9 percentage points of the declared probability (99% confidence).
pub const DEFAULT_SAMPLE: u64 = 20_000;

/// Rows a cache set may read before it is only listed: its keys are
/// counted by a full pass, which for the `large` profile's 5 million
/// sessions takes far longer than the rest of a preview.
pub const DEFAULT_CACHE_ROWS: u64 = 500_000;

/// What to preview.
#[derive(Debug, Clone)]
pub struct PreviewOptions {
    /// Only this table (and the cache sets reading it).
    pub table: Option<String>,
    /// Rows sampled per table (tables this small are read whole).
    pub sample: u64,
    /// Example keys shown per cache set.
    pub examples: usize,
    /// Cache sets reading more rows than this are listed, not computed.
    pub cache_rows: u64,
}

impl Default for PreviewOptions {
    fn default() -> Self {
        PreviewOptions {
            table: None,
            sample: DEFAULT_SAMPLE,
            examples: 3,
            cache_rows: DEFAULT_CACHE_ROWS,
        }
    }
}

/// Everything `seedkit preview` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub profile: String,
    pub seed: u64,
    /// The confidence every margin is stated at.
    pub confidence: f64,
    pub tables: Vec<TablePreview>,
    pub cache_sets: Vec<SetPreview>,
    pub seconds: f64,
}

/// One loaded table.
#[derive(Debug, Clone, Serialize)]
pub struct TablePreview {
    pub table: String,
    pub rows: u64,
    pub sample: SampleInfo,
    /// The loaded columns, in COPY order (the order of `values` below).
    pub columns_shown: Vec<String>,
    pub first_rows: Vec<ShownRow>,
    pub spread_rows: Vec<ShownRow>,
    /// Per column, then per field of JSON columns (`preferences.locale`).
    pub columns: Vec<ColumnPreview>,
    /// For `per_parent` tables: children per parent row.
    pub fanout: Option<Fanout>,
}

/// A row as it would be loaded (`null` for NULL).
#[derive(Debug, Clone, Serialize)]
pub struct ShownRow {
    pub row: u64,
    pub values: Vec<Option<String>>,
}

/// Previews `dataset` (compiled from `profile`), with the cache sets of
/// `cache` when given.
pub async fn preview(
    profile: &Profile,
    dataset: &Dataset,
    cache: Option<&CacheSpec>,
    options: &PreviewOptions,
) -> Result<Preview, CacheError> {
    let started = Instant::now();
    let tables = dataset
        .tables()
        .iter()
        .filter(|t| options.table.as_deref().is_none_or(|name| t.name() == name))
        .map(|t| table_preview(t, options.sample.max(1)))
        .collect();
    let cache_sets = match cache {
        Some(spec) => {
            crate::cache::examples::preview(
                dataset,
                spec,
                options.table.as_deref(),
                options.examples,
                options.cache_rows,
            )
            .await?
        }
        None => Vec::new(),
    };
    Ok(Preview {
        profile: profile.path.display().to_string(),
        seed: dataset.seed(),
        confidence: sample::CONFIDENCE,
        tables,
        cache_sets,
        seconds: crate::ui::round3(started.elapsed().as_secs_f64()),
    })
}

fn table_preview(table: &TableGen, sample_size: u64) -> TablePreview {
    let rows = table.row_count();
    let specs = &table.spec().columns;
    let mut stats: Vec<ColumnStats> = specs
        .iter()
        .map(|c| {
            let unique = c.unique
                || matches!(c.generator, Generator::Uuid)
                || matches!(c.generator, Generator::Sequence { step, .. } if step != 0);
            ColumnStats::new(c.name.clone(), column::describe(&c.generator), unique)
        })
        .collect();
    // Fields of JSON columns: (column index, path, stats).
    let mut fields: Vec<(usize, String, ColumnStats)> = Vec::new();
    let indexes = sample::spread(rows, sample_size);
    for &index in &indexes {
        let values = table.row_at(index);
        for (c, value) in values.iter().enumerate() {
            stats[c].add(value);
            if let Value::Json(json) = value {
                add_fields(c, &specs[c], &specs[c].name, json, &mut fields);
            }
        }
    }
    let shown = |index: u64| ShownRow {
        row: index,
        values: table
            .row_at(index)
            .iter()
            .map(|v| (!v.is_null()).then(|| v.to_string()))
            .collect(),
    };
    let (first, spread) = sample::shown(rows);
    let mut columns = Vec::new();
    for (c, stat) in stats.into_iter().enumerate() {
        columns.push(stat.finish(rows));
        for (_, _, field) in fields.iter_mut().filter(|(fc, _, _)| *fc == c) {
            let field =
                std::mem::replace(field, ColumnStats::new(String::new(), String::new(), false));
            columns.push(field.finish(rows));
        }
    }
    TablePreview {
        table: table.name().to_string(),
        rows,
        sample: SampleInfo::new(rows, indexes.len() as u64),
        columns_shown: table.columns().to_vec(),
        first_rows: first.into_iter().map(shown).collect(),
        spread_rows: spread.into_iter().map(shown).collect(),
        columns,
        fanout: fanout::fanout(table),
    }
}

/// Adds the leaves of a JSON object to the stats of its fields.
fn add_fields(
    column: usize,
    spec: &ColumnSpec,
    path: &str,
    json: &serde_json::Value,
    fields: &mut Vec<(usize, String, ColumnStats)>,
) {
    let serde_json::Value::Object(map) = json else {
        return;
    };
    for (name, leaf) in map {
        let path = format!("{path}.{name}");
        if leaf.is_object() {
            add_fields(column, spec, &path, leaf, fields);
            continue;
        }
        let at = match fields.iter().position(|(_, p, _)| *p == path) {
            Some(at) => at,
            None => {
                let generator = field_spec(spec, &path).map_or_else(
                    || "json field".to_string(),
                    |s| column::describe(&s.generator),
                );
                fields.push((
                    column,
                    path.clone(),
                    ColumnStats::new(path, generator, false),
                ));
                fields.len() - 1
            }
        };
        fields[at].2.add(&leaf_value(leaf));
    }
}

/// The profile's spec of a JSON column's field (`preferences.comfort.seated`).
fn field_spec<'a>(spec: &'a ColumnSpec, path: &str) -> Option<&'a ColumnSpec> {
    let Generator::Json(fields) = &spec.generator else {
        return None;
    };
    let mut fields: &[JsonField] = fields;
    let mut names = path.split('.').skip(1).peekable();
    while let Some(name) = names.next() {
        let last = names.peek().is_none();
        match fields.iter().find_map(|f| match f {
            JsonField::Value(c) if c.name == name && last => Some(Ok(&**c)),
            JsonField::Object { name: n, fields } if n == name && !last => Some(Err(fields)),
            _ => None,
        })? {
            Ok(spec) => return Some(spec),
            Err(inner) => fields = inner,
        }
    }
    None
}

fn leaf_value(leaf: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match leaf {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN))),
        J::String(s) => Value::Text(s.clone()),
        other => Value::Json(other.clone()),
    }
}
