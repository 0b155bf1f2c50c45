//! Reading `[tables.NAME]`: the row count (`rows`, `per_parent`,
//! `rows_literal`), `load`, and the columns (read by `column.rs`).

use super::column::{TableContext, read_column};
use super::dist::read_dist;
use super::node::{Entry, Node, NodeValue};
use super::reader::{Reader, flag, integer, node_value, string};
use super::spec::{ColumnSpec, Dist, DistKind, Generator, RowsSpec, TableSpec};
use super::{Location, ProfileError};
use crate::generate::Value;

/// The keys of one `[tables.NAME]`.
struct TableNodes<'a> {
    what: String,
    rows: Option<&'a Entry>,
    per_parent: Option<&'a Node>,
    literal: Option<&'a Node>,
    columns: Option<&'a Node>,
}

/// Reads `[tables.NAME]`.
pub(crate) fn read_table(entry: &Entry) -> Result<TableSpec, ProfileError> {
    let what = format!("table `{}`", entry.key);
    let mut reader = Reader::new(&entry.node, what.clone())?;
    let load = match reader.get("load") {
        Some(node) => flag(node, "load")?,
        None => true,
    };
    let nodes = TableNodes {
        what,
        rows: reader.entry("rows"),
        per_parent: reader.get("per_parent"),
        literal: reader.get("rows_literal"),
        columns: reader.get("columns"),
    };
    reader.finish()?;
    let rows = read_rows(&nodes, &entry.key_location)?;
    let context = TableContext {
        name: &entry.key,
        per_parent: match &rows {
            RowsSpec::PerParent { parent, .. } => Some(parent),
            _ => None,
        },
    };
    let (columns, hidden) = read_columns(&nodes, &context)?;
    if columns.is_empty() && load {
        return Err(ProfileError::invalid(
            &entry.key_location,
            format!("{} has no columns", nodes.what),
        )
        .with_hint(format!(
            "add [tables.{}.columns] with a generator per column",
            entry.key
        )));
    }
    Ok(TableSpec {
        name: entry.key.clone(),
        location: entry.key_location.clone(),
        columns,
        hidden,
        rows,
        load,
    })
}

/// Exactly one of `rows`, `per_parent` and `rows_literal`.
fn read_rows(nodes: &TableNodes, table_location: &Location) -> Result<RowsSpec, ProfileError> {
    let what = &nodes.what;
    let given: Vec<&Location> = [
        nodes.rows.map(|e| &e.key_location),
        nodes.per_parent.map(|n| &n.location),
        nodes.literal.map(|n| &n.location),
    ]
    .into_iter()
    .flatten()
    .collect();
    if given.len() > 1 {
        return Err(ProfileError::invalid(
            given[1],
            format!("{what} sets more than one of `rows`, `per_parent` and `rows_literal`"),
        )
        .with_hint("keep exactly one of them"));
    }
    if let Some(rows) = nodes.rows {
        let count = integer(&rows.node, "rows")?;
        let rows_count = u64::try_from(count).map_err(|_| {
            ProfileError::invalid(
                &rows.node.location,
                format!("`rows` must be zero or more, not {count}"),
            )
        })?;
        Ok(RowsSpec::Fixed {
            rows: rows_count,
            location: rows.node.location.clone(),
        })
    } else if let Some(node) = nodes.per_parent {
        read_per_parent(node, what)
    } else if let Some(node) = nodes.literal {
        let rows = node.as_array().ok_or_else(|| {
            ProfileError::invalid(
                &node.location,
                "`rows_literal` must be an array of tables, e.g. [ { id = 1, name = \"x\" } ]",
            )
        })?;
        Ok(RowsSpec::Literal {
            rows: rows.len() as u64,
            location: node.location.clone(),
        })
    } else {
        Err(ProfileError::invalid(
            table_location,
            format!("{what} says neither `rows`, `per_parent` nor `rows_literal`"),
        )
        .with_hint("add e.g. `rows = 100`"))
    }
}

/// `per_parent = { parent = "players", count = 3 }` (or a distribution).
fn read_per_parent(node: &Node, what: &str) -> Result<RowsSpec, ProfileError> {
    let mut pp = Reader::new(node, format!("`per_parent` of {what}"))?;
    let parent_node = pp.required("parent")?;
    let parent = string(parent_node, "parent")?.to_string();
    let count_node = pp.required("count")?;
    pp.finish()?;
    let count = match &count_node.value {
        NodeValue::Table(_) => read_dist(count_node, "`count`", true)?,
        NodeValue::Integer(n) if *n >= 0 => Dist {
            kind: DistKind::Constant(*n as f64),
            min: *n as f64,
            max: *n as f64,
        },
        _ => {
            return Err(ProfileError::invalid(
                &count_node.location,
                "`count` must be a whole number of rows or a distribution, \
                 e.g. { dist = \"zipf\", min = 0, max = 20 }",
            ));
        }
    };
    if count.min < 0.0 {
        return Err(ProfileError::invalid(
            &count_node.location,
            format!("`count` must be zero or more, not min = {}", count.min),
        ));
    }
    Ok(RowsSpec::PerParent {
        parent,
        parent_location: parent_node.location.clone(),
        count,
    })
}

/// The loaded columns and the hidden helper columns, from `columns` or
/// from the keys of `rows_literal`.
fn read_columns(
    nodes: &TableNodes,
    context: &TableContext<'_>,
) -> Result<(Vec<ColumnSpec>, Vec<ColumnSpec>), ProfileError> {
    let mut columns = Vec::new();
    let mut hidden = Vec::new();
    if let Some(node) = nodes.literal {
        if nodes.columns.is_some() {
            return Err(ProfileError::invalid(
                &node.location,
                format!("{} has both `rows_literal` and `columns`", nodes.what),
            )
            .with_hint("a literal table takes its columns from the rows' keys"));
        }
        columns = literal_columns(node)?;
    }
    if let Some(node) = nodes.columns {
        let table = node.as_table().ok_or_else(|| {
            ProfileError::invalid(
                &node.location,
                "`columns` must be a table of column generators",
            )
        })?;
        for column in table.iter() {
            let (spec, is_hidden) = read_column(column, context)?;
            if is_hidden {
                hidden.push(spec);
            } else {
                columns.push(spec);
            }
        }
    }
    Ok((columns, hidden))
}

fn literal_columns(node: &Node) -> Result<Vec<ColumnSpec>, ProfileError> {
    let rows = node.as_array().unwrap_or_default();
    let mut columns: Vec<ColumnSpec> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let table = row.as_table().ok_or_else(|| {
            ProfileError::invalid(
                &row.location,
                format!(
                    "row {} of `rows_literal` must be a table, not {}",
                    index + 1,
                    row.type_name()
                ),
            )
        })?;
        for entry in table.iter() {
            let position = match columns.iter().position(|c| c.name == entry.key) {
                Some(p) => p,
                None => {
                    columns.push(ColumnSpec {
                        name: entry.key.clone(),
                        location: entry.key_location.clone(),
                        generator: Generator::Literal(vec![Value::Null; rows.len()]),
                        generator_location: entry.key_location.clone(),
                        unique: false,
                        null_probability: 0.0,
                        null_if: None,
                    });
                    columns.len() - 1
                }
            };
            if let Generator::Literal(values) = &mut columns[position].generator {
                values[index] = node_value(&entry.node)?;
            }
        }
    }
    Ok(columns)
}
