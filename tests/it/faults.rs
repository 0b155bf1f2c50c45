//! The fault suite: real faults injected while seedkit works, each test
//! asserting that nothing was lost and that a re-run finishes the job.
//! A throwaway PostgreSQL cluster (`initdb` into a temporary folder, on a
//! reserved port) is restarted mid-migrate and mid-seed; `seed --reset` is
//! killed with SIGKILL at several points; concurrent `seed --reset` runs
//! leave one clean load.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::{ReservedPort, TestDb, psql, reserve_port, seedkit, wait_until};

/// A PostgreSQL cluster of this test's own, stopped when dropped.
struct PrivatePostgres {
    port: u16,
    data: PathBuf,
    _reserved: ReservedPort,
    dir: tempfile::TempDir,
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let reserved = reserve_port();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data = dir.path().join("data");
        // initdb refuses to run as root: the cluster belongs to `postgres`.
        if running_as_root() {
            run(Command::new("chown").args(["postgres"]).arg(dir.path()));
        }
        run(as_postgres("initdb").arg("-D").arg(&data).args([
            "-U",
            "root",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]));
        let server = PrivatePostgres {
            port: reserved.port,
            data,
            _reserved: reserved,
            dir,
        };
        server.pg_ctl(&["start", "-w", "-t", "60"]);
        server
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://root@127.0.0.1:{}/{database}", self.port)
    }

    /// `pg_ctl restart`; `mode` is `fast` (clients get SQLSTATE 57P01) or
    /// `immediate` (a crash: the sockets just close, recovery on start).
    fn restart(&self, mode: &str) {
        self.pg_ctl(&["stop", "-w", "-m", mode]);
        self.pg_ctl(&["start", "-w", "-t", "60"]);
        wait_until("the restarted server", Duration::from_secs(30), || {
            psql(&self.url("postgres"), "SELECT 1")
        });
    }

    fn pg_ctl(&self, args: &[&str]) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        run(as_postgres("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-o", &options])
            .args(args));
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = as_postgres("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["stop", "-m", "immediate"])
            .output();
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A PostgreSQL server program, run as `postgres` when we are root.
fn as_postgres(program: &str) -> Command {
    let bindir = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .expect("pg_config runs");
    let path = Path::new(String::from_utf8_lossy(&bindir.stdout).trim()).join(program);
    match running_as_root() {
        true => {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        }
        false => Command::new(path),
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("the command starts");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits until a query of `url` shows a backend running SQL like `pattern`.
fn wait_for_backend(url: &str, pattern: &str) {
    let sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '{pattern}' \
         AND pid <> pg_backend_pid() AND state = 'active'"
    );
    wait_until(pattern, Duration::from_secs(60), || match psql(url, &sql) {
        Ok(n) if n != "0" => Ok(()),
        other => Err(format!("{other:?}")),
    });
}

#[test]
fn a_server_restart_mid_migrate_and_mid_seed_loses_nothing_and_blames_no_file() {
    let server = PrivatePostgres::start();
    psql(&server.url("postgres"), "CREATE DATABASE app").expect("CREATE DATABASE");
    let url = server.url("app");

    // Mid-migrate: the second migration is running when the server restarts.
    let migrations = tempfile::tempdir().expect("a temporary folder");
    for (file, sql) in [
        ("001_a.sql", "CREATE TABLE a (id int);"),
        (
            "002_slow.sql",
            "CREATE TABLE b (id int);\nSELECT pg_sleep(30);",
        ),
        ("003_c.sql", "CREATE TABLE c (id int);"),
    ] {
        std::fs::write(migrations.path().join(file), sql).expect("a migration is written");
    }
    let migrate = || {
        seedkit()
            .env("DATABASE_URL", &url)
            .arg("--migrations")
            .arg(migrations.path())
            .arg("migrate")
    };
    let child = migrate().spawn();
    wait_for_backend(&url, "%pg_sleep(30)%");
    server.restart("fast");
    let out = child.wait_with_output().expect("migrate ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("connection to the server was lost"),
        "{stderr}"
    );
    assert!(!stderr.contains("fix the file"), "{stderr}");
    let history = "SELECT string_agg(version::text, ',' ORDER BY version) FROM seedkit_migrations";
    assert_eq!(
        psql(&url, history).unwrap(),
        "1",
        "002 must not be recorded"
    );
    assert_eq!(psql(&url, "SELECT to_regclass('b') IS NULL").unwrap(), "t");
    // The slow one takes 30 s when it runs to the end: drop the sleep.
    std::fs::write(
        migrations.path().join("002_slow.sql"),
        "CREATE TABLE b (id int);",
    )
    .expect("a migration is written");
    migrate().run().success();
    assert_eq!(psql(&url, history).unwrap(), "1,2,3");

    // Mid-seed: the COPY is running when the server crashes.
    let seed_url = server.url("postgres");
    seedkit()
        .env("DATABASE_URL", &seed_url)
        .arg("migrate")
        .run()
        .success();
    let objects = "SELECT (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public') || ',' || \
                   (SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace)";
    let before = psql(&seed_url, objects).unwrap();
    let seed = || {
        seedkit()
            .env("DATABASE_URL", &seed_url)
            .args(["seed", "--profile", "ci", "--no-cache", "--reset"])
            .args(["--set", "players.rows=100000"])
    };
    let child = seed().spawn();
    wait_for_backend(&seed_url, "COPY%");
    server.restart("immediate");
    let out = child.wait_with_output().expect("seed ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        psql(&seed_url, "SELECT count(*) FROM players").unwrap(),
        "0"
    );
    assert_eq!(
        psql(&seed_url, objects).unwrap(),
        before,
        "indexes or constraints changed"
    );
    seed().run().success();
    assert_eq!(
        psql(&seed_url, "SELECT count(*) FROM players").unwrap(),
        "100000"
    );
    assert_eq!(psql(&seed_url, objects).unwrap(), before);
}

/// Checksums of the tables a seed fills, to compare whole states.
fn seeded_state(db: &TestDb) -> String {
    [
        "players",
        "game_sessions",
        "player_achievements",
        "security_events",
    ]
    .iter()
    .map(|t| db.table_checksum(t, "t"))
    .collect::<Vec<_>>()
    .join(",")
}

/// Locks other sessions still hold in `db` (a killed client's backend
/// lets go once it notices the closed socket).
fn wait_for_no_locks(db: &TestDb) {
    let sql = "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
               WHERE d.datname = current_database() AND l.pid <> pg_backend_pid()";
    wait_until(
        "the killed seed's locks to go",
        Duration::from_secs(60),
        || match db.query(sql).as_str() {
            "0" => Ok(()),
            n => Err(format!("{n} locks left")),
        },
    );
}

#[test]
fn seed_reset_killed_at_each_phase_leaves_the_old_rows_or_the_new_ones() {
    let db = TestDb::new("kill_phases");
    db.seedkit().arg("migrate").run().success();
    let seed = |seed: &str| {
        db.seedkit()
            .args([
                "seed",
                "--profile",
                "ci",
                "--no-cache",
                "--reset",
                "--seed",
                seed,
            ])
            .args(["--set", "players.rows=50000"])
    };
    seed("1").run().success();
    let old = seeded_state(&db);
    let schema = db.schema_dump();
    // What each kill left; compared with a clean run of seed 2 at the end.
    let mut after_kills = Vec::new();
    for (phase, backend_query) in [
        ("COPY", "COPY%"),
        ("index build", "CREATE%INDEX%"),
        ("constraints", "%FOREIGN KEY%"),
    ] {
        let mut child = seed("2").spawn();
        let sql = format!(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '{backend_query}' \
             AND datname = current_database() AND pid <> pg_backend_pid()"
        );
        // Killed as soon as the phase shows; a run that finished first
        // must have left the complete new state, which is checked too.
        wait_until(phase, Duration::from_secs(120), || {
            if child.try_wait().expect("seed can be waited for").is_some() {
                return Ok(());
            }
            match db.query(&sql).as_str() {
                "0" => Err("not yet".to_string()),
                _ => Ok(()),
            }
        });
        let _ = child.kill();
        let _ = child.wait();
        wait_for_no_locks(&db);
        assert_eq!(
            db.schema_dump(),
            schema,
            "killed in {phase}: the schema changed"
        );
        after_kills.push((phase, seeded_state(&db)));
    }
    seed("2").run().success();
    let new = seeded_state(&db);
    assert_ne!(old, new);
    for (phase, state) in after_kills {
        assert!(
            state == old || state == new,
            "killed in {phase}: neither the old rows nor the new ones"
        );
    }
    assert_eq!(db.schema_dump(), schema);
}

#[test]
fn concurrent_seed_resets_end_in_one_clean_load() {
    let db = TestDb::new("concurrent_seeds");
    db.seedkit().arg("migrate").run().success();
    let seed = || {
        db.seedkit()
            .args(["seed", "--profile", "ci", "--no-cache", "--reset"])
    };
    seed().run().success();
    let clean = seeded_state(&db);
    let children: Vec<_> = (0..4).map(|_| seed().spawn()).collect();
    for child in children {
        let out = child.wait_with_output().expect("seed ends");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(seeded_state(&db), clean);
    wait_for_no_locks(&db);
}
