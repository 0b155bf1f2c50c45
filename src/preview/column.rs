//! One column's distribution as seen in the sampled rows: type, null rate,
//! distinct count, min/max, top values, and a histogram for numbers,
//! timestamps and dates.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

use serde::Serialize;

use super::sample;
use crate::generate::Value;
use crate::profile::{DistKind, Generator};

/// Top values listed per column.
const TOP_VALUES: usize = 8;
/// Distinct values whose text is kept (for the top list); beyond them only
/// a 64-bit hash is counted.
const LABELLED: usize = 4096;
/// Bins of a histogram (integers with fewer distinct values get one each).
const BINS: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct ColumnPreview {
    /// The column (`preferences.locale` for a field of a JSON column).
    pub name: String,
    /// The profile's generator, e.g. `int zipf 1..50 (s 0.6)`.
    pub generator: String,
    /// The type of the values (`integer`, `text`, `timestamp`, ...).
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub sampled: u64,
    pub nulls: u64,
    pub null_rate: f64,
    pub distinct: Distinct,
    pub min: Option<String>,
    pub max: Option<String>,
    /// Mean of a numeric column, and its margin at the stated confidence.
    pub mean: Option<f64>,
    pub mean_margin: Option<f64>,
    /// The most frequent values; `share` is of the non-null values.
    pub top: Vec<TopValue>,
    /// How far, at the stated confidence, a `share` above may be from the
    /// declared probability (worst case, from the non-null values sampled).
    pub share_margin: f64,
    pub histogram: Option<Vec<Bin>>,
}

/// How many different values the column holds in the whole table.
#[derive(Debug, Clone, Serialize)]
pub struct Distinct {
    pub value: u64,
    /// `exact` (every row was looked at), `unique` (distinct by
    /// construction: `unique = true`, `seq`, `uuid`), or `estimated` (from
    /// the sample with the bias-corrected Chao1 estimator, d + f1 (f1 - 1) /
    /// (2 (f2 + 1)) where f1 and f2 count the values seen once and twice, at
    /// most the non-null rows).
    pub method: &'static str,
    /// Distinct values among the sampled rows.
    pub in_sample: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopValue {
    pub value: String,
    pub count: u64,
    pub share: f64,
}

/// `count` values in `[lo, hi)` (the last bin includes `hi`).
#[derive(Debug, Clone, Serialize)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    /// `lo` as a value of the column (a date for timestamps).
    pub label: String,
    pub count: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Numeric {
    Int,
    Float,
    Timestamp,
    Date,
}

/// Accumulates one column over the sampled rows.
#[derive(Debug)]
pub struct ColumnStats {
    name: String,
    generator: String,
    unique: bool,
    kind: Option<&'static str>,
    numeric: Option<Numeric>,
    sampled: u64,
    nulls: u64,
    counts: HashMap<u64, u64>,
    labels: HashMap<u64, String>,
    numbers: Vec<f64>,
    text: String,
}

impl ColumnStats {
    pub fn new(name: String, generator: String, unique: bool) -> ColumnStats {
        ColumnStats {
            name,
            generator,
            unique,
            kind: None,
            numeric: None,
            sampled: 0,
            nulls: 0,
            counts: HashMap::new(),
            labels: HashMap::new(),
            numbers: Vec::new(),
            text: String::new(),
        }
    }

    pub fn add(&mut self, value: &Value) {
        self.sampled += 1;
        if value.is_null() {
            self.nulls += 1;
            return;
        }
        if self.kind.is_none() {
            self.kind = Some(type_name(value));
            self.numeric = numeric(value);
        }
        if let (Some(kind), Some(x)) = (self.numeric, value.as_f64().or(date_days(value)))
            && numeric(value) == Some(kind)
        {
            self.numbers.push(x);
        }
        self.text.clear();
        let _ = write!(self.text, "{value}");
        let mut hasher = std::hash::DefaultHasher::new();
        self.text.hash(&mut hasher);
        let hash = hasher.finish();
        *self.counts.entry(hash).or_insert(0) += 1;
        if self.labels.len() < LABELLED && !self.labels.contains_key(&hash) {
            self.labels.insert(hash, self.text.clone());
        }
    }

    /// The column's preview; `table_rows` is the size of the whole table.
    pub fn finish(self, table_rows: u64) -> ColumnPreview {
        let non_null = self.sampled - self.nulls;
        let whole = self.sampled >= table_rows;
        let distinct = self.distinct(table_rows, whole);
        let mut top: Vec<TopValue> = self
            .labels
            .iter()
            .map(|(hash, label)| TopValue {
                value: label.clone(),
                count: self.counts[hash],
                share: ratio(self.counts[hash], non_null),
            })
            .collect();
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        top.truncate(TOP_VALUES);
        let kind = self.numeric;
        let (min, max) = min_max(&self.numbers);
        let label = |x: f64| kind.map(|k| format_number(k, x));
        let (mean, mean_margin) = match kind {
            Some(Numeric::Int | Numeric::Float) if !self.numbers.is_empty() => {
                let (mean, stddev) = mean_stddev(&self.numbers);
                (
                    Some(mean),
                    Some(sample::mean_margin(stddev, self.numbers.len() as u64)),
                )
            }
            _ => (None, None),
        };
        ColumnPreview {
            histogram: kind.map(|k| histogram(k, &self.numbers)),
            min: min.and_then(label),
            max: max.and_then(label),
            mean,
            mean_margin,
            name: self.name,
            generator: self.generator,
            kind: self.kind.unwrap_or("null"),
            sampled: self.sampled,
            nulls: self.nulls,
            null_rate: ratio(self.nulls, self.sampled),
            distinct,
            top,
            share_margin: sample::share_margin(non_null),
        }
    }

    fn distinct(&self, table_rows: u64, whole: bool) -> Distinct {
        let in_sample = self.counts.len() as u64;
        if whole {
            return Distinct {
                value: in_sample,
                method: "exact",
                in_sample,
            };
        }
        if self.unique {
            let non_null = table_rows as f64 * (1.0 - ratio(self.nulls, self.sampled));
            return Distinct {
                value: non_null.round() as u64,
                method: "unique",
                in_sample,
            };
        }
        // Chao1 (bias-corrected): values seen once hint at values never
        // seen; at most the table's non-null rows.
        let once = self.counts.values().filter(|&&c| c == 1).count() as f64;
        let twice = self.counts.values().filter(|&&c| c == 2).count() as f64;
        let estimate = in_sample as f64 + once * (once - 1.0) / (2.0 * (twice + 1.0));
        let non_null = table_rows as f64 * (1.0 - ratio(self.nulls, self.sampled));
        Distinct {
            value: estimate.min(non_null).round().max(in_sample as f64) as u64,
            method: "estimated",
            in_sample,
        }
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::Float(_) => "float",
        Value::Text(_) => "text",
        Value::Json(_) => "json",
        Value::Timestamp(_) => "timestamp",
        Value::Date(_) => "date",
        Value::Uuid(_) => "uuid",
        Value::Inet(_) => "inet",
        Value::Array(_) => "array",
    }
}

fn numeric(value: &Value) -> Option<Numeric> {
    match value {
        Value::Int(_) => Some(Numeric::Int),
        Value::Float(_) => Some(Numeric::Float),
        Value::Timestamp(_) => Some(Numeric::Timestamp),
        Value::Date(_) => Some(Numeric::Date),
        _ => None,
    }
}

fn date_days(value: &Value) -> Option<f64> {
    match value {
        Value::Date(d) => Some(f64::from(*d)),
        _ => None,
    }
}

fn format_number(kind: Numeric, x: f64) -> String {
    match kind {
        Numeric::Int => format!("{}", x.round() as i64),
        Numeric::Float => format!("{}", (x * 1e6).round() / 1e6),
        Numeric::Timestamp => Value::Timestamp(x.round() as i64).to_string(),
        Numeric::Date => Value::Date(x.round() as i32).to_string(),
    }
}

fn min_max(numbers: &[f64]) -> (Option<f64>, Option<f64>) {
    let min = numbers.iter().copied().reduce(f64::min);
    let max = numbers.iter().copied().reduce(f64::max);
    (min, max)
}

fn mean_stddev(numbers: &[f64]) -> (f64, f64) {
    let n = numbers.len() as f64;
    let mean = numbers.iter().sum::<f64>() / n;
    let var = numbers.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// Equal-width bins over [min, max]; one bin per value for integers that
/// take few values.
fn histogram(kind: Numeric, numbers: &[f64]) -> Vec<Bin> {
    let (Some(min), Some(max)) = min_max(numbers) else {
        return Vec::new();
    };
    let whole_units = matches!(kind, Numeric::Int | Numeric::Date);
    let (bins, width) = if whole_units && max - min < BINS as f64 * 2.0 {
        ((max - min) as usize + 1, 1.0)
    } else if max > min {
        (BINS, (max - min) / BINS as f64)
    } else {
        (1, 1.0)
    };
    let mut counts = vec![0u64; bins];
    for &x in numbers {
        let i = (((x - min) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| {
            let lo = min + i as f64 * width;
            Bin {
                lo,
                hi: lo + width,
                label: short_label(kind, lo),
                count,
            }
        })
        .collect()
}

/// A bin's lower edge as the column's values read (timestamps to the minute).
fn short_label(kind: Numeric, x: f64) -> String {
    match kind {
        Numeric::Timestamp => {
            let dt = chrono::DateTime::from_timestamp_micros(x as i64).unwrap_or_default();
            dt.format("%Y-%m-%d %H:%M").to_string()
        }
        Numeric::Float => {
            let digits = if x.abs() >= 100.0 { 0 } else { 2 };
            format!("{x:.digits$}")
        }
        _ => format_number(kind, x),
    }
}

/// The profile's generator in a few words.
pub fn describe(generator: &Generator) -> String {
    match generator {
        Generator::Sequence { start, step } => format!("seq from {start} step {step}"),
        Generator::Int(d) => format!("int {}", dist(&d.kind, d.min, d.max)),
        Generator::Float { dist: d, .. } => format!("float {}", dist(&d.kind, d.min, d.max)),
        Generator::Bool { probability } => format!("bool p={probability}"),
        Generator::Choice { values, weights } => {
            let weighted = weights.windows(2).any(|w| w[0] != w[1]);
            format!(
                "choice of {}{}",
                values.len(),
                if weighted { ", weighted" } else { "" }
            )
        }
        Generator::Fake { kind, .. } => format!("fake {}", kind.name()),
        Generator::Timestamp { .. } => "timestamp window".into(),
        Generator::Date { .. } => "date window".into(),
        Generator::Series { .. } => "series".into(),
        Generator::Json(_) => "json".into(),
        Generator::Array { of, .. } => format!("array of {}", describe(&of.generator)),
        Generator::Uuid => "uuid".into(),
        Generator::Ref { table, column, .. } => format!("ref {table}.{column}"),
        Generator::Derive { from, .. } => format!("derive from {from}"),
        Generator::Template(_) => "template".into(),
        Generator::Const(_) => "value".into(),
        Generator::Literal(_) => "rows_literal".into(),
    }
}

fn dist(kind: &DistKind, min: f64, max: f64) -> String {
    match kind {
        DistKind::Uniform => format!("uniform {min}..{max}"),
        DistKind::Normal { mean, stddev } => format!("normal mean {mean} sd {stddev}"),
        DistKind::Zipf { s } => format!("zipf {min}..{max} s={s}"),
        DistKind::Exponential { mean } => format!("exponential mean {mean}"),
        DistKind::Constant(c) => format!("constant {c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_nulls_shares_and_small_integer_bins() {
        let mut stats = ColumnStats::new("level".into(), "int".into(), false);
        for v in [1, 1, 2, 3, 3, 3] {
            stats.add(&Value::Int(v));
        }
        stats.add(&Value::Null);
        let col = stats.finish(7);
        assert_eq!(col.nulls, 1);
        assert_eq!(col.distinct.value, 3);
        assert_eq!(col.distinct.method, "exact");
        assert_eq!(col.top[0].value, "3");
        assert!((col.top[0].share - 0.5).abs() < 1e-12);
        let bins = col.histogram.unwrap();
        assert_eq!(bins.iter().map(|b| b.count).collect::<Vec<_>>(), [2, 1, 3]);
        assert_eq!(
            (col.min.as_deref(), col.max.as_deref()),
            (Some("1"), Some("3"))
        );
    }

    #[test]
    fn estimates_distinct_values_beyond_the_sample() {
        // 100 values all seen once in a sample of 100 rows of 10,000.
        let mut stats = ColumnStats::new("x".into(), "int".into(), false);
        for v in 0..100 {
            stats.add(&Value::Int(v));
        }
        let col = stats.finish(10_000);
        assert_eq!(col.distinct.method, "estimated");
        assert_eq!(col.distinct.value, 100 + 100 * 99 / 2);
        // Every value seen often: nothing unseen is likely.
        let mut stats = ColumnStats::new("x".into(), "int".into(), false);
        for v in 0..1000 {
            stats.add(&Value::Int(v % 7));
        }
        assert_eq!(stats.finish(1_000_000).distinct.value, 7);
    }
}
