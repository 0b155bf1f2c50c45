//! `seedkit profile init` on schemas the tests build: the written profile
//! must load on the first try (`seed` exits 0 with every table loaded),
//! give the same tables twice, and keep the schema's rules (keys, foreign
//! keys, CHECKs, enums, lengths, partitions).

use std::path::PathBuf;

use crate::support::TestDb;

/// What `profile init` + `seed` gave.
struct Seeded {
    profile: String,
    /// (table, rows) for every user table.
    counts: Vec<(String, u64)>,
}

/// The user tables (partitions and seedkit's own tables excluded).
fn user_tables(db: &TestDb) -> Vec<String> {
    db.query(
        "SELECT string_agg(quote_ident(n.nspname) || '.' || quote_ident(c.relname), ',' \
                           ORDER BY n.nspname, c.relname)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
           AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
           AND c.relname NOT LIKE 'seedkit%'",
    )
    .split(',')
    .filter(|s| !s.is_empty())
    .map(str::to_string)
    .collect()
}

fn checksums(db: &TestDb, tables: &[String]) -> Vec<String> {
    tables
        .iter()
        .map(|t| db.table_checksum(t, "t::text"))
        .collect()
}

/// `profile init` (with `args`), then `seed` twice (`--reset` the second
/// time): both exit 0 and give identical tables.
fn init_and_seed_twice(db: &TestDb, args: &[&str]) -> Seeded {
    let dir = tempfile::tempdir().expect("temp dir");
    let path: PathBuf = dir.path().join("init.toml");
    db.seedkit()
        .args(["profile", "init", "-o"])
        .arg(&path)
        .args(args)
        .run()
        .success();
    let profile = std::fs::read_to_string(&path).expect("profile written");
    let seed = |reset: bool| {
        let mut cmd = db
            .seedkit()
            .args(["seed", "--no-cache", "--profile"])
            .arg(&path);
        if reset {
            cmd = cmd.arg("--reset");
        }
        let out = cmd.run();
        out.success();
    };
    seed(false);
    let tables = user_tables(db);
    let first = checksums(db, &tables);
    seed(true);
    let second = checksums(db, &tables);
    let differing: Vec<&String> = tables
        .iter()
        .zip(first.iter().zip(&second))
        .filter(|(_, (a, b))| a != b)
        .map(|(t, _)| t)
        .collect();
    assert!(
        differing.is_empty(),
        "the same profile and seed gave different tables: {differing:?}\n{profile}"
    );
    let counts = tables
        .iter()
        .map(|t| {
            let n: u64 = db
                .query(&format!("SELECT count(*) FROM {t}"))
                .parse()
                .unwrap();
            (t.clone(), n)
        })
        .collect();
    Seeded { profile, counts }
}

fn assert_all_loaded(seeded: &Seeded) {
    for (table, rows) in &seeded.counts {
        assert!(*rows > 0, "{table} got no rows\n{}", seeded.profile);
    }
    assert!(
        !seeded.profile.contains("load = false"),
        "a table was left unloaded:\n{}",
        seeded.profile
    );
}

fn rows_of(seeded: &Seeded, table: &str) -> u64 {
    seeded
        .counts
        .iter()
        .find(|(t, _)| t == table)
        .map(|(_, n)| *n)
        .unwrap_or_else(|| panic!("no table {table} in {:?}", seeded.counts))
}

#[test]
fn reference_schema_loads_and_reads_as_choices() {
    let db = TestDb::new("init_reference");
    db.seedkit().arg("migrate").run().success();
    let seeded = init_and_seed_twice(&db, &[]);
    assert_all_loaded(&seeded);
    assert_eq!(seeded.counts.len(), 13, "{:?}", seeded.counts);
    assert_eq!(rows_of(&seeded, "public.players"), 1000);
    // The choices are written next to what they were made for.
    let p = &seeded.profile;
    for expected in [
        "# per_parent: player_id is NOT NULL (foreign key game_sessions_player_id_fkey to players)",
        "per_parent = { parent = \"players\", count = { dist = \"zipf\", min = 0, max = 10, s = 1.0 } }",
        "# CHECK players_level_check: (level >= 1) AND (level <= 50)",
        "level             = { int = { min = 1, max = 50 } }",
        "username          = { fake = \"username\", unique = true }",
        "status    = { choice = [\"open\", \"in_progress\", \"closed\"] }",
        "# the labels of enum agent_status",
        "# replaces DEFAULT now(), which differs from run to run",
        "player_id      = { ref = \"players.id\" }",
        "achievement_id = { ref = { to = \"achievements.id\", pick = \"distinct\" } }",
        "preferences: DEFAULT '{}'::jsonb applies",
    ] {
        assert!(p.contains(expected), "missing {expected:?} in\n{p}");
    }
    // The CHECKs hold in the rows.
    assert_eq!(
        db.query(
            "SELECT count(*) FROM game_sessions WHERE ended_at < started_at \
             OR min_fps > avg_fps OR avg_fps > max_fps OR min_fps < 0"
        ),
        "0"
    );
    assert_eq!(
        db.query("SELECT min(level) >= 1 AND max(level) <= 50 FROM players"),
        "t"
    );
    // Sequences were moved past the loaded ids.
    assert_eq!(
        db.query("INSERT INTO villages (github_org_id, name) VALUES (-1, 'x') RETURNING id"),
        "1001"
    );
}
