//! PostgreSQL's binary COPY format: generated [`Value`]s encoded for the
//! column's real type, read from the catalog.
//!
//! Binary COPY skips the server's text parsing of every cell, and the type
//! is the column's own (an `Int` becomes 2, 4 or 8 bytes as the column
//! says), so a value that does not fit is caught here, naming the column,
//! instead of failing a whole COPY on the server. The layout of each type is
//! its `*_send` function in PostgreSQL's sources.

use std::net::IpAddr;

use crate::generate::Value;

/// The PostgreSQL types the loader can encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgType {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    /// text, varchar, bpchar, name, citext, and enums (their binary form is
    /// the label's text).
    Text,
    Json,
    Jsonb,
    Timestamptz,
    Timestamp,
    Date,
    Uuid,
    Inet,
    Cidr,
    /// `time`: the time of day of a timestamp, or `HH:MM:SS` text.
    Time,
    /// `timetz`: as `time`, in UTC.
    TimeTz,
    /// `interval`: a number of seconds, or a duration like `1h 30m`.
    Interval,
    /// `money`: a number, stored in cents.
    Money,
    /// `bytea`: text as its UTF-8 bytes, or `\x...` hex.
    Bytea,
    /// `macaddr`: `08:00:2b:01:02:03`.
    Macaddr,
    /// A built-in range type over `subtype`: text like `[1,10)` or a
    /// two-element array `[lower, upper)`.
    Range {
        subtype: Box<PgType>,
    },
    /// A one-dimensional array; `element_oid` goes into the array header.
    Array {
        element_oid: u32,
        element: Box<PgType>,
    },
}

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days between the Unix epoch and PostgreSQL's.
const PG_EPOCH_DAYS: i32 = 10_957;

impl PgType {
    /// The scalar type for a (base) type OID, or for a type by name when
    /// its OID is not fixed (enums, citext). `None`: seedkit cannot encode it.
    pub fn scalar(oid: u32, name: &str, is_enum: bool) -> Option<PgType> {
        let ty = match oid {
            16 => PgType::Bool,
            21 => PgType::Int2,
            23 => PgType::Int4,
            20 => PgType::Int8,
            700 => PgType::Float4,
            701 => PgType::Float8,
            1700 => PgType::Numeric,
            25 | 1043 | 1042 | 19 => PgType::Text,
            114 => PgType::Json,
            3802 => PgType::Jsonb,
            1184 => PgType::Timestamptz,
            1114 => PgType::Timestamp,
            1082 => PgType::Date,
            2950 => PgType::Uuid,
            869 => PgType::Inet,
            650 => PgType::Cidr,
            1083 => PgType::Time,
            1266 => PgType::TimeTz,
            1186 => PgType::Interval,
            790 => PgType::Money,
            17 => PgType::Bytea,
            829 => PgType::Macaddr,
            3904 => PgType::range(PgType::Int4),
            3926 => PgType::range(PgType::Int8),
            3906 => PgType::range(PgType::Numeric),
            3908 => PgType::range(PgType::Timestamp),
            3910 => PgType::range(PgType::Timestamptz),
            3912 => PgType::range(PgType::Date),
            _ if is_enum || name == "citext" => PgType::Text,
            _ => return None,
        };
        Some(ty)
    }

    fn range(subtype: PgType) -> PgType {
        PgType::Range {
            subtype: Box::new(subtype),
        }
    }

    /// The type names the loader supports, for error hints.
    pub const SUPPORTED: &'static str = "boolean, smallint, integer, bigint, real, double \
        precision, numeric, money, text, varchar, char, citext, enums, json, jsonb, \
        timestamptz, timestamp, date, time, timetz, interval, uuid, inet, cidr, macaddr, \
        bytea, the built-in range types, and one-dimensional arrays of these";
}

/// Encodes rows of one table in binary COPY format.
#[derive(Debug, Clone)]
pub struct RowEncoder {
    types: Vec<PgType>,
}

/// A value that cannot be encoded for its column.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodeError {
    /// Index of the column in COPY order.
    pub column: usize,
    pub message: String,
}

type Encoded = Result<(), String>;

impl RowEncoder {
    pub fn new(types: Vec<PgType>) -> Self {
        RowEncoder { types }
    }

    pub fn columns(&self) -> usize {
        self.types.len()
    }

    /// The 19-byte header that starts every binary COPY stream.
    pub fn header(buf: &mut Vec<u8>) {
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags: no OIDs
        buf.extend_from_slice(&0i32.to_be_bytes()); // no header extension
    }

    /// The trailer that ends a binary COPY stream.
    pub fn trailer(buf: &mut Vec<u8>) {
        buf.extend_from_slice(&(-1i16).to_be_bytes());
    }

    /// Appends one row. On error `buf` may hold a partial row: discard it.
    pub fn encode_row(&self, values: &[Value], buf: &mut Vec<u8>) -> Result<(), EncodeError> {
        if values.len() != self.types.len() {
            return Err(EncodeError {
                column: values.len().min(self.types.len()),
                message: format!(
                    "the generator produced {} values for {} columns",
                    values.len(),
                    self.types.len()
                ),
            });
        }
        buf.extend_from_slice(&(self.types.len() as i16).to_be_bytes());
        for (column, (value, ty)) in values.iter().zip(&self.types).enumerate() {
            encode_field(value, ty, buf).map_err(|message| EncodeError { column, message })?;
        }
        Ok(())
    }
}

/// A field: its length (-1 for NULL) and its bytes.
fn encode_field(value: &Value, ty: &PgType, buf: &mut Vec<u8>) -> Encoded {
    if value.is_null() {
        buf.extend_from_slice(&(-1i32).to_be_bytes());
        return Ok(());
    }
    let at = buf.len();
    buf.extend_from_slice(&[0; 4]);
    encode_value(value, ty, buf)?;
    let len = i32::try_from(buf.len() - at - 4).map_err(|_| "value larger than 2 GiB")?;
    buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

fn encode_value(value: &Value, ty: &PgType, buf: &mut Vec<u8>) -> Encoded {
    match ty {
        PgType::Bool => buf.push(u8::from(as_bool(value)?)),
        PgType::Int2 => {
            let v = as_int(value)?;
            let v = i16::try_from(v).map_err(|_| format!("{v} is out of range for smallint"))?;
            buf.extend_from_slice(&v.to_be_bytes());
        }
        PgType::Int4 => {
            let v = as_int(value)?;
            let v = i32::try_from(v).map_err(|_| format!("{v} is out of range for integer"))?;
            buf.extend_from_slice(&v.to_be_bytes());
        }
        PgType::Int8 => buf.extend_from_slice(&as_int(value)?.to_be_bytes()),
        PgType::Float4 => buf.extend_from_slice(&(as_float(value)? as f32).to_be_bytes()),
        PgType::Float8 => buf.extend_from_slice(&as_float(value)?.to_be_bytes()),
        PgType::Numeric => encode_numeric(&decimal_text(value)?, buf)?,
        PgType::Text => write_text(value, buf)?,
        PgType::Json => write_json(value, buf)?,
        PgType::Jsonb => {
            buf.push(1); // jsonb binary format version
            write_json(value, buf)?;
        }
        PgType::Timestamptz | PgType::Timestamp => {
            let micros = as_timestamp(value)?;
            buf.extend_from_slice(&(micros - PG_EPOCH_MICROS).to_be_bytes());
        }
        PgType::Date => buf.extend_from_slice(&(as_date(value)? - PG_EPOCH_DAYS).to_be_bytes()),
        PgType::Uuid => buf.extend_from_slice(as_uuid(value)?.as_bytes()),
        PgType::Inet => encode_inet(as_ip(value)?, false, buf),
        PgType::Cidr => encode_inet(as_ip(value)?, true, buf),
        PgType::Time => buf.extend_from_slice(&as_time_of_day(value)?.to_be_bytes()),
        PgType::TimeTz => {
            buf.extend_from_slice(&as_time_of_day(value)?.to_be_bytes());
            buf.extend_from_slice(&0i32.to_be_bytes()); // UTC
        }
        PgType::Interval => {
            buf.extend_from_slice(&as_interval_micros(value)?.to_be_bytes());
            buf.extend_from_slice(&0i32.to_be_bytes()); // days
            buf.extend_from_slice(&0i32.to_be_bytes()); // months
        }
        PgType::Money => {
            let cents = (as_float(value)? * 100.0).round();
            if cents.abs() >= 9.2e18 {
                return Err(format!("{} is out of range for money", short(value)));
            }
            buf.extend_from_slice(&(cents as i64).to_be_bytes());
        }
        PgType::Bytea => write_bytea(value, buf)?,
        PgType::Macaddr => buf.extend_from_slice(&as_macaddr(value)?),
        PgType::Range { subtype } => encode_range(value, subtype, buf)?,
        PgType::Array {
            element_oid,
            element,
        } => encode_array(value, *element_oid, element, buf)?,
    }
    Ok(())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Text(_) => "text",
        Value::Json(_) => "JSON",
        Value::Timestamp(_) => "a timestamp",
        Value::Date(_) => "a date",
        Value::Uuid(_) => "a UUID",
        Value::Inet(_) => "an IP address",
        Value::Array(_) => "an array",
    }
}

fn mismatch(value: &Value, wanted: &str) -> String {
    format!(
        "got {} ({}) for a {wanted} column",
        kind(value),
        short(value)
    )
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

fn as_bool(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Int(0) => Ok(false),
        Value::Int(1) => Ok(true),
        Value::Text(s) => match s.to_ascii_lowercase().as_str() {
            "t" | "true" | "yes" | "on" | "1" => Ok(true),
            "f" | "false" | "no" | "off" | "0" => Ok(false),
            _ => Err(mismatch(value, "boolean")),
        },
        _ => Err(mismatch(value, "boolean")),
    }
}

fn as_int(value: &Value) -> Result<i64, String> {
    match value {
        Value::Int(v) => Ok(*v),
        // An integral float prints as an integer in text form too ("3").
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(*f as i64),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Text(s) => s.trim().parse().map_err(|_| mismatch(value, "integer")),
        _ => Err(mismatch(value, "integer")),
    }
}

fn as_float(value: &Value) -> Result<f64, String> {
    match value {
        Value::Float(f) => Ok(*f),
        Value::Int(v) => Ok(*v as f64),
        Value::Text(s) => s.trim().parse().map_err(|_| mismatch(value, "float")),
        _ => Err(mismatch(value, "float")),
    }
}

/// The decimal text of a number, exactly as the text format writes it, so
/// binary and text loads store the same numeric.
fn decimal_text(value: &Value) -> Result<String, String> {
    match value {
        Value::Int(v) => Ok(v.to_string()),
        Value::Float(f) => Ok(crate::load::text::float_text(*f)),
        Value::Text(s) => Ok(s.trim().to_string()),
        _ => Err(mismatch(value, "numeric")),
    }
}

fn write_text(value: &Value, buf: &mut Vec<u8>) -> Encoded {
    match value {
        Value::Text(s) => buf.extend_from_slice(s.as_bytes()),
        Value::Array(_) => return Err(mismatch(value, "text")),
        // Every other kind has one text form, the one the text format writes.
        other => buf.extend_from_slice(crate::load::text::plain_text(other).as_bytes()),
    }
    Ok(())
}

/// JSON columns take JSON values, and text holding JSON (the server checks
/// it). The common kinds are written straight into the buffer.
fn write_json(value: &Value, buf: &mut Vec<u8>) -> Encoded {
    match value {
        Value::Json(j) => serde_json::to_writer(&mut *buf, j).map_err(|e| e.to_string())?,
        Value::Text(s) => buf.extend_from_slice(s.as_bytes()),
        other => {
            let text =
                crate::load::text::json_text(other).ok_or_else(|| mismatch(other, "json"))?;
            buf.extend_from_slice(text.as_bytes());
        }
    }
    Ok(())
}

fn as_timestamp(value: &Value) -> Result<i64, String> {
    match value {
        Value::Timestamp(us) => Ok(*us),
        Value::Date(days) => Ok(i64::from(*days) * 86_400_000_000),
        Value::Text(s) => parse_timestamp(s).ok_or_else(|| mismatch(value, "timestamp")),
        _ => Err(mismatch(value, "timestamp")),
    }
}

fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp_micros());
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z"] {
        if let Ok(dt) = chrono::DateTime::parse_from_str(text, format) {
            return Some(dt.timestamp_micros());
        }
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    None
}

fn as_date(value: &Value) -> Result<i32, String> {
    match value {
        Value::Date(days) => Ok(*days),
        Value::Timestamp(us) => {
            i32::try_from(us.div_euclid(86_400_000_000)).map_err(|_| mismatch(value, "date"))
        }
        Value::Text(s) => chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| {
                let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
                i32::try_from((d - epoch).num_days()).ok()
            })
            .ok_or_else(|| mismatch(value, "date")),
        _ => Err(mismatch(value, "date")),
    }
}

fn as_uuid(value: &Value) -> Result<uuid::Uuid, String> {
    match value {
        Value::Uuid(u) => Ok(*u),
        Value::Text(s) => uuid::Uuid::parse_str(s.trim()).map_err(|_| mismatch(value, "uuid")),
        _ => Err(mismatch(value, "uuid")),
    }
}

fn as_ip(value: &Value) -> Result<IpAddr, String> {
    match value {
        Value::Inet(ip) => Ok(*ip),
        Value::Text(s) => s.trim().parse().map_err(|_| mismatch(value, "inet")),
        _ => Err(mismatch(value, "inet")),
    }
}

/// Microseconds since midnight: of a timestamp's time of day, or of
/// `HH:MM:SS[.ffffff]` text.
fn as_time_of_day(value: &Value) -> Result<i64, String> {
    const DAY: i64 = 86_400_000_000;
    match value {
        Value::Timestamp(us) => Ok(us.rem_euclid(DAY)),
        Value::Text(s) => {
            let text = s.trim();
            let time = chrono::NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
                .or_else(|_| chrono::NaiveTime::parse_from_str(text, "%H:%M"))
                .map_err(|_| mismatch(value, "time"))?;
            use chrono::Timelike;
            Ok(i64::from(time.num_seconds_from_midnight()) * 1_000_000
                + i64::from(time.nanosecond() / 1_000))
        }
        _ => Err(mismatch(value, "time")),
    }
}

/// An interval's microseconds: a number of seconds, or a duration text
/// (`90s`, `1h 30m`).
fn as_interval_micros(value: &Value) -> Result<i64, String> {
    match value {
        Value::Int(seconds) => seconds
            .checked_mul(1_000_000)
            .ok_or_else(|| format!("{seconds} seconds is out of range for interval")),
        Value::Float(seconds) => Ok((seconds * 1_000_000.0).round() as i64),
        Value::Text(s) => humantime::parse_duration(s.trim())
            .map(|d| d.as_micros() as i64)
            .map_err(|_| mismatch(value, "interval")),
        _ => Err(mismatch(value, "interval")),
    }
}

/// bytea: `\x...` hex text as its bytes, other text as its UTF-8.
fn write_bytea(value: &Value, buf: &mut Vec<u8>) -> Encoded {
    match value {
        Value::Text(s) => match s.strip_prefix("\\x") {
            Some(hex_text) => buf.extend_from_slice(
                &hex::decode(hex_text).map_err(|_| mismatch(value, "bytea (\\x hex)"))?,
            ),
            None => buf.extend_from_slice(s.as_bytes()),
        },
        Value::Array(_) | Value::Null => return Err(mismatch(value, "bytea")),
        other => buf.extend_from_slice(crate::load::text::plain_text(other).as_bytes()),
    }
    Ok(())
}

/// `08:00:2b:01:02:03` (or with `-`) as 6 bytes.
fn as_macaddr(value: &Value) -> Result<[u8; 6], String> {
    let Value::Text(s) = value else {
        return Err(mismatch(value, "macaddr"));
    };
    let parts: Vec<&str> = s.trim().split([':', '-']).collect();
    let mut out = [0u8; 6];
    if parts.len() != 6 {
        return Err(mismatch(value, "macaddr"));
    }
    for (slot, part) in out.iter_mut().zip(parts) {
        *slot = u8::from_str_radix(part, 16).map_err(|_| mismatch(value, "macaddr"))?;
    }
    Ok(out)
}

/// `range_send`: a flags byte, then each finite bound as a field of the
/// subtype. From text `[lower,upper)` (an empty bound is infinite, `empty`
/// is the empty range) or a two-element array, taken as `[lower,upper)`.
fn encode_range(value: &Value, subtype: &PgType, buf: &mut Vec<u8>) -> Encoded {
    const EMPTY: u8 = 0x01;
    const LB_INC: u8 = 0x02;
    const UB_INC: u8 = 0x04;
    const LB_INF: u8 = 0x08;
    const UB_INF: u8 = 0x10;
    let (lower, upper, lower_inclusive, upper_inclusive) = match value {
        Value::Text(s) if s.trim().eq_ignore_ascii_case("empty") => {
            buf.push(EMPTY);
            return Ok(());
        }
        Value::Text(s) => {
            let text = s.trim();
            let bad = || mismatch(value, "range (write it as [lower,upper))");
            let lower_inclusive = match text.chars().next() {
                Some('[') => true,
                Some('(') => false,
                _ => return Err(bad()),
            };
            let upper_inclusive = match text.chars().last() {
                Some(']') => true,
                Some(')') => false,
                _ => return Err(bad()),
            };
            let inner = &text[1..text.len() - 1];
            let (lower, upper) = inner.split_once(',').ok_or_else(bad)?;
            let bound = |b: &str| {
                let b = b.trim().trim_matches('"');
                (!b.is_empty()).then(|| Value::Text(b.to_string()))
            };
            (bound(lower), bound(upper), lower_inclusive, upper_inclusive)
        }
        Value::Array(items) if items.len() == 2 => {
            let bound = |v: &Value| (!v.is_null()).then(|| v.clone());
            (bound(&items[0]), bound(&items[1]), true, false)
        }
        _ => return Err(mismatch(value, "range")),
    };
    let mut flags = 0;
    if lower.is_none() {
        flags |= LB_INF;
    } else if lower_inclusive {
        flags |= LB_INC;
    }
    if upper.is_none() {
        flags |= UB_INF;
    } else if upper_inclusive {
        flags |= UB_INC;
    }
    buf.push(flags);
    for bound in [lower, upper].into_iter().flatten() {
        encode_field(&bound, subtype, buf)?;
    }
    Ok(())
}

/// `inet_send`: family, prefix bits, is-cidr flag, address length, address.
fn encode_inet(ip: IpAddr, cidr: bool, buf: &mut Vec<u8>) {
    const PGSQL_AF_INET: u8 = 2;
    const PGSQL_AF_INET6: u8 = 3;
    match ip {
        IpAddr::V4(v4) => {
            buf.extend_from_slice(&[PGSQL_AF_INET, 32, u8::from(cidr), 4]);
            buf.extend_from_slice(&v4.octets());
        }
        IpAddr::V6(v6) => {
            buf.extend_from_slice(&[PGSQL_AF_INET6, 128, u8::from(cidr), 16]);
            buf.extend_from_slice(&v6.octets());
        }
    }
}

/// `array_send` for one dimension: ndim, has-nulls, element type, then the
/// dimension's length and lower bound (1), then each element as a field.
fn encode_array(value: &Value, element_oid: u32, element: &PgType, buf: &mut Vec<u8>) -> Encoded {
    let Value::Array(items) = value else {
        return Err(mismatch(value, "array"));
    };
    if items.iter().any(|i| matches!(i, Value::Array(_))) {
        return Err("nested arrays (multi-dimensional) are not supported".into());
    }
    let len = i32::try_from(items.len()).map_err(|_| "array too long")?;
    let ndim: i32 = if items.is_empty() { 0 } else { 1 };
    buf.extend_from_slice(&ndim.to_be_bytes());
    buf.extend_from_slice(&i32::from(items.iter().any(Value::is_null)).to_be_bytes());
    buf.extend_from_slice(&element_oid.to_be_bytes());
    if ndim == 1 {
        buf.extend_from_slice(&len.to_be_bytes());
        buf.extend_from_slice(&1i32.to_be_bytes());
    }
    for item in items {
        encode_field(item, element, buf)?;
    }
    Ok(())
}

/// `numeric_send` from decimal text (`-123.4500`, `NaN`, `Infinity`):
/// ndigits, weight, sign, dscale, then base-10000 digits.
fn encode_numeric(text: &str, buf: &mut Vec<u8>) -> Encoded {
    const POSITIVE: u16 = 0x0000;
    const NEGATIVE: u16 = 0x4000;
    const NAN: u16 = 0xC000;
    const PINF: u16 = 0xD000;
    const NINF: u16 = 0xF000;
    let special = match text {
        "NaN" => Some(NAN),
        "Infinity" | "inf" => Some(PINF),
        "-Infinity" | "-inf" => Some(NINF),
        _ => None,
    };
    if let Some(sign) = special {
        for part in [0u16, 0, sign, 0] {
            buf.extend_from_slice(&part.to_be_bytes());
        }
        return Ok(());
    }
    let bad = || format!("{text:?} is not a decimal number");
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !all_digits(int_part)
        || !all_digits(frac_part)
    {
        return Err(bad());
    }
    let dscale = u16::try_from(frac_part.len()).map_err(|_| bad())?;
    let int_part = int_part.trim_start_matches('0');
    // Left-pad the integer part and right-pad the fraction to whole groups of 4.
    let int_pad = (4 - int_part.len() % 4) % 4;
    let frac_pad = (4 - frac_part.len() % 4) % 4;
    let digits_text: Vec<u8> = std::iter::repeat_n(b'0', int_pad)
        .chain(int_part.bytes())
        .chain(frac_part.bytes())
        .chain(std::iter::repeat_n(b'0', frac_pad))
        .collect();
    let mut groups: Vec<i16> = digits_text
        .chunks(4)
        .map(|g| g.iter().fold(0i16, |acc, d| acc * 10 + i16::from(d - b'0')))
        .collect();
    let mut weight = ((int_pad + int_part.len()) / 4) as i32 - 1;
    // Strip leading and trailing zero groups (PostgreSQL's canonical form).
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= leading as i32;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    let (sign, weight) = if groups.is_empty() {
        (POSITIVE, 0)
    } else if negative {
        (NEGATIVE, weight)
    } else {
        (POSITIVE, weight)
    };
    let ndigits = i16::try_from(groups.len()).map_err(|_| bad())?;
    let weight = i16::try_from(weight).map_err(|_| bad())?;
    buf.extend_from_slice(&ndigits.to_be_bytes());
    buf.extend_from_slice(&weight.to_be_bytes());
    buf.extend_from_slice(&sign.to_be_bytes());
    buf.extend_from_slice(&dscale.to_be_bytes());
    for g in groups {
        buf.extend_from_slice(&g.to_be_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(text: &str) -> Vec<i16> {
        let mut buf = Vec::new();
        encode_numeric(text, &mut buf).unwrap();
        buf.chunks(2)
            .map(|c| i16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    #[test]
    fn numeric_matches_postgres_layout() {
        // ndigits, weight, sign, dscale, digits...
        assert_eq!(numeric("0"), vec![0, 0, 0, 0]);
        assert_eq!(numeric("12345.678"), vec![3, 1, 0, 3, 1, 2345, 6780]);
        assert_eq!(numeric("-0.0001"), vec![1, -1, 0x4000, 4, 1]);
        assert_eq!(numeric("10000"), vec![1, 1, 0, 0, 1]);
        assert_eq!(numeric("0.50"), vec![1, -1, 0, 2, 5000]);
        assert!(encode_numeric("1e5", &mut Vec::new()).is_err());
    }

    #[test]
    fn ints_are_checked_against_the_column_width() {
        let enc = RowEncoder::new(vec![PgType::Int2]);
        let err = enc
            .encode_row(&[Value::Int(40_000)], &mut Vec::new())
            .unwrap_err();
        assert!(err.message.contains("out of range for smallint"), "{err:?}");
    }

    #[test]
    fn rows_have_count_lengths_and_nulls() {
        let enc = RowEncoder::new(vec![PgType::Int4, PgType::Text, PgType::Bool]);
        let mut buf = Vec::new();
        enc.encode_row(&[Value::Int(7), Value::Null, Value::Bool(true)], &mut buf)
            .unwrap();
        assert_eq!(
            buf,
            [
                &3i16.to_be_bytes()[..],
                &4i32.to_be_bytes(),
                &7i32.to_be_bytes(),
                &(-1i32).to_be_bytes(),
                &1i32.to_be_bytes(),
                &[1]
            ]
            .concat()
        );
    }
}
