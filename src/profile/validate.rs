//! Checks across tables and columns: references name real tables and
//! columns, `per_parent` names a real parent, `derive`/`null_if`/`template`
//! name real columns of the same row, and nothing depends on itself. Also
//! computes the load order (parents before children), and bounds sizes
//! (rows, children per parent, array lengths) so a typo in a count is a
//! clear error instead of an allocation failure an hour into a run.

use super::spec::{ColumnSpec, Generator, JsonField, Pick, RowsSpec, TableSpec, TemplatePart};
use super::{Location, ProfileError};

/// Validates the tables and returns their load order (indexes into `tables`).
pub(crate) fn check(tables: &[TableSpec]) -> Result<Vec<usize>, ProfileError> {
    let index_of = |name: &str| tables.iter().position(|t| t.name == name);
    // Edges: (child, parent, where the dependency is written).
    let mut edges: Vec<(usize, usize, Location)> = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        let parent = match &table.rows {
            RowsSpec::PerParent {
                parent,
                parent_location,
                ..
            } => {
                let p = index_of(parent).ok_or_else(|| {
                    unknown_table(parent_location, parent, tables, "`per_parent` names")
                })?;
                if p == i {
                    return Err(ProfileError::invalid(
                        parent_location,
                        format!("table `{parent}` cannot be its own parent"),
                    ));
                }
                edges.push((i, p, parent_location.clone()));
                Some(parent.as_str())
            }
            _ => None,
        };
        check_rows(&table.rows)?;
        for column in table.columns.iter().chain(&table.hidden) {
            check_column(column, table, parent, tables, i, &mut edges)?;
            check_array_length(column, 1.0)?;
        }
        check_row_dependencies(table)?;
    }
    topological_order(tables, &edges)
}

/// Most rows a table may have: a billion rows take hours to load and
/// hundreds of GiB; more is a typo, not a test dataset.
pub const MAX_ROWS: u64 = 1_000_000_000;
/// Most rows a `per_parent` table may give one parent row.
pub const MAX_PER_PARENT: f64 = 1_000_000.0;
/// Most elements an array cell may hold (nested arrays multiplied).
pub const MAX_ARRAY_ELEMENTS: f64 = 100_000.0;

fn check_rows(rows: &RowsSpec) -> Result<(), ProfileError> {
    match rows {
        RowsSpec::Fixed { rows, location } if *rows > MAX_ROWS => Err(ProfileError::invalid(
            location,
            format!("`rows = {rows}` is more than seedkit loads into one table ({MAX_ROWS})"),
        )
        .with_hint("a test database rarely needs more than a few million rows per table")),
        RowsSpec::PerParent {
            count,
            parent_location,
            ..
        } if count.max > MAX_PER_PARENT => Err(ProfileError::invalid(
            parent_location,
            format!(
                "`count` may reach {} rows per parent row, more than {MAX_PER_PARENT}",
                count.max
            ),
        )
        .with_hint("lower the count's `max` (or its `value`)")),
        _ => Ok(()),
    }
}

/// Refuses arrays whose cells could hold more than [`MAX_ARRAY_ELEMENTS`]
/// values; `outer` is how many times enclosing arrays repeat this column.
fn check_array_length(column: &ColumnSpec, outer: f64) -> Result<(), ProfileError> {
    match &column.generator {
        Generator::Array { of, len } => {
            let elements = outer * len.max;
            if elements > MAX_ARRAY_ELEMENTS {
                return Err(ProfileError::invalid(
                    &column.generator_location,
                    format!(
                        "array `{}` may hold {elements} elements per row, more than \
                         {MAX_ARRAY_ELEMENTS}",
                        column.name
                    ),
                )
                .with_hint("lower the array's `max`"));
            }
            check_array_length(of, elements)
        }
        Generator::Json(fields) => fields
            .iter()
            .try_for_each(|field| check_json_arrays(field, outer)),
        _ => Ok(()),
    }
}

fn check_json_arrays(field: &JsonField, outer: f64) -> Result<(), ProfileError> {
    match field {
        JsonField::Value(column) => check_array_length(column, outer),
        JsonField::Object { fields, .. } => fields
            .iter()
            .try_for_each(|field| check_json_arrays(field, outer)),
    }
}

fn unknown_table(
    location: &Location,
    name: &str,
    tables: &[TableSpec],
    what: &str,
) -> ProfileError {
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    ProfileError::invalid(location, format!("{what} unknown table `{name}`"))
        .with_hint(format!("tables in this profile: {}", names.join(", ")))
}

fn check_column(
    column: &ColumnSpec,
    table: &TableSpec,
    parent: Option<&str>,
    tables: &[TableSpec],
    table_index: usize,
    edges: &mut Vec<(usize, usize, Location)>,
) -> Result<(), ProfileError> {
    let same_row = |name: &str, location: &Location, what: &str| {
        if table.column(name).is_some() {
            Ok(())
        } else {
            let mut names: Vec<&str> = table
                .columns
                .iter()
                .chain(&table.hidden)
                .map(|c| c.name.as_str())
                .collect();
            names.dedup();
            Err(ProfileError::invalid(
                location,
                format!("{what} unknown column `{name}` of table `{}`", table.name),
            )
            .with_hint(format!("columns of `{}`: {}", table.name, names.join(", "))))
        }
    };
    if let Some(null_if) = &column.null_if {
        same_row(&null_if.column, &null_if.location, "`null_if` names")?;
    }
    match &column.generator {
        Generator::Ref {
            table: target,
            column: target_column,
            pick,
            location,
        } => {
            let reference = Reference {
                target,
                target_column,
                pick: pick.as_ref(),
                location,
            };
            let t = check_ref(&reference, table, parent, tables, table_index)?;
            edges.push((table_index, t, location.clone()));
        }
        Generator::Derive { from, add, .. } => {
            if from == &column.name {
                return Err(ProfileError::invalid(
                    &column.generator_location,
                    format!("column `{from}` cannot derive from itself"),
                ));
            }
            same_row(from, &column.generator_location, "`derive` from")?;
            if let Some(add) = add {
                check_column(add, table, parent, tables, table_index, edges)?;
            }
        }
        Generator::Template(parts) => {
            for part in parts {
                if let TemplatePart::Column { name, location } = part {
                    same_row(name, location, "`template` uses")?;
                }
                if matches!(part, TemplatePart::Child) && parent.is_none() {
                    return Err(ProfileError::invalid(
                        &column.generator_location,
                        "`{child}` needs a per_parent table",
                    ));
                }
            }
        }
        Generator::Json(fields) => {
            for field in flatten(fields) {
                check_column(field, table, parent, tables, table_index, edges)?;
            }
        }
        Generator::Array { of, .. } => check_column(of, table, parent, tables, table_index, edges)?,
        _ => {}
    }
    Ok(())
}

/// A `ref` to another table's column.
struct Reference<'a> {
    target: &'a String,
    target_column: &'a String,
    pick: Option<&'a Pick>,
    location: &'a Location,
}

/// Checks a reference; returns the index of the table it points at.
fn check_ref(
    reference: &Reference<'_>,
    table: &TableSpec,
    parent: Option<&str>,
    tables: &[TableSpec],
    table_index: usize,
) -> Result<usize, ProfileError> {
    let Reference {
        target,
        target_column,
        pick,
        location,
    } = *reference;
    let t = tables
        .iter()
        .position(|t| &t.name == target)
        .ok_or_else(|| unknown_table(location, target, tables, "`ref` names"))?;
    if t == table_index {
        return Err(ProfileError::invalid(
            location,
            format!("`ref` to the table's own column `{target}.{target_column}` is not supported"),
        )
        .with_hint("use `derive` for a value of the same row"));
    }
    let target_table = &tables[t];
    if target_table.column(target_column).is_none() {
        let names: Vec<&str> = target_table
            .columns
            .iter()
            .chain(&target_table.hidden)
            .map(|c| c.name.as_str())
            .collect();
        return Err(ProfileError::invalid(
            location,
            format!("`ref` names unknown column `{target_column}` of table `{target}`"),
        )
        .with_hint(format!("columns of `{target}`: {}", names.join(", "))));
    }
    let target_parent = match &target_table.rows {
        RowsSpec::PerParent { parent, .. } => Some(parent.as_str()),
        _ => None,
    };
    match pick {
        Some(Pick::Parent) if parent != Some(target.as_str()) => {
            return Err(ProfileError::invalid(
                location,
                format!(
                    "`pick = \"parent\"` needs table `{}` to be per_parent of `{target}`",
                    table.name
                ),
            ));
        }
        Some(Pick::Distinct) if parent.is_none() => {
            return Err(ProfileError::invalid(
                location,
                format!(
                    "`pick = \"distinct\"` needs table `{}` to be per_parent of a table",
                    table.name
                ),
            ));
        }
        Some(Pick::SameParent) if parent.is_none() || parent != target_parent => {
            return Err(ProfileError::invalid(
                location,
                format!(
                    "`pick = \"same_parent\"` needs `{}` and `{target}` to be per_parent of the same table",
                    table.name
                ),
            ));
        }
        _ => {}
    }
    Ok(t)
}

/// Every generated value of a JSON object, nested objects included.
pub(crate) fn flatten(fields: &[JsonField]) -> Vec<&ColumnSpec> {
    let mut out = Vec::new();
    for field in fields {
        match field {
            JsonField::Value(spec) => out.push(&**spec),
            JsonField::Object { fields, .. } => out.extend(flatten(fields)),
        }
    }
    out
}

/// Columns a column reads from the same row (derive, null_if, template).
pub(crate) fn row_dependencies(column: &ColumnSpec) -> Vec<&str> {
    let mut deps = Vec::new();
    if let Some(null_if) = &column.null_if {
        deps.push(null_if.column.as_str());
    }
    match &column.generator {
        Generator::Derive { from, add, .. } => {
            deps.push(from);
            if let Some(add) = add {
                deps.extend(row_dependencies(add));
            }
        }
        Generator::Template(parts) => {
            for part in parts {
                if let TemplatePart::Column { name, .. } = part {
                    deps.push(name);
                }
            }
        }
        Generator::Json(fields) => {
            for field in flatten(fields) {
                deps.extend(row_dependencies(field));
            }
        }
        Generator::Array { of, .. } => deps.extend(row_dependencies(of)),
        _ => {}
    }
    deps
}

/// No column may depend on itself through other columns of its row.
fn check_row_dependencies(table: &TableSpec) -> Result<(), ProfileError> {
    let all: Vec<&ColumnSpec> = table.columns.iter().chain(&table.hidden).collect();
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; all.len()];
    fn visit(
        i: usize,
        all: &[&ColumnSpec],
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Result<(), ProfileError> {
        if state[i] == 2 {
            return Ok(());
        }
        if state[i] == 1 {
            let start = path.iter().position(|&p| p == i).unwrap_or(0);
            let names: Vec<&str> = path[start..]
                .iter()
                .chain([&i])
                .map(|&p| all[p].name.as_str())
                .collect();
            return Err(ProfileError::invalid(
                &all[i].generator_location,
                format!(
                    "columns depend on each other in a loop: {}",
                    names.join(" -> ")
                ),
            ));
        }
        state[i] = 1;
        path.push(i);
        for dep in row_dependencies(all[i]) {
            if let Some(d) = all.iter().position(|c| c.name == dep) {
                visit(d, all, state, path)?;
            }
        }
        path.pop();
        state[i] = 2;
        Ok(())
    }
    for i in 0..all.len() {
        visit(i, &all, &mut state, &mut Vec::new())?;
    }
    Ok(())
}

/// Kahn's algorithm, taking the earliest declared ready table each time so
/// the order is stable and reads like the profile.
fn topological_order(
    tables: &[TableSpec],
    edges: &[(usize, usize, Location)],
) -> Result<Vec<usize>, ProfileError> {
    let n = tables.len();
    let mut pending: Vec<usize> = vec![0; n];
    for (child, parent, _) in edges {
        if child != parent {
            pending[*child] += 1;
        }
    }
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let Some(next) = (0..n).find(|&i| !done[i] && pending[i] == 0) else {
            // Everything left is on or behind a cycle: report one edge of it.
            let (child, parent, location) = edges
                .iter()
                .find(|(c, p, _)| !done[*c] && !done[*p] && c != p)
                .expect("a cycle has an edge");
            let cycle: Vec<&str> = (0..n)
                .filter(|&i| !done[i])
                .map(|i| tables[i].name.as_str())
                .collect();
            return Err(ProfileError::invalid(
                location,
                format!(
                    "tables reference each other in a cycle (`{}` needs `{}`; involved: {})",
                    tables[*child].name,
                    tables[*parent].name,
                    cycle.join(", ")
                ),
            )
            .with_hint("a table can only reference tables that can be loaded before it"));
        };
        done[next] = true;
        order.push(next);
        for (child, parent, _) in edges {
            if *parent == next && *child != next {
                pending[*child] -= 1;
            }
        }
    }
    Ok(order)
}
