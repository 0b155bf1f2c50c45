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

/// The charts of a page by their `data-column`, and the page's problems
/// with self-containment (external URLs, scripts, style sheets).
fn charts(html: &str) -> std::collections::HashMap<String, Vec<(f64, f64)>> {
    let doc = scraper::Html::parse_document(html);
    let chart = scraper::Selector::parse("svg.chart").unwrap();
    let bar = scraper::Selector::parse("rect.bar").unwrap();
    let linked = scraper::Selector::parse("[src], [href]").unwrap();
    for element in doc.select(&linked) {
        for attr in ["src", "href"] {
            if let Some(target) = element.value().attr(attr) {
                assert!(
                    target.starts_with('#'),
                    "<{} {attr}=\"{target}\"> points outside the page",
                    element.value().name()
                );
            }
        }
    }
    for outside in ["script", "link", "iframe", "img", "object"] {
        let selector = scraper::Selector::parse(outside).unwrap();
        assert_eq!(
            doc.select(&selector).count(),
            0,
            "the page has a <{outside}>"
        );
    }
    assert!(!html.contains("url("), "a style loads something");
    let mut charts = std::collections::HashMap::new();
    for svg in doc.select(&chart) {
        let id = svg.value().attr("data-column").unwrap().to_string();
        let bars: Vec<(f64, f64)> = svg
            .select(&bar)
            .map(|r| {
                let size = |a: &str| r.value().attr(a).unwrap().parse::<f64>().unwrap();
                (size("width"), size("height"))
            })
            .collect();
        assert!(
            charts.insert(id.clone(), bars).is_none(),
            "two charts for {id}"
        );
    }
    charts
}

fn has_data(bars: &[(f64, f64)]) -> bool {
    bars.iter().any(|(w, h)| w * h > 0.0)
}

#[test]
fn the_html_page_has_a_chart_with_data_per_generated_column_and_nothing_from_outside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    let out = seedkit()
        .args([
            "preview",
            "--profile",
            "default",
            "--format",
            "json",
            "--html",
        ])
        .arg(&path)
        .run();
    out.success();
    let preview = out.json();
    let charts = charts(&std::fs::read_to_string(&path).unwrap());
    let mut expected = 0;
    for table in preview["tables"].as_array().unwrap() {
        let name = table["table"].as_str().unwrap();
        // Every loaded column is one of the columns previewed ...
        for column in table["columns_shown"].as_array().unwrap() {
            let column = column.as_str().unwrap();
            assert!(
                table["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["name"] == column),
                "{name}.{column}"
            );
        }
        // ... and each previewed column (JSON fields too) has its chart.
        for column in table["columns"].as_array().unwrap() {
            let id = format!("{name}.{}", column["name"].as_str().unwrap());
            let bars = charts
                .get(&id)
                .unwrap_or_else(|| panic!("no chart for {id}"));
            assert!(has_data(bars), "the chart of {id} is empty: {bars:?}");
            expected += 1;
        }
        if !table["fanout"].is_null() {
            let bars = &charts[&format!("{name}.fanout")];
            assert!(has_data(bars), "{name}'s fan-out chart is empty");
            expected += 1;
        }
    }
    // Besides: rows per table and keys per cache set.
    assert!(has_data(&charts["overview.rows"]) && has_data(&charts["overview.cache"]));
    assert_eq!(
        charts.len(),
        expected + 2,
        "charts of nothing: {:?}",
        charts.keys()
    );
    // players (13 columns and JSON fields), game_sessions (9), ...
    assert!(expected > 80, "{expected} charts");
}

#[test]
fn seed_report_adds_the_loads_rows_and_seconds_per_table_and_phase() {
    let db = crate::support::TestDb::new("preview_report");
    db.seedkit().arg("migrate").run().success();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.html");
    let out = db
        .seedkit()
        .args([
            "seed",
            "--profile",
            "ci",
            "--no-cache",
            "--format",
            "json",
            "--report",
        ])
        .arg(&path)
        .run();
    out.success();
    let summary = out.json();
    let html = std::fs::read_to_string(&path).unwrap();
    let charts = charts(&html);
    let tables = summary["tables"].as_array().unwrap();
    let per_table = &charts["load.tables"];
    assert_eq!(per_table.len(), tables.len());
    assert!(has_data(per_table));
    // generate+copy, indexes, constraints, analyze (no cache: --no-cache).
    assert_eq!(charts["load.phases"].len(), 4);
    for t in tables {
        let row = format!(
            "<tr><td>{}</td><td class=\"n\">{}</td>",
            t["table"].as_str().unwrap(),
            seedkit::ui::thousands(t["rows"].as_u64().unwrap())
        );
        assert!(html.contains(&row), "no load row {row}");
    }
    // The loaded rows are the previewed ones: players' chart is there.
    assert!(has_data(&charts["players.level"]));
    assert_eq!(
        db.query("SELECT count(*) FROM players"),
        summary["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == "players")
            .unwrap()["rows"]
            .to_string()
    );
}

#[test]
fn the_text_fits_the_terminal_and_shows_rows_histograms_and_cache_keys() {
    for width in [72, 120] {
        let out = seedkit()
            .args(["preview", "--profile", "ci"])
            .env("COLUMNS", width.to_string())
            .run();
        out.success();
        for line in out.stdout.lines() {
            assert!(line.chars().count() <= width, "wider than {width}: {line}");
        }
        let players = out
            .stdout
            .split("\n== ")
            .find(|t| t.starts_with("players:"))
            .unwrap();
        assert!(players.contains("200 rows (every row read"), "{players}");
        // The sample rows' header, then a row per shown row (5 first + 5 spread).
        let rows: Vec<&str> = players.lines().skip(1).take(11).collect();
        assert!(rows[0].starts_with("  row  id"), "{players}");
        assert!(rows[1].starts_with("  0    1 "), "{players}");
        // level: a zipf histogram, highest at its first bin.
        let level = players
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("level "))
            .nth(1)
            .unwrap();
        assert!(level.trim_start().starts_with('█'), "{level}");
    }
    let out = seedkit().args(["preview", "--profile", "ci"]).run();
    assert!(
        out.stdout.contains(
            "  webhook_seen (string): 50 keys from 50 rows of webhook_deliveries, TTL 1day"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("    seedkit:webhook:seen:"),
        "{}",
        out.stdout
    );
}
