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
        let (child, parent, table, constraint, _) = edges.remove(at);
        unloadable.push((
            table,
            format!(
                "it is on a cycle of NOT NULL foreign keys ({constraint} to {}), which no \
                 profile can fill",
                tables[parent].name
            ),
        ));
        let _ = child;
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
