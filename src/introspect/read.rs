//! The catalog queries behind [`Schema`]: one query per catalog table for
//! all the tables at once (pg_class, pg_attribute, pg_type, pg_enum,
//! pg_constraint, pg_index, pg_inherits), then resolved in Rust.

use std::collections::HashMap;

use sqlx::{PgConnection, Row};

use super::{Check, Column, ForeignKey, Partitions, Schema, Table, TypeKind, checks};

/// Reads every ordinary and partitioned table of `schemas` (default: the
/// search path's first schema), partitions excluded, and `exclude`
/// (schema, table) left out (seedkit's history table). The tables come in
/// foreign-key order.
pub async fn read(
    conn: &mut PgConnection,
    schemas: &[String],
    exclude: &[(String, String)],
) -> Result<Schema, sqlx::Error> {
    let tables = read_tables(conn, schemas, exclude).await?;
    Ok(super::order::order(tables))
}

/// The tables, in creation order, without ordering them.
pub async fn read_tables(
    conn: &mut PgConnection,
    schemas: &[String],
    exclude: &[(String, String)],
) -> Result<Vec<Table>, sqlx::Error> {
    let first = first_schema(conn).await?;
    let schemas = if schemas.is_empty() {
        vec![first.clone()]
    } else {
        schemas.to_vec()
    };
    // A constant query text: the schemas are bound parameters.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{TABLES} WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
         ORDER BY c.oid"
    )))
    .bind(&schemas)
    .fetch_all(&mut *conn)
    .await?;
    complete(conn, &first, rows, exclude).await
}

/// One table by name (as a profile writes it: bare or `schema.table`);
/// `None` when there is no such table.
pub async fn read_table(
    conn: &mut PgConnection,
    qualified: &str,
) -> Result<Option<Table>, sqlx::Error> {
    let first = first_schema(conn).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{TABLES} WHERE c.relkind IN ('r', 'p') AND c.oid = to_regclass($1)"
    )))
    .bind(qualified)
    .fetch_all(&mut *conn)
    .await?;
    Ok(complete(conn, &first, rows, &[]).await?.pop())
}

const TABLES: &str =
    "SELECT c.oid::int8 AS oid, n.nspname::text AS schema, c.relname::text AS name,
                quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified,
                c.relkind = 'p' AS partitioned,
                CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace";

async fn first_schema(conn: &mut PgConnection) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce(current_schema(), 'public')::text")
        .fetch_one(&mut *conn)
        .await
}

async fn complete(
    conn: &mut PgConnection,
    first: &str,
    rows: Vec<sqlx::postgres::PgRow>,
    exclude: &[(String, String)],
) -> Result<Vec<Table>, sqlx::Error> {
    let mut oids = Vec::new();
    let mut tables = Vec::new();
    let mut partkeys = Vec::new();
    for row in rows {
        let schema: String = row.try_get("schema")?;
        let name: String = row.try_get("name")?;
        if exclude.iter().any(|(s, t)| *s == schema && *t == name) {
            continue;
        }
        oids.push(row.try_get::<i64, _>("oid")?);
        partkeys.push(row.try_get::<Option<String>, _>("partkey")?);
        tables.push(Table {
            name: if schema == *first {
                name
            } else {
                format!("{schema}.{name}")
            },
            qualified: row.try_get("qualified")?,
            partitioned: row.try_get("partitioned")?,
            partitions: None,
            columns: Vec::new(),
            primary_key: Vec::new(),
            unique: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            insert_triggers: Vec::new(),
        });
    }
    let types = Types::read(conn).await?;
    read_columns(conn, &oids, &types, &mut tables).await?;
    read_constraints(conn, &oids, &mut tables).await?;
    read_unique_indexes(conn, &oids, &mut tables).await?;
    read_partitions(conn, &oids, &partkeys, &mut tables).await?;
    read_triggers(conn, &oids, &mut tables).await?;
    Ok(tables)
}

/// pg_type, pg_enum and domain constraints, by type OID.
struct Types {
    rows: HashMap<i64, TypeRow>,
    labels: HashMap<i64, Vec<String>>,
    domain_checks: HashMap<i64, Vec<(String, String)>>,
}

struct TypeRow {
    name: String,
    typtype: String,
    base: i64,
    base_typmod: i32,
    element: i64,
    range_subtype: i64,
}

impl Types {
    async fn read(conn: &mut PgConnection) -> Result<Types, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT t.oid::int8 AS oid, t.typname::text AS name, t.typtype::text AS typtype,
                    t.typbasetype::int8 AS base, t.typtypmod AS base_typmod,
                    CASE WHEN t.typcategory = 'A' THEN t.typelem::int8 ELSE 0 END AS element,
                    coalesce(r.rngsubtype, 0)::int8 AS range_subtype
             FROM pg_type t LEFT JOIN pg_range r ON r.rngtypid = t.oid",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut types = Types {
            rows: HashMap::with_capacity(rows.len()),
            labels: HashMap::new(),
            domain_checks: HashMap::new(),
        };
        for row in rows {
            types.rows.insert(
                row.try_get("oid")?,
                TypeRow {
                    name: row.try_get("name")?,
                    typtype: row.try_get("typtype")?,
                    base: row.try_get("base")?,
                    base_typmod: row.try_get("base_typmod")?,
                    element: row.try_get("element")?,
                    range_subtype: row.try_get("range_subtype")?,
                },
            );
        }
        let labels: Vec<(i64, String)> = sqlx::query_as(
            "SELECT enumtypid::int8, enumlabel::text FROM pg_enum ORDER BY enumtypid, enumsortorder",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (oid, label) in labels {
            types.labels.entry(oid).or_default().push(label);
        }
        let checks: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT contypid::int8, conname::text, pg_get_constraintdef(oid)
             FROM pg_constraint WHERE contypid <> 0 AND contype = 'c' ORDER BY conname",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (oid, name, definition) in checks {
            let Some(definition) = definition else {
                continue;
            };
            types
                .domain_checks
                .entry(oid)
                .or_default()
                .push((name, definition));
        }
        Ok(types)
    }

    /// The kind of a type with a typmod (-1: none).
    fn kind(&self, oid: i64, typmod: i32) -> TypeKind {
        let Some(row) = self.rows.get(&oid) else {
            return TypeKind::Other(format!("type {oid}"));
        };
        match row.typtype.as_str() {
            "d" => {
                let typmod = if typmod >= 0 { typmod } else { row.base_typmod };
                return self.kind(row.base, typmod);
            }
            "e" => return TypeKind::Enum(self.labels.get(&oid).cloned().unwrap_or_default()),
            "r" => return TypeKind::Range(Box::new(self.kind(row.range_subtype, -1))),
            _ => {}
        }
        if row.element != 0 {
            return TypeKind::Array(Box::new(self.kind(row.element, typmod)));
        }
        let modifier = (typmod >= 4).then(|| (typmod - 4) as u32);
        match oid {
            16 => TypeKind::Bool,
            21 => TypeKind::Int2,
            23 => TypeKind::Int4,
            20 => TypeKind::Int8,
            700 => TypeKind::Float4,
            701 => TypeKind::Float8,
            1700 => TypeKind::Numeric {
                precision: modifier.map(|m| (m >> 16) & 0xFFFF),
                // PostgreSQL 15 allows a negative scale; treat it as 0.
                scale: modifier.map(|m| {
                    let scale = (m & 0x7FF) as i32;
                    if m & 0x400 != 0 { 0 } else { scale as u32 }
                }),
            },
            790 => TypeKind::Money,
            25 | 19 => TypeKind::Text { max_len: None },
            1043 | 1042 => TypeKind::Text { max_len: modifier },
            114 => TypeKind::Json,
            3802 => TypeKind::Jsonb,
            1184 => TypeKind::Timestamptz,
            1114 => TypeKind::Timestamp,
            1082 => TypeKind::Date,
            1083 => TypeKind::Time,
            1266 => TypeKind::TimeTz,
            1186 => TypeKind::Interval,
            2950 => TypeKind::Uuid,
            869 => TypeKind::Inet,
            650 => TypeKind::Cidr,
            829 => TypeKind::Macaddr,
            17 => TypeKind::Bytea,
            _ if row.name == "citext" => TypeKind::Text { max_len: None },
            _ => TypeKind::Other(row.name.clone()),
        }
    }

    /// The domain's name and CHECKs when `oid` is a domain (outermost first).
    fn domain(&self, oid: i64, column: &str) -> Option<(String, Vec<Check>)> {
        let row = self.rows.get(&oid)?;
        if row.typtype != "d" {
            return None;
        }
        let mut checks = Vec::new();
        let mut current = oid;
        // A domain over a domain: the checks of every level apply.
        while let Some(r) = self.rows.get(&current).filter(|r| r.typtype == "d") {
            for (name, definition) in self.domain_checks.get(&current).into_iter().flatten() {
                checks.push(Check {
                    name: name.clone(),
                    definition: definition.clone(),
                    rules: checks::parse(definition, Some(column)),
                });
            }
            current = r.base;
        }
        Some((row.name.clone(), checks))
    }
}

fn position(oids: &[i64], oid: i64) -> Option<usize> {
    oids.iter().position(|o| *o == oid)
}

async fn read_columns(
    conn: &mut PgConnection,
    oids: &[i64],
    types: &Types,
    tables: &mut [Table],
) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.attrelid::int8 AS rel, a.attname::text AS name,
                format_type(a.atttypid, a.atttypmod) AS type_name,
                a.atttypid::int8 AS type_oid, a.atttypmod AS typmod, a.attnotnull AS not_null,
                pg_get_expr(d.adbin, d.adrelid) AS default_expr,
                a.attidentity::text AS identity, a.attgenerated::text AS generated
         FROM pg_attribute a
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid::int8 = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attrelid, a.attnum",
    )
    .bind(oids)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let Some(t) = position(oids, row.try_get("rel")?) else {
            continue;
        };
        let name: String = row.try_get("name")?;
        let type_oid: i64 = row.try_get("type_oid")?;
        let typmod: i32 = row.try_get("typmod")?;
        let identity: String = row.try_get("identity")?;
        let generated: String = row.try_get("generated")?;
        let default: Option<String> = row.try_get("default_expr")?;
        let (domain, domain_checks) = match types.domain(type_oid, &name) {
            Some((domain, checks)) => (Some(domain), checks),
            None => (None, Vec::new()),
        };
        let generated = !generated.is_empty();
        tables[t].columns.push(Column {
            kind: types.kind(type_oid, typmod),
            type_name: row.try_get("type_name")?,
            domain,
            domain_checks,
            not_null: row.try_get("not_null")?,
            serial: default
                .as_deref()
                .is_some_and(|d| d.starts_with("nextval(")),
            default: if generated { None } else { default },
            identity: identity.chars().next(),
            generated,
            name,
        });
    }
    Ok(())
}

async fn read_constraints(
    conn: &mut PgConnection,
    oids: &[i64],
    tables: &mut [Table],
) -> Result<(), sqlx::Error> {
    // conparentid = 0: the constraint itself, not its copies on partitions.
    let rows = sqlx::query(
        "SELECT c.conrelid::int8 AS rel, c.conname::text AS name, c.contype::text AS kind,
                pg_get_constraintdef(c.oid) AS def, c.confrelid::int8 AS target,
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                      ORDER BY k.o) AS columns,
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                      ORDER BY k.o) AS target_columns,
                (SELECT quote_ident(n.nspname) || '.' || quote_ident(r.relname)
                 FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
                 WHERE r.oid = c.confrelid) AS target_qualified
         FROM pg_constraint c
         WHERE c.conrelid::int8 = ANY($1) AND c.contype IN ('p', 'u', 'f', 'c')
           AND c.conparentid = 0
         ORDER BY c.conrelid, c.conname",
    )
    .bind(oids)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let Some(t) = position(oids, row.try_get("rel")?) else {
            continue;
        };
        let name: String = row.try_get("name")?;
        // NULL when another session dropped the constraint after this
        // snapshot was taken (a concurrent `seed --reset` drops and
        // re-creates them): it is back, unchanged, when that load ends.
        let Some(definition): Option<String> = row.try_get("def")? else {
            continue;
        };
        let columns: Vec<String> = row.try_get("columns")?;
        match row.try_get::<String, _>("kind")?.as_str() {
            "p" => tables[t].primary_key = columns,
            "u" => tables[t].unique.push(columns),
            "c" => tables[t].checks.push(Check {
                rules: checks::parse(&definition, None),
                name,
                definition,
            }),
            _ => {
                let target_oid: i64 = row.try_get("target")?;
                let qualified: Option<String> = row.try_get("target_qualified")?;
                let internal = position(oids, target_oid);
                let target = match internal {
                    Some(i) => tables[i].name.clone(),
                    None => qualified.unwrap_or_default(),
                };
                tables[t].foreign_keys.push(ForeignKey {
                    name,
                    columns,
                    target,
                    target_columns: row.try_get("target_columns")?,
                    internal: internal.is_some(),
                });
            }
        }
    }
    Ok(())
}

async fn read_unique_indexes(
    conn: &mut PgConnection,
    oids: &[i64],
    tables: &mut [Table],
) -> Result<(), sqlx::Error> {
    // Unique indexes that back no constraint; expression indexes are left
    // out (their columns are not plain columns). A partial one counts as
    // unique everywhere: stricter than needed, never wrong.
    let rows: Vec<(i64, Vec<String>)> = sqlx::query_as(
        "SELECT i.indrelid::int8,
                ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
                      ORDER BY k.o)
         FROM pg_index i
         WHERE i.indrelid::int8 = ANY($1) AND i.indisunique AND i.indexprs IS NULL
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
         ORDER BY i.indexrelid",
    )
    .bind(oids)
    .fetch_all(&mut *conn)
    .await?;
    for (rel, columns) in rows {
        if let Some(t) = position(oids, rel)
            && !tables[t].unique.contains(&columns)
        {
            tables[t].unique.push(columns);
        }
    }
    Ok(())
}

/// Row-level INSERT triggers (tgtype bit 0: row, bit 2: insert); COPY
/// fires them, so what they set is theirs, not the profile's.
async fn read_triggers(
    conn: &mut PgConnection,
    oids: &[i64],
    tables: &mut [Table],
) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT tgrelid::int8, tgname::text FROM pg_trigger
         WHERE tgrelid::int8 = ANY($1) AND NOT tgisinternal AND tgenabled <> 'D'
           AND tgtype & 1 = 1 AND tgtype & 4 = 4
         ORDER BY tgname",
    )
    .bind(oids)
    .fetch_all(&mut *conn)
    .await?;
    for (rel, name) in rows {
        if let Some(t) = position(oids, rel) {
            tables[t].insert_triggers.push(name);
        }
    }
    Ok(())
}

async fn read_partitions(
    conn: &mut PgConnection,
    oids: &[i64],
    partkeys: &[Option<String>],
    tables: &mut [Table],
) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
        "SELECT i.inhparent::int8, pg_get_expr(c.relpartbound, c.oid)
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent::int8 = ANY($1) ORDER BY c.oid",
    )
    .bind(oids)
    .fetch_all(&mut *conn)
    .await?;
    for (t, partkey) in partkeys.iter().enumerate() {
        let Some(partkey) = partkey else { continue };
        let bounds: Vec<&str> = rows
            .iter()
            .filter(|(rel, _)| *rel == oids[t])
            .filter_map(|(_, b)| b.as_deref())
            .collect();
        tables[t].partitions = Some(partitions(partkey, &bounds));
    }
    Ok(())
}

/// Where a partitioned table can put rows, from `pg_get_partkeydef` and
/// its partitions' bounds. A key of several columns or an expression
/// gives `Any` (the generators are not restricted; the profile's author
/// must keep the values inside the partitions).
pub(crate) fn partitions(partkey: &str, bounds: &[&str]) -> Partitions {
    if bounds.iter().any(|b| b.trim() == "DEFAULT") {
        return Partitions::Any;
    }
    let (strategy, rest) = partkey.split_once(' ').unwrap_or((partkey, ""));
    let column = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or("")
        .trim()
        .trim_matches('"')
        .to_string();
    if column.is_empty() || column.contains([',', '(', ' ']) {
        return Partitions::Any;
    }
    match strategy {
        "RANGE" => {
            let mut from: Option<String> = None;
            let mut to: Option<String> = None;
            for bound in bounds {
                let Some((low, high)) = bound
                    .strip_prefix("FOR VALUES FROM (")
                    .and_then(|b| b.split_once(") TO ("))
                else {
                    continue;
                };
                let high = high.strip_suffix(')').unwrap_or(high);
                let (low, high) = (literal_text(low), literal_text(high));
                if from.as_ref().is_none_or(|f| before(&low, f)) {
                    from = Some(low);
                }
                if to.as_ref().is_none_or(|t| before(t, &high)) {
                    to = Some(high);
                }
            }
            match (from, to) {
                (Some(from), Some(to)) if from != "MINVALUE" && to != "MAXVALUE" => {
                    Partitions::Range { column, from, to }
                }
                _ => Partitions::Any,
            }
        }
        "LIST" => {
            let mut values = Vec::new();
            for bound in bounds {
                let Some(list) = bound
                    .strip_prefix("FOR VALUES IN (")
                    .and_then(|b| b.strip_suffix(')'))
                else {
                    continue;
                };
                values.extend(split_list(list).iter().map(|v| literal_text(v)));
            }
            Partitions::List { column, values }
        }
        _ => Partitions::Any,
    }
}

/// `'2026-01-01'` -> `2026-01-01`; `10` -> `10`.
fn literal_text(text: &str) -> String {
    let text = text.trim();
    match text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        Some(inner) => inner.replace("''", "'"),
        None => text.to_string(),
    }
}

/// Splits `'a', 'b, c', 3` at the commas outside quotes.
fn split_list(list: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in list.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        items.push(current);
    }
    items
}

/// Order of two bounds: numerically when both are numbers, else as text
/// (PostgreSQL prints dates and timestamps in ISO form, which sorts).
fn before(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x < y,
        _ => a < b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_partitions_span_their_bounds() {
        let p = partitions(
            "RANGE (created_at)",
            &[
                "FOR VALUES FROM ('2026-07-01 00:00:00+00') TO ('2027-01-01 00:00:00+00')",
                "FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-07-01 00:00:00+00')",
            ],
        );
        assert_eq!(
            p,
            Partitions::Range {
                column: "created_at".into(),
                from: "2026-01-01 00:00:00+00".into(),
                to: "2027-01-01 00:00:00+00".into()
            }
        );
        let p = partitions(
            "RANGE (id)",
            &[
                "FOR VALUES FROM (100) TO (1000)",
                "FOR VALUES FROM (1) TO (100)",
            ],
        );
        assert_eq!(
            p,
            Partitions::Range {
                column: "id".into(),
                from: "1".into(),
                to: "1000".into()
            }
        );
    }

    #[test]
    fn list_and_default_partitions() {
        assert_eq!(
            partitions(
                "LIST (region)",
                &["FOR VALUES IN ('eu', 'us')", "FOR VALUES IN ('ap')"]
            ),
            Partitions::List {
                column: "region".into(),
                values: vec!["eu".into(), "us".into(), "ap".into()]
            }
        );
        assert_eq!(
            partitions("LIST (region)", &["FOR VALUES IN ('eu')", "DEFAULT"]),
            Partitions::Any
        );
        assert_eq!(
            partitions("HASH (id)", &["FOR VALUES WITH (modulus 2, remainder 0)"]),
            Partitions::Any
        );
    }
}
