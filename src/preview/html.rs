//! The preview as one self-contained HTML page: no script, no network, no
//! font or style sheet to fetch; every chart is inline SVG. A chart per
//! column (a histogram for numbers and times, the top values otherwise),
//! the fan-out of `per_parent` tables, the cache sets and, after a real
//! load (`seed --report`), rows, bytes and seconds per table and the time
//! per phase.

use std::fmt::Write as _;
use std::path::Path;

use super::column::ColumnPreview;
use super::fanout::Fanout;
use super::{Preview, TablePreview};
use crate::cache::examples::SetPreview;
use crate::load::Summary;
use crate::ui::{bytes, thousands};

const CHART_WIDTH: f64 = 320.0;
const CHART_HEIGHT: f64 = 120.0;
/// Room under a histogram for its axis labels.
const AXIS: f64 = 16.0;
const BAR_ROW: f64 = 16.0;

const STYLE: &str = "
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 16px 24px; color: #1d2433; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #d6dbe4; padding-bottom: 4px; }
.meta { color: #5b6478; margin: 0 0 8px; }
nav { display: flex; flex-wrap: wrap; gap: 2px 12px; margin-bottom: 8px; } nav a { color: #2f5bb7; text-decoration: none; }
table { border-collapse: collapse; font-size: 12px; }
td, th { padding: 2px 8px; border-bottom: 1px solid #eef0f4; text-align: left; white-space: nowrap; max-width: 220px; overflow: hidden; text-overflow: ellipsis; }
th { color: #5b6478; font-weight: 600; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.rows { overflow-x: auto; margin: 6px 0 12px; }
.null { color: #a0a7b6; font-style: italic; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
.card { border: 1px solid #d6dbe4; border-radius: 6px; padding: 8px 10px; }
.card h3 { font-size: 14px; margin: 0; font-family: ui-monospace, monospace; }
.card p { margin: 2px 0 6px; color: #5b6478; font-size: 12px; }
svg { display: block; } svg text { font: 10px system-ui, sans-serif; fill: #5b6478; }
rect.bar { fill: #4c78c8; } rect.bar.fan { fill: #3e9b6a; } rect.bar.time { fill: #d08b2c; }
pre { font-size: 11px; background: #f6f7f9; padding: 6px; margin: 2px 0; white-space: pre-wrap; word-break: break-all; }
";

/// Writes the page to `path`.
pub fn write(path: &Path, preview: &Preview, load: Option<&Summary>) -> std::io::Result<()> {
    std::fs::write(path, render(preview, load))
}

/// The whole page.
pub fn render(preview: &Preview, load: Option<&Summary>) -> String {
    let mut out = String::with_capacity(256 * 1024);
    let title = match load {
        Some(_) => "seedkit seed report",
        None => "seedkit preview",
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&preview.profile)
    );
    let _ = write!(
        out,
        "<h1>{title}: {}</h1>\n<p class=\"meta\">seed {} &middot; {} tables &middot; \
         {} generated rows &middot; distributions from samples, margins at {:.0}% confidence \
         &middot; computed in {:.2} s without a database</p>\n",
        esc(&preview.profile),
        preview.seed,
        preview.tables.len(),
        thousands(preview.tables.iter().map(|t| t.rows).sum()),
        preview.confidence * 100.0,
        preview.seconds
    );
    out.push_str("<nav>");
    if load.is_some() {
        out.push_str("<a href=\"#load\">load</a>");
    }
    for table in &preview.tables {
        let _ = write!(
            out,
            "<a href=\"#t-{}\">{}</a>",
            anchor(&table.table),
            esc(&table.table)
        );
    }
    if !preview.cache_sets.is_empty() {
        out.push_str("<a href=\"#cache\">cache sets</a>");
    }
    out.push_str("</nav>\n");
    overview(&mut out, preview);
    if let Some(summary) = load {
        load_section(&mut out, summary);
    }
    for table in &preview.tables {
        table_section(&mut out, table);
    }
    if !preview.cache_sets.is_empty() {
        cache_section(&mut out, &preview.cache_sets);
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Rows per table and keys per cache set, side by side.
fn overview(out: &mut String, preview: &Preview) {
    out.push_str("<div class=\"cards\">\n<div class=\"card\"><h3>rows per table</h3>");
    let rows: Vec<(String, f64, String)> = preview
        .tables
        .iter()
        .map(|t| (t.table.clone(), t.rows as f64, thousands(t.rows)))
        .collect();
    out.push_str(&bar_chart("overview.rows", &rows, ""));
    out.push_str("</div>\n");
    if !preview.cache_sets.is_empty() {
        out.push_str("<div class=\"card\"><h3>keys per cache set</h3>");
        let keys: Vec<(String, f64, String)> = preview
            .cache_sets
            .iter()
            .map(|s| {
                let keys = s.keys.map_or("not computed".into(), thousands);
                let text = format!("{keys} ({})", s.kind);
                (s.name.clone(), s.keys.unwrap_or(0) as f64, text)
            })
            .collect();
        out.push_str(&bar_chart("overview.cache", &keys, "fan"));
        out.push_str("</div>\n");
    }
    out.push_str("</div>\n");
}

fn load_section(out: &mut String, summary: &Summary) {
    let _ = write!(
        out,
        "<h2 id=\"load\">load</h2>\n<p class=\"meta\">{} rows, {} in {:.3} s ({} rows/s), \
         strategy {}, {} jobs</p>\n",
        thousands(summary.total_rows),
        bytes(summary.total_bytes),
        summary.total_seconds,
        thousands(summary.rows_per_second as u64),
        esc(summary.strategy),
        summary.jobs
    );
    out.push_str("<div class=\"cards\">\n<div class=\"card\"><h3>seconds per table</h3>");
    let tables: Vec<(String, f64, String)> = summary
        .tables
        .iter()
        .map(|t| (t.table.clone(), t.seconds, format!("{:.3} s", t.seconds)))
        .collect();
    out.push_str(&bar_chart("load.tables", &tables, "time"));
    out.push_str("</div>\n<div class=\"card\"><h3>seconds per phase</h3>");
    let p = &summary.phases;
    let mut phases = vec![
        ("generate + copy", p.generate_copy),
        ("indexes", p.indexes),
        ("constraints", p.constraints),
        ("analyze", p.analyze),
    ];
    if let Some(cache) = p.cache {
        phases.push(("cache", cache));
    }
    let phases: Vec<(String, f64, String)> = phases
        .into_iter()
        .map(|(name, s)| (name.to_string(), s, format!("{s:.3} s")))
        .collect();
    out.push_str(&bar_chart("load.phases", &phases, "time"));
    out.push_str("</div>\n</div>\n<div class=\"rows\"><table><tr><th>table</th><th>rows</th><th>bytes</th><th>seconds</th></tr>\n");
    for t in &summary.tables {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td></tr>",
            esc(&t.table),
            thousands(t.rows),
            bytes(t.bytes),
            t.seconds
        );
    }
    out.push_str("</table></div>\n");
}

fn table_section(out: &mut String, table: &TablePreview) {
    let sampled = if table.sample.whole_table {
        "every row read".to_string()
    } else {
        format!("{} rows sampled", thousands(table.sample.rows))
    };
    let _ = write!(
        out,
        "<h2 id=\"t-{}\">{}</h2>\n<p class=\"meta\">{} rows &middot; {sampled} &middot; \
         shares within &plusmn;{:.1} points of the profile's probabilities</p>\n",
        anchor(&table.table),
        esc(&table.table),
        thousands(table.rows),
        table.sample.share_margin * 100.0
    );
    out.push_str("<div class=\"rows\"><table><tr><th>row</th>");
    for name in &table.columns_shown {
        let _ = write!(out, "<th>{}</th>", esc(name));
    }
    out.push_str("</tr>\n");
    for row in table.first_rows.iter().chain(&table.spread_rows) {
        let _ = write!(out, "<tr><td class=\"n\">{}</td>", row.row);
        for value in &row.values {
            match value {
                Some(v) => {
                    let _ = write!(out, "<td title=\"{}\">{}</td>", esc(v), esc(v));
                }
                None => out.push_str("<td class=\"null\">NULL</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n<div class=\"cards\">\n");
    for column in &table.columns {
        column_card(out, &table.table, column);
    }
    if let Some(fanout) = &table.fanout {
        fanout_card(out, &table.table, fanout);
    }
    out.push_str("</div>\n");
}

fn column_card(out: &mut String, table: &str, c: &ColumnPreview) {
    let mut facts = format!(
        "{} &middot; {} &middot; null {:.1}% &middot; {} distinct ({})",
        esc(c.kind),
        esc(&c.generator),
        c.null_rate * 100.0,
        thousands(c.distinct.value),
        c.distinct.method
    );
    if let (Some(min), Some(max)) = (&c.min, &c.max) {
        let _ = write!(facts, " &middot; {} .. {}", esc(min), esc(max));
    }
    if let (Some(mean), Some(margin)) = (c.mean, c.mean_margin) {
        let _ = write!(facts, " &middot; mean {mean:.3} &plusmn;{margin:.3}");
    }
    let _ = write!(
        out,
        "<div class=\"card\"><h3>{}</h3><p>{facts}</p>",
        esc(&c.name)
    );
    let id = format!("{table}.{}", c.name);
    match c.histogram.as_ref().filter(|bins| bins.len() > 1) {
        Some(bins) => {
            let bars: Vec<(f64, String)> = bins
                .iter()
                .map(|b| (b.count as f64, format!("{}: {}", b.label, b.count)))
                .collect();
            out.push_str(&histogram(
                &id,
                &bars,
                c.min.as_deref().unwrap_or(""),
                c.max.as_deref().unwrap_or(""),
                "",
            ));
        }
        None => {
            let top: Vec<(String, f64, String)> = c
                .top
                .iter()
                .map(|t| (t.value.clone(), t.share, format!("{:.1}%", t.share * 100.0)))
                .collect();
            out.push_str(&bar_chart(&id, &top, ""));
        }
    }
    out.push_str("</div>\n");
}

fn fanout_card(out: &mut String, table: &str, f: &Fanout) {
    let _ = write!(
        out,
        "<div class=\"card\"><h3>{} per {} row</h3><p>mean {:.3} &plusmn;{:.3} &middot; \
         {} .. {} &middot; {:.1}% of parents have none</p>",
        esc(table),
        esc(&f.parent),
        f.mean,
        f.mean_margin,
        f.min,
        f.max,
        f.share_none * 100.0
    );
    // One bar per count from min to max, empty counts included.
    let bars: Vec<(f64, String)> = (f.min..=f.max)
        .map(|children| {
            let parents = f
                .histogram
                .iter()
                .find(|b| b.children == children)
                .map_or(0, |b| b.parents);
            (
                parents as f64,
                format!("{children} children: {} parents", thousands(parents)),
            )
        })
        .collect();
    out.push_str(&histogram(
        &format!("{table}.fanout"),
        &bars,
        &f.min.to_string(),
        &f.max.to_string(),
        "fan",
    ));
    out.push_str("</div>\n");
}

fn cache_section(out: &mut String, sets: &[SetPreview]) {
    out.push_str(
        "<h2 id=\"cache\">cache sets</h2>\n<p class=\"meta\">the commands <code>seedkit warm</code> \
         would send, counted in memory</p>\n<div class=\"cards\">\n",
    );
    for set in sets {
        let ttl = match set.ttl_seconds {
            Some(s) => humantime::format_duration(std::time::Duration::from_secs(s)).to_string(),
            None => "none".into(),
        };
        let table = esc(set.table.as_deref().unwrap_or("count"));
        let counts = match (set.keys, set.rows, set.commands) {
            (Some(keys), Some(rows), Some(commands)) => format!(
                "{} keys from {} rows of {table} &middot; {} commands",
                thousands(keys),
                thousands(rows),
                thousands(commands)
            ),
            _ => format!(
                "from {table}: not computed, {}",
                esc(set.skipped.as_deref().unwrap_or("skipped"))
            ),
        };
        let _ = write!(
            out,
            "<div class=\"card\"><h3>{}</h3><p>{} &middot; {counts} &middot; TTL {}</p>",
            esc(&set.name),
            set.kind,
            esc(&ttl)
        );
        for example in &set.examples {
            let value = match &example.value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = write!(out, "<pre>{} = {}</pre>", esc(&example.key), esc(&value));
        }
        out.push_str("</div>\n");
    }
    out.push_str("</div>\n");
}

/// Vertical bars (a histogram), with the first and last edge under it.
fn histogram(id: &str, bars: &[(f64, String)], lo: &str, hi: &str, class: &str) -> String {
    let most = bars.iter().map(|b| b.0).fold(0.0, f64::max).max(1.0);
    let plot = CHART_HEIGHT - AXIS;
    let width = CHART_WIDTH / bars.len().max(1) as f64;
    let mut svg = svg_open(id, CHART_WIDTH, CHART_HEIGHT);
    for (i, (value, title)) in bars.iter().enumerate() {
        let h = value / most * (plot - 2.0);
        let _ = write!(
            svg,
            "<rect class=\"bar {class}\" x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{h:.2}\">\
             <title>{}</title></rect>",
            i as f64 * width,
            plot - h,
            (width - 1.0).max(0.5),
            esc(title)
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"0\" y1=\"{plot}\" x2=\"{CHART_WIDTH}\" y2=\"{plot}\" stroke=\"#9aa3b5\"/>\
         <text x=\"0\" y=\"{}\">{}</text><text x=\"{CHART_WIDTH}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        CHART_HEIGHT - 3.0,
        esc(lo),
        CHART_HEIGHT - 3.0,
        esc(hi)
    );
    svg
}

/// Horizontal bars, one per (label, value, text) with the label on the
/// left and the text on the right.
fn bar_chart(id: &str, bars: &[(String, f64, String)], class: &str) -> String {
    let height = BAR_ROW * bars.len().max(1) as f64;
    let most = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    let most = if most > 0.0 { most } else { 1.0 };
    let (label_width, text_width) = (110.0, 90.0);
    let room = CHART_WIDTH - label_width - text_width;
    let mut svg = svg_open(id, CHART_WIDTH, height);
    for (i, (label, value, text)) in bars.iter().enumerate() {
        let y = i as f64 * BAR_ROW;
        let w = (value / most * room).max(if *value > 0.0 { 1.0 } else { 0.0 });
        let _ = write!(
            svg,
            "<text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar {class}\" x=\"{label_width}\" y=\"{:.1}\" width=\"{w:.2}\" height=\"{:.1}\">\
             <title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            label_width - 4.0,
            y + 11.5,
            esc(&shorten(label, 20)),
            y + 2.0,
            BAR_ROW - 4.0,
            esc(label),
            esc(text),
            label_width + w + 4.0,
            y + 11.5,
            esc(&shorten(text, 24))
        );
    }
    svg.push_str("</svg>");
    svg
}

fn svg_open(id: &str, width: f64, height: f64) -> String {
    format!(
        "<svg class=\"chart\" data-column=\"{}\"\
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"{}\">",
        esc(id),
        esc(id)
    )
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let mut out: String = text.chars().take(chars - 1).collect();
    out.push('…');
    out
}

/// An id for a table's section (table names may hold dots and quotes).
fn anchor(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Text and attribute values as HTML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(anchor("game.players"), "game_players");
    }
}
