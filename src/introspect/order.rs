//! Tables in foreign-key order: every table after the tables it references.
//!
//! A profile computes each reference from the referenced table's rows, so
//! it cannot follow a self-reference or a cycle. Those edges are "broken":
//! a self-reference always, and in a cycle one edge whose columns are all
//! nullable (the referencing column is then left NULL). A cycle with only
//! NOT NULL edges cannot be seeded; its tables are listed as unloadable.

use super::{Schema, Table};

/// Orders `tables` (creation order is kept where foreign keys allow).
pub fn order(tables: Vec<Table>) -> Schema {
    let n = tables.len();
    let index = |name: &str| tables.iter().position(|t| t.name == name);
    // (child, parent, table name, constraint, nullable)
    let mut edges: Vec<(usize, usize, String, String, bool)> = Vec::new();
    let mut broken = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        for fk in table.foreign_keys.iter().filter(|fk| fk.internal) {
            let Some(p) = index(&fk.target) else { continue };
            if p == i {
                broken.push((table.name.clone(), fk.name.clone()));
                continue;
            }
            let nullable = fk
                .columns
                .iter()
                .all(|c| table.column(c).is_none_or(|c| !c.not_null));
            edges.push((i, p, table.name.clone(), fk.name.clone(), nullable));
        }
    }
    let mut unloadable = Vec::new();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let ready =
            (0..n).find(|&i| !done[i] && edges.iter().all(|(c, p, _, _, _)| *c != i || done[*p]));
        if let Some(next) = ready {
            done[next] = true;
            order.push(next);
            continue;
        }
        // Stuck: every table left is on or behind a cycle. Break a nullable
        // edge between two waiting tables; without one, give up on the
        // first waiting table of a cycle.
        let waiting = |e: &(usize, usize, String, String, bool)| !done[e.0] && !done[e.1];
        if let Some(at) = edges.iter().position(|e| waiting(e) && e.4) {
            let (_, _, table, constraint, _) = edges.remove(at);
            broken.push((table, constraint));
            continue;
        }
        let at = edges
            .iter()
            .position(waiting)
            .expect("a stuck order has an edge between waiting tables");
        let (_, parent, table, constraint, _) = edges.remove(at);
        unloadable.push((
            table,
            format!(
                "it is on a cycle of NOT NULL foreign keys ({constraint} to {}), which no \
                 profile can fill",
                tables[parent].name
            ),
        ));
    }
    let mut slots: Vec<Option<Table>> = tables.into_iter().map(Some).collect();
    Schema {
        tables: order
            .into_iter()
            .map(|i| slots[i].take().expect("each table once"))
            .collect(),
        broken_edges: broken,
        unloadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::{Column, ForeignKey, TypeKind};

    fn column(name: &str, not_null: bool) -> Column {
        Column {
            name: name.into(),
            type_name: "integer".into(),
            kind: TypeKind::Int4,
            domain: None,
            domain_checks: Vec::new(),
            not_null,
            default: None,
            identity: None,
            generated: false,
            serial: false,
        }
    }

    /// A table with an `id` and one integer column per foreign key:
    /// (name, column, target, NOT NULL).
    fn table(name: &str, fks: &[(&str, &str, bool)]) -> Table {
        let mut columns = vec![column("id", true)];
        let mut foreign_keys = Vec::new();
        for (col, target, not_null) in fks {
            columns.push(column(col, *not_null));
            foreign_keys.push(ForeignKey {
                name: format!("{name}_{col}_fkey"),
                columns: vec![col.to_string()],
                target: target.to_string(),
                target_columns: vec!["id".into()],
                internal: true,
            });
        }
        Table {
            name: name.into(),
            qualified: format!("public.{name}"),
            partitioned: false,
            partitions: None,
            columns,
            primary_key: vec!["id".into()],
            unique: Vec::new(),
            foreign_keys,
            checks: Vec::new(),
            insert_triggers: Vec::new(),
        }
    }

    fn names(schema: &Schema) -> Vec<&str> {
        schema.tables.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn parents_come_first_and_creation_order_is_kept_otherwise() {
        let schema = order(vec![
            table("items", &[("order_id", "orders", true)]),
            table("customers", &[]),
            table("orders", &[("customer_id", "customers", true)]),
            table("notes", &[]),
        ]);
        assert_eq!(names(&schema), ["customers", "orders", "items", "notes"]);
        assert!(schema.broken_edges.is_empty() && schema.unloadable.is_empty());
    }

    #[test]
    fn self_references_and_a_nullable_cycle_edge_are_broken() {
        let schema = order(vec![
            table("teams", &[("captain_id", "people", false)]),
            table(
                "people",
                &[("team_id", "teams", true), ("manager_id", "people", false)],
            ),
        ]);
        assert_eq!(names(&schema), ["teams", "people"]);
        assert_eq!(
            schema.broken_edges,
            vec![
                ("people".to_string(), "people_manager_id_fkey".to_string()),
                ("teams".to_string(), "teams_captain_id_fkey".to_string()),
            ]
        );
        assert!(schema.unloadable.is_empty());
    }

    #[test]
    fn a_cycle_of_not_null_keys_is_unloadable() {
        let schema = order(vec![
            table("a", &[("b_id", "b", true)]),
            table("b", &[("a_id", "a", true)]),
        ]);
        assert_eq!(schema.tables.len(), 2);
        assert_eq!(schema.unloadable.len(), 1);
        assert!(
            schema.unloadable[0]
                .1
                .contains("cycle of NOT NULL foreign keys"),
            "{:?}",
            schema.unloadable
        );
    }
}
