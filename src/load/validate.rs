//! The profile checked against the live catalog before anything is written.
//!
//! Each problem is a [`ProfileError::Catalog`] naming the profile's file,
//! line and column and the database object: an unknown table or column, a
//! type the encoder cannot produce, a NOT NULL column nobody fills, a child
//! table loaded before its parent, or a generator whose values do not fit
//! their column (found by encoding the first row of every table).

use super::catalog::TableInfo;
use super::copy::{PgType, RowEncoder};
use crate::generate::{Dataset, TableGen};
use crate::profile::{Location, ProfileError};

pub use super::catalog::Edge;

/// Checks every table of `dataset` against `catalog` (same order, `None` for
/// a table the database does not have) and the foreign keys between them.
/// `database` names the database in messages (a redacted URL).
pub fn validate(
    dataset: &Dataset,
    catalog: &[Option<TableInfo>],
    edges: &[Edge],
    database: &str,
) -> Result<(), ProfileError> {
    for (table, info) in dataset.tables().iter().zip(catalog) {
        let Some(info) = info else {
            return Err(catalog_error(
                table.spec().location.clone(),
                format!("table {} does not exist in {database}", table.name()),
                "run `seedkit migrate` first, or fix the table's name in the profile",
            ));
        };
        check_columns(table, info)?;
        check_not_null(table, info)?;
    }
    check_order(dataset, edges)?;
    warn_irreproducible(dataset, catalog);
    for (table, info) in dataset.tables().iter().zip(catalog) {
        if let Some(info) = info {
            check_first_row(table, info)?;
        }
    }
    Ok(())
}

/// The encoder for a validated table's profile columns, in COPY order.
pub fn encoder(table: &TableGen, info: &TableInfo) -> RowEncoder {
    RowEncoder::new(
        table
            .columns()
            .iter()
            .map(|name| {
                info.column(name)
                    .and_then(|c| c.pg_type.clone())
                    .unwrap_or(PgType::Text)
            })
            .collect(),
    )
}

fn catalog_error(location: Location, message: String, hint: impl Into<String>) -> ProfileError {
    ProfileError::Catalog {
        location,
        message,
        hint: Some(hint.into()),
    }
}

fn column_location(table: &TableGen, column: &str) -> Location {
    table
        .spec()
        .columns
        .iter()
        .find(|c| c.name == column)
        .map(|c| c.location.clone())
        .unwrap_or_else(|| table.spec().location.clone())
}

fn check_columns(table: &TableGen, info: &TableInfo) -> Result<(), ProfileError> {
    for name in table.columns() {
        let Some(column) = info.column(name) else {
            let known: Vec<&str> = info.columns.iter().map(|c| c.name.as_str()).collect();
            return Err(catalog_error(
                column_location(table, name),
                format!("column {name:?} does not exist in table {}", info.qualified),
                format!("{} has columns: {}", info.qualified, known.join(", ")),
            ));
        };
        if column.generated {
            return Err(catalog_error(
                column_location(table, name),
                format!(
                    "column {}.{name} is a generated column; the database computes it",
                    info.qualified
                ),
                "remove it from the profile",
            ));
        }
        if column.pg_type.is_none() {
            return Err(catalog_error(
                column_location(table, name),
                format!(
                    "column {}.{name} has type {}, which seedkit cannot load",
                    info.qualified, column.type_name
                ),
                format!(
                    "seedkit loads {}; leave the column out of the profile to use its default",
                    PgType::SUPPORTED
                ),
            ));
        }
    }
    Ok(())
}

fn check_not_null(table: &TableGen, info: &TableInfo) -> Result<(), ProfileError> {
    let generated = |name: &str| table.columns().iter().any(|c| c == name);
    for column in &info.columns {
        if column.not_null && !column.has_default && !column.generated && !generated(&column.name) {
            return Err(catalog_error(
                table.spec().location.clone(),
                format!(
                    "column {}.{} is NOT NULL and has no default, but the profile has no \
                     generator for it",
                    info.qualified, column.name
                ),
                format!(
                    "add a generator for {} ({}) to the table {} in the profile",
                    column.name,
                    column.type_name,
                    table.name()
                ),
            ));
        }
    }
    Ok(())
}

fn check_order(dataset: &Dataset, edges: &[Edge]) -> Result<(), ProfileError> {
    let position = |name: &str| dataset.tables().iter().position(|t| t.name() == name);
    for Edge {
        child,
        parent,
        constraint,
        columns,
    } in edges
    {
        let (Some(c), Some(p)) = (position(child), position(parent)) else {
            continue;
        };
        // A key whose columns the profile leaves out (NULL: a self-reference
        // or a cycle broken there) needs no order.
        let filled = columns
            .iter()
            .any(|col| dataset.tables()[c].columns().contains(col));
        if c < p && filled {
            let table = &dataset.tables()[c];
            return Err(catalog_error(
                table.spec().location.clone(),
                format!(
                    "table {child} would be loaded before {parent}, which it references \
                     (foreign key {constraint})"
                ),
                format!(
                    "make the profile say so: generate {child}'s foreign-key column with a \
                     reference to {parent}, so {parent} is loaded first"
                ),
            ));
        }
    }
    Ok(())
}

/// Columns the profile leaves to a default like `now()` differ between
/// runs; say so (the seed still runs: the application may want that).
fn warn_irreproducible(dataset: &Dataset, catalog: &[Option<TableInfo>]) {
    for (table, info) in dataset.tables().iter().zip(catalog) {
        let Some(info) = info else { continue };
        for column in &info.columns {
            if column.has_volatile_default() && !table.columns().contains(&column.name) {
                crate::ui::warn(format!(
                    "{}.{} is not in the profile; its default {} differs between runs, so \
                     this table will not be byte-identical from seed to seed ({}: add a \
                     generator for it)",
                    table.name(),
                    column.name,
                    column.default_expr.as_deref().unwrap_or_default(),
                    table.spec().location
                ));
            }
        }
    }
}

/// Encodes the first row, so a generator producing the wrong kind of value
/// is reported with its location before anything is written.
fn check_first_row(table: &TableGen, info: &TableInfo) -> Result<(), ProfileError> {
    if table.row_count() == 0 {
        return Ok(());
    }
    let encoder = encoder(table, info);
    let row = table.row_at(0);
    if let Err(e) = encoder.encode_row(&row, &mut Vec::new()) {
        let name = table.columns().get(e.column).cloned().unwrap_or_default();
        let type_name = info
            .column(&name)
            .map(|c| c.type_name.clone())
            .unwrap_or_default();
        return Err(catalog_error(
            column_location(table, &name),
            format!("{}.{name} ({type_name}): {}", info.qualified, e.message),
            format!("use a generator that produces {type_name} values for {name}"),
        ));
    }
    Ok(())
}
