//! `--shard i/n`: n shards together give a single run's rows and keys.
//!
//! `seed --out` of shards 0/3, 1/3 and 2/3 (each with its own `--jobs`)
//! against the unsharded files, table by table; their shared `load.sql`
//! loading all three into one database against a single seed; three
//! concurrent `seed --shard i/3` into one database against a single atomic
//! seed; `warm --shard` of three shards against one warm (own Redis
//! prefixes); and the errors for shards that do not exist, a shard loaded
//! twice and `--reset` with a shard.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use crate::cache::{connect, snapshot};
use crate::support::{TestDb, TestRedis, seedkit};

/// The files `seed --out` wrote into `dir` (name -> content), load.sql aside.
fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "copy"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn sorted_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines
}

fn out(profile: &str, dir: &Path, extra: &[&str]) {
    seedkit()
        .args(["seed", "--profile", profile, "--out"])
        .arg(dir)
        .args(extra)
        .run()
        .success();
}

#[test]
fn out_shards_together_equal_the_unsharded_files_table_by_table() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    out("default", &whole, &["--jobs", "2"]);
    let whole = files(&whole);
    assert!(whole.len() > 5, "{:?}", whole.keys());

    let mut union: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut scripts = Vec::new();
    for (i, jobs) in [(0, "1"), (1, "3"), (2, "2")] {
        let shard_dir = dir.path().join(format!("shard{i}"));
        out(
            "default",
            &shard_dir,
            &["--shard", &format!("{i}/3"), "--jobs", jobs],
        );
        for (name, text) in files(&shard_dir) {
            let suffix = format!(".shard-{i}-of-3.copy");
            let table = name
                .strip_suffix(&suffix)
                .unwrap_or_else(|| panic!("{name} is not named for shard {i}/3"));
            union
                .entry(format!("{table}.copy"))
                .or_default()
                .extend(text.lines().map(str::to_string));
        }
        scripts.push(std::fs::read_to_string(shard_dir.join("load.sql")).unwrap());
    }
    assert_eq!(
        union.keys().collect::<Vec<_>>(),
        whole.keys().collect::<Vec<_>>()
    );
    let mut nonempty_shards = 0;
    for (name, text) in &whole {
        let mut lines: Vec<&str> = union[name].iter().map(String::as_str).collect();
        lines.sort_unstable();
        assert_eq!(
            lines,
            sorted_lines(text),
            "{name}: shards differ from one run"
        );
        nonempty_shards += usize::from(!lines.is_empty());
    }
    assert!(nonempty_shards > 5);
    // Every shard writes the same script, loading all three shards' files.
    assert_eq!(scripts[0], scripts[1]);
    assert_eq!(scripts[0], scripts[2]);
    for i in 0..3 {
        assert!(
            scripts[0].contains(&format!("FROM 'players.shard-{i}-of-3.copy'")),
            "{}",
            scripts[0]
        );
    }
}

#[test]
fn the_shards_load_sql_loads_all_shards_like_one_seed() {
    let dir = tempfile::tempdir().unwrap();
    let gathered = dir.path().join("gathered");
    for i in 0..3 {
        let shard_dir = dir.path().join(format!("shard{i}"));
        out("ci", &shard_dir, &["--shard", &format!("{i}/3")]);
        std::fs::create_dir_all(&gathered).unwrap();
        for entry in std::fs::read_dir(&shard_dir).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, gathered.join(path.file_name().unwrap())).unwrap();
        }
    }
    let loaded = TestDb::new("shard_load_sql");
    loaded.seedkit().arg("migrate").run().success();
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
        .arg(&loaded.url)
        .current_dir(&gathered)
        .output()
        .unwrap();
    assert!(
        psql.status.success(),
        "{}",
        String::from_utf8_lossy(&psql.stderr)
    );

    let seeded = TestDb::new("shard_load_sql_ref");
    seeded.seedkit().arg("migrate").run().success();
    seeded
        .seedkit()
        .args(["seed", "--profile", "ci", "--no-cache"])
        .run()
        .success();
    let tables = seeded.rows(
        "SELECT relname FROM pg_stat_user_tables WHERE relname NOT LIKE 'seedkit%' ORDER BY 1",
    );
    assert!(tables.len() > 5, "{tables:?}");
    for table in tables.iter().map(|r| &r[0]) {
        assert_eq!(
            loaded.table_checksum(table, "t::text"),
            seeded.table_checksum(table, "t::text"),
            "{table}"
        );
    }
    assert_eq!(
        loaded.query("SELECT nextval(pg_get_serial_sequence('players', 'id'))"),
        seeded.query("SELECT nextval(pg_get_serial_sequence('players', 'id'))"),
    );
}

/// Every profile table's checksum (and the next `players.id`) equal in both.
fn assert_same_tables(loaded: &TestDb, seeded: &TestDb) {
    let tables = seeded.rows(
        "SELECT relname FROM pg_stat_user_tables WHERE relname NOT LIKE 'seedkit%' ORDER BY 1",
    );
    assert!(tables.len() > 5, "{tables:?}");
    for table in tables.iter().map(|r| &r[0]) {
        let count = format!("SELECT count(*) FROM {table}");
        assert_eq!(loaded.query(&count), seeded.query(&count), "{table}");
        assert_eq!(
            loaded.table_checksum(table, "t::text"),
            seeded.table_checksum(table, "t::text"),
            "{table}"
        );
    }
    let next = "SELECT nextval(pg_get_serial_sequence('players', 'id'))";
    assert_eq!(loaded.query(next), seeded.query(next));
}

#[test]
fn three_concurrent_shards_load_one_database_like_one_atomic_seed() {
    let loaded = TestDb::new("shard_concurrent");
    loaded.seedkit().arg("migrate").run().success();
    // Small chunks: many transactions per table, interleaved across the
    // shards; each shard with its own --jobs.
    let children: Vec<_> = [(0, "1"), (1, "3"), (2, "2")]
        .into_iter()
        .map(|(i, jobs)| {
            loaded
                .seedkit()
                .args([
                    "seed",
                    "--profile",
                    "default",
                    "--no-cache",
                    "--chunk-rows",
                    "700",
                ])
                .args([
                    "--shard",
                    &format!("{i}/3"),
                    "--jobs",
                    jobs,
                    "--format",
                    "json",
                ])
                .spawn()
        })
        .collect();
    let mut strategies = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        strategies.push((summary["strategy"].clone(), summary["shard"].clone()));
    }
    assert_eq!(strategies[1], (json!("chunked"), json!("1/3")));

    let seeded = TestDb::new("shard_concurrent_ref");
    seeded.seedkit().arg("migrate").run().success();
    let single = seeded
        .seedkit()
        .args([
            "seed",
            "--profile",
            "default",
            "--no-cache",
            "--format",
            "json",
        ])
        .run();
    single.success();
    assert_eq!(single.json()["strategy"], "single-transaction");
    assert_same_tables(&loaded, &seeded);

    // A shard whose rows are there already is refused; nothing changes.
    let before = loaded.table_checksum("players", "id");
    let again = loaded
        .seedkit()
        .args([
            "seed",
            "--profile",
            "default",
            "--no-cache",
            "--shard",
            "1/3",
        ])
        .run();
    again.assert_code(9);
    assert!(
        again
            .stderr
            .contains("refusing to seed shard 1/3: its rows are already in villages"),
        "{}",
        again.stderr
    );
    assert_eq!(loaded.table_checksum("players", "id"), before);
}

#[test]
fn a_shard_without_the_others_gives_up_after_shard_wait_and_reset_is_refused() {
    let db = TestDb::new("shard_alone");
    db.seedkit().arg("migrate").run().success();
    let reset = db
        .seedkit()
        .args([
            "seed",
            "--profile",
            "ci",
            "--no-cache",
            "--reset",
            "--shard",
            "0/2",
        ])
        .run();
    reset.assert_code(2);
    assert!(
        reset
            .stderr
            .contains("--reset with --shard 0/2 would empty the rows the other shards load")
            && reset.stderr.contains("TRUNCATE \"villages\", \"houses\""),
        "{}",
        reset.stderr
    );
    assert_eq!(db.query("SELECT count(*) FROM villages"), "0");

    // Shard 1 of 2 loads its village, then waits for the other's before
    // loading houses, which reference villages; nobody comes.
    let alone = db
        .seedkit()
        .args(["seed", "--profile", "ci", "--no-cache", "--shard", "1/2"])
        .args(["--shard-wait", "1s"])
        .run();
    alone.assert_code(9);
    assert!(
        alone
            .stderr
            .contains("houses references villages, which still holds 1 of its 2 rows after 1s"),
        "{}",
        alone.stderr
    );
    assert_eq!(db.query("SELECT count(*) FROM villages"), "1");
    assert_eq!(db.query("SELECT count(*) FROM houses"), "0");
}

#[test]
fn warm_shards_together_give_the_keys_and_values_of_one_warm() {
    let one = TestRedis::new("shard_warm_one");
    let three = TestRedis::new("shard_warm_three");
    // The ci profile's sets, and a `count = N` set of synthetic rows.
    let tokens = [
        "redis.sets.tokens.count=1000",
        "redis.sets.tokens.key=token:{@index}",
        "redis.sets.tokens.type=string",
        "redis.sets.tokens.value={@uuid}",
    ];
    let warm = |redis: &TestRedis, extra: &[&str]| {
        let mut cmd = seedkit()
            .env("REDIS_URL", &redis.url)
            .args(["warm", "--profile", "ci", "--set"])
            .arg(format!("redis.prefix={}", redis.prefix));
        for set in tokens {
            cmd = cmd.args(["--set", set]);
        }
        cmd.args(extra).run()
    };
    warm(&one, &[]).success();
    let mut shard_keys = Vec::new();
    let mut token_keys = Vec::new();
    for i in 0..3 {
        let report = warm(&three, &["--shard", &format!("{i}/3"), "--format", "json"]);
        report.success();
        let sets = report.json()["sets"].clone();
        let player_cache = sets
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "player_cache")
            .unwrap()["keys"]
            .as_u64()
            .unwrap();
        shard_keys.push(player_cache);
        let tokens = sets
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "tokens")
            .unwrap()["keys"]
            .as_u64()
            .unwrap();
        token_keys.push(tokens);
    }
    assert_eq!(token_keys, [333, 333, 334]);
    // `top` sets come whole from shard 0.
    assert_eq!(shard_keys, [100, 0, 0]);
    let mut con = connect(&one.url);
    let single = snapshot(&mut con, &one.prefix);
    assert!(single.len() > 100, "{}", single.len());
    assert_eq!(snapshot(&mut con, &three.prefix), single);
}

#[test]
fn shards_that_do_not_exist_and_reset_with_a_shard_are_refused() {
    for (shard, says) in [
        ("3/3", "shards are numbered 0 to 2"),
        ("0/0", "N must be at least 1"),
        ("1", "expected I/N"),
        ("x/3", "not a whole number"),
    ] {
        let run = seedkit()
            .args([
                "seed",
                "--profile",
                "ci",
                "--out",
                "/nonexistent/never",
                "--shard",
                shard,
            ])
            .run();
        run.assert_code(2);
        assert!(run.stderr.contains(says), "{shard}: {}", run.stderr);
        let run = seedkit()
            .args([
                "warm",
                "--profile",
                "ci",
                "--resp",
                "/nonexistent/never",
                "--shard",
                shard,
            ])
            .run();
        run.assert_code(2);
        assert!(run.stderr.contains(says), "{shard}: {}", run.stderr);
    }
    let redis = TestRedis::new("shard_reset");
    let run = seedkit()
        .env("REDIS_URL", &redis.url)
        .args(["warm", "--profile", "ci", "--reset", "--shard", "1/3"])
        .run();
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("would remove the keys the other shards wrote"),
        "{}",
        run.stderr
    );
    assert!(redis.keys().is_empty());
}
