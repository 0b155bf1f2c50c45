//! What each cache set would write, without Redis: the very plan `warm`
//! runs ([`super::plan::warm_sets`]), sent into memory instead of a server,
//! counting every key and keeping the first few (for `seedkit preview`).

use std::time::Instant;

use serde::Serialize;

use super::CacheError;
use super::plan::warm_sets;
use super::resp::Command;
use super::sink::Sink;
use super::spec::{CacheSpec, RowSource};
use crate::generate::{Dataset, Shard};

/// Commands of a set kept in memory to pick examples from.
const KEPT_COMMANDS: usize = 64;
/// Members of a hash, set or sorted set shown per example key.
const SHOWN_MEMBERS: usize = 5;

/// One cache set as `warm` would write it.
#[derive(Debug, Clone, Serialize)]
pub struct SetPreview {
    pub name: String,
    /// `string`, `hash`, `zset`, ... (as `warm` reports it).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The table whose rows make the keys (`None` for `count = N`).
    pub table: Option<String>,
    /// Rows the set reads (its table's, or `count`).
    pub source_rows: u64,
    /// Rows that passed the set's filters (`None` when not computed).
    pub rows: Option<u64>,
    /// Distinct keys, exactly as `warm` would write them.
    pub keys: Option<u64>,
    pub commands: Option<u64>,
    /// Why the set was not computed (its table is over the row limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    pub ttl_seconds: Option<u64>,
    /// The first keys written, with their values.
    pub examples: Vec<KeyExample>,
    /// Time to compute the set (a full pass over its rows).
    pub seconds: f64,
}

/// A key and (the start of) its value.
#[derive(Debug, Clone, Serialize)]
pub struct KeyExample {
    pub key: String,
    /// A string, a hash's fields (an object), a set's members (an array)
    /// or a sorted set's `[score, member]` pairs, at most 5 members each.
    pub value: serde_json::Value,
    /// Members seen for this key in the commands kept (hashes, sets, zsets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<u64>,
    pub ttl_seconds: Option<u64>,
}

/// Every set of `spec` (or only the sets reading `table`), computed from
/// `dataset` as `warm` computes them, with up to `examples` keys each.
/// A set reading more than `max_rows` rows is listed but not computed
/// (each computed set is a full pass over its rows).
pub async fn preview(
    dataset: &Dataset,
    spec: &CacheSpec,
    table: Option<&str>,
    examples: usize,
    max_rows: u64,
) -> Result<Vec<SetPreview>, CacheError> {
    let mut previews = Vec::new();
    for set in &spec.sets {
        let source = match &set.source {
            RowSource::Table { table, .. } => Some(table.clone()),
            RowSource::Count(_) => None,
        };
        if table.is_some() && source.as_deref() != table {
            continue;
        }
        let ttl_seconds = set.ttl.map(|d| d.as_secs());
        let source_rows = match &set.source {
            RowSource::Table { table, .. } => dataset.table(table).map_or(0, |t| t.row_count()),
            RowSource::Count(n) => *n,
        };
        if source_rows > max_rows {
            previews.push(SetPreview {
                name: set.name.clone(),
                kind: set.kind.type_name(),
                table: source,
                source_rows,
                rows: None,
                keys: None,
                commands: None,
                skipped: Some(format!(
                    "reads {} rows, more than the limit of {}",
                    crate::ui::thousands(source_rows),
                    crate::ui::thousands(max_rows)
                )),
                ttl_seconds,
                examples: Vec::new(),
                seconds: 0.0,
            });
            continue;
        }
        let started = Instant::now();
        let mut sink = Sink::Memory {
            kept: Vec::new(),
            limit: KEPT_COMMANDS,
            sent: 0,
        };
        let reports = warm_sets(&[set], spec, dataset, Shard::WHOLE, &mut sink).await?;
        let report = reports.into_iter().next().expect("one report per set");
        let Sink::Memory { kept, .. } = sink else {
            unreachable!("the sink made above")
        };
        previews.push(SetPreview {
            name: set.name.clone(),
            kind: report.kind,
            table: source,
            source_rows,
            rows: Some(report.rows),
            keys: Some(report.keys),
            commands: Some(report.commands),
            skipped: None,
            ttl_seconds,
            examples: key_examples(&kept, examples, ttl_seconds),
            seconds: crate::ui::round3(started.elapsed().as_secs_f64()),
        });
    }
    Ok(previews)
}

/// The first `n` keys of `commands` with their values, members merged
/// across the commands of a key.
fn key_examples(commands: &[Command], n: usize, ttl_seconds: Option<u64>) -> Vec<KeyExample> {
    let mut examples: Vec<KeyExample> = Vec::new();
    for cmd in commands {
        let verb = text(cmd.get(0));
        if verb == "EXPIRE" || cmd.len() < 3 {
            continue;
        }
        let key = text(cmd.get(1));
        let at = match examples.iter().position(|e| e.key == key) {
            Some(at) => at,
            None if examples.len() < n => {
                examples.push(KeyExample {
                    key,
                    value: serde_json::Value::Null,
                    members: None,
                    ttl_seconds,
                });
                examples.len() - 1
            }
            None => continue,
        };
        add_value(&mut examples[at], &verb, cmd);
    }
    examples
}

fn add_value(example: &mut KeyExample, verb: &str, cmd: &Command) {
    use serde_json::Value as J;
    let args: Vec<String> = (2..cmd.len()).map(|i| text(cmd.get(i))).collect();
    match verb {
        "SET" => example.value = J::String(args[0].clone()),
        "HSET" => {
            let mut map = match std::mem::take(&mut example.value) {
                J::Object(map) => map,
                _ => serde_json::Map::new(),
            };
            for pair in args.chunks(2) {
                if let [field, value] = pair {
                    map.insert(field.clone(), J::String(value.clone()));
                }
            }
            *example.members.get_or_insert(0) += (args.len() / 2) as u64;
            example.value = J::Object(map);
        }
        "SADD" | "ZADD" => {
            let mut items = match std::mem::take(&mut example.value) {
                J::Array(items) => items,
                _ => Vec::new(),
            };
            let new: Vec<J> = if verb == "SADD" {
                args.iter().map(|m| J::String(m.clone())).collect()
            } else {
                args.chunks(2)
                    .filter_map(|pair| match pair {
                        [score, member] => Some(serde_json::json!([score, member])),
                        _ => None,
                    })
                    .collect()
            };
            *example.members.get_or_insert(0) += new.len() as u64;
            let room = SHOWN_MEMBERS.saturating_sub(items.len());
            items.extend(new.into_iter().take(room));
            example.value = J::Array(items);
        }
        _ => example.value = J::String(args.join(" ")),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
