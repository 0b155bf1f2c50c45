//! What the live database says about the tables a profile fills: columns
//! and their types, secondary indexes, key and foreign-key constraints, and
//! the sequences behind identity and serial columns.
//!
//! The loader drops indexes and constraints before COPY and re-creates them
//! afterwards; their definitions come from `pg_get_indexdef` and
//! `pg_get_constraintdef`, PostgreSQL's own rendering, so the re-created
//! objects are the same objects (name, columns, predicate, options, NOT VALID,
//! DEFERRABLE, ON DELETE ...). Comments on them are carried over too.

use sqlx::{PgConnection, Row};

use super::copy::PgType;
use crate::db::holder::LockHolder;
use crate::db::quote_qualified;

/// One column of a table, as the catalog describes it.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    pub name: String,
    /// `format_type` of the declared type, e.g. `character varying(40)`.
    pub type_name: String,
    /// How the loader encodes it; `None` when it cannot.
    pub pg_type: Option<PgType>,
    pub not_null: bool,
    /// A DEFAULT, an identity or a generated expression fills it when omitted.
    pub has_default: bool,
    /// `GENERATED ALWAYS AS (...) STORED`: cannot be written at all.
    pub generated: bool,
    /// The sequence behind a serial or identity column (quoted, qualified).
    pub sequence: Option<String>,
    /// The DEFAULT expression, as `pg_get_expr` prints it.
    pub default_expr: Option<String>,
}

impl ColumnInfo {
    /// Whether the default differs from run to run (`now()`, `random()`,
    /// `gen_random_uuid()` ...): a column left to it makes a seed
    /// irreproducible.
    pub fn has_volatile_default(&self) -> bool {
        const VOLATILE: [&str; 9] = [
            "now()",
            "current_timestamp",
            "current_date",
            "localtimestamp",
            "clock_timestamp(",
            "statement_timestamp(",
            "transaction_timestamp(",
            "random(",
            "uuid",
        ];
        self.default_expr.as_deref().is_some_and(|e| {
            let e = e.to_ascii_lowercase();
            VOLATILE.iter().any(|v| e.contains(v))
        })
    }
}

/// A table a profile fills.
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// The name as the profile spells it.
    pub name: String,
    /// `schema.table`, quoted, as the catalog names it.
    pub qualified: String,
    /// `r` ordinary table, `p` partitioned table, ...
    pub relkind: String,
    pub columns: Vec<ColumnInfo>,
    /// The table as [`crate::introspect`] reads it (type limits, enum
    /// labels, CHECK shapes), for the checks before COPY.
    pub schema: Option<crate::introspect::Table>,
}

impl TableInfo {
    pub fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A secondary index (one that backs no constraint).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexDef {
    /// The table it is on (quoted, qualified).
    pub table: String,
    /// The index (quoted, qualified).
    pub name: String,
    /// `CREATE [UNIQUE] INDEX ...` from `pg_get_indexdef`.
    pub definition: String,
    pub comment: Option<String>,
}

/// A primary key, unique or foreign-key constraint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConstraintDef {
    /// The table it is on (quoted, qualified).
    pub table: String,
    /// The constraint's name (unquoted).
    pub name: String,
    /// `p`, `u` or `f`.
    pub kind: String,
    /// `PRIMARY KEY (id)`, `FOREIGN KEY (...) REFERENCES ...` from `pg_get_constraintdef`.
    pub definition: String,
    pub comment: Option<String>,
}

/// Everything the fast path drops and must put back exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DroppedObjects {
    /// Primary keys and unique constraints (their indexes go with them).
    pub keys: Vec<ConstraintDef>,
    /// Secondary indexes.
    pub indexes: Vec<IndexDef>,
    /// Foreign keys on the tables and foreign keys pointing at them from
    /// anywhere (a primary key cannot be dropped while one depends on it).
    pub foreign_keys: Vec<ConstraintDef>,
}

impl DroppedObjects {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.indexes.is_empty() && self.foreign_keys.is_empty()
    }
}

/// A foreign key from a table outside the profile into one of its tables.
#[derive(Debug, Clone)]
pub struct ExternalReference {
    pub referencing: String,
    pub referenced: String,
    pub constraint: String,
}

/// The sessions (other than this one) holding a lock on one of `tables`
/// (quoted, qualified names), as the migration lock names its holders.
/// "Since" is when the holder's transaction began: it has held the lock
/// since then at the latest.
pub async fn table_lock_holders(
    conn: &mut PgConnection,
    tables: &[String],
) -> Result<Vec<LockHolder>, sqlx::Error> {
    type Row = (
        i32,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT DISTINCT a.pid, coalesce(a.application_name, ''), host(a.client_addr), \
                a.usename::text, \
                to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'), \
                to_char(coalesce(a.xact_start, a.state_change) AT TIME ZONE 'UTC', \
                        'YYYY-MM-DD HH24:MI:SS \"UTC\"'), \
                CASE WHEN a.xact_start IS NULL THEN a.state \
                     ELSE a.state || ', in a transaction' END \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid() \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND l.relation IN (SELECT to_regclass(t) FROM unnest($1::text[]) t) \
         ORDER BY a.pid",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(LockHolder::from).collect())
}

/// Reads a table's columns. `Ok(None)`: there is no such table.
pub async fn read_table(
    conn: &mut PgConnection,
    name: &str,
) -> Result<Option<TableInfo>, sqlx::Error> {
    let quoted = quote_qualified(name);
    let row = sqlx::query(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified,
                c.relkind::text AS relkind
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = to_regclass($1)",
    )
    .bind(&quoted)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let qualified: String = row.try_get("qualified")?;
    let relkind: String = row.try_get("relkind")?;
    if !matches!(relkind.as_str(), "r" | "p") {
        // A view or sequence by that name cannot be loaded with COPY.
        return Ok(None);
    }
    let columns = read_columns(conn, &qualified).await?;
    // Best effort: the checks it feeds are extra, and a catalog that lacks
    // a function introspect uses (CockroachDB's pg_catalog is partial) must
    // not stop a seed. No transaction is open yet, so a failed query
    // poisons nothing.
    let schema = match crate::introspect::read_table(conn, &qualified).await {
        Ok(schema) => schema,
        Err(e) => {
            crate::ui::debug(format!(
                "{qualified}: catalog details not read ({e}); values are not checked before COPY"
            ));
            None
        }
    };
    Ok(Some(TableInfo {
        name: name.to_string(),
        qualified,
        relkind,
        columns,
        schema,
    }))
}

async fn read_columns(
    conn: &mut PgConnection,
    qualified: &str,
) -> Result<Vec<ColumnInfo>, sqlx::Error> {
    // Domains are encoded as their base type; arrays by their element type.
    let rows = sqlx::query(
        "SELECT a.attname::text AS name,
                format_type(a.atttypid, a.atttypmod) AS type_name,
                a.attnotnull AS not_null,
                (a.atthasdef OR a.attidentity <> '') AS has_default,
                (a.attgenerated <> '') AS generated,
                pg_get_serial_sequence($1, a.attname) AS sequence,
                pg_get_expr(d.adbin, d.adrelid) AS default_expr,
                bt.oid::int8 AS type_oid, bt.typname::text AS typname,
                (bt.typtype = 'e') AS is_enum,
                (bt.typcategory = 'A') AS is_array,
                et.oid::int8 AS elem_oid, et.typname::text AS elem_name,
                coalesce(et.typtype = 'e', false) AS elem_is_enum
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
         LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum",
    )
    .bind(qualified)
    .fetch_all(&mut *conn)
    .await?;
    let mut columns = Vec::with_capacity(rows.len());
    for row in rows {
        let type_oid: i64 = row.try_get("type_oid")?;
        let typname: String = row.try_get("typname")?;
        let is_enum: bool = row.try_get("is_enum")?;
        let pg_type = if row.try_get::<bool, _>("is_array")? {
            let elem_oid: Option<i64> = row.try_get("elem_oid")?;
            let elem_name: Option<String> = row.try_get("elem_name")?;
            let elem_is_enum: bool = row.try_get("elem_is_enum")?;
            elem_oid.and_then(|oid| {
                let element =
                    PgType::scalar(oid as u32, elem_name.as_deref().unwrap_or(""), elem_is_enum)?;
                Some(PgType::Array {
                    element_oid: oid as u32,
                    element: Box::new(element),
                })
            })
        } else {
            PgType::scalar(type_oid as u32, &typname, is_enum)
        };
        columns.push(ColumnInfo {
            name: row.try_get("name")?,
            type_name: row.try_get("type_name")?,
            pg_type,
            not_null: row.try_get("not_null")?,
            has_default: row.try_get("has_default")?,
            generated: row.try_get("generated")?,
            sequence: row.try_get("sequence")?,
            default_expr: row.try_get("default_expr")?,
        });
    }
    Ok(columns)
}

/// The primary keys, unique constraints, secondary indexes and foreign keys
/// of `tables` (quoted, qualified names), and the foreign keys pointing at
/// them. A partition's copy of its parent's foreign key (`conparentid`) is
/// left out: it goes and comes back with the parent's. Indexes marked for CLUSTER or REPLICA IDENTITY are left in place
/// (dropping them would lose that mark), and so are their constraints.
pub async fn read_droppable(
    conn: &mut PgConnection,
    tables: &[String],
) -> Result<DroppedObjects, sqlx::Error> {
    let keys = sqlx::query(
        "SELECT c.conrelid::regclass::text AS tbl, c.conname::text AS name, c.contype::text AS kind,
                pg_get_constraintdef(c.oid) AS def, obj_description(c.oid, 'pg_constraint') AS comment
         FROM pg_constraint c
         JOIN pg_index i ON i.indexrelid = c.conindid
         WHERE c.conrelid = ANY($1::regclass[]) AND c.contype IN ('p', 'u')
           AND NOT i.indisclustered AND NOT i.indisreplident
         ORDER BY 1, 2",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    let indexes = sqlx::query(
        "SELECT i.indrelid::regclass::text AS tbl, i.indexrelid::regclass::text AS name,
                pg_get_indexdef(i.indexrelid) AS def,
                obj_description(i.indexrelid, 'pg_class') AS comment
         FROM pg_index i
         WHERE i.indrelid = ANY($1::regclass[])
           AND NOT i.indisclustered AND NOT i.indisreplident
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                           WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
         ORDER BY 1, 2",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    let foreign_keys = sqlx::query(
        "SELECT c.conrelid::regclass::text AS tbl, c.conname::text AS name, c.contype::text AS kind,
                pg_get_constraintdef(c.oid) AS def, obj_description(c.oid, 'pg_constraint') AS comment
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.conparentid = 0
           AND (c.conrelid = ANY($1::regclass[]) OR c.confrelid = ANY($1::regclass[]))
         ORDER BY 1, 2",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    let constraint = |row: &sqlx::postgres::PgRow| -> Result<ConstraintDef, sqlx::Error> {
        Ok(ConstraintDef {
            table: row.try_get("tbl")?,
            name: row.try_get("name")?,
            kind: row.try_get("kind")?,
            definition: row.try_get("def")?,
            comment: row.try_get("comment")?,
        })
    };
    Ok(DroppedObjects {
        keys: keys.iter().map(constraint).collect::<Result<_, _>>()?,
        indexes: indexes
            .iter()
            .map(|row| {
                Ok(IndexDef {
                    table: row.try_get("tbl")?,
                    name: row.try_get("name")?,
                    definition: row.try_get("def")?,
                    comment: row.try_get("comment")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?,
        foreign_keys: foreign_keys
            .iter()
            .map(constraint)
            .collect::<Result<_, _>>()?,
    })
}

/// Foreign keys from tables outside `tables` into them.
pub async fn external_references(
    conn: &mut PgConnection,
    tables: &[String],
) -> Result<Vec<ExternalReference>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.conrelid::regclass::text AS referencing, c.confrelid::regclass::text AS referenced,
                c.conname::text AS name
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid = ANY($1::regclass[])
           AND NOT (c.conrelid = ANY($1::regclass[]))
         ORDER BY 1, 3",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ExternalReference {
                referencing: row.try_get("referencing")?,
                referenced: row.try_get("referenced")?,
                constraint: row.try_get("name")?,
            })
        })
        .collect()
}

/// A foreign key between two profile tables, by profile name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub child: String,
    pub parent: String,
    pub constraint: String,
    /// The child's columns in the key.
    pub columns: Vec<String>,
}

/// The foreign keys between profile tables.
pub async fn foreign_key_edges(
    conn: &mut PgConnection,
    tables: &[TableInfo],
) -> Result<Vec<Edge>, sqlx::Error> {
    let qualified: Vec<String> = tables.iter().map(|t| t.qualified.clone()).collect();
    let rows = sqlx::query(
        "SELECT quote_ident(cn.nspname) || '.' || quote_ident(cc.relname) AS child,
                quote_ident(pn.nspname) || '.' || quote_ident(pc.relname) AS parent,
                c.conname::text AS name,
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                      ORDER BY k.o) AS columns
         FROM pg_constraint c
         JOIN pg_class cc ON cc.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
         JOIN pg_class pc ON pc.oid = c.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
         WHERE c.contype = 'f' AND c.conrelid = ANY($1::regclass[])
         ORDER BY 1, 3",
    )
    .bind(&qualified)
    .fetch_all(&mut *conn)
    .await?;
    let by_qualified = |q: &str| {
        tables
            .iter()
            .find(|t| t.qualified == q)
            .map(|t| t.name.clone())
    };
    let mut edges = Vec::new();
    for row in rows {
        let child: String = row.try_get("child")?;
        let parent: String = row.try_get("parent")?;
        if let (Some(child), Some(parent)) = (by_qualified(&child), by_qualified(&parent)) {
            edges.push(Edge {
                child,
                parent,
                constraint: row.try_get("name")?,
                columns: row.try_get("columns")?,
            });
        }
    }
    Ok(edges)
}

/// Exact row counts of `tables` (quoted, qualified), in order.
pub async fn row_counts(
    conn: &mut PgConnection,
    tables: &[String],
) -> Result<Vec<u64>, sqlx::Error> {
    let mut counts = Vec::with_capacity(tables.len());
    for table in tables {
        let sql = format!("SELECT count(*) FROM {table}");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await?;
        counts.push(n as u64);
    }
    Ok(counts)
}
