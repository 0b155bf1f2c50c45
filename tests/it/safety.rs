//! The safety rules of issue #7, each proved against real servers: `--reset`
//! never deletes a key seedkit did not write, destructive commands against
//! a remote host ask first, bad values are refused with a clear error, and
//! every documented exit code is produced by a real case.

use std::collections::BTreeMap;
use std::time::Duration;

use redis::Commands;

use crate::cache::PrivateRedis;
use crate::support::{TestDb, seeded_ci, seedkit};

/// Every key of a Redis database with its string value (all test keys are
/// strings), for "nothing else changed" checks.
fn all_keys(url: &str) -> BTreeMap<String, String> {
    let mut con = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("the private Redis answers");
    let keys: Vec<String> = con.keys("*").expect("KEYS on a private server");
    keys.into_iter()
        .map(|k| {
            let v: String = con.get(&k).unwrap_or_default();
            (k, v)
        })
        .collect()
}

fn set_keys(url: &str, keys: &[&str]) {
    let mut con = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("the private Redis answers");
    for key in keys {
        let _: () = con.set(*key, "foreign").expect("SET");
    }
}

// ---- item 1: --reset never touches foreign keys ------------------------------

/// Other programs' keys, including glob-looking ones.
const FOREIGN: &[&str] = &["app:session:1", "other", "*", "a?b", "[x]", "back\\slash"];

#[test]
fn warm_reset_with_an_empty_prefix_is_refused_and_deletes_nothing() {
    // A private server: before the fix this wiped the whole database.
    let server = PrivateRedis::start(&[]);
    set_keys(&server.url(), FOREIGN);
    let before = all_keys(&server.url());
    let out = seedkit()
        .env("REDIS_URL", server.url())
        .args([
            "warm",
            "--profile",
            "ci",
            "--set",
            "redis.prefix=",
            "--reset",
        ])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("empty"), "{}", out.stderr);
    assert!(out.stderr.contains("redis.prefix"), "{}", out.stderr);
    assert_eq!(all_keys(&server.url()), before, "Redis changed");
}

#[test]
fn seed_reset_with_an_empty_prefix_is_refused_before_the_database_is_touched() {
    let server = PrivateRedis::start(&[]);
    set_keys(&server.url(), FOREIGN);
    let before = all_keys(&server.url());
    let db = seeded_ci("empty_prefix_seed");
    let players = db.table_checksum("players", "id");
    let out = db
        .seedkit()
        .env("REDIS_URL", server.url())
        .args(["seed", "--profile", "ci", "--seed", "9", "--reset"])
        .args(["--set", "redis.prefix="])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("redis.prefix"), "{}", out.stderr);
    assert_eq!(db.table_checksum("players", "id"), players, "the load ran");
    assert_eq!(all_keys(&server.url()), before, "Redis changed");
}

#[test]
fn reset_with_a_glob_like_prefix_removes_only_its_own_keys() {
    let server = PrivateRedis::start(&[]);
    let prefix = "g[ab]*?\\:";
    // Each of these would match the prefix read as a glob pattern.
    set_keys(
        &server.url(),
        &[
            "ga:1",
            "gb*?\\:1",
            "g[ab]x?\\:1",
            "g[ab]*x\\:1",
            "g[ab]*?:1",
        ],
    );
    set_keys(&server.url(), FOREIGN);
    set_keys(&server.url(), &["g[ab]*?\\:stale"]);
    let mut before = all_keys(&server.url());
    before.remove("g[ab]*?\\:stale");
    let out = seedkit()
        .env("REDIS_URL", server.url())
        .args(["warm", "--profile", "ci", "--reset", "--format", "json"])
        .arg("--set")
        .arg(format!("redis.prefix={prefix}"))
        .run();
    out.success();
    assert_eq!(
        out.json()["reset_removed"].as_u64(),
        Some(1),
        "{}",
        out.stdout
    );
    let after: BTreeMap<String, String> = all_keys(&server.url())
        .into_iter()
        .filter(|(k, _)| !k.starts_with(prefix))
        .collect();
    assert_eq!(after, before, "a key outside the prefix changed");
}

// ---- item 5: destructive commands against another machine ask first ------------

/// A TCP listener on this machine's first non-loopback address, counting the
/// connections it accepts (and closing them at once). `None` when the
/// machine has no such address.
struct CountingListener {
    host: String,
    port: u16,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl CountingListener {
    fn start() -> Option<CountingListener> {
        // Connecting a UDP socket sends nothing; it only picks the address
        // the machine would route from.
        let probe = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
        probe.connect("192.0.2.1:9").ok()?;
        let ip = probe.local_addr().ok()?.ip();
        if ip.is_loopback() || ip.is_unspecified() {
            return None;
        }
        let listener = std::net::TcpListener::bind((ip, 0)).ok()?;
        let port = listener.local_addr().ok()?.port();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&accepted);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(stream);
            }
        });
        Some(CountingListener {
            host: ip.to_string(),
            port,
            accepted,
        })
    }

    fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The destructive commands, each with `url` as the server it would change.
fn destructive_runs(db_url: &str, redis_url: &str) -> Vec<(Vec<&'static str>, String, String)> {
    let local_redis = crate::support::base_redis_url();
    let local_db = crate::support::base_database_url();
    vec![
        (
            vec!["rollback", "--all"],
            db_url.to_string(),
            local_redis.clone(),
        ),
        (
            vec!["rollback", "--steps", "2"],
            db_url.to_string(),
            local_redis.clone(),
        ),
        (
            vec!["rollback", "001"],
            db_url.to_string(),
            local_redis.clone(),
        ),
        (
            vec!["seed", "--profile", "ci", "--reset", "--no-cache"],
            db_url.to_string(),
            local_redis,
        ),
        (
            vec!["warm", "--profile", "ci", "--reset"],
            local_db,
            redis_url.to_string(),
        ),
    ]
}

#[test]
fn destructive_commands_against_a_remote_host_are_refused_without_a_terminal() {
    let db_url = "postgres://app:pw-db-123@db.example.invalid:5432/app";
    let redis_url = "redis://:pw-redis-123@cache.example.invalid:6379/0";
    for (args, db, redis) in destructive_runs(db_url, redis_url) {
        let out = seedkit()
            .env("DATABASE_URL", &db)
            .env("REDIS_URL", &redis)
            .args(&args)
            .run();
        out.assert_code(2);
        assert!(
            out.stderr.contains("refusing to"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(".example.invalid"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("--yes"), "{args:?}: {}", out.stderr);
        assert!(
            !out.stderr.contains("pw-"),
            "{args:?} leaked a password: {}",
            out.stderr
        );
    }
}

#[test]
fn the_refusal_comes_before_any_connection_and_yes_lets_it_connect() {
    let Some(db) = CountingListener::start() else {
        eprintln!("no non-loopback address on this machine: only the .invalid host case ran");
        return;
    };
    let Some(redis) = CountingListener::start() else {
        return;
    };
    let db_url = format!("postgres://app@{}:{}/app", db.host, db.port);
    let redis_url = format!("redis://{}:{}/0", redis.host, redis.port);
    for (args, db_arg, redis_arg) in destructive_runs(&db_url, &redis_url) {
        let out = seedkit()
            .env("DATABASE_URL", &db_arg)
            .env("REDIS_URL", &redis_arg)
            .args(&args)
            .run();
        out.assert_code(2);
        assert_eq!(
            (db.accepted(), redis.accepted()),
            (0, 0),
            "{args:?} connected"
        );
    }
    // --yes and SEEDKIT_ASSUME_YES=1 go ahead: the command connects (and
    // then fails, the listener is not a server).
    let mut expected = (0, 0);
    for (args, db_arg, redis_arg) in destructive_runs(&db_url, &redis_url) {
        let remote_is_db = db_arg == db_url;
        for yes in [true, false] {
            let mut cmd = seedkit()
                .env("DATABASE_URL", &db_arg)
                .env("REDIS_URL", &redis_arg)
                .args(&args);
            cmd = match yes {
                true => cmd.arg("--yes"),
                false => cmd.env("SEEDKIT_ASSUME_YES", "1"),
            };
            let out = cmd.run();
            assert_ne!(out.code, Some(2), "{args:?} was refused: {}", out.stderr);
            assert_ne!(out.code, Some(0), "{args:?} cannot succeed: {}", out.stderr);
            match remote_is_db {
                true => expected.0 += 1,
                false => expected.1 += 1,
            }
            let seen = (db.accepted() >= expected.0, redis.accepted() >= expected.1);
            assert_eq!(
                seen,
                (true, true),
                "{args:?} did not connect: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn local_servers_never_ask() {
    let db = TestDb::new("local_no_ask");
    db.seedkit().arg("migrate").run().success();
    db.seedkit()
        .args(["seed", "--profile", "ci", "--reset", "--no-cache"])
        .run()
        .success();
    // localhost, not just 127.0.0.1, counts as this machine.
    let url = db.url.replace("127.0.0.1", "localhost");
    seedkit()
        .env("DATABASE_URL", &url)
        .args(["rollback", "--all"])
        .run()
        .success();
    assert_eq!(db.query("SELECT count(*) FROM seedkit_migrations"), "0");
}

// ---- item 3: seed --lock-timeout bounds every wait, naming the holder -----------

/// A psql session holding `mode` on `table` until dropped (killed).
pub(crate) struct LockHolderSession {
    child: std::process::Child,
    url: String,
}

impl LockHolderSession {
    /// `mode` as LOCK spells it, `lock` as pg_locks does.
    pub(crate) fn start(db: &TestDb, table: &str, mode: &str, lock: &str) -> LockHolderSession {
        let child = std::process::Command::new("psql")
            .env("PGAPPNAME", "holder-app")
            .args(["-X", "-q", "-d", &db.url, "-c"])
            .arg(format!(
                "BEGIN; LOCK {table} IN {mode} MODE; SELECT pg_sleep(60); COMMIT;"
            ))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("psql starts");
        crate::support::wait_until(
            "the lock holder",
            std::time::Duration::from_secs(20),
            || {
                let held = db.query(&format!(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
                 WHERE a.application_name = 'holder-app' AND a.datname = current_database() \
                   AND l.granted \
                   AND l.relation = '{table}'::regclass AND l.mode = '{lock}'"
                ));
                if held == "1" {
                    Ok(())
                } else {
                    Err(format!("{held} locks"))
                }
            },
        );
        LockHolderSession {
            child,
            url: db.url.clone(),
        }
    }

    fn pid(&self) -> String {
        crate::support::psql(&self.url, HOLDER_PID).expect("the holder's pid")
    }
}

const HOLDER_PID: &str = "SELECT pid FROM pg_stat_activity \
                          WHERE application_name = 'holder-app' AND datname = current_database()";

impl Drop for LockHolderSession {
    fn drop(&mut self) {
        // The backend outlives a killed psql until its pg_sleep ends.
        let _ = crate::support::psql(
            &self.url,
            &format!("SELECT pg_terminate_backend(pid) FROM ({HOLDER_PID}) h"),
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn seed_lock_timeout_bounds_catalog_reads_and_the_load_and_names_the_holder() {
    let db = TestDb::new("seed_lock_timeout");
    db.seedkit().arg("migrate").run().success();
    // ACCESS EXCLUSIVE blocks even the catalog reads before the load;
    // ACCESS SHARE (a long SELECT) blocks only the load's own LOCK TABLE.
    for (mode, lock) in [
        ("ACCESS EXCLUSIVE", "AccessExclusiveLock"),
        ("ACCESS SHARE", "AccessShareLock"),
    ] {
        let holder = LockHolderSession::start(&db, "players", mode, lock);
        let pid = holder.pid();
        let started = std::time::Instant::now();
        let out = db
            .seedkit()
            .args([
                "seed",
                "--profile",
                "ci",
                "--no-cache",
                "--lock-timeout",
                "1s",
            ])
            .run();
        let took = started.elapsed();
        out.assert_code(4);
        assert!(
            took < std::time::Duration::from_secs(8),
            "{mode}: waited {took:?}"
        );
        let pid = format!("pid {pid}");
        for needle in [pid.as_str(), "holder-app", "since", "--lock-timeout"] {
            assert!(
                out.stderr.contains(needle),
                "{mode}: no {needle}: {}",
                out.stderr
            );
        }
        drop(holder);
        assert_eq!(
            db.query("SELECT count(*) FROM players"),
            "0",
            "{mode}: rows loaded"
        );
    }
}

// ---- item 4: Ctrl-C in seed's cache step -------------------------------------------

fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = std::process::Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn ctrl_c_during_the_cache_step_says_the_load_committed_and_exits_10() {
    let server = PrivateRedis::start(&[]);
    let db = TestDb::new("ctrl_c_cache");
    db.seedkit().arg("migrate").run().success();
    // While Redis pauses writes the cache step cannot finish: the signal
    // surely lands in it.
    assert_eq!(
        redis_cli(server.port, &["CLIENT", "PAUSE", "60000", "WRITE"]),
        "OK"
    );
    let child = db
        .seedkit()
        .env("REDIS_URL", server.url())
        .args(["seed", "--profile", "ci"])
        .spawn();
    crate::support::wait_until("seed's cache step", Duration::from_secs(60), || {
        let clients = redis_cli(server.port, &["CLIENT", "LIST"]).lines().count();
        match clients {
            2.. => Ok(()),
            _ => Err(format!("{clients} Redis clients")),
        }
    });
    assert_eq!(
        db.query("SELECT count(*) FROM players"),
        "200",
        "not committed yet"
    );
    let out = crate::support::signal(child, "INT");
    redis_cli(server.port, &["CLIENT", "UNPAUSE"]);
    let (stdout, stderr) = (&out.stdout, &out.stderr);
    assert_eq!(out.code, Some(10), "{stderr}");
    assert!(stderr.contains("load had committed"), "{stderr}");
    assert!(stderr.contains("seedkit warm"), "{stderr}");
    assert!(
        stdout.contains("players") && stdout.contains("200"),
        "no summary: {stdout}"
    );
    assert_eq!(db.query("SELECT count(*) FROM players"), "200");
}

// ---- item 6: bad values are refused with a clear error -----------------------------

/// Writes `text` as `name` in a fresh folder; returns the folder and path.
fn profile_file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("the profile is written");
    (dir, path)
}

#[test]
fn a_profile_without_a_loadable_table_is_a_profile_error_with_its_location() {
    let db = TestDb::new("no_loadable_table");
    db.seedkit().arg("migrate").run().success();
    let helpers =
        "[tables.helpers]\nrows = 3\nload = false\n\n[tables.helpers.columns]\nid = { seq = {} }\n";
    for (text, location, why) in [
        (
            helpers,
            "helpers.toml:1:9",
            "every table has `load = false`",
        ),
        ("seed = 3\n", "helpers.toml:1:1", "declares no table"),
    ] {
        let (_dir, path) = profile_file("helpers.toml", text);
        let out = db
            .seedkit()
            .args(["seed", "--no-cache", "--profile"])
            .arg(&path)
            .run();
        out.assert_code(8);
        assert!(out.stderr.contains(location), "{}", out.stderr);
        assert!(out.stderr.contains(why), "{}", out.stderr);
        assert!(!out.stderr.contains("SQLSTATE"), "{}", out.stderr);
    }
}

#[test]
fn absurd_sizes_are_refused_before_generating_and_dry_run_warns_on_huge_plans() {
    let table = |rows: &str, array_len: u64| {
        format!(
            "[tables.blobs]\nrows = {rows}\n\n[tables.blobs.columns]\nid = {{ seq = {{}} }}\n\
             words = {{ array = {{ of = {{ fake = {{ kind = \"paragraph\", min = 20, max = 20 }} }}, \
             min = {array_len}, max = {array_len} }} }}\n"
        )
    };
    let cases = [
        (
            table("1", 50_000_000),
            "blobs.toml:6:11",
            "50000000 elements",
        ),
        (
            table("1_000_000_000_000", 1),
            "blobs.toml:2:8",
            "rows = 1000000000000",
        ),
    ];
    for (text, location, message) in cases {
        let (_dir, path) = profile_file("blobs.toml", &text);
        let out = seedkit()
            .args(["seed", "--dry-run", "--profile"])
            .arg(&path)
            .run();
        out.assert_code(8);
        assert!(out.stderr.contains(location), "{}", out.stderr);
        assert!(out.stderr.contains(message), "{}", out.stderr);
    }
    // Within the bounds but beyond any real database: planned, with a warning.
    let (_dir, path) = profile_file("blobs.toml", &table("1_000_000_000", 100));
    let out = seedkit()
        .args(["seed", "--dry-run", "--profile"])
        .arg(&path)
        .run();
    out.success();
    assert!(
        out.stderr.contains("warning: this plan would write about"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("realistic"), "{}", out.stderr);
}

#[test]
fn empty_history_table_or_schema_names_are_usage_errors() {
    for flag in ["--history-table", "--history-schema"] {
        let out = seedkit()
            .env("DATABASE_URL", crate::support::base_database_url())
            .args([flag, "", "status"])
            .run();
        out.assert_code(2);
        assert!(out.stderr.contains("cannot be empty"), "{}", out.stderr);
    }
    let long = "h".repeat(64);
    let out = seedkit()
        .env("DATABASE_URL", crate::support::base_database_url())
        .args(["--history-table", &long, "status"])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("63-byte"), "{}", out.stderr);
}

#[test]
fn an_empty_migrations_folder_is_reported_by_status_and_migrate() {
    let db = TestDb::new("empty_migrations");
    let dir = tempfile::tempdir().expect("a temporary folder");
    for command in ["status", "migrate"] {
        let out = db
            .seedkit()
            .arg("--migrations")
            .arg(dir.path())
            .arg(command)
            .run();
        out.success();
        let expected = format!("no migrations found in {}", dir.path().display());
        assert!(out.stderr.contains(&expected), "{command}: {}", out.stderr);
    }
}
