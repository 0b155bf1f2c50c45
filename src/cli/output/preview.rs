//! How `seedkit preview` reads for people: per table, sample rows as a table
//! that fits the terminal, then each column's distribution with a small
//! histogram, the fan-out under its parent, and the cache sets.

use super::emit;
use crate::cache::examples::SetPreview;
use crate::preview::column::ColumnPreview;
use crate::preview::fanout::Fanout;
use crate::preview::{Preview, ShownRow, TablePreview};
use crate::ui::{count, thousands};

/// Width used when stdout is not a terminal and `COLUMNS` is not set.
const DEFAULT_WIDTH: usize = 100;
/// A sample row's cell is cut to this many characters before fitting.
const MAX_CELL: usize = 28;
/// Fan-out lines before counts are grouped into ranges.
const MAX_FANOUT_LINES: usize = 21;
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `emit!` of one line, cut to `width` characters.
macro_rules! fitted {
    ($width:expr, $($arg:tt)*) => {
        emit!("{}", fit(&format!($($arg)*), $width))
    };
}

pub fn print_preview(preview: &Preview) {
    let width = terminal_width();
    fitted!(
        width,
        "preview of {} (seed {}), no database needed; margins at {:.0}% confidence",
        preview.profile,
        preview.seed,
        preview.confidence * 100.0
    );
    for table in &preview.tables {
        print_table(table, width);
    }
    if !preview.cache_sets.is_empty() {
        emit!("");
        fitted!(
            width,
            "cache sets (the commands `warm` would send, counted in memory):"
        );
        for set in &preview.cache_sets {
            print_set(set, width);
        }
    }
    emit!("");
    emit!("computed in {:.2}s", preview.seconds);
}

fn terminal_width() -> usize {
    if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
        return usize::from(w).max(40);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(DEFAULT_WIDTH)
        .max(40)
}

fn print_table(table: &TablePreview, width: usize) {
    emit!("");
    let sampled = if table.sample.whole_table {
        "every row read".to_string()
    } else {
        format!("{} sampled", count(table.sample.rows, "row"))
    };
    fitted!(
        width,
        "== {}: {} ({sampled}; shares within ±{:.1} points)",
        table.table,
        count(table.rows, "row"),
        table.sample.share_margin * 100.0
    );
    let rows: Vec<&ShownRow> = table.first_rows.iter().chain(&table.spread_rows).collect();
    if !rows.is_empty() {
        for line in rows_table(&table.columns_shown, &rows, width) {
            fitted!(width, "  {line}");
        }
    }
    let name_width = table
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    for column in &table.columns {
        for line in column_lines(column, name_width) {
            fitted!(width, "  {line}");
        }
    }
    if let Some(fanout) = &table.fanout {
        for line in fanout_lines(fanout, width) {
            fitted!(width, "  {line}");
        }
    }
}

/// The sample rows as a table: cells cut to fit, columns beyond the width
/// left out (and counted).
fn rows_table(columns: &[String], rows: &[&ShownRow], width: usize) -> Vec<String> {
    let header: Vec<String> = std::iter::once("row".to_string())
        .chain(columns.iter().cloned())
        .collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            std::iter::once(r.row.to_string())
                .chain(
                    r.values
                        .iter()
                        .map(|v| v.clone().unwrap_or_else(|| "NULL".into())),
                )
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = (0..header.len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
                .min(MAX_CELL)
        })
        .collect();
    let available = width.saturating_sub(2);
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
    // Narrow the widest column until the table fits (down to 8 characters).
    while total(&widths) > available {
        let (widest, &w) = widths
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| **w)
            .expect("at least the row column");
        if w <= 8 {
            break;
        }
        widths[widest] = w - 1;
    }
    let mut shown = widths.len();
    while shown > 1 && total(&widths[..shown]) > available {
        shown -= 1;
    }
    // Room for the "(+N columns)" note.
    while shown > 1 && shown < widths.len() && total(&widths[..shown]) + 16 > available {
        shown -= 1;
    }
    let left_out = widths.len() - shown;
    let line = |row: &[String], note: bool| {
        let mut text = row[..shown]
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{:<w$}", fit(cell, w)))
            .collect::<Vec<_>>()
            .join("  ");
        if note && left_out > 0 {
            text.push_str(&format!("  (+{left_out} columns)"));
        }
        text.trim_end().to_string()
    };
    std::iter::once(line(&header, true))
        .chain(cells.iter().map(|r| line(r, false)))
        .collect()
}

/// A column's summary line, then its histogram (with min .. max) and, for
/// columns with few or frequent values, the top values.
fn column_lines(c: &ColumnPreview, name_width: usize) -> Vec<String> {
    let mut head = format!(
        "{:<name_width$}  {:<10}{:<24}{:>5.1}% null  {} distinct ({})",
        fit(&c.name, name_width),
        c.kind,
        fit(&c.generator, 22),
        c.null_rate * 100.0,
        thousands(c.distinct.value),
        c.distinct.method
    );
    if let (Some(mean), Some(margin)) = (c.mean, c.mean_margin) {
        head.push_str(&format!("  mean {} ±{}", short(mean), short(margin)));
    }
    let indent = " ".repeat(name_width + 2);
    let mut lines = vec![head];
    if let Some(bins) = c.histogram.as_ref().filter(|b| b.len() > 1) {
        let most = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1);
        let spark: String = bins
            .iter()
            .map(|b| match b.count {
                0 => ' ',
                n => SPARKS[((n * 7).div_ceil(most)).min(7) as usize],
            })
            .collect();
        lines.push(format!(
            "{indent}{spark}  {} .. {}",
            c.min.as_deref().unwrap_or(""),
            c.max.as_deref().unwrap_or("")
        ));
    }
    let frequent = c
        .top
        .first()
        .is_some_and(|t| t.share >= 0.01 && t.count > 1);
    if frequent && (c.distinct.in_sample <= 12 || c.histogram.is_none()) {
        let top: Vec<String> = c
            .top
            .iter()
            .take(6)
            .map(|t| format!("{} {:.1}%", fit(&t.value, 24), t.share * 100.0))
            .collect();
        lines.push(format!("{indent}top: {}", top.join(", ")));
    }
    lines
}

fn fanout_lines(f: &Fanout, width: usize) -> Vec<String> {
    let mut lines = vec![format!(
        "children per {} row: mean {} ±{}, {} .. {}, {:.1}% with none",
        f.parent,
        short(f.mean),
        short(f.mean_margin),
        f.min,
        f.max,
        f.share_none * 100.0
    )];
    // (label, parents) per line; ranges of counts when there are many.
    let parents_with = |children: u64| {
        f.histogram
            .iter()
            .find(|b| b.children == children)
            .map_or(0, |b| b.parents)
    };
    let groups: Vec<(String, u64)> = if f.max - f.min < MAX_FANOUT_LINES as u64 {
        (f.min..=f.max)
            .map(|children| (children.to_string(), parents_with(children)))
            .collect()
    } else {
        let step = (f.max - f.min) / (MAX_FANOUT_LINES as u64 - 1) + 1;
        let mut groups: Vec<(String, u64)> = Vec::new();
        let mut lo = f.min;
        while lo <= f.max {
            let hi = lo + step - 1;
            let parents = f
                .histogram
                .iter()
                .filter(|b| (lo..=hi).contains(&b.children))
                .map(|b| b.parents)
                .sum();
            groups.push((format!("{lo}-{hi}"), parents));
            lo += step;
        }
        groups
    };
    let label_width = groups.iter().map(|g| g.0.len()).max().unwrap_or(1);
    let most = groups.iter().map(|g| g.1).max().unwrap_or(1).max(1);
    let bar_width = width.saturating_sub(label_width + 24).clamp(10, 50) as u64;
    for (label, parents) in groups {
        let bar = "█".repeat((parents * bar_width).div_ceil(most) as usize);
        lines.push(format!(
            "  {label:>label_width$} {bar} {:.1}%",
            parents as f64 * 100.0 / f.parents.max(1) as f64
        ));
    }
    lines
}

fn print_set(set: &SetPreview, width: usize) {
    let ttl = match set.ttl_seconds {
        Some(s) => format!(
            ", TTL {}",
            humantime::format_duration(std::time::Duration::from_secs(s))
        ),
        None => ", no TTL".into(),
    };
    let table = set.table.as_deref().unwrap_or("count");
    let (Some(keys), Some(rows)) = (set.keys, set.rows) else {
        fitted!(
            width,
            "  {} ({}) from {table}{ttl}: not computed, {} (--cache-rows raises the limit)",
            set.name,
            set.kind,
            set.skipped.as_deref().unwrap_or("skipped")
        );
        return;
    };
    fitted!(
        width,
        "  {} ({}): {} from {} of {table}{ttl}",
        set.name,
        set.kind,
        count(keys, "key"),
        count(rows, "row")
    );
    for example in &set.examples {
        let value = match &example.value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let more = match example.members {
            Some(n) if n > 5 => format!(" ({n} members in the first commands)"),
            _ => String::new(),
        };
        fitted!(width, "    {} = {value}{more}", example.key);
    }
}

/// `text` cut to `width` characters, with `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A number with about 3 significant digits.
fn short(x: f64) -> String {
    let digits = match x.abs() {
        a if a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        a if a >= 1.0 => 2,
        _ => 3,
    };
    format!("{x:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_rows_fit_the_width() {
        let columns: Vec<String> = (0..12).map(|i| format!("column_{i}")).collect();
        let row = ShownRow {
            row: 0,
            values: (0..12).map(|_| Some("x".repeat(40))).collect(),
        };
        for width in [60, 100, 200] {
            for line in rows_table(&columns, &[&row], width) {
                assert!(line.chars().count() <= width - 2, "{width}: {line}");
            }
        }
    }
}
