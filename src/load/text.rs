//! COPY text and CSV output for `seed --out`, written without a database.
//!
//! With no catalog to ask, the text form comes from the [`Value`] kind, and
//! it is chosen so PostgreSQL parses it back into exactly what the binary
//! loader stores: floats in Rust's shortest round-trip form (the same digits
//! the binary encoder sends for `numeric`), timestamps with microseconds and
//! `+00`, JSON compact, arrays as `{...}` literals.

use std::fmt::Write as _;

use crate::generate::Value;

/// The file formats `--out` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// `COPY ... FROM STDIN` text: tab-separated, `\N` for NULL.
    Text,
    /// CSV with a header line; NULL is an unquoted empty field.
    Csv,
}

impl TextFormat {
    pub fn extension(self) -> &'static str {
        match self {
            TextFormat::Text => "copy",
            TextFormat::Csv => "csv",
        }
    }

    /// The options after `FROM 'file'` in a `\copy` line.
    pub fn copy_options(self) -> &'static str {
        match self {
            TextFormat::Text => "",
            TextFormat::Csv => " WITH (FORMAT csv, HEADER true)",
        }
    }

    /// The first line of the file, if the format has one.
    pub fn header(self, columns: &[String]) -> Option<String> {
        match self {
            TextFormat::Text => None,
            TextFormat::Csv => {
                let mut line = String::new();
                for (i, c) in columns.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    push_csv_field(&mut line, c);
                }
                line.push('\n');
                Some(line)
            }
        }
    }

    /// Appends one row, newline-terminated.
    pub fn write_row(self, values: &[Value], out: &mut String) {
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                out.push(match self {
                    TextFormat::Text => '\t',
                    TextFormat::Csv => ',',
                });
            }
            match (self, value) {
                (TextFormat::Text, Value::Null) => out.push_str("\\N"),
                (TextFormat::Csv, Value::Null) => {}
                // The common kinds without a temporary string.
                (_, Value::Int(v)) => {
                    let _ = write!(out, "{v}");
                }
                (TextFormat::Text, Value::Text(s)) => push_copy_escaped(out, s),
                (TextFormat::Csv, Value::Text(s)) => push_csv_field(out, s),
                (TextFormat::Text, v) => push_copy_escaped(out, &plain_text(v)),
                (TextFormat::Csv, v) => push_csv_field(out, &plain_text(v)),
            }
        }
        out.push('\n');
    }
}

/// A float as PostgreSQL reads it back to the same value.
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        // Rust's Display is the shortest text that parses back to `f`, and
        // never uses an exponent.
        format!("{f}")
    }
}

/// The compact JSON text of a value for a json/jsonb column; text is taken
/// to be JSON already. `None` for kinds that have no JSON form here.
pub fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::Json(j) => Some(j.to_string()),
        Value::Text(s) => Some(s.clone()),
        Value::Array(_) | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
            to_json(value).map(|j| j.to_string())
        }
        _ => None,
    }
}

fn to_json(value: &Value) -> Option<serde_json::Value> {
    Some(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f)?.into(),
        Value::Text(s) => s.clone().into(),
        Value::Json(j) => j.clone(),
        Value::Array(items) => items
            .iter()
            .map(to_json)
            .collect::<Option<Vec<_>>>()?
            .into(),
        other => plain_text(other).into(),
    })
}

/// A non-NULL value's text, before COPY or CSV escaping.
pub fn plain_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "t" } else { "f" }.into(),
        Value::Int(v) => v.to_string(),
        Value::Float(f) => float_text(*f),
        Value::Text(s) => s.clone(),
        Value::Json(j) => j.to_string(),
        Value::Timestamp(us) => timestamp_text(*us),
        Value::Date(days) => date_text(*days),
        Value::Uuid(u) => u.to_string(),
        Value::Inet(ip) => ip.to_string(),
        Value::Array(items) => array_text(items),
    }
}

/// `2026-01-02 03:04:05.123456+00` (ISO, UTC); reads back as the same instant
/// into timestamptz and as the same wall time into timestamp.
fn timestamp_text(micros: i64) -> String {
    match chrono::DateTime::from_timestamp_micros(micros) {
        Some(dt) => dt.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string(),
        None => micros.to_string(),
    }
}

fn date_text(days: i32) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(chrono::TimeDelta::days(i64::from(days))))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| days.to_string())
}

/// An array literal: `{a,"b c",NULL}`, elements quoted when they must be.
fn array_text(items: &[Value]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            Value::Null => out.push_str("NULL"),
            Value::Array(inner) => out.push_str(&array_text(inner)),
            other => {
                let text = plain_text(other);
                let needs_quotes = text.is_empty()
                    || text.eq_ignore_ascii_case("NULL")
                    || text
                        .chars()
                        .any(|c| matches!(c, '"' | '\\' | '{' | '}' | ',') || c.is_whitespace());
                if needs_quotes {
                    out.push('"');
                    for c in text.chars() {
                        if c == '"' || c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push('"');
                } else {
                    out.push_str(&text);
                }
            }
        }
    }
    out.push('}');
    out
}

/// COPY text escaping: backslash, and the characters that separate fields
/// and rows.
fn push_copy_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c => out.push(c),
        }
    }
}

/// A CSV field, quoted when it is empty (an unquoted empty field is NULL),
/// holds a delimiter, quote, newline or backslash, or has surrounding spaces.
fn push_csv_field(out: &mut String, text: &str) {
    let needs_quotes = text.is_empty()
        || text.contains([',', '"', '\n', '\r', '\\'])
        || text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace);
    if needs_quotes {
        out.push('"');
        for c in text.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        let _ = write!(out, "{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rows_escape_and_mark_nulls() {
        let mut out = String::new();
        TextFormat::Text.write_row(
            &[
                Value::Int(1),
                Value::Null,
                Value::Text("a\tb\\c\nd".into()),
                Value::Timestamp(1_700_000_000_123_456),
                Value::Array(vec![Value::Text("x y".into()), Value::Null, Value::Int(3)]),
            ],
            &mut out,
        );
        assert_eq!(
            out,
            "1\t\\N\ta\\tb\\\\c\\nd\t2023-11-14 22:13:20.123456+00\t{\"x y\",NULL,3}\n"
        );
    }

    #[test]
    fn csv_quotes_empty_strings_but_not_nulls() {
        let mut out = String::new();
        TextFormat::Csv.write_row(
            &[
                Value::Text(String::new()),
                Value::Null,
                Value::Text("a,\"b\"".into()),
            ],
            &mut out,
        );
        assert_eq!(out, "\"\",,\"a,\"\"b\"\"\"\n");
    }

    #[test]
    fn floats_round_trip() {
        assert_eq!(float_text(0.1), "0.1");
        assert_eq!(float_text(3.0), "3");
        assert_eq!(float_text(f64::NEG_INFINITY), "-Infinity");
    }
}
