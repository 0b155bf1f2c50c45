//! The one way a profile's tables are read: the `[tables]` part and the
//! `[redis]` part alike.
//!
//! A [`Reader`] hands out the keys of one TOML table as located [`Node`]s,
//! and refuses the first key nobody asked for, naming it with its
//! file:line:column and listing the keys that table takes. The value
//! helpers below ([`string`], [`integer`], [`number`], ...) say what a key
//! must be with the same words everywhere.

use super::node::{Entry, Node, NodeValue, Table};
use super::{Location, ProfileError};
use crate::generate::Value;

/// Reads the keys of a table, complaining about any it does not know.
pub struct Reader<'a> {
    table: &'a Table,
    location: &'a Location,
    what: String,
    known: Vec<&'static str>,
}

impl<'a> Reader<'a> {
    /// `what` names the table in messages: "table `players`", "`int`",
    /// "redis.sets.sessions".
    pub fn new(node: &'a Node, what: impl Into<String>) -> Result<Reader<'a>, ProfileError> {
        let what = what.into();
        let table = node.as_table().ok_or_else(|| {
            ProfileError::invalid(
                &node.location,
                format!("{what} must be a table, not {}", node.type_name()),
            )
        })?;
        Ok(Reader {
            table,
            location: &node.location,
            what,
            known: Vec::new(),
        })
    }

    /// Declares every key the table takes and refuses any other now, before
    /// a missing key is looked for: a misspelled key is then reported as
    /// such rather than as the key it should have been.
    pub fn expect_keys(mut self, keys: &[&'static str]) -> Result<Reader<'a>, ProfileError> {
        self.known.extend_from_slice(keys);
        self.check_unknown()?;
        Ok(self)
    }

    /// Where the table is written.
    pub fn location(&self) -> &'a Location {
        self.location
    }

    /// The table's entries, in the order they are written.
    pub fn entries(&self) -> impl Iterator<Item = &'a Entry> + use<'a> {
        self.table.iter()
    }

    pub fn get(&mut self, key: &'static str) -> Option<&'a Node> {
        self.known.push(key);
        self.table.get(key)
    }

    pub fn entry(&mut self, key: &'static str) -> Option<&'a Entry> {
        self.known.push(key);
        self.table.entry(key)
    }

    /// `{what} needs `{key}``, at the table.
    pub fn required(&mut self, key: &'static str) -> Result<&'a Node, ProfileError> {
        let location = self.location;
        let message = format!("{} needs `{key}`", self.what);
        self.get(key)
            .ok_or_else(|| ProfileError::invalid(location, message))
    }

    /// Like [`Reader::required`], with an example of the key in the message.
    pub fn required_like(
        &mut self,
        key: &'static str,
        example: &str,
    ) -> Result<&'a Node, ProfileError> {
        let location = self.location;
        let message = format!("{} needs `{key}` (e.g. {key} = {example})", self.what);
        self.get(key)
            .ok_or_else(|| ProfileError::invalid(location, message))
    }

    pub fn f64(&mut self, key: &'static str) -> Result<Option<f64>, ProfileError> {
        self.get(key).map(|n| number(n, key)).transpose()
    }

    pub fn i64(&mut self, key: &'static str) -> Result<Option<i64>, ProfileError> {
        self.get(key).map(|n| integer(n, key)).transpose()
    }

    /// Errors on the first key nobody asked for.
    pub fn finish(self) -> Result<(), ProfileError> {
        self.check_unknown()
    }

    fn check_unknown(&self) -> Result<(), ProfileError> {
        match self
            .table
            .iter()
            .find(|e| !self.known.contains(&e.key.as_str()))
        {
            Some(extra) => {
                let mut known = self.known.clone();
                known.dedup();
                Err(ProfileError::invalid(
                    &extra.key_location,
                    format!("unknown key `{}` in {}", extra.key, self.what),
                )
                .with_hint(format!("expected one of: {}", known.join(", "))))
            }
            None => Ok(()),
        }
    }
}

/// "`{key}` must be {expected}, not {what the node is}", at the node.
pub fn expected(node: &Node, key: &str, expected: &str) -> ProfileError {
    ProfileError::invalid(
        &node.location,
        format!("`{key}` must be {expected}, not {}", node.type_name()),
    )
}

pub fn number(node: &Node, key: &str) -> Result<f64, ProfileError> {
    node.as_f64().ok_or_else(|| expected(node, key, "a number"))
}

pub fn integer(node: &Node, key: &str) -> Result<i64, ProfileError> {
    node.as_i64()
        .ok_or_else(|| expected(node, key, "an integer"))
}

pub fn string<'n>(node: &'n Node, key: &str) -> Result<&'n str, ProfileError> {
    node.as_str().ok_or_else(|| expected(node, key, "a string"))
}

pub fn flag(node: &Node, key: &str) -> Result<bool, ProfileError> {
    node.as_bool()
        .ok_or_else(|| expected(node, key, "true or false"))
}

/// A whole number above zero.
pub fn positive(node: &Node, key: &str) -> Result<u64, ProfileError> {
    match node.as_i64() {
        Some(n) if n > 0 => Ok(n as u64),
        Some(n) => Err(ProfileError::invalid(
            &node.location,
            format!("`{key}` must be a positive integer, not {n}"),
        )),
        None => Err(expected(node, key, "a positive integer")),
    }
}

/// A number from 0 to 1.
pub fn probability(node: &Node, key: &str) -> Result<f64, ProfileError> {
    let p = number(node, key)?;
    if !(0.0..=1.0).contains(&p) {
        return Err(ProfileError::invalid(
            &node.location,
            format!("`{key}` must be between 0 and 1, not {p}"),
        ));
    }
    Ok(p)
}

/// A TOML value as a generated [`Value`]: strings are text, datetimes are
/// timestamps (dates are dates), arrays are arrays, tables are JSON.
pub fn node_value(node: &Node) -> Result<Value, ProfileError> {
    Ok(match &node.value {
        NodeValue::String(s) => Value::Text(s.clone()),
        NodeValue::Integer(i) => Value::Int(*i),
        NodeValue::Float(f) => Value::Float(*f),
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Datetime(d) if d.time.is_none() => {
            Value::Date(timestamp(node)?.div_euclid(86_400_000_000) as i32)
        }
        NodeValue::Datetime(_) => Value::Timestamp(timestamp(node)?),
        NodeValue::Array(items) => {
            Value::Array(items.iter().map(node_value).collect::<Result<_, _>>()?)
        }
        NodeValue::Table(t) => Value::Json(serde_json::to_value(t.to_toml()).map_err(|e| {
            ProfileError::invalid(&node.location, format!("cannot turn table into JSON: {e}"))
        })?),
    })
}

/// Microseconds since the Unix epoch of a TOML datetime or an RFC 3339
/// string. Datetimes without an offset are taken as UTC.
pub fn timestamp(node: &Node) -> Result<i64, ProfileError> {
    let text = match &node.value {
        NodeValue::Datetime(d) => d.to_string(),
        NodeValue::String(s) => s.clone(),
        _ => {
            return Err(ProfileError::invalid(
                &node.location,
                format!(
                    "expected a datetime like 2026-01-01T00:00:00Z, not {}",
                    node.type_name()
                ),
            ));
        }
    };
    parse_timestamp(&text).ok_or_else(|| {
        ProfileError::invalid(
            &node.location,
            format!("`{text}` is not a date or datetime"),
        )
        .with_hint("write e.g. 2026-01-01T00:00:00Z or 2026-01-01")
    })
}

fn parse_timestamp(text: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp_micros());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp_micros())
}
