//! The migration engine end to end: the real binary against a private
//! database per test, with small fixture folders for each behaviour
//! (tests/fixtures/migrations/<scenario>/) and the reference `migrations/`
//! folder for the full flow.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Cmd, TestDb, repo_root};

fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/migrations").join(name)
}

/// A writable copy of a fixture folder, for tests that edit files.
fn fixture_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixture(name), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("fixture exists") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// `seedkit <args> --migrations <dir>` on the test database.
fn sk(db: &TestDb, dir: &Path) -> Cmd {
    db.seedkit().arg("--migrations").arg(dir)
}

fn history(db: &TestDb) -> Vec<String> {
    db.query("SELECT string_agg(version::text, ',' ORDER BY version) FROM seedkit_migrations")
        .split(',')
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

fn table_exists(db: &TestDb, name: &str) -> bool {
    db.query(&format!("SELECT to_regclass('public.{name}') IS NOT NULL")) == "t"
}

fn status_json(db: &TestDb, dir: &Path) -> serde_json::Value {
    let out = sk(db, dir).args(["status", "--format", "json"]).run();
    out.success();
    out.json()
}

fn state_of(status: &serde_json::Value, version: u64) -> String {
    status["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["version"] == version)
        .unwrap_or_else(|| panic!("no version {version} in {status:#}"))["state"]
        .as_str()
        .unwrap()
        .to_string()
}

// ---------------------------------------------------------------------------
// The reference schema

#[test]
fn reference_schema_applies_rolls_back_and_reapplies() {
    let db = TestDb::new("mig_reference");
    let dir = repo_root().join("migrations");
    let before = db.schema_dump();

    let out = sk(&db, &dir).arg("migrate").run();
    out.success();
    let all = history(&db);
    assert!(all.len() >= 14, "{all:?}");
    let last: u64 = all.last().unwrap().parse().unwrap();
    assert!(
        out.stdout.contains(&format!("at version {last}")),
        "{}",
        out.stdout
    );

    // Re-running changes nothing.
    let applied_at = db
        .query("SELECT string_agg(applied_at::text, ',' ORDER BY version) FROM seedkit_migrations");
    let again = sk(&db, &dir).arg("migrate").run();
    again.success();
    assert!(
        again.stdout.contains("nothing to apply"),
        "{}",
        again.stdout
    );
    assert_eq!(
        db.query(
            "SELECT string_agg(applied_at::text, ',' ORDER BY version) FROM seedkit_migrations"
        ),
        applied_at
    );

    // rollback 014 leaves 1..13; `14` and `0014` mean the same.
    sk(&db, &dir)
        .args(["rollback", "0014", "--dry-run"])
        .run()
        .success();
    assert_eq!(history(&db).len(), all.len(), "a dry run changes nothing");
    sk(&db, &dir).args(["rollback", "014"]).run().success();
    assert_eq!(
        history(&db),
        (1..=13).map(|v| v.to_string()).collect::<Vec<_>>()
    );

    // Everything back: exactly the pre-migration schema, only the history table left.
    sk(&db, &dir).args(["rollback", "--all"]).run().success();
    assert!(history(&db).is_empty());
    assert_eq!(db.schema_dump(), before);
    assert_eq!(
        db.query("SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'"),
        "seedkit_migrations"
    );

    sk(&db, &dir).arg("migrate").run().success();
    assert_eq!(history(&db), all);
    let status = sk(&db, &dir).args(["status", "--exit-code"]).run();
    status.success();
}

#[test]
fn eight_concurrent_runs_apply_each_migration_once() {
    let db = TestDb::new("mig_concurrent");
    let dir = repo_root().join("migrations");
    run_eight_migrates_at_once(&db, &dir, "advisory");
    let rows = db.query("SELECT count(*), count(DISTINCT version) FROM seedkit_migrations");
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".up.sql")
        })
        .count();
    assert_eq!(rows, format!("{files}|{files}"));
}

// ---------------------------------------------------------------------------
// The lock

/// A psql session holding the advisory lock until killed.
struct LockHolder {
    child: Child,
    pid: String,
    url: String,
}

impl LockHolder {
    fn take(db: &TestDb, key: i64) -> LockHolder {
        let child = Command::new("psql")
            .args(["-X", "-q", "-d", &db.url])
            .arg("-c")
            .arg(format!("SELECT pg_advisory_lock({key})"))
            .args(["-c", "SELECT pg_sleep(60)"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("psql starts");
        // From here on, Drop kills and reaps psql whatever happens.
        let mut holder = LockHolder {
            child,
            pid: String::new(),
            url: db.url.clone(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while holder.pid.is_empty() {
            assert!(Instant::now() < deadline, "psql never took the lock");
            std::thread::sleep(Duration::from_millis(50));
            holder.pid = db.query(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            );
        }
        holder
    }
}

impl Drop for LockHolder {
    fn drop(&mut self) {
        // psql's server session would sleep on (holding the lock) after
        // psql dies: end it from the server side.
        if !self.pid.is_empty() {
            let _ = crate::support::psql(
                &self.url,
                &format!("SELECT pg_terminate_backend({})", self.pid),
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn lock_timeout_names_the_holder() {
    let db = TestDb::new("mig_lock_timeout");
    let dir = fixture("basic");
    let key = status_json(&db, &dir)["lock_key"]
        .as_i64()
        .expect("lock_key in status");
    let holder = LockHolder::take(&db, key);

    let started = Instant::now();
    let out = sk(&db, &dir)
        .args(["migrate", "--lock-timeout", "1s"])
        .run();
    let took = started.elapsed();
    out.assert_code(4);
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert!(
        out.stderr.contains(&format!("held by pid {}", holder.pid)),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("psql"), "{}", out.stderr);
    assert!(!table_exists(&db, "a"), "nothing may run without the lock");
    drop(holder);

    sk(&db, &dir).arg("migrate").run().success();
    assert_eq!(history(&db), vec!["1", "2", "3"]);
}

#[test]
fn sigkill_during_a_slow_migration_frees_the_lock() {
    let db = TestDb::new("mig_sigkill");
    let dir = fixture("slow");
    let key = status_json(&db, &dir)["lock_key"].as_i64().unwrap();
    let mut child = sk(&db, &dir).arg("migrate").spawn();
    wait_for_query(&db, "pg_sleep(4)");
    child.kill().unwrap(); // SIGKILL: no cleanup code runs
    child.wait().unwrap();

    // The server notices the vanished client and ends its session, lock included.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let held = db.query(&format!(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
             AND ((classid::bigint << 32) | objid::bigint) = ({key}::bigint)"
        ));
        if held == "0" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the lock was still held 10 s after SIGKILL"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !table_exists(&db, "slow_done"),
        "the killed migration's transaction rolled back"
    );

    sk(&db, &dir)
        .args(["migrate", "--lock-timeout", "10s"])
        .run()
        .success();
    assert!(table_exists(&db, "slow_done"));
    assert_eq!(history(&db), vec!["1"]);
}

/// The lease lock (CockroachDB's), exercised on PostgreSQL through the hidden
/// `SEEDKIT_LOCK_STRATEGY=lease`: the heartbeat keeps a 2 s lease alive
/// through an 8 s migration, and a SIGKILLed holder's lease is taken over
/// once it expires.
#[test]
fn lease_lock_heartbeat_and_takeover_after_sigkill() {
    let db = TestDb::new("mig_lease");
    let dir = fixture_copy("slow");
    std::fs::write(
        dir.path().join("1_slow.up.sql"),
        "CREATE TABLE slow_done (id int);\nSELECT pg_sleep(8);\n",
    )
    .unwrap();
    let lease = |cmd: Cmd| {
        cmd.env("SEEDKIT_LOCK_STRATEGY", "lease")
            .env("SEEDKIT_LOCK_LEASE", "2s")
    };
    let mut first = lease(sk(&db, dir.path()).arg("migrate")).spawn();
    wait_for_query(&db, "pg_sleep(8)");
    // Past the 2 s lease: only the heartbeat keeps it.
    std::thread::sleep(Duration::from_millis(2500));
    let blocked = lease(sk(&db, dir.path()).args(["migrate", "--lock-timeout", "1s"])).run();
    blocked.assert_code(4);
    assert!(
        blocked.stderr.contains(&format!("pid {} on", first.id())),
        "{}",
        blocked.stderr
    );

    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(
        db.query("SELECT owner_pid FROM seedkit_migrations_lock"),
        first.id().to_string(),
        "the killed run's lease row stays until it expires"
    );
    let started = Instant::now();
    lease(sk(&db, dir.path()).args(["migrate", "--lock-timeout", "15s"]))
        .run()
        .success();
    assert!(
        started.elapsed() < Duration::from_secs(14),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(history(&db), vec!["1"]);
    assert_eq!(
        db.query("SELECT count(*) FROM seedkit_migrations_lock"),
        "0",
        "released on success"
    );
}

/// A run whose lease is taken over mid-migration (here: the row handed to
/// another owner, as a run that thought the lease expired would) stops before
/// its next migration with exit 4, and the migration it finished stays.
#[test]
fn a_lost_lease_stops_the_run_before_the_next_migration() {
    let db = TestDb::new("mig_lease_lost");
    let dir = fixture_copy("slow");
    std::fs::write(
        dir.path().join("1_slow.up.sql"),
        "CREATE TABLE slow_done (id int);\nSELECT pg_sleep(3);\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("2_after.up.sql"),
        "CREATE TABLE after_slow (id int);\n",
    )
    .unwrap();
    let run = sk(&db, dir.path())
        .env("SEEDKIT_LOCK_STRATEGY", "lease")
        .env("SEEDKIT_LOCK_LEASE", "1500ms")
        .arg("migrate")
        .spawn();
    wait_for_query(&db, "pg_sleep(3)");
    db.query("UPDATE seedkit_migrations_lock SET owner_id = 'another run'");
    let out = run.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("taken over"), "{stderr}");
    assert_eq!(history(&db), vec!["1"], "the finished migration stays");
    assert!(table_exists(&db, "slow_done"));
    assert!(
        !table_exists(&db, "after_slow"),
        "nothing ran after the loss"
    );
}

#[test]
fn eight_concurrent_runs_under_the_lease_lock() {
    let db = TestDb::new("mig_lease_concurrent");
    let dir = repo_root().join("migrations");
    run_eight_migrates_at_once(&db, &dir, "lease");
    assert_eq!(
        db.query(
            "SELECT count(*) = count(DISTINCT version) AND count(*) >= 14 FROM seedkit_migrations"
        ),
        "t"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM seedkit_migrations_lock"),
        "0"
    );
}

// ---------------------------------------------------------------------------
// Failures

#[test]
fn failing_migration_keeps_earlier_ones_and_leaves_nothing_of_itself() {
    let db = TestDb::new("mig_failing");
    let dir = fixture("failing");
    let out = sk(&db, &dir).arg("migrate").run();
    out.assert_code(5);
    assert_eq!(history(&db), vec!["1", "2"]);
    assert!(table_exists(&db, "one") && table_exists(&db, "two"));
    assert!(
        !table_exists(&db, "three"),
        "the failing migration's first statement was rolled back"
    );
    assert!(!table_exists(&db, "four"));
    assert!(
        out.stderr.contains("3_three.up.sql, line 4"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("INSERT INTO three (id, no_such_column)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("no_such_column"), "{}", out.stderr);
    assert!(out.stderr.contains("42703"), "{}", out.stderr);
    assert!(
        out.stderr.contains("error at line 4, column 24"),
        "{}",
        out.stderr
    );
}

#[test]
fn failed_no_transaction_migration_is_recorded_and_explained() {
    let db = TestDb::new("mig_notx_failed");
    let dir = fixture_copy("no_transaction_failing");
    let out = sk(&db, dir.path()).arg("migrate").run();
    out.assert_code(5);
    assert!(out.stderr.contains("line 4"), "{}", out.stderr);

    let status = status_json(&db, dir.path());
    assert_eq!(state_of(&status, 2), "failed");
    let entry = &status["migrations"][1];
    assert_eq!(entry["applied"]["failed_line"], 4);
    assert!(
        entry["applied"]["failed_statement"]
            .as_str()
            .unwrap()
            .contains("items_bad_idx"),
        "{status:#}"
    );
    assert_eq!(status["problems"][0]["kind"], "failed");
    assert!(
        status["problems"][0]["way_out"]
            .as_str()
            .unwrap()
            .contains("seedkit repair 2")
    );
    sk(&db, dir.path())
        .args(["status", "--exit-code"])
        .run()
        .assert_code(6);
    // The first index was built before the failure and stays.
    assert_eq!(
        db.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'items_sku_idx'"),
        "1"
    );

    // migrate refuses until the failed run is dealt with.
    let refused = sk(&db, dir.path()).arg("migrate").run();
    refused.assert_code(6);
    assert!(
        refused.stderr.contains("seedkit repair 2"),
        "{}",
        refused.stderr
    );

    // The way out: fix the file, repair (forget the failed run), migrate.
    let fixed = "-- seedkit:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS items_sku_idx ON items (sku);\n";
    std::fs::write(dir.path().join("2_index_items.up.sql"), fixed).unwrap();
    sk(&db, dir.path()).args(["repair", "2"]).run().success();
    sk(&db, dir.path()).arg("migrate").run().success();
    assert_eq!(state_of(&status_json(&db, dir.path()), 2), "applied");
}

// ---------------------------------------------------------------------------
// Drift, order, missing files

#[test]
fn drift_is_refused_until_repaired() {
    let db = TestDb::new("mig_drift");
    let dir = fixture_copy("basic");
    sk(&db, dir.path())
        .args(["migrate", "--to", "2"])
        .run()
        .success();
    assert_eq!(history(&db), vec!["1", "2"]);

    let file = dir.path().join("1_create_a.up.sql");
    std::fs::write(
        &file,
        "CREATE TABLE a (id int PRIMARY KEY, label text, extra int);\n",
    )
    .unwrap();
    let out = sk(&db, dir.path()).arg("migrate").run();
    out.assert_code(6);
    assert!(out.stderr.contains("seedkit repair 1"), "{}", out.stderr);
    assert!(!table_exists(&db, "c"), "refused before applying 3");
    assert_eq!(state_of(&status_json(&db, dir.path()), 1), "changed");
    sk(&db, dir.path())
        .args(["status", "--exit-code"])
        .run()
        .assert_code(6);

    let repaired = sk(&db, dir.path()).args(["repair", "1"]).run();
    repaired.success();
    assert!(repaired.stdout.contains("old checksum:") && repaired.stdout.contains("new checksum:"));
    assert!(
        repaired.stdout.contains("1 create_a: checksum re-recorded"),
        "{}",
        repaired.stdout
    );
    let again = sk(&db, dir.path())
        .args(["repair", "1", "--format", "json"])
        .run();
    again.success();
    assert_eq!(
        again.json()["action"],
        "already_matching",
        "{}",
        again.stdout
    );
    sk(&db, dir.path()).arg("migrate").run().success();
    assert_eq!(history(&db), vec!["1", "2", "3"]);
}

#[test]
fn crlf_only_edits_keep_the_checksum() {
    let db = TestDb::new("mig_crlf");
    let dir = fixture_copy("basic");
    sk(&db, dir.path()).arg("migrate").run().success();
    for name in ["1_create_a.up.sql", "2_create_b.up.sql"] {
        let path = dir.path().join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace('\n', "\r\n")).unwrap();
    }
    sk(&db, dir.path())
        .args(["status", "--exit-code"])
        .run()
        .success();
    sk(&db, dir.path()).arg("migrate").run().success();
}

#[test]
fn missing_file_is_refused() {
    let db = TestDb::new("mig_missing");
    let dir = fixture_copy("basic");
    sk(&db, dir.path())
        .args(["migrate", "--to", "2"])
        .run()
        .success();
    std::fs::remove_file(dir.path().join("2_create_b.up.sql")).unwrap();
    std::fs::remove_file(dir.path().join("2_create_b.down.sql")).unwrap();
    let out = sk(&db, dir.path()).arg("migrate").run();
    out.assert_code(6);
    assert!(
        out.stderr
            .contains("2 (create_b) is applied but its file is gone"),
        "{}",
        out.stderr
    );
    assert!(!table_exists(&db, "c"));
    assert_eq!(state_of(&status_json(&db, dir.path()), 2), "missing");
}

#[test]
fn out_of_order_is_refused_unless_allowed() {
    let db = TestDb::new("mig_out_of_order");
    let dir = fixture_copy("basic");
    std::fs::rename(
        dir.path().join("2_create_b.up.sql"),
        dir.path().join("held_back.txt"),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("2_create_b.down.sql")).unwrap();
    sk(&db, dir.path()).arg("migrate").run().success();
    assert_eq!(history(&db), vec!["1", "3"]);

    std::fs::rename(
        dir.path().join("held_back.txt"),
        dir.path().join("2_create_b.up.sql"),
    )
    .unwrap();
    let out = sk(&db, dir.path()).arg("migrate").run();
    out.assert_code(6);
    assert!(
        out.stderr.contains("--allow-out-of-order"),
        "{}",
        out.stderr
    );
    assert!(!table_exists(&db, "b"));
    sk(&db, dir.path())
        .args(["status", "--exit-code"])
        .run()
        .assert_code(6);

    sk(&db, dir.path())
        .args(["migrate", "--allow-out-of-order"])
        .run()
        .success();
    assert_eq!(history(&db), vec!["1", "2", "3"]);
    assert!(table_exists(&db, "b"));
}

#[test]
fn rollback_missing_down_script_refused_before_any_change() {
    let db = TestDb::new("mig_no_down");
    let dir = fixture("no_down");
    sk(&db, &dir).arg("migrate").run().success();
    let out = sk(&db, &dir).args(["rollback", "1"]).run();
    out.assert_code(6);
    assert!(
        out.stderr.contains("2 (one_way) has no down script"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("2_one_way.down.sql"), "{}", out.stderr);
    // Not even 3, which has a down script, was undone.
    assert_eq!(history(&db), vec!["1", "2", "3"]);
    assert!(table_exists(&db, "last"));
    // Rolling back only what has down scripts works.
    sk(&db, &dir)
        .args(["rollback", "--steps", "1"])
        .run()
        .success();
    assert_eq!(history(&db), vec!["1", "2"]);
}

#[test]
fn status_exit_code_pending_drift_clean() {
    let db = TestDb::new("mig_status_codes");
    let dir = fixture_copy("basic");
    sk(&db, dir.path())
        .args(["status", "--exit-code"])
        .run()
        .assert_code(7);
    assert!(
        !table_exists(&db, "seedkit_migrations"),
        "status changes nothing"
    );
    sk(&db, dir.path())
        .args(["migrate", "--to", "1"])
        .run()
        .success();
    let status = status_json(&db, dir.path());
    assert_eq!(status["summary"]["applied"], 1);
    assert_eq!(status["summary"]["pending"], 2);
    assert_eq!(state_of(&status, 2), "pending");
    sk(&db, dir.path())
        .args(["status", "--exit-code"])
        .run()
        .assert_code(7);
    sk(&db, dir.path()).arg("migrate").run().success();
    sk(&db, dir.path())
        .args(["status", "--exit-code"])
        .run()
        .assert_code(0);
    std::fs::write(
        dir.path().join("3_create_c.up.sql"),
        "CREATE TABLE c (id bigint);\n",
    )
    .unwrap();
    sk(&db, dir.path())
        .args(["status", "--exit-code"])
        .run()
        .assert_code(6);
    // Without --exit-code, status itself succeeds.
    sk(&db, dir.path()).arg("status").run().success();
}

// ---------------------------------------------------------------------------
// Layouts and messy files

#[test]
fn broken_folder_reports_every_problem_before_connecting() {
    let dir = fixture("broken_folder");
    // An unreachable server: the folder is checked before connecting.
    let out = crate::support::seedkit()
        .args([
            "migrate",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "--migrations",
        ])
        .arg(&dir)
        .run();
    out.assert_code(6);
    for expected in [
        "01_same_version.up.sql: duplicate version 1",
        "1_first.up.sql",
        "3_orphan.down.sql: the up file of migration 3 (orphan) is missing",
        "4_latin1.up.sql: not UTF-8",
        "not_a_migration.sql: unparseable name",
    ] {
        assert!(
            out.stderr.contains(expected),
            "missing `{expected}` in:\n{}",
            out.stderr
        );
    }
}

#[test]
fn messy_files_apply_in_numeric_order() {
    let db = TestDb::new("mig_messy");
    let dir = fixture("messy");
    sk(&db, &dir).arg("migrate").run().success();
    assert_eq!(history(&db), vec!["1", "2", "10", "11"]);
    assert_eq!(
        db.query("SELECT string_agg(version || ':' || note, ' | ' ORDER BY id) FROM run_log"),
        "1:do block; ran | 2:it's; quoted | 2:escaped ' quote; here | 2:NO TRAILING SEMICOLON!; | 11:inside its own BEGIN/COMMIT"
    );
    // The empty file is recorded as applied.
    assert_eq!(
        db.query("SELECT state FROM seedkit_migrations WHERE version = 10"),
        "applied"
    );
    sk(&db, &dir).args(["rollback", "--all"]).run().success();
    assert!(!table_exists(&db, "run_log"));
    assert!(history(&db).is_empty());
}

#[test]
fn diesel_layout_with_metadata_runs_without_transaction() {
    let db = TestDb::new("mig_diesel");
    let dir = fixture("diesel");
    sk(&db, &dir).arg("migrate").run().success();
    assert_eq!(history(&db), vec!["20240102030405", "20240103000000"]);
    assert_eq!(
        db.query("SELECT no_transaction FROM seedkit_migrations WHERE version = 20240103000000"),
        "t"
    );
    assert_eq!(
        db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass"),
        "t"
    );
    sk(&db, &dir)
        .args(["rollback", "20240102030405"])
        .run()
        .success();
    assert!(!table_exists(&db, "users"));
}

#[test]
fn no_transaction_migration_builds_index_concurrently() {
    let db = TestDb::new("mig_notx");
    let dir = fixture("no_transaction");
    sk(&db, &dir).arg("migrate").run().success();
    assert_eq!(
        db.query("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'items'"),
        "items_id_idx,items_sku_idx"
    );
    let status = status_json(&db, &dir);
    assert_eq!(status["migrations"][1]["no_transaction"], true);
    sk(&db, &dir).args(["rollback", "2"]).run().success();
    assert_eq!(
        db.query("SELECT count(*) FROM pg_indexes WHERE tablename = 'items'"),
        "0"
    );
}

#[test]
fn new_follows_the_folder_numbering_and_layout() {
    let dir = fixture_copy("basic");
    let out = crate::support::seedkit()
        .args(["new", "add thing", "--migrations"])
        .arg(dir.path())
        .run();
    out.success();
    assert!(
        dir.path().join("4_add_thing.up.sql").is_file(),
        "{}",
        out.stdout
    );
    assert!(dir.path().join("4_add_thing.down.sql").is_file());

    let padded = tempfile::tempdir().unwrap();
    std::fs::write(padded.path().join("014_x.up.sql"), "").unwrap();
    crate::support::seedkit()
        .args(["new", "y", "--migrations"])
        .arg(padded.path())
        .run()
        .success();
    assert!(padded.path().join("015_y.up.sql").is_file());

    let diesel = fixture_copy("diesel");
    crate::support::seedkit()
        .args(["new", "z", "--migrations"])
        .arg(diesel.path())
        .run()
        .success();
    let created: Vec<String> = std::fs::read_dir(diesel.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("_z"))
        .collect();
    assert_eq!(created.len(), 1, "{created:?}");
    assert!(diesel.path().join(&created[0]).join("up.sql").is_file());
    assert!(diesel.path().join(&created[0]).join("down.sql").is_file());
}

#[test]
fn status_human_output_lists_states_and_the_way_out() {
    let db = TestDb::new("mig_status_human");
    let dir = fixture_copy("basic");
    sk(&db, dir.path())
        .args(["migrate", "--to", "2"])
        .run()
        .success();
    std::fs::write(dir.path().join("2_create_b.up.sql"), "-- edited\n").unwrap();
    let out = sk(&db, dir.path()).arg("status").run();
    out.success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].contains(&format!(
        "in {} (history: public.seedkit_migrations, lock key",
        db.name
    )));
    assert!(lines[1].starts_with("VERSION  STATE"), "{}", out.stdout);
    let cells = |line: &str| {
        line.split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(cells(lines[2])[..2], ["1", "applied"]);
    assert_eq!(cells(lines[2]).last().unwrap(), "create_a");
    assert_eq!(cells(lines[3])[..2], ["2", "changed"]);
    assert_eq!(cells(lines[4]), ["3", "pending", "create_c"]);
    assert!(
        out.stdout
            .contains("2 applied, 1 pending, 1 problem; at version 2"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("`seedkit repair 2`"), "{}", out.stdout);
}

/// Starts eight `seedkit migrate` processes at once with the given lock
/// strategy and asserts that every one of them exits successfully.
fn run_eight_migrates_at_once(db: &TestDb, dir: &Path, strategy: &str) {
    let children: Vec<Child> = (0..8)
        .map(|_| {
            sk(db, dir)
                .env("SEEDKIT_LOCK_STRATEGY", strategy)
                .args(["migrate", "--lock-timeout", "60s"])
                .spawn()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a concurrent {strategy} run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Waits until a statement containing `needle` runs on the test database.
fn wait_for_query(db: &TestDb, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while db.query(&format!(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%{needle}%' AND pid <> pg_backend_pid()"
    )) == "0"
    {
        assert!(Instant::now() < deadline, "`{needle}` never started");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn failing_statement_found_by_replay_when_the_server_gives_no_position() {
    let db = TestDb::new("mig_failing_replay");
    let dir = fixture_copy("failing");
    // "relation already exists" comes without an error position.
    std::fs::write(
        dir.path().join("3_three.up.sql"),
        "CREATE TABLE three (id int);\nCREATE TABLE one (id int);\nCREATE TABLE three_after (id int);\n",
    )
    .unwrap();
    let out = sk(&db, dir.path()).arg("migrate").run();
    out.assert_code(5);
    assert!(
        out.stderr.contains("3_three.up.sql, line 2"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("statement: CREATE TABLE one (id int)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
    assert!(
        !table_exists(&db, "three"),
        "the replay was rolled back too"
    );
    assert_eq!(history(&db), vec!["1", "2"]);
}

#[test]
fn ctrl_c_rolls_back_and_releases_the_lock() {
    let db = TestDb::new("mig_ctrl_c");
    let dir = fixture("slow");
    let child = sk(&db, &dir).arg("migrate").spawn();
    wait_for_query(&db, "pg_sleep(4)");
    let started = Instant::now();
    let out = crate::support::signal(child, "INT");
    out.assert_code(130);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(!table_exists(&db, "slow_done"));
    // The lock is free at once: a 1 s timeout is enough.
    sk(&db, &dir)
        .args(["migrate", "--lock-timeout", "1s"])
        .run()
        .success();
    assert_eq!(history(&db), vec!["1"]);
}

#[test]
fn killed_no_transaction_migration_shows_as_interrupted() {
    let db = TestDb::new("mig_notx_killed");
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("1_two_steps.up.sql");
    std::fs::write(
        &up,
        "-- seedkit:no-transaction\nCREATE TABLE part_one (id int);\nSELECT pg_sleep(8);\nCREATE TABLE part_two (id int);\n",
    )
    .unwrap();
    let mut child = sk(&db, dir.path()).arg("migrate").spawn();
    wait_for_query(&db, "pg_sleep(8)");
    child.kill().unwrap();
    child.wait().unwrap();

    let status = status_json(&db, dir.path());
    assert_eq!(state_of(&status, 1), "interrupted");
    assert_eq!(status["problems"][0]["kind"], "interrupted");
    assert!(table_exists(&db, "part_one") && !table_exists(&db, "part_two"));
    let refused = sk(&db, dir.path())
        .args(["migrate", "--lock-timeout", "10s"])
        .run();
    refused.assert_code(6);
    assert!(
        refused.stderr.contains("died part-way"),
        "{}",
        refused.stderr
    );

    // The way out: make the file idempotent, forget the run, migrate.
    std::fs::write(
        &up,
        "-- seedkit:no-transaction\nCREATE TABLE IF NOT EXISTS part_one (id int);\nCREATE TABLE part_two (id int);\n",
    )
    .unwrap();
    let repaired = sk(&db, dir.path()).args(["repair", "1"]).run();
    repaired.success();
    assert!(
        repaired.stdout.contains("failed run forgotten"),
        "{}",
        repaired.stdout
    );
    sk(&db, dir.path()).arg("migrate").run().success();
    assert!(table_exists(&db, "part_two"));
    assert_eq!(state_of(&status_json(&db, dir.path()), 1), "applied");
}

#[test]
fn dry_runs_change_nothing_and_speak_json() {
    let db = TestDb::new("mig_dry_run");
    let dir = fixture("basic");
    let out = sk(&db, &dir)
        .args(["migrate", "--dry-run", "--to", "002", "--format", "json"])
        .run();
    out.success();
    let plan = out.json();
    assert_eq!(plan["dry_run"], true);
    let versions: Vec<u64> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, vec![1, 2]);
    assert!(!table_exists(&db, "seedkit_migrations") && !table_exists(&db, "a"));

    sk(&db, &dir).arg("migrate").run().success();
    let out = sk(&db, &dir)
        .args(["rollback", "2", "--dry-run", "--format", "json"])
        .run();
    out.success();
    let undo: Vec<u64> = out.json()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["version"].as_u64().unwrap())
        .collect();
    assert_eq!(undo, vec![3, 2]);
    assert_eq!(history(&db), vec!["1", "2", "3"]);
}

#[test]
fn new_in_an_empty_folder_starts_at_001() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("migrations");
    let out = crate::support::seedkit()
        .args(["new", "init", "--migrations"])
        .arg(&target)
        .run();
    out.success();
    assert!(target.join("001_init.up.sql").is_file(), "{}", out.stdout);
    assert!(target.join("001_init.down.sql").is_file());
}

#[test]
fn migrate_to_an_unknown_version_is_an_error_like_rollback() {
    let db = TestDb::new("mig_to_unknown");
    let dir = fixture_copy("basic");
    for args in [
        vec!["migrate", "--to", "999"],
        vec!["migrate", "--to", "999", "--dry-run"],
    ] {
        let out = sk(&db, dir.path()).args(&args).run();
        out.assert_code(2);
        assert!(
            out.stderr
                .contains("there is no migration 999, neither in the folder nor applied"),
            "{}",
            out.stderr
        );
    }
    assert!(!table_exists(&db, "a"), "nothing was applied");
}

#[test]
fn concurrently_in_a_transaction_points_at_the_no_transaction_marker() {
    let db = TestDb::new("mig_concurrently");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("1_players.up.sql"),
        "CREATE TABLE players (id int PRIMARY KEY, name text);\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("1_players.down.sql"),
        "DROP TABLE players;\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("2_players_name.up.sql"),
        "ALTER TABLE players ADD COLUMN level int;\n\
         CREATE INDEX CONCURRENTLY players_name ON players (name);\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("2_players_name.down.sql"),
        "DROP INDEX players_name;\n",
    )
    .unwrap();
    let out = sk(&db, dir.path()).arg("migrate").run();
    // 5 when the server refuses it; 6 if the file is refused before it runs.
    assert!(matches!(out.code, Some(5 | 6)), "{out:?}");
    assert!(
        out.stderr.contains("-- seedkit:no-transaction"),
        "{}",
        out.stderr
    );
}
