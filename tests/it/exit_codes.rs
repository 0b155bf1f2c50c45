//! Every row of the README's exit-code table, produced by a real case: the
//! table is a promise to scripts, so each code is asserted end to end. A
//! row added to the README without a case here fails
//! `every_readme_exit_code_is_produced_by_a_real_case`.

use std::path::Path;
use std::time::Duration;

use crate::cache::PrivateRedis;
use crate::safety::LockHolderSession;
use crate::support::{Output, TestDb, reserve_port, seedkit, wait_until};

/// The codes of the README's exit-code table: the table is
/// `ExitCode::ALL` row for row (the unit test in src/error.rs reads the
/// README and proves it), so the codes come from there.
fn readme_codes() -> Vec<i32> {
    seedkit::error::ExitCode::ALL
        .iter()
        .map(|code| i32::from(code.code()))
        .collect()
}

/// A migrations folder holding `files` (name, SQL).
fn migrations(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).expect("a migration is written");
    }
    dir
}

fn migrate_in(db: &TestDb, dir: &Path) -> crate::support::Cmd {
    db.seedkit().arg("--migrations").arg(dir)
}

/// Runs the real case for `code`; returns what seedkit did.
fn case(code: i32) -> Output {
    match code {
        0 => {
            let db = TestDb::new("exit_0");
            db.seedkit().arg("migrate").run()
        }
        1 => {
            // The history table is not seedkit's: reading it fails.
            let db = TestDb::new("exit_1");
            db.query("CREATE TABLE seedkit_migrations (x int)");
            db.seedkit().arg("status").run()
        }
        2 => seedkit().arg("status").run(),
        3 => {
            let nothing = reserve_port();
            seedkit()
                .env(
                    "DATABASE_URL",
                    format!("postgres://root@127.0.0.1:{}/x", nothing.port),
                )
                .arg("status")
                .run()
        }
        4 => {
            let db = TestDb::new("exit_4");
            db.seedkit().arg("migrate").run().success();
            let _holder =
                LockHolderSession::start(&db, "players", "ACCESS EXCLUSIVE", "AccessExclusiveLock");
            db.seedkit()
                .args([
                    "seed",
                    "--profile",
                    "ci",
                    "--no-cache",
                    "--lock-timeout",
                    "300ms",
                ])
                .run()
        }
        5 => {
            let db = TestDb::new("exit_5");
            let dir = migrations(&[("001_bad.sql", "CREATE TABLE x (;")]);
            migrate_in(&db, dir.path()).arg("migrate").run()
        }
        6 => {
            let db = TestDb::new("exit_6");
            let dir = migrations(&[("001_a.sql", "CREATE TABLE a (id int);")]);
            migrate_in(&db, dir.path()).arg("migrate").run().success();
            std::fs::write(dir.path().join("001_a.sql"), "CREATE TABLE a (id bigint);")
                .expect("the file is edited");
            migrate_in(&db, dir.path()).arg("migrate").run()
        }
        7 => {
            let db = TestDb::new("exit_7");
            db.seedkit().args(["status", "--exit-code"]).run()
        }
        8 => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let path = dir.path().join("broken.toml");
            std::fs::write(&path, "[tables.players\nrows = 1\n").expect("written");
            seedkit()
                .args(["seed", "--dry-run", "--profile"])
                .arg(&path)
                .run()
        }
        9 => {
            let db = TestDb::new("exit_9");
            db.seedkit().arg("migrate").run().success();
            let seed = || db.seedkit().args(["seed", "--profile", "ci", "--no-cache"]);
            seed().run().success();
            seed().run()
        }
        10 => {
            // Redis at maxmemory refuses the writes after the load committed.
            let redis = PrivateRedis::start(&["--maxmemory", "1mb"]);
            let db = TestDb::new("exit_10");
            db.seedkit().arg("migrate").run().success();
            let out = db
                .seedkit()
                .env("REDIS_URL", redis.url())
                .args(["seed", "--profile", "ci", "--set", "players.rows=20000"])
                .run();
            assert_eq!(
                db.query("SELECT count(*) FROM players"),
                "20000",
                "{}",
                out.stderr
            );
            assert!(out.stderr.contains("maxmemory"), "{}", out.stderr);
            out
        }
        11 => {
            // A down script that leaves an index behind.
            let db = TestDb::new("exit_11");
            db.seedkit()
                .arg("--migrations")
                .arg(crate::support::repo_root().join("tests/fixtures/verify/down_leaves_index"))
                .arg("verify")
                .run()
        }
        12 => seedkit()
            .arg("lint")
            .arg(crate::support::repo_root().join("tests/fixtures/lint/dangerous.sql"))
            .run(),
        130 => {
            let db = TestDb::new("exit_130");
            let dir = migrations(&[(
                "001_slow.sql",
                "CREATE TABLE a (id int);\nSELECT pg_sleep(60);",
            )]);
            let child = migrate_in(&db, dir.path()).arg("migrate").spawn();
            wait_until("the slow migration", Duration::from_secs(60), || {
                match db
                    .query(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' \
                     AND datname = current_database() AND pid <> pg_backend_pid()",
                    )
                    .as_str()
                {
                    "0" => Err("not running yet"),
                    _ => Ok(()),
                }
            });
            let output = crate::support::signal(child, "INT");
            assert_eq!(
                db.query("SELECT to_regclass('a') IS NULL"),
                "t",
                "rolled back"
            );
            output
        }
        other => panic!(
            "README.md lists exit code {other}: add a real case for it in tests/it/exit_codes.rs"
        ),
    }
}

#[test]
fn every_readme_exit_code_is_produced_by_a_real_case() {
    let codes = readme_codes();
    assert!(
        codes.len() >= 12,
        "the README table has {} rows",
        codes.len()
    );
    for code in codes {
        let out = case(code);
        assert_eq!(
            out.code,
            Some(code),
            "the case for exit code {code}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.stdout,
            out.stderr
        );
    }
}
