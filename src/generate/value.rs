//! The values generators produce and loaders encode.
//!
//! One small enum shared by the generators ([`crate::generate`]), the COPY
//! encoder ([`crate::load`]) and the Redis warmer ([`crate::cache`]), so the
//! database rows and the cache entries come from the very same values.

use std::fmt;

/// One generated cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    /// A JSON document (encoded as its compact text).
    Json(serde_json::Value),
    /// Microseconds since the Unix epoch, UTC.
    Timestamp(i64),
    /// Days since the Unix epoch.
    Date(i32),
    Uuid(uuid::Uuid),
    /// An IP address (for `inet`).
    Inet(std::net::IpAddr),
    Array(Vec<Value>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            Value::Timestamp(v) => Some(*v),
            Value::Float(v) => Some(*v as i64),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Float(v) => Some(*v),
            Value::Timestamp(v) => Some(*v as f64),
            _ => None,
        }
    }
}

/// Timestamps print as RFC 3339 in UTC with microseconds when they have any
/// (`2026-01-02T03:04:05Z`, `2026-01-02T03:04:05.123456Z`); everything else
/// prints as PostgreSQL's text form would.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{}", if *b { "t" } else { "f" }),
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Text(s) => f.write_str(s),
            Value::Json(j) => write!(f, "{j}"),
            Value::Timestamp(us) => {
                let dt = chrono::DateTime::from_timestamp_micros(*us).unwrap_or_default();
                if us.rem_euclid(1_000_000) == 0 {
                    write!(f, "{}", dt.format("%Y-%m-%dT%H:%M:%SZ"))
                } else {
                    write!(f, "{}", dt.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
                }
            }
            Value::Date(days) => {
                let d = chrono::DateTime::from_timestamp(i64::from(*days) * 86_400, 0)
                    .unwrap_or_default();
                write!(f, "{}", d.format("%Y-%m-%d"))
            }
            Value::Uuid(u) => write!(f, "{u}"),
            Value::Inet(ip) => write!(f, "{ip}"),
            Value::Array(items) => {
                f.write_str("{")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("}")
            }
        }
    }
}
