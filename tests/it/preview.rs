//! `seedkit preview`: the distributions the shipped `default` profile
//! declares are found in `preview --format json` within the margins it
//! states. The expected values are read from profiles/default.toml here,
//! with the `toml` crate, not through seedkit's own profile reader.

use std::sync::OnceLock;

use serde_json::Value as Json;
use toml::Value as Toml;

use crate::support::{repo_root, seedkit};

/// `preview --format json` of the default profile (run once, shared).
fn preview() -> &'static Json {
    static PREVIEW: OnceLock<Json> = OnceLock::new();
    PREVIEW.get_or_init(|| {
        let out = seedkit()
            .args(["preview", "--profile", "default", "--format", "json"])
            .run();
        out.success();
        out.json()
    })
}

fn profile() -> Toml {
    let text = std::fs::read_to_string(repo_root().join("profiles/default.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

fn table<'a>(preview: &'a Json, name: &str) -> &'a Json {
    preview["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == name)
        .unwrap_or_else(|| panic!("no table {name} in the preview"))
}

fn column<'a>(table: &'a Json, name: &str) -> &'a Json {
    table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name} in {}", table["table"]))
}

fn num(v: &Toml) -> f64 {
    v.as_float()
        .or_else(|| v.as_integer().map(|i| i as f64))
        .unwrap()
}

/// The mean of a Zipf count over `min..=max` as docs/profiles.md defines
/// it: `min` most likely, the k-th value weighing `1/k^s`.
fn zipf_mean(min: f64, max: f64, s: f64) -> f64 {
    let ranks = (max - min) as u64 + 1;
    let weights: Vec<f64> = (1..=ranks).map(|k| (k as f64).powf(-s)).collect();
    let total: f64 = weights.iter().sum();
    weights
        .iter()
        .enumerate()
        .map(|(i, w)| (min + i as f64) * w / total)
        .sum()
}

#[test]
fn children_per_parent_match_the_declared_zipf_means() {
    let preview = preview();
    let profile = profile();
    let mut checked = 0;
    for (name, spec) in profile["tables"].as_table().unwrap() {
        let Some(per_parent) = spec.get("per_parent") else {
            continue;
        };
        let Some(count) = per_parent["count"].as_table() else {
            continue; // a constant count
        };
        assert_eq!(count["dist"].as_str(), Some("zipf"), "{name}");
        let s = count.get("s").map_or(1.0, num);
        let expected = zipf_mean(num(&count["min"]), num(&count["max"]), s);
        let table = table(preview, name);
        let fanout = &table["fanout"];
        assert_eq!(fanout["parent"], per_parent["parent"].as_str().unwrap());
        let mean = fanout["mean"].as_f64().unwrap();
        let margin = fanout["mean_margin"].as_f64().unwrap();
        assert!(margin > 0.0 && margin < expected / 10.0, "{name}: {margin}");
        assert!(
            (mean - expected).abs() <= margin,
            "{name}: {mean} children per parent, the profile declares {expected} (±{margin})"
        );
        // The histogram accounts for every parent and every row.
        let bins = fanout["histogram"].as_array().unwrap();
        let parents: u64 = bins.iter().map(|b| b["parents"].as_u64().unwrap()).sum();
        let rows: u64 = bins
            .iter()
            .map(|b| b["parents"].as_u64().unwrap() * b["children"].as_u64().unwrap())
            .sum();
        assert_eq!(parents, fanout["parents"].as_u64().unwrap());
        assert_eq!(rows, table["rows"].as_u64().unwrap());
        let none = bins[0]["parents"].as_u64().unwrap() as f64 / parents as f64;
        assert_eq!(bins[0]["children"], 0);
        assert!((fanout["share_none"].as_f64().unwrap() - none).abs() < 1e-12);
        checked += 1;
    }
    // game_sessions and player_achievements.
    assert_eq!(checked, 2);
}

/// Whether a column's NULLs come only from its `null_probability`.
fn nulls_only_by_probability(columns: &toml::Table, spec: &toml::Table) -> bool {
    if spec.contains_key("null_if") {
        return false;
    }
    if let Some(reference) = spec.get("ref").and_then(Toml::as_table) {
        // `same_parent` is NULL when the parent has no such row.
        return reference.get("pick").and_then(Toml::as_str) != Some("same_parent");
    }
    match spec
        .get("derive")
        .and_then(|d| d.get("from"))
        .and_then(Toml::as_str)
    {
        // NULL when its source is.
        Some(from) => {
            columns
                .get(from)
                .and_then(Toml::as_table)
                .is_some_and(|source| nulls_only_by_probability(columns, source))
                && !columns[from]
                    .as_table()
                    .unwrap()
                    .contains_key("null_probability")
        }
        None => true,
    }
}

#[test]
fn null_rates_match_the_declared_null_probability() {
    let preview = preview();
    let profile = profile();
    let mut checked = Vec::new();
    for (name, spec) in profile["tables"].as_table().unwrap() {
        let Some(columns) = spec.get("columns").and_then(Toml::as_table) else {
            continue;
        };
        if spec.get("load").and_then(Toml::as_bool) == Some(false) {
            continue;
        }
        let table = table(preview, name);
        let margin = table["sample"]["share_margin"].as_f64().unwrap();
        for (column_name, column_spec) in columns {
            let Some(column_spec) = column_spec.as_table() else {
                continue; // a constant
            };
            if column_spec.get("hidden").and_then(Toml::as_bool) == Some(true)
                || !nulls_only_by_probability(columns, column_spec)
            {
                continue;
            }
            let declared = column_spec.get("null_probability").map_or(0.0, num);
            let seen = column(table, column_name)["null_rate"].as_f64().unwrap();
            assert!(
                (seen - declared).abs() <= margin,
                "{name}.{column_name}: {seen} NULL, declared {declared} (±{margin})"
            );
            if declared > 0.0 {
                checked.push(format!("{name}.{column_name}"));
            }
        }
    }
    // vr_headset, last_login_at, security_events.player_id, user_agent, action.
    assert_eq!(checked.len(), 5, "{checked:?}");
}

const GENERATORS: [&str; 16] = [
    "seq",
    "int",
    "float",
    "bool",
    "choice",
    "fake",
    "timestamp",
    "date",
    "series",
    "json",
    "array",
    "uuid",
    "ref",
    "derive",
    "template",
    "value",
];

/// Every `choice` (weighted or not) and `bool` among `columns`, JSON fields
/// included (named `column.field` as the preview names them).
fn choices_and_bools(prefix: &str, columns: &toml::Table, out: &mut Vec<(String, toml::Table)>) {
    for (name, spec) in columns {
        let Some(spec) = spec.as_table() else {
            continue;
        };
        let path = format!("{prefix}{name}");
        if spec.get("hidden").and_then(Toml::as_bool) == Some(true) {
            continue;
        }
        if spec.contains_key("choice") || spec.contains_key("bool") {
            out.push((path, spec.clone()));
        } else if let Some(json) = spec.get("json").and_then(Toml::as_table) {
            choices_and_bools(&format!("{path}."), json, out);
        } else if !prefix.is_empty() && !GENERATORS.iter().any(|g| spec.contains_key(*g)) {
            // A nested object of a JSON column.
            choices_and_bools(&format!("{path}."), spec, out);
        }
    }
}

#[test]
fn choice_and_bool_shares_match_the_declared_weights() {
    let preview = preview();
    let profile = profile();
    let mut checked = 0;
    for (name, spec) in profile["tables"].as_table().unwrap() {
        let Some(columns) = spec.get("columns").and_then(Toml::as_table) else {
            continue;
        };
        let mut found = Vec::new();
        choices_and_bools("", columns, &mut found);
        let table = table(preview, name);
        for (column_name, spec) in found {
            let declared: Vec<(String, f64)> = match (&spec.get("choice"), &spec.get("bool")) {
                (Some(choice), _) => {
                    let (values, weights) = match choice {
                        Toml::Array(values) => (values.clone(), vec![1.0; values.len()]),
                        other => (
                            other["values"].as_array().unwrap().clone(),
                            other.get("weights").and_then(Toml::as_array).map_or(
                                vec![1.0; other["values"].as_array().unwrap().len()],
                                |w| w.iter().map(num).collect(),
                            ),
                        ),
                    };
                    let total: f64 = weights.iter().sum();
                    values
                        .iter()
                        .zip(weights)
                        .map(|(v, w)| {
                            let text = v.as_str().map_or_else(|| v.to_string(), String::from);
                            (text, w / total)
                        })
                        .collect()
                }
                (None, Some(b)) => {
                    let p = b.get("probability").map_or(0.5, num);
                    vec![("t".into(), p), ("f".into(), 1.0 - p)]
                }
                (None, None) => unreachable!(),
            };
            let column = column(table, &column_name);
            let margin = column["share_margin"].as_f64().unwrap();
            let top = column["top"].as_array().unwrap();
            for (value, expected) in declared {
                let seen = top
                    .iter()
                    .find(|t| t["value"] == value.as_str())
                    .map_or(0.0, |t| t["share"].as_f64().unwrap());
                assert!(
                    (seen - expected).abs() <= margin,
                    "{name}.{column_name} = {value}: share {seen}, declared {expected} (±{margin})"
                );
                checked += 1;
            }
        }
    }
    // Every declared value of every choice and bool in the profile.
    assert!(checked >= 60, "only {checked} values checked");
}

#[test]
fn a_table_the_profile_does_not_load_is_a_usage_error_naming_the_tables() {
    let out = seedkit()
        .args(["preview", "--table", "servers", "--no-cache"])
        .run();
    out.assert_code(2);
    assert!(
        out.stderr.contains("no table named `servers`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("players, game_sessions"),
        "{}",
        out.stderr
    );
}
