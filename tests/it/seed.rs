//! `seedkit seed` against a real PostgreSQL: determinism, integrity,
//! reset/refusal, crash safety, `--out` files, sequences, the chunked
//! (CockroachDB) strategy's retries, and the catalog checks.
//!
//! Profiles are written into a temporary folder by each test, so the tests
//! say exactly what they load; the schema is the reference one, migrated
//! with the real `seedkit migrate`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::{TestDb, seedkit};

/// Players and their sessions (0..10 per player, uniform: mean 5).
const PROFILE: &str = r#"
seed = 42

[tables.players]
rows = 2000
[tables.players.columns]
id = { seq = {} }
username = { fake = "username", unique = true }
email = { fake = "email", unique = true }
vr_headset = { choice = { values = ["Quest 3", "Index", "Vive Pro"], weights = [6, 3, 1] }, null_probability = 0.1 }
level = { int = { dist = "uniform", min = 1, max = 50 } }
credits = { int = { dist = "exponential", mean = 5000, min = 0, max = 1000000 } }
preferences = { json = { fov = { int = { dist = "uniform", min = 80, max = 110 } }, comfort = { vignette = { bool = { probability = 0.5 } } } } }
is_test_account = { bool = { probability = 0.05 } }
created_at = { timestamp = { start = 2025-01-01T00:00:00Z, end = 2026-01-01T00:00:00Z } }
updated_at = { timestamp = { start = 2026-01-01T00:00:00Z, end = 2026-02-01T00:00:00Z } }

[tables.game_sessions]
per_parent = { parent = "players", count = { dist = "uniform", min = 0, max = 10 } }
[tables.game_sessions.columns]
id = { seq = {} }
player_id = { ref = "players.id" }
star_system = { choice = { values = ["Sol", "Vega", "Sirius"] } }
location = { fake = "word" }
started_at = { timestamp = { start = 2025-06-01T00:00:00Z, end = 2026-01-01T00:00:00Z } }
min_fps = { float = { dist = "uniform", min = 40, max = 60, round = 1 } }
avg_fps = { float = { dist = "uniform", min = 70, max = 95, round = 2 } }
max_fps = { float = { dist = "uniform", min = 100, max = 144, round = 1 } }
"#;

const TABLES: [&str; 2] = ["players", "game_sessions"];

/// A fresh database with the reference schema, migrated by the real binary.
fn migrated(label: &str) -> TestDb {
    let db = TestDb::new(label);
    db.seedkit().arg("migrate").run().success();
    db
}

/// A folder holding `name.toml` with `text`; kept alive by the returned guard.
fn profile(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write profile");
    (dir, path)
}

fn checksums(db: &TestDb) -> Vec<String> {
    TABLES.iter().map(|t| db.table_checksum(t, "id")).collect()
}

fn count(db: &TestDb, table: &str) -> u64 {
    db.query(&format!("SELECT count(*) FROM {table}"))
        .parse()
        .unwrap()
}

/// Indexes and constraints of the public schema, for before/after checks.
fn schema_objects(db: &TestDb) -> String {
    db.query(
        "SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
           SELECT indexname || ' ' || indexdef AS x FROM pg_indexes WHERE schemaname = 'public'
           UNION ALL
           SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' '
                  || convalidated FROM pg_constraint WHERE connamespace = 'public'::regnamespace
         ) s",
    )
}

#[test]
fn same_seed_same_bytes_for_any_jobs_and_another_seed_differs() {
    let (_dir, path) = profile("p", PROFILE);
    // 12,000 players: split into chunks over the workers.
    let args = [
        "seed",
        "--profile",
        path.to_str().unwrap(),
        "--set",
        "players.rows=12000",
    ];
    let a = migrated("det_a");
    a.seedkit().args(args).args(["--jobs", "2"]).run().success();
    let b = migrated("det_b");
    b.seedkit().args(args).args(["--jobs", "1"]).run().success();
    let c = migrated("det_c");
    c.seedkit()
        .args(args)
        .args(["--jobs", "3", "--seed", "7"])
        .run()
        .success();

    assert_eq!(count(&a, "players"), 12_000);
    assert!(count(&a, "game_sessions") > 40_000);
    assert_eq!(checksums(&a), checksums(&b), "--jobs changed the data");
    let (ca, cc) = (checksums(&a), checksums(&c));
    assert_ne!(ca[0], cc[0], "another seed gave the same players");
    assert_ne!(ca[1], cc[1], "another seed gave the same sessions");
}

#[test]
fn a_million_players_stay_unique_checked_and_referenced() {
    let (_dir, path) = profile(
        "big",
        &PROFILE.replace(
            r#"per_parent = { parent = "players", count = { dist = "uniform", min = 0, max = 10 } }"#,
            "rows = 20000",
        ),
    );
    let db = migrated("million");
    let started = Instant::now();
    let out = db
        .seedkit()
        .args(["seed", "--profile", path.to_str().unwrap()])
        .args(["--set", "players.rows=1000000", "--format", "json"])
        .run();
    out.success();
    eprintln!("1M players seeded in {:?}", started.elapsed());
    let summary = out.json();
    assert_eq!(summary["tables"][0]["rows"], 1_000_000);
    assert_eq!(summary["total_rows"], 1_020_000);

    assert_eq!(
        db.query(
            "SELECT count(*), count(DISTINCT username), count(DISTINCT email), min(id), max(id) \
             FROM players"
        ),
        "1000000|1000000|1000000|1|1000000"
    );
    // Every constraint is back and validated: FKs were checked when re-added,
    // CHECKs were enforced row by row during the COPY.
    assert_eq!(
        db.query(
            "SELECT count(*) FROM pg_constraint \
             WHERE connamespace = 'public'::regnamespace AND NOT convalidated"
        ),
        "0"
    );
    assert_eq!(
        db.query(
            "SELECT count(*) FROM game_sessions s \
             LEFT JOIN players p ON p.id = s.player_id WHERE p.id IS NULL"
        ),
        "0"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM players WHERE level NOT BETWEEN 1 AND 50 OR credits < 0"),
        "0"
    );
    assert_eq!(
        db.query(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'players' AND indexname IN \
             ('players_pkey', 'players_username_key', 'players_email_key', \
              'players_created_at_idx', 'players_last_login_at_idx')"
        ),
        "5"
    );
}

#[test]
fn sessions_per_player_follow_the_profile() {
    let (_dir, path) = profile("p", PROFILE);
    let db = migrated("mean");
    db.seedkit()
        .args([
            "seed",
            "--profile",
            path.to_str().unwrap(),
            "--set",
            "players.rows=20000",
        ])
        .run()
        .success();
    let mean: f64 = db
        .query(
            "SELECT (SELECT count(*) FROM game_sessions)::float8 / (SELECT count(*) FROM players)",
        )
        .parse()
        .unwrap();
    assert!(
        (mean - 5.0).abs() / 5.0 < 0.05,
        "mean sessions per player {mean}, want 5 ± 5%"
    );
    // And the per-player counts span the configured 0..10.
    assert_eq!(
        db.query(
            "SELECT min(n), max(n) FROM (SELECT p.id, count(s.id) AS n FROM players p \
             LEFT JOIN game_sessions s ON s.player_id = p.id GROUP BY p.id) c"
        ),
        "0|10"
    );
}

#[test]
fn reseeding_is_refused_and_reset_empties_exactly_the_profile_tables() {
    let (_dir, path) = profile("p", PROFILE);
    let db = migrated("reset");
    let seed = || {
        db.seedkit()
            .args(["seed", "--profile", path.to_str().unwrap()])
    };
    seed().run().success();
    let first = checksums(&db);
    let sessions = count(&db, "game_sessions");
    // A table outside the profile.
    db.query("INSERT INTO achievements (code, name, points) VALUES ('first', 'First', 5)");

    let refused = seed().run();
    refused.assert_code(9);
    assert!(
        refused.stderr.contains(&format!(
            "players: 2,000 rows, game_sessions: {}",
            seedkit::ui::count(sessions, "row")
        )),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--reset"), "{}", refused.stderr);
    assert_eq!(checksums(&db), first);

    seed().arg("--reset").run().success();
    assert_eq!(checksums(&db), first, "--reset gave different data");
    assert_eq!(db.query("SELECT code FROM achievements"), "first");

    // A table outside the profile holding rows that point into it: refused.
    db.query("INSERT INTO security_events (player_id, event_type) VALUES (1, 'login_success')");
    let blocked = seed().arg("--reset").run();
    blocked.assert_code(9);
    assert!(
        blocked
            .stderr
            .contains("security_events (1 rows) is not in the profile but references players"),
        "{}",
        blocked.stderr
    );
    assert_eq!(checksums(&db), first);
    assert_eq!(count(&db, "security_events"), 1);
}

/// Waits until the seed's COPY into players is running, plus a moment.
fn wait_for_players_copy(db: &TestDb) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let copying = db.query(&format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' \
             AND query LIKE 'COPY%players%' AND state = 'active'",
            db.name
        ));
        if copying == "1" {
            break;
        }
        assert!(Instant::now() < deadline, "the COPY never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
}

/// Waits until the server has noticed the seed's connection is gone (and
/// rolled its transaction back).
fn wait_for_disconnect(db: &TestDb) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while db.query(&format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' AND application_name = 'seedkit'",
        db.name
    )) != "0"
    {
        assert!(Instant::now() < deadline, "the seed's session lingers");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_killed_seed_leaves_the_tables_and_schema_as_they_were() {
    let (_dir, path) = profile("p", PROFILE);
    let db = migrated("kill");
    let seed = || {
        db.seedkit()
            .args(["seed", "--profile", path.to_str().unwrap()])
    };
    seed().run().success();
    let before_data = checksums(&db);
    let before_schema = schema_objects(&db);

    // A reseed big enough to be killed in the middle of the players COPY.
    let mut child = seed()
        .args(["--reset", "--set", "players.rows=3000000"])
        .spawn();
    wait_for_players_copy(&db);
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    wait_for_disconnect(&db);

    assert_eq!(
        schema_objects(&db),
        before_schema,
        "indexes or constraints changed"
    );
    assert_eq!(checksums(&db), before_data, "the data changed");
    // Usable: the next seed with --reset gives the clean run's bytes.
    seed().arg("--reset").run().success();
    assert_eq!(checksums(&db), before_data);
    assert_eq!(schema_objects(&db), before_schema);
}

#[test]
fn an_interrupted_seed_exits_130_and_rolls_back() {
    let (_dir, path) = profile("p", PROFILE);
    let db = migrated("sigterm");
    let before_schema = schema_objects(&db);
    let child = db
        .seedkit()
        .args(["seed", "--profile", path.to_str().unwrap()])
        .args(["--set", "players.rows=3000000"])
        .spawn();
    wait_for_players_copy(&db);
    let out = crate::support::signal(child, "TERM");
    let stderr = &out.stderr;
    assert_eq!(out.code, Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: the load was rolled back, the tables are as they were"),
        "{stderr}"
    );
    wait_for_disconnect(&db);
    assert_eq!(count(&db, "players"), 0);
    assert_eq!(schema_objects(&db), before_schema);
}

#[test]
fn out_files_loaded_with_psql_equal_the_seeded_tables() {
    let (dir, path) = profile("p", PROFILE);
    let seeded = migrated("out_seeded");
    seeded
        .seedkit()
        .args(["seed", "--profile", path.to_str().unwrap()])
        .run()
        .success();
    for (format, ext) in [("text", "copy"), ("csv", "csv")] {
        let out_dir = dir.path().join(format);
        // No database needed.
        let out = seedkit()
            .args(["seed", "--profile", path.to_str().unwrap(), "--out"])
            .arg(&out_dir)
            .args(["--out-format", format])
            .run();
        out.success();
        assert!(out_dir.join(format!("players.{ext}")).exists());
        let script = std::fs::read_to_string(out_dir.join("load.sql")).unwrap();
        let players = script.find("\\copy \"players\"").expect("players line");
        let sessions = script
            .find("\\copy \"game_sessions\"")
            .expect("sessions line");
        assert!(players < sessions, "parents first:\n{script}");

        let loaded = migrated(&format!("out_{format}"));
        run_load_sql(&loaded, &out_dir);
        assert_eq!(
            checksums(&loaded),
            checksums(&seeded),
            "{format} files differ"
        );
        assert!(script.contains("setval"), "{script}");
        // An application-style INSERT after the load gets a fresh id.
        assert_eq!(
            loaded.query(
                "INSERT INTO players (username, email) VALUES ('new', 'new@example.com') \
                 RETURNING id"
            ),
            "2001",
            "{format}: load.sql moved the players sequence"
        );
    }
}

#[test]
fn sequences_are_moved_past_the_loaded_ids() {
    let (_dir, path) = profile("p", PROFILE);
    let db = migrated("seq");
    db.seedkit()
        .args(["seed", "--profile", path.to_str().unwrap()])
        .run()
        .success();
    let sessions = count(&db, "game_sessions");
    assert_eq!(
        db.query(
            "INSERT INTO players (username, email) VALUES ('new', 'new@example.com') RETURNING id"
        ),
        "2001"
    );
    assert_eq!(
        db.query(
            "INSERT INTO game_sessions (player_id, star_system, location) \
             VALUES (1, 'Sol', 'dock') RETURNING id"
        ),
        (sessions + 1).to_string()
    );
}

#[test]
fn chunked_strategy_retries_serialization_failures_without_duplicates() {
    let (_dir, path) = profile("p", PROFILE);
    let clean = migrated("chunk_clean");
    clean
        .seedkit()
        .args(["seed", "--profile", path.to_str().unwrap()])
        .run()
        .success();

    let db = migrated("chunk_retry");
    // As CockroachDB does under contention: the first 3 inserts into
    // game_sessions fail with SQLSTATE 40001. A sequence counts them
    // because it is not rolled back with the failed COPY.
    db.query(
        "CREATE SEQUENCE fail_counter;
         CREATE FUNCTION fail_first() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF nextval('fail_counter') <= 3 THEN
             RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
           END IF;
           RETURN NEW;
         END $$;
         CREATE TRIGGER fail_first BEFORE INSERT ON game_sessions
           FOR EACH ROW EXECUTE FUNCTION fail_first();",
    );
    let out = db
        .seedkit()
        .args([
            "seed",
            "--profile",
            path.to_str().unwrap(),
            "--format",
            "json",
        ])
        .args(["--load-strategy", "chunked", "--chunk-rows", "1000"])
        .run();
    out.success();
    let summary = out.json();
    assert_eq!(summary["strategy"], "chunked");
    assert_eq!(summary["retries"], 3);
    assert!(
        out.stderr.contains("serialization failure (40001)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        checksums(&db),
        checksums(&clean),
        "retried chunks changed the data"
    );
    assert_eq!(
        db.query("SELECT count(*) - count(DISTINCT id) FROM game_sessions"),
        "0"
    );
}

/// Each catalog mismatch: exit 8, file:line:column of the profile, the
/// database object, and nothing written.
#[test]
fn profiles_that_disagree_with_the_catalog_are_refused_before_writing() {
    let db = migrated("catalog");
    let cases: [(&str, String, &str, &str); 5] = [
        (
            "unknown table",
            PROFILE
                .replace("[tables.game_sessions]", "[tables.game_session]")
                .replace(
                    "[tables.game_sessions.columns]",
                    "[tables.game_session.columns]",
                ),
            "game_session]",
            "table game_session does not exist",
        ),
        (
            "unknown column",
            PROFILE.replace("location = {", "locaton = {"),
            "locaton",
            "column \"locaton\" does not exist in table public.game_sessions",
        ),
        (
            "not null without generator",
            PROFILE.replace("location = { fake = \"word\" }\n", ""),
            "game_sessions]",
            "column public.game_sessions.location is NOT NULL and has no default",
        ),
        (
            "value of the wrong type",
            PROFILE.replace(
                "level = { int = { dist = \"uniform\", min = 1, max = 50 } }",
                "level = { fake = \"word\" }",
            ),
            "level",
            "public.players.level (integer): got text",
        ),
        (
            "child before parent",
            // A plain int instead of a reference: the profile no longer
            // knows game_sessions depends on players, the database does.
            format!(
                "seed = 1\n{}\n{}",
                "[tables.game_sessions]\nrows = 10\n[tables.game_sessions.columns]\n\
                 id = { seq = {} }\nplayer_id = { int = { dist = \"uniform\", min = 1, max = 5 } }\n\
                 star_system = { value = \"Sol\" }\nlocation = { value = \"dock\" }\n",
                "[tables.players]\nrows = 5\n[tables.players.columns]\nid = { seq = {} }\n\
                 username = { template = \"u{row}\" }\nemail = { template = \"e{row}\" }\n"
            ),
            "game_sessions]",
            "table game_sessions would be loaded before players",
        ),
    ];
    for (what, text, marker, message) in cases {
        let (_dir, path) = profile("broken", &text);
        // The location is where `marker` is in the file, 1-based.
        let (line, column) = text
            .lines()
            .enumerate()
            .find_map(|(i, l)| l.find(marker).map(|c| (i + 1, c + 1)))
            .expect("marker in the profile");
        let position = format!(":{line}:{column}:");
        let out = db
            .seedkit()
            .args(["seed", "--profile", path.to_str().unwrap()])
            .run();
        out.assert_code(8);
        let location = format!("{}{position}", path.display());
        assert!(
            out.stderr.contains(&location) && out.stderr.contains(message),
            "{what}: want {location} and {message:?} in\n{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("hint:"),
            "{what}: no hint\n{}",
            out.stderr
        );
        assert_eq!(count(&db, "players"), 0, "{what}: something was written");
    }
}

#[test]
fn dry_run_prints_the_plan_without_a_database() {
    let (_dir, path) = profile("p", PROFILE);
    let out = seedkit()
        .args(["seed", "--dry-run", "--profile", path.to_str().unwrap()])
        .run();
    out.success();
    assert!(out.stdout.contains("nothing written"), "{}", out.stdout);
    let players = out.stdout.find("players").unwrap();
    let sessions = out.stdout.find("game_sessions").unwrap();
    assert!(players < sessions, "{}", out.stdout);
    assert!(out.stdout.contains("2,000"), "{}", out.stdout);

    let json = seedkit()
        .args([
            "seed",
            "--dry-run",
            "--format",
            "json",
            "--profile",
            path.to_str().unwrap(),
        ])
        .run();
    json.success();
    let plan = json.json();
    assert_eq!(plan["tables"][0]["table"], "players");
    assert_eq!(plan["tables"][0]["rows"], 2000);
    assert_eq!(plan["tables"][1]["parents"][0], "players");
    assert!(plan["estimated_bytes"].as_u64().unwrap() > 100_000);
}

#[test]
fn the_summary_reports_tables_and_phases() {
    let (_dir, path) = profile("p", PROFILE);
    let db = migrated("summary");
    let out = db
        .seedkit()
        .args([
            "seed",
            "--profile",
            path.to_str().unwrap(),
            "--format",
            "json",
        ])
        .run();
    out.success();
    let s = out.json();
    assert_eq!(s["strategy"], "single-transaction");
    assert_eq!(s["jobs"], 2);
    assert_eq!(s["seed"], 42);
    assert_eq!(s["tables"][0]["table"], "players");
    assert_eq!(
        s["tables"][1]["rows"].as_u64().unwrap(),
        count(&db, "game_sessions")
    );
    for phase in ["generate_copy", "indexes", "constraints", "analyze"] {
        assert!(s["phases"][phase].as_f64().is_some(), "no {phase} in {s}");
    }
    // Progress goes to stderr, one line per table when not on a terminal.
    assert!(
        out.stderr.contains("players: 2,000 rows in"),
        "{}",
        out.stderr
    );
    // ... and one line per phase after the rows are in.
    for line in [
        "\nindexes: 9 indexes in ",
        "\nforeign keys: 4 foreign keys in ",
        "\nanalyze: 2 tables in ",
    ] {
        assert!(out.stderr.contains(line), "no `{line}` in:\n{}", out.stderr);
    }

    let human = db
        .seedkit()
        .args([
            "seed",
            "--reset",
            "--no-cache",
            "--profile",
            path.to_str().unwrap(),
        ])
        .run();
    human.success();
    assert!(
        human.stdout.contains("phases: generate+copy"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("rows/s"), "{}", human.stdout);
}

/// Runs the `load.sql` that `seed --out` wrote into `out_dir` with psql in
/// one transaction, as a user would.
fn run_load_sql(db: &TestDb, out_dir: &std::path::Path) {
    let psql = std::process::Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-1",
            "-f",
            "load.sql",
            "-d",
        ])
        .arg(&db.url)
        .current_dir(out_dir)
        .output()
        .unwrap();
    assert!(
        psql.status.success(),
        "{}",
        String::from_utf8_lossy(&psql.stderr)
    );
}

/// Checksum of a whole table (every column, `updated_at` included: the
/// shipped profiles generate it), in a stable order.
fn checksum_of(db: &TestDb, table: &str) -> String {
    db.query(&format!(
        "SELECT md5(coalesce(string_agg(x, E'\\n' ORDER BY x), '')) \
         FROM (SELECT to_jsonb(t)::text AS x FROM {table} t) s"
    ))
}

#[test]
fn the_shipped_ci_profile_fills_the_reference_schema_reproducibly() {
    let plan = seedkit()
        .args(["seed", "--profile", "ci", "--dry-run", "--format", "json"])
        .run();
    plan.success();
    let plan = plan.json();
    let tables: Vec<(String, u64)> = plan["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap().to_string(),
                t["rows"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(tables.len() >= 10, "{plan}");

    let a = migrated("ci_a");
    let b = migrated("ci_b");
    a.seedkit()
        .args(["seed", "--profile", "ci", "--no-cache", "--jobs", "2"])
        .run()
        .success();
    b.seedkit()
        .args(["seed", "--profile", "ci", "--no-cache", "--jobs", "1"])
        .run()
        .success();
    let sums =
        |db: &TestDb| -> Vec<String> { tables.iter().map(|(t, _)| checksum_of(db, t)).collect() };
    for (table, rows) in &tables {
        assert_eq!(count(&a, table), *rows, "{table}");
    }
    let first = sums(&a);
    assert_eq!(first, sums(&b));
    a.seedkit()
        .args(["seed", "--profile", "ci", "--no-cache", "--reset"])
        .run()
        .success();
    assert_eq!(sums(&a), first, "--reset reloaded different data");
}

/// Every type the encoder supports, loaded in binary by `seed` and as text
/// and CSV by psql from `--out` files: the tables must be equal.
const KINDS_SQL: &str = "
    CREATE TYPE mood AS ENUM ('calm', 'busy', 'it''s \"odd\"');
    CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
    CREATE TABLE kinds (
        id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        small    smallint NOT NULL,
        pos      positive_int NOT NULL,
        price    numeric(12, 2) NOT NULL,
        ratio    numeric,
        r4       real,
        d        date,
        ts       timestamp,
        tstz     timestamptz,
        name     varchar(400),
        code     char(4),
        m        mood,
        moods    mood[],
        tags     text[],
        scores   integer[],
        doc      json,
        docb     jsonb,
        uid      uuid,
        ip       inet,
        ip6      inet,
        flag     boolean
    );
    CREATE INDEX kinds_tags_idx ON kinds USING gin (tags);
    CREATE UNIQUE INDEX kinds_uid_idx ON kinds (uid) WHERE uid IS NOT NULL;";

const KINDS_PROFILE: &str = r#"
seed = 3
[tables.kinds]
rows = 3000
[tables.kinds.columns]
id = { seq = {} }
small = { int = { dist = "uniform", min = -32768, max = 32767 } }
pos = { int = { dist = "uniform", min = 1, max = 1000 } }
price = { float = { dist = "uniform", min = 0, max = 100000, round = 2 } }
ratio = { float = { dist = "normal", mean = 0, stddev = 1000, min = -1e6, max = 1e6 }, null_probability = 0.1 }
r4 = { float = { dist = "exponential", mean = 3, min = 0, max = 1e9 } }
d = { date = { start = 1999-12-01, end = 2030-01-01 } }
ts = { timestamp = { start = 1990-01-01T00:00:00Z, end = 2040-01-01T00:00:00Z } }
tstz = { timestamp = { start = 1960-01-01T00:00:00Z, end = 2040-01-01T00:00:00Z } }
name = { fake = "sentence", null_probability = 0.2 }
code = { fake = "country_code" }
m = { choice = { values = ["calm", "busy", "it's \"odd\""] } }
moods = { array = { of = { choice = { values = ["calm", "it's \"odd\""] } }, min = 0, max = 3 } }
tags = { array = { of = { choice = { values = ["a b", "", "NULL", "x,y", "{q}", "back\\slash", "tab\tnew\nline", "ünï"] } }, min = 0, max = 4 } }
scores = { array = { of = { int = { dist = "uniform", min = -5, max = 5 } }, min = 0, max = 5 } }
doc = { json = { a = { int = { dist = "uniform", min = 0, max = 9 } }, s = { choice = { values = ["q\"uote", "ü"] } } } }
docb = { json = { n = { float = { dist = "uniform", min = 0, max = 1, round = 3 } } } }
uid = { uuid = {}, null_probability = 0.1 }
ip = { fake = "ipv4" }
ip6 = { fake = "ipv6" }
flag = { bool = { probability = 0.5 }, null_probability = 0.1 }
"#;

#[test]
fn every_supported_type_loads_the_same_in_binary_text_and_csv() {
    let (dir, path) = profile("kinds", KINDS_PROFILE);
    let seeded = TestDb::new("kinds_seeded");
    seeded.query(KINDS_SQL);
    seeded
        .seedkit()
        .args(["seed", "--profile", path.to_str().unwrap()])
        .run()
        .success();
    assert_eq!(count(&seeded, "kinds"), 3000);
    let reference = seeded.table_checksum("kinds", "id");
    // Identity GENERATED ALWAYS takes explicit ids from COPY, and its
    // sequence moved past them.
    assert_eq!(
        seeded.query("INSERT INTO kinds (small, pos, price) VALUES (1, 1, 1) RETURNING id"),
        "3001"
    );
    seeded.query("DELETE FROM kinds WHERE id = 3001");
    // Some values that must have survived exactly.
    assert_eq!(
        seeded.query("SELECT count(*) FROM kinds WHERE tags && ARRAY['', 'NULL', 'x,y', '{q}']"),
        seeded.query(
            "SELECT count(*) FROM kinds WHERE '' = ANY(tags) OR 'NULL' = ANY(tags) \
             OR 'x,y' = ANY(tags) OR '{q}' = ANY(tags)"
        )
    );
    assert_ne!(
        seeded.query("SELECT count(*) FROM kinds WHERE 'tab\tnew\nline' = ANY(tags)"),
        "0"
    );
    assert_ne!(
        seeded.query("SELECT count(*) FROM kinds WHERE m = 'it''s \"odd\"'"),
        "0"
    );
    assert_eq!(
        seeded.query("SELECT count(*) FROM kinds WHERE scale(price) > 2"),
        "0"
    );

    for format in ["text", "csv"] {
        let out_dir = dir.path().join(format);
        seedkit()
            .args(["seed", "--profile", path.to_str().unwrap(), "--out"])
            .arg(&out_dir)
            .args(["--out-format", format])
            .run()
            .success();
        let loaded = TestDb::new(&format!("kinds_{format}"));
        loaded.query(KINDS_SQL);
        run_load_sql(&loaded, &out_dir);
        assert_eq!(
            loaded.table_checksum("kinds", "id"),
            reference,
            "{format} differs"
        );
    }
}

#[test]
fn columns_seedkit_cannot_load_are_refused_with_their_location() {
    let db = TestDb::new("unloadable");
    db.query(
        "CREATE TABLE gadgets (id bigint PRIMARY KEY, spot point, \
         double_id bigint GENERATED ALWAYS AS (id * 2) STORED)",
    );
    for (column, generator, message) in [
        (
            "spot",
            r#"{ value = "(1,2)" }"#,
            "has type point, which seedkit cannot load",
        ),
        ("double_id", "{ seq = {} }", "is a generated column"),
    ] {
        let text = format!(
            "seed = 1\n[tables.gadgets]\nrows = 3\n[tables.gadgets.columns]\n\
             id = {{ seq = {{}} }}\n{column} = {generator}\n"
        );
        let (_dir, path) = profile("gadgets", &text);
        let out = db
            .seedkit()
            .args(["seed", "--profile", path.to_str().unwrap()])
            .run();
        out.assert_code(8);
        assert!(
            out.stderr.contains(&format!("{}:6:1:", path.display()))
                && out.stderr.contains(message),
            "{column}: {}",
            out.stderr
        );
        assert_eq!(count(&db, "gadgets"), 0);
    }
}

#[test]
fn partitioned_tables_load_and_keep_their_partition_indexes() {
    let db = TestDb::new("partitioned");
    db.query(
        "CREATE TABLE readings (id bigint NOT NULL, at date NOT NULL, v integer,
           PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
         CREATE TABLE readings_2025 PARTITION OF readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         CREATE TABLE readings_2026 PARTITION OF readings FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         CREATE INDEX readings_v_idx ON readings (v);",
    );
    let indexes = "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes \
                   WHERE tablename LIKE 'readings%'";
    let before = db.query(indexes);
    let (_dir, path) = profile(
        "readings",
        "seed = 1\n[tables.readings]\nrows = 5000\n[tables.readings.columns]\n\
         id = { seq = {} }\nat = { date = { start = 2025-01-01, end = 2026-12-31 } }\n\
         v = { int = { dist = \"uniform\", min = 0, max = 100 } }\n",
    );
    db.seedkit()
        .args(["seed", "--profile", path.to_str().unwrap()])
        .run()
        .success();
    assert_eq!(count(&db, "readings"), 5000);
    assert_ne!(count(&db, "readings_2025"), 0);
    assert_ne!(count(&db, "readings_2026"), 0);
    assert_eq!(db.query(indexes), before);
    assert_eq!(
        db.query(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                  WHERE c.relname LIKE 'readings%' AND NOT i.indisvalid"
        ),
        "0"
    );
}

#[test]
fn the_load_connection_gets_tcp_nodelay() {
    // Without it every COPY waits ~40 ms for a delayed ACK (sqlx 0.9.0).
    let (_dir, path) = profile("p", PROFILE);
    let db = migrated("nodelay");
    let out = db
        .seedkit()
        .args(["-v", "seed", "--profile", path.to_str().unwrap()])
        .run();
    out.success();
    assert!(
        !out.stderr.contains("TCP_NODELAY not set"),
        "{}",
        out.stderr
    );
}

// ---- what a failure or Ctrl-C after the COMMIT says ---------------------------

/// A table whose ANALYZE is slow on demand: ANALYZE evaluates the expression
/// index on every sampled row, and the function sleeps only when the
/// statement is an ANALYZE and the database's `seedkit_test.slow_analyze` is
/// on (COPY and CREATE INDEX stay fast). A real fault, no mock: the
/// server's own ANALYZE is what runs long.
const SLOW_ANALYZE_SCHEMA: &str = "
CREATE FUNCTION slow_in_analyze(i bigint) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF current_setting('seedkit_test.slow_analyze', true) = 'on'
     AND current_query() ILIKE 'ANALYZE%' THEN
    PERFORM pg_sleep(0.02);
  END IF;
  RETURN i;
END $$;
CREATE TABLE gauges (id bigint PRIMARY KEY, reading int NOT NULL);
CREATE INDEX gauges_slow ON gauges (slow_in_analyze(id));
";

const GAUGES_PROFILE: &str = r#"
[tables.gauges]
rows = 1000
[tables.gauges.columns]
id = { seq = {} }
reading = { int = { dist = "uniform", min = 0, max = 100 } }
"#;

/// Waits (bounded) for the seed's ANALYZE to run; returns its backend pid.
fn wait_for_analyze(db: &TestDb, child: &mut std::process::Child) -> String {
    let sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
               AND query ILIKE 'ANALYZE%' AND state = 'active' AND pid <> pg_backend_pid()";
    crate::support::wait_until("the seed's ANALYZE", Duration::from_secs(60), || {
        if let Some(status) = child.try_wait().expect("seed can be waited for") {
            panic!("the seed ended before its ANALYZE ran: {status}");
        }
        match db.query(sql) {
            pid if pid.is_empty() => Err("not yet".to_string()),
            pid => Ok(pid),
        }
    })
}

#[test]
fn a_failure_or_ctrl_c_during_analyze_after_the_commit_says_the_load_stays() {
    let db = TestDb::new("after_commit");
    db.query(SLOW_ANALYZE_SCHEMA);
    let (_dir, path) = profile("gauges", GAUGES_PROFILE);
    let seed = |seed: &str| {
        db.seedkit()
            .args(["seed", "--profile", path.to_str().unwrap(), "--no-cache"])
            .args(["--reset", "--seed", seed])
    };
    seed("1").run().success();
    let old = db.table_checksum("gauges", "id");
    // The state a clean `--reset --seed N` leaves, to compare with.
    let clean = |n: &str| {
        seed(n).run().success();
        db.table_checksum("gauges", "id")
    };
    let (new2, new3) = (clean("2"), clean("3"));
    seed("1").run().success();
    assert_ne!(old, new2);
    db.query(&format!(
        "ALTER DATABASE \"{}\" SET seedkit_test.slow_analyze = 'on'",
        db.name
    ));

    // The connection breaks during ANALYZE, after the --reset load's COMMIT.
    let mut child = seed("2").spawn();
    let pid = wait_for_analyze(&db, &mut child);
    db.query(&format!("SELECT pg_terminate_backend({pid})"));
    let out = crate::support::Output::of(child.wait_with_output().expect("seed ends"));
    let stderr = &out.stderr;
    assert_eq!(out.code, Some(9), "{stderr}");
    assert!(stderr.contains("ANALYZE failed"), "{stderr}");
    assert!(
        stderr.contains("the load had committed and stays"),
        "{stderr}"
    );
    assert!(!stderr.contains("rolled back"), "{stderr}");
    assert!(!stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(db.table_checksum("gauges", "id"), new2, "the new rows stay");

    // Ctrl-C during ANALYZE: exit 130, and the same truth.
    let mut child = seed("3").spawn();
    wait_for_analyze(&db, &mut child);
    let out = crate::support::signal(child, "INT");
    let stderr = &out.stderr;
    assert_eq!(out.code, Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: the load had committed and stays"),
        "{stderr}"
    );
    assert!(!stderr.contains("rolled back"), "{stderr}");
    assert_eq!(db.table_checksum("gauges", "id"), new3, "the new rows stay");
}
