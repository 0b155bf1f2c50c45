//! Unit tests of generation: determinism, chunking, uniqueness. The speed
//! measurement is examples/generation_speed.rs, run by `just bench`.

use std::path::Path;

use super::*;
use crate::profile::RowsSpec;

fn dataset(text: &str) -> Dataset {
    let profile = Profile::from_str(text, Path::new("t.toml")).unwrap();
    Dataset::new(&profile).unwrap()
}

#[test]
fn sequences_and_ints() {
    let d = dataset(
        r#"
[tables.t]
rows = 5
[tables.t.columns]
id = { seq = { start = 10, step = 2 } }
n = { int = { min = 1, max = 3 } }
"#,
    );
    let t = d.table("t").unwrap();
    assert_eq!(t.row_at(2)[0], Value::Int(14));
    assert_eq!(t.index_of_key(14), Some(2));
}

fn shipped(name: &str) -> Profile {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    Profile::load(name, &dir, &[], None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn shipped_profiles_have_the_documented_sizes() {
    let rows = |name: &str, table: &str| {
        let d = Dataset::new(&shipped(name)).unwrap();
        d.table(table).unwrap().row_count()
    };
    assert_eq!(rows("ci", "players"), 200);
    let ci_sessions = rows("ci", "game_sessions");
    assert!((800..1200).contains(&ci_sessions), "{ci_sessions}");
    assert_eq!(rows("small", "players"), 100);
    assert_eq!(rows("small", "game_sessions"), 500);
    assert_eq!(rows("default", "houses"), 250);
    let large = Dataset::new(&shipped("large")).unwrap();
    let count = |t: &str| large.table(t).unwrap().row_count();
    assert_eq!(count("players"), 1_000_000);
    assert!(
        (4_750_000..5_250_000).contains(&count("game_sessions")),
        "{}",
        count("game_sessions")
    );
    assert_eq!(count("security_events"), 1_000_000);
    assert_eq!(count("performance_metrics"), 8 * 1440);
    assert_eq!(
        (
            count("villages"),
            count("houses"),
            count("agents"),
            count("bugs")
        ),
        (5, 250, 15, 500)
    );
}

/// Every row of every table, through `chunks` chunks of cursors.
fn all_rows(d: &Dataset, chunks: usize) -> Vec<Vec<Vec<Value>>> {
    d.tables()
        .iter()
        .map(|t| {
            let mut rows = Vec::new();
            for chunk in t.chunks(chunks) {
                let mut cursor = t.rows(&chunk);
                while let Some(row) = cursor.next_row() {
                    rows.push(row.to_vec());
                }
            }
            rows
        })
        .collect()
}

#[test]
fn chunks_and_random_access_give_the_same_rows() {
    let d = Dataset::new(&shipped("ci")).unwrap();
    let one = all_rows(&d, 1);
    assert_eq!(one, all_rows(&d, 2));
    assert_eq!(one, all_rows(&d, 7));
    for (t, rows) in d.tables().iter().zip(&one) {
        assert_eq!(rows.len() as u64, t.row_count(), "{}", t.name());
        for i in [0, rows.len() / 2, rows.len().saturating_sub(1)] {
            if let Some(row) = rows.get(i) {
                assert_eq!(&t.row_at(i as u64), row, "{} row {i}", t.name());
            }
        }
    }
}

#[test]
fn chunks_cover_the_table_exactly() {
    let d = Dataset::new(&shipped("ci")).unwrap();
    let t = d.table("game_sessions").unwrap();
    for n in [1, 2, 3, 16, 100_000] {
        let chunks = t.chunks(n);
        assert!(chunks.len() <= n);
        assert_eq!(chunks[0].first_row, 0);
        for w in chunks.windows(2) {
            assert_eq!(w[0].first_row + w[0].rows, w[1].first_row);
        }
        let last = chunks.last().unwrap();
        assert_eq!(last.first_row + last.rows, t.row_count());
    }
}

/// Every row of every table in shard `shard`, through `jobs` chunks.
fn shard_rows(d: &Dataset, shard: Shard, jobs: usize) -> Vec<Vec<Vec<Value>>> {
    d.tables()
        .iter()
        .map(|t| {
            let mut rows = Vec::new();
            for chunk in t.chunks_of(t.shard_rows(shard), jobs) {
                let mut cursor = t.rows(&chunk);
                while let Some(row) = cursor.next_row() {
                    rows.push(row.to_vec());
                }
            }
            rows
        })
        .collect()
}

#[test]
fn shards_together_are_a_single_run_whatever_the_jobs() {
    let d = Dataset::new(&shipped("default")).unwrap();
    let whole = all_rows(&d, 1);
    for n in [1u64, 2, 3, 7] {
        let mut union: Vec<Vec<Vec<Value>>> = vec![Vec::new(); d.tables().len()];
        for i in 0..n {
            let part = shard_rows(&d, Shard::new(i, n).unwrap(), 1 + i as usize % 3);
            for (table, rows) in union.iter_mut().zip(part) {
                table.extend(rows);
            }
        }
        assert!(union == whole, "{n} shards differ from one run");
    }
}

#[test]
fn children_follow_their_parents_into_the_shard() {
    let d = Dataset::new(&shipped("default")).unwrap();
    for n in [2u64, 3, 5] {
        for i in 0..n {
            let shard = Shard::new(i, n).unwrap();
            for t in d.tables() {
                let rows = t.shard_rows(shard);
                let RowsSpec::PerParent { parent, .. } = &t.spec().rows else {
                    assert_eq!(rows, shard.range_of(t.row_count()), "{}", t.name());
                    continue;
                };
                // `servers` is not loaded (`load = false`) but still splits.
                let Some(parent) = d.table(parent) else {
                    continue;
                };
                let parents = parent.shard_rows(shard);
                for row in rows {
                    let p = t.parent_row_of(row).unwrap();
                    assert!(parents.contains(&p), "{} row {row}: parent {p}", t.name());
                }
            }
        }
    }
    // The split is stable: pinned for one table of the shipped profile.
    let sessions = d.table("game_sessions").unwrap();
    let players = d.table("players").unwrap();
    let middle = Shard::new(1, 3).unwrap();
    assert_eq!(players.shard_rows(middle), 3333..6666);
    let sessions_rows = sessions.shard_rows(middle);
    assert_eq!(
        sessions_rows.start,
        sessions.children_of(3333).start,
        "the children of player row 3333 open shard 1/3"
    );
    assert_eq!(sessions_rows.end, sessions.children_of(6666).start);
}

#[test]
fn the_parent_index_stays_small() {
    let d = Dataset::new(&shipped("large")).unwrap();
    for t in d.tables() {
        assert!(
            t.index_bytes() <= MAX_INDEX_BLOCKS as usize * 8,
            "{}: {} bytes",
            t.name(),
            t.index_bytes()
        );
    }
    // A million players: their sessions keep 1/64th of the old 8 MB.
    let sessions = d.table("game_sessions").unwrap().index_bytes();
    assert!(sessions <= 1_000_000 / 64 * 8 + 8, "{sessions}");
}

#[test]
fn the_seed_changes_the_data_and_nothing_else_does() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let a = Dataset::new(&Profile::load("ci", &dir, &[], None).unwrap()).unwrap();
    let b = Dataset::new(&Profile::load("ci", &dir, &[], None).unwrap()).unwrap();
    let c = Dataset::new(&Profile::load("ci", &dir, &[], Some(7)).unwrap()).unwrap();
    assert_eq!(all_rows(&a, 1), all_rows(&b, 1));
    assert_ne!(all_rows(&a, 1)[4], all_rows(&c, 1)[4]);
}

#[test]
fn adding_a_column_or_a_table_changes_no_other_value() {
    let base = r#"
[tables.p]
rows = 50
[tables.p.columns]
id = { seq = {} }
a = { int = { min = 0, max = 1000000 } }
b = { fake = "email", unique = true }
"#;
    let more = r#"
[tables.q]
rows = 3
[tables.q.columns]
x = { int = { min = 0, max = 9 } }
[tables.p]
rows = 50
[tables.p.columns]
id = { seq = {} }
z = { float = { min = 0, max = 1 } }
a = { int = { min = 0, max = 1000000 } }
b = { fake = "email", unique = true }
"#;
    let d1 = dataset(base);
    let d2 = dataset(more);
    let (p1, p2) = (d1.table("p").unwrap(), d2.table("p").unwrap());
    for row in 0..50 {
        let r1 = p1.row_at(row);
        let r2 = p2.row_at(row);
        assert_eq!((&r1[0], &r1[1], &r1[2]), (&r2[0], &r2[2], &r2[3]));
    }
}

#[test]
fn a_million_unique_emails_usernames_and_uuids() {
    let d = dataset(
        r#"
[tables.p]
rows = 1_000_000
[tables.p.columns]
username = { fake = "username", unique = true }
email = { fake = "email", unique = true }
safe = { fake = "safe_email", unique = true }
id = { uuid = {}, unique = true }
"#,
    );
    let t = d.table("p").unwrap();
    let mut seen: Vec<std::collections::HashSet<String>> = vec![Default::default(); 4];
    let mut cursor = t.rows(&t.chunks(1)[0]);
    while let Some(row) = cursor.next_row() {
        for (set, value) in seen.iter_mut().zip(row) {
            set.insert(value.to_string());
        }
    }
    for (name, set) in t.columns().iter().zip(&seen) {
        assert_eq!(set.len(), 1_000_000, "{name} has duplicates");
    }
}

#[test]
fn children_point_at_their_computed_parents() {
    let d = Dataset::new(&shipped("default")).unwrap();
    let players = d.table("players").unwrap();
    let sessions = d.table("game_sessions").unwrap();
    let mut per_player = vec![0u64; players.row_count() as usize];
    let mut cursor = sessions.rows(&sessions.chunks(1)[0]);
    while let Some(row) = cursor.next_row() {
        let player = row[1].as_i64().unwrap();
        let index = players.index_of_key(player).unwrap();
        per_player[index as usize] += 1;
        assert_eq!(sessions.parent_row_of(cursor.row_index()), Some(index));
    }
    // Sessions per player follow the profile's zipf(0..20, s = 1).
    let mean = sessions.row_count() as f64 / players.row_count() as f64;
    let expected = expected_int_mean(&match &sessions.spec().rows {
        crate::profile::RowsSpec::PerParent { count, .. } => count.clone(),
        _ => unreachable!(),
    });
    assert!(
        (mean - expected).abs() / expected < 0.05,
        "mean {mean}, expected {expected}"
    );
    assert!(per_player.iter().all(|&n| n <= 20));
    assert!(per_player.contains(&0));
}

#[test]
fn distinct_and_same_parent_references() {
    let d = Dataset::new(&shipped("default")).unwrap();
    let pa = d.table("player_achievements").unwrap();
    let sessions = d.table("game_sessions").unwrap();
    let mut pairs = std::collections::HashSet::new();
    let mut with_session = 0;
    let mut cursor = pa.rows(&pa.chunks(1)[0]);
    while let Some(row) = cursor.next_row() {
        let (player, achievement) = (row[0].as_i64().unwrap(), row[1].as_i64().unwrap());
        assert!(
            pairs.insert((player, achievement)),
            "duplicate pair {player},{achievement}"
        );
        if let Some(session) = row[3].as_i64() {
            with_session += 1;
            let index = sessions.index_of_key(session).unwrap();
            assert_eq!(
                sessions.row_at(index)[1],
                Value::Int(player),
                "session of another player"
            );
        }
    }
    assert!(with_session > pairs.len() / 2);
}

#[test]
fn derived_and_nullable_columns_keep_the_schema_checks() {
    let d = Dataset::new(&shipped("default")).unwrap();
    let sessions = d.table("game_sessions").unwrap();
    let cols = sessions.columns();
    let at = |name: &str| cols.iter().position(|c| c == name).unwrap();
    let (started, ended, avg, min, max) = (
        at("started_at"),
        at("ended_at"),
        at("avg_fps"),
        at("min_fps"),
        at("max_fps"),
    );
    let mut active = 0;
    let mut cursor = sessions.rows(&sessions.chunks(1)[0]);
    while let Some(row) = cursor.next_row() {
        match (&row[started], &row[ended]) {
            (Value::Timestamp(s), Value::Timestamp(e)) => {
                assert!(
                    (300_000_000..=14_400_000_000).contains(&(e - s)),
                    "{}",
                    e - s
                );
            }
            (Value::Timestamp(_), Value::Null) => active += 1,
            other => panic!("{other:?}"),
        }
        let (a, lo, hi) = (
            row[avg].as_f64().unwrap(),
            row[min].as_f64().unwrap(),
            row[max].as_f64().unwrap(),
        );
        assert!(0.0 <= lo && lo <= a && a <= hi, "{lo} {a} {hi}");
    }
    let share = active as f64 / sessions.row_count() as f64;
    assert!((0.005..0.02).contains(&share), "{share}");

    let bugs = d.table("bugs").unwrap();
    for i in 0..bugs.row_count() {
        let row = bugs.row_at(i);
        let closed = row[4] == Value::Text("closed".into());
        assert_eq!(closed, !row[8].is_null(), "row {i}: {row:?}");
        if let (Value::Timestamp(o), Value::Timestamp(c)) = (&row[7], &row[8]) {
            assert!(c >= o);
        }
    }
}

#[test]
fn documented_generators() {
    let d = dataset(
        r#"
[tables.t]
rows = 3
[tables.t.columns]
tags = { array = { of = { fake = "word" }, min = 1, max = 4 } }
birthday = { date = { start = 1970-01-01, end = 2008-12-31 } }
batch = { series = { start = 100, step = 10, by = "row" } }
kind = "bot"
prefix = { value = "!" }
code = { template = "ACH_{n}-{{x}}-{kind}" }
"#,
    );
    let t = d.table("t").unwrap();
    let rows: Vec<Vec<Value>> = (0..3).map(|i| t.row_at(i)).collect();
    for row in &rows {
        let Value::Array(tags) = &row[0] else {
            panic!("{row:?}")
        };
        assert!((1..=4).contains(&tags.len()));
        let Value::Date(days) = row[1] else {
            panic!("{row:?}")
        };
        assert!((0..=14_244).contains(&days));
        assert_eq!(row[3], Value::Text("bot".into()));
        assert_eq!(row[4], Value::Text("!".into()));
    }
    assert_eq!(rows[2][2], Value::Int(120));
    assert_eq!(rows[1][5], Value::Text("ACH_2-{x}-bot".into()));
}

#[test]
fn empty_tables_and_parents_without_children() {
    let d = dataset(
        r#"
[tables.a]
rows = 0
[tables.a.columns]
id = { seq = {} }
[tables.b]
per_parent = { parent = "a", count = 3 }
[tables.b.columns]
a_id = { ref = "a.id" }
[tables.c]
rows = 4
[tables.c.columns]
id = { seq = {} }
[tables.d]
per_parent = { parent = "c", count = { dist = "uniform", min = 0, max = 1 } }
[tables.d.columns]
c_id = { ref = "c.id" }
n = { template = "{child}" }
[tables.e]
rows = 5
[tables.e.columns]
any_a = { ref = "a.id" }
"#,
    );
    for name in ["a", "b"] {
        let t = d.table(name).unwrap();
        assert_eq!(t.row_count(), 0);
        let chunks = t.chunks(4);
        assert_eq!(
            chunks,
            vec![Chunk {
                first_row: 0,
                rows: 0
            }]
        );
        assert!(t.rows(&chunks[0]).next_row().is_none());
    }
    // A reference into an empty table is NULL (the database will say if
    // the column is NOT NULL).
    assert_eq!(d.table("e").unwrap().row_at(0), vec![Value::Null]);
    let t = d.table("d").unwrap();
    let via_cursor: Vec<Vec<Value>> = t
        .chunks(3)
        .iter()
        .flat_map(|c| {
            let mut cursor = t.rows(c);
            let mut rows = Vec::new();
            while let Some(r) = cursor.next_row() {
                rows.push(r.to_vec());
            }
            rows
        })
        .collect();
    let direct: Vec<Vec<Value>> = (0..t.row_count()).map(|i| t.row_at(i)).collect();
    assert_eq!(via_cursor, direct);
    for row in &direct {
        assert_eq!(row[1], Value::Text("0".into()), "at most one child each");
    }
}

#[test]
fn literal_rows_and_schema_qualified_names() {
    let d = dataset(
        r#"
[tables."game.config"]
rows_literal = [
  { id = 1, name = "a", settings = { x = 1 } },
  { id = 2, name = "b", enabled = false },
]
[tables."game.users"]
rows = 2
[tables."game.users".columns]
config_id = { ref = "game.config.id" }
"#,
    );
    let t = d.table("game.config").unwrap();
    assert_eq!(t.columns(), ["id", "name", "settings", "enabled"]);
    assert_eq!(
        t.row_at(1),
        vec![
            Value::Int(2),
            Value::Text("b".into()),
            Value::Null,
            Value::Bool(false)
        ]
    );
    assert_eq!(t.row_at(0)[2], Value::Json(serde_json::json!({ "x": 1 })));
    assert_eq!(d.table("game.users").unwrap().parents(), ["game.config"]);
}

#[test]
fn quoted_set_paths_reach_schema_qualified_tables() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        "[tables.\"game.users\"]\nrows = 2\n[tables.\"game.users\".columns]\nid = { seq = {} }\n",
    )
    .unwrap();
    let sets = [
        "\"game.users\".rows=7".to_string(),
        "\"game.users\".columns.id={ value = 5 }".to_string(),
    ];
    let p = Profile::load("p", dir.path(), &sets, None).unwrap();
    let d = Dataset::new(&p).unwrap();
    let t = d.table("game.users").unwrap();
    assert_eq!(t.row_count(), 7);
    assert_eq!(t.row_at(3), vec![Value::Int(5)]);
}
