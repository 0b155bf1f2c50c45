//! What a live database's catalog says about its tables, in the terms a
//! profile needs: column types with their limits (varchar length, numeric
//! precision and scale, enum labels, domains and their checks, arrays,
//! ranges), NOT NULL, defaults, identity/serial/generated columns, primary
//! keys, unique constraints and indexes, foreign keys, CHECK constraints
//! (as [`checks::Rule`]s) and partitioned tables.
//!
//! [`read`] reads it (one query per catalog, resolved in Rust);
//! [`order`] puts the tables in foreign-key order and breaks cycles;
//! `seedkit profile init` writes a profile from it and `seed` checks a
//! profile's generators against it before COPY.

pub mod checks;
pub mod order;
mod read;

pub use read::{read, read_table, read_tables};

use checks::Rule;

/// The tables of the chosen schemas, in foreign-key order (parents first).
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub tables: Vec<Table>,
    /// Foreign keys not followed when ordering (self-references, and one
    /// nullable edge per cycle): (table, constraint).
    pub broken_edges: Vec<(String, String)>,
    /// Tables on a cycle of NOT NULL foreign keys: (table, why).
    pub unloadable: Vec<(String, String)>,
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    /// As a profile names it: bare in the search path's first schema,
    /// `schema.table` elsewhere.
    pub name: String,
    /// Quoted and qualified.
    pub qualified: String,
    /// A partitioned table (its partitions are not listed: rows go
    /// through the parent).
    pub partitioned: bool,
    /// Where the partitions put rows, when the key is one column.
    pub partitions: Option<Partitions>,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// Unique constraints and plain unique indexes (no predicate, no
    /// expression), the primary key excluded.
    pub unique: Vec<Vec<String>>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    /// Row-level triggers that run on INSERT (and so on COPY).
    pub insert_triggers: Vec<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Every key (primary or unique) as a list of columns.
    pub fn keys(&self) -> impl Iterator<Item = &Vec<String>> {
        std::iter::once(&self.primary_key)
            .filter(|k| !k.is_empty())
            .chain(&self.unique)
    }

    /// Whether `column` alone is a key.
    pub fn is_unique(&self, column: &str) -> bool {
        self.keys().any(|k| k.len() == 1 && k[0] == column)
    }

    /// The foreign keys `column` is part of.
    pub fn foreign_key_of(&self, column: &str) -> Option<&ForeignKey> {
        self.foreign_keys
            .iter()
            .find(|fk| fk.columns.iter().any(|c| c == column))
    }

    /// Every rule of the table's CHECKs and its columns' domains.
    pub fn rules(&self) -> impl Iterator<Item = (&Check, &Rule)> {
        self.checks
            .iter()
            .chain(self.columns.iter().flat_map(|c| &c.domain_checks))
            .flat_map(|check| check.rules.iter().map(move |r| (check, r)))
    }
}

/// How a partitioned table spreads its rows, for a one-column key.
#[derive(Debug, Clone, PartialEq)]
pub enum Partitions {
    /// `PARTITION BY RANGE (column)`: the lowest FROM and highest TO of the
    /// partitions (text as PostgreSQL prints them; TO is exclusive).
    Range {
        column: String,
        from: String,
        to: String,
    },
    /// `PARTITION BY LIST (column)`: every listed value.
    List { column: String, values: Vec<String> },
    /// A DEFAULT partition or hash partitioning: every value has a place.
    Any,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// `format_type`, e.g. `character varying(40)`, `numeric(10,2)`.
    pub type_name: String,
    pub kind: TypeKind,
    /// The domain the column is declared with, if any.
    pub domain: Option<String>,
    /// The domain's CHECKs, with `VALUE` read as this column.
    pub domain_checks: Vec<Check>,
    pub not_null: bool,
    /// `pg_get_expr` of the DEFAULT.
    pub default: Option<String>,
    /// `a` (ALWAYS) or `d` (BY DEFAULT) for identity columns.
    pub identity: Option<char>,
    /// `GENERATED ALWAYS AS (...) STORED`.
    pub generated: bool,
    /// A serial column (its DEFAULT is `nextval(...)`).
    pub serial: bool,
}

impl Column {
    /// A DEFAULT that gives another value on every run or row (`now()`,
    /// `random()`, `gen_random_uuid()`, `nextval()` ...).
    pub fn default_is_volatile(&self) -> bool {
        self.default.as_deref().is_some_and(|e| {
            let e = e.to_ascii_lowercase();
            [
                "now()",
                "current_",
                "localtime",
                "clock_timestamp",
                "statement_timestamp",
                "transaction_timestamp",
                "timeofday",
                "random",
                "uuid",
                "nextval",
            ]
            .iter()
            .any(|v| e.contains(v))
        })
    }

    /// Filled by the database when the column is left out.
    pub fn has_default(&self) -> bool {
        self.default.is_some() || self.identity.is_some() || self.generated
    }
}

/// A column's type as far as generating values goes.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    /// `numeric(precision, scale)`; `None` when unconstrained.
    Numeric {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    Money,
    /// text, varchar(n), char(n), citext, name; `max_len` from the typmod.
    Text {
        max_len: Option<u32>,
    },
    Json,
    Jsonb,
    Timestamptz,
    Timestamp,
    Date,
    Time,
    TimeTz,
    Interval,
    Uuid,
    Inet,
    Cidr,
    Macaddr,
    Bytea,
    /// The labels, in order.
    Enum(Vec<String>),
    /// int4range, int8range, numrange, daterange, tsrange, tstzrange.
    Range(Box<TypeKind>),
    Array(Box<TypeKind>),
    /// Anything else (geometric, bit strings, xml, tsvector, ...).
    Other(String),
}

/// A named CHECK constraint and its rules.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    /// As `pg_get_constraintdef` prints it.
    pub definition: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    /// The referenced table's profile name (a table of the schema) or its
    /// qualified name (elsewhere).
    pub target: String,
    pub target_columns: Vec<String>,
    /// The referenced table is one of the tables read.
    pub internal: bool,
}
