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

/// A database with one of tests/fixtures/init/*.sql applied.
fn schema_db(label: &str, file: &str) -> TestDb {
    let db = TestDb::new(label);
    let path = crate::support::repo_root()
        .join("tests/fixtures/init")
        .join(file);
    db.query(&std::fs::read_to_string(&path).expect("schema file"));
    db
}

#[test]
fn every_type_gets_a_generator_that_loads() {
    let db = schema_db("init_every_type", "every_type.sql");
    let seeded = init_and_seed_twice(&db, &[]);
    assert_all_loaded(&seeded);
    assert_eq!(rows_of(&seeded, "public.every_type"), 1000);
    let p = &seeded.profile;
    for expected in [
        "mac              = { fake = \"mac_address\" }",
        "feeling          = { choice = [\"sad\", \"ok\", \"happy\"] }",
        "short_code       = { choice = [\"alpha\", \"beta\", \"gamma\", \"delta\"] }",
        "ratio            = { float = { min = 0, max = 9.999, round = 3 }",
        "seats            = { template = \"[{seats_lower},{seats_upper})\" }",
        "# spot: type point has no generator; left NULL",
        "# total: a generated column",
        "# replaces DEFAULT gen_random_uuid(), which differs from run to run",
    ] {
        assert!(p.contains(expected), "missing {expected:?} in\n{p}");
    }
    // Every column but the point got values, within its type's limits.
    let row = db.query(
        "SELECT count(*) FILTER (WHERE length(short_code) <= 5 AND length(fixed) = 3
                                 AND price < 1000000 AND coalesce(abs(ratio) < 10, true)
                                 AND upper(seats) > lower(seats) AND NOT isempty(stay)
                                 AND family(ip) = 4 AND masklen(net) = 32
                                 AND wait >= interval '1 minute' AND length(payload) > 0
                                 AND total = price * 2 AND cash::numeric >= 0),
                count(DISTINCT token), count(DISTINCT serial_no), count(spot),
                count(*) FILTER (WHERE feeling::text IN ('sad', 'ok', 'happy'))
         FROM every_type",
    );
    assert_eq!(row, "1000|1000|1000|0|1000");
    // The sequence behind the serial id moved past the loaded ids.
    assert_eq!(db.query("SELECT nextval('every_type_id_seq')"), "1001");
}

#[test]
fn self_references_cycles_composite_keys_and_partitions_load() {
    let db = schema_db("init_graph", "graph.sql");
    let seeded = init_and_seed_twice(&db, &[]);
    assert_all_loaded(&seeded);
    let p = &seeded.profile;
    for expected in [
        "# manager_id: a self-reference (foreign key people_manager_id_fkey to people.id): left NULL",
        "# captain_id: on a foreign-key cycle (foreign key teams_captain_fkey to people.id): left NULL",
        "office_no   = { series = { start = 1, step = 1, by = \"child\" } }",
        "team_id   = { ref = { to = \"teams.id\", pick = \"distinct\" } }",
        "# rows: 99, not 1000: the unique column code is too short for more distinct values",
        "region = { choice = [\"eu\", \"uk\", \"us\"] }",
        "happened_at = { timestamp = { start = 2026-01-01T00:00:00Z, end = 2026-02-28T23:59:59Z } }",
    ] {
        assert!(p.contains(expected), "missing {expected:?} in\n{p}");
    }
    assert_eq!(rows_of(&seeded, "public.regions"), 99);
    assert_eq!(rows_of(&seeded, "public.teams"), 1000);
    // Rows went through the parents into both partitions of each table.
    for partition in ["events_2026_01", "events_2026_02", "sales_eu", "sales_us"] {
        let n: u64 = db
            .query(&format!("SELECT count(*) FROM {partition}"))
            .parse()
            .unwrap();
        assert!(n > 0, "partition {partition} is empty");
    }
    assert_eq!(
        db.query("SELECT count(*) FROM people WHERE manager_id IS NOT NULL"),
        "0"
    );
}

#[test]
fn domains_enums_and_checks_become_bounds() {
    let db = schema_db("init_rules", "rules.sql");
    let seeded = init_and_seed_twice(&db, &[]);
    assert_all_loaded(&seeded);
    let p = &seeded.profile;
    for expected in [
        "stock       = { int = { min = 1, max = 1000 } }",
        "discount    = { float = { min = 0, max = 100, round = 2 }, null_probability = 0.1 }",
        "weight_kg   = { float = { min = 0.1, max = 50, round = 2 }, null_probability = 0.1 }",
        "size        = { choice = [\"S\", \"M\", \"L\", \"XL\"] }",
        "grade       = { choice = [1, 2, 3], null_probability = 0.1 }",
        "max_qty     = { derive = { from = \"min_qty\", add = { int = { min = 0, max = 100 } } } }",
        "retired_on  = { derive = { from = \"launched_on\", add = { int = { min = 1, max = 30 } } }",
        "# never NULL: a CHECK needs it set",
        "# currency: left NULL, which satisfies CHECK currency_code_check",
        "status      = { choice = [\"draft\", \"active\", \"archived\"] }",
        "created_at = { timestamp = { start = 2025-01-01T00:00:00Z, end = 2026-11-30T00:00:00Z } }",
    ] {
        assert!(p.contains(expected), "missing {expected:?} in\n{p}");
    }
    assert_eq!(
        db.query(
            "SELECT count(*) FROM products WHERE stock > 0 AND price > 0 AND min_qty <= max_qty
               AND length(name) >= 3 AND char_length(title) <= 30 AND email IS NOT NULL
               AND (retired_on IS NULL OR retired_on > launched_on)"
        ),
        "1000"
    );
    assert_eq!(db.query("SELECT count(DISTINCT status) FROM products"), "3");
}
