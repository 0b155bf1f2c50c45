//! `seedkit baseline`: a database another tool migrated, its history table
//! written the way that tool writes it, is taken over without running
//! anything; `migrate` then applies only the new files, and the tool's
//! table is left as it was.

use std::path::{Path, PathBuf};

use crate::support::{Cmd, TestDb, repo_root};

fn folder(path: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(path)
}

fn sk(db: &TestDb, dir: &Path) -> Cmd {
    db.seedkit().arg("--migrations").arg(dir)
}

/// Builds the schema of the migrations up to `to` as the other tool would
/// have (through a scratch history table, dropped afterwards), then writes
/// that tool's history table with `tool_sql`.
fn migrated_by_other_tool(db: &TestDb, dir: &Path, to: &str, tool_sql: &str) -> String {
    sk(db, dir)
        .args(["--history-table", "scratch_build", "migrate", "--to", to])
        .run()
        .success();
    db.query("DROP TABLE scratch_build");
    db.query(tool_sql);
    db.schema_dump()
}

fn seedkit_versions(db: &TestDb) -> String {
    db.query(
        "SELECT coalesce(string_agg(version::text, ',' ORDER BY version), '') \
         FROM seedkit_migrations WHERE version >= 0",
    )
}

/// `baseline --from tool`, then `migrate` applies exactly `new` and the
/// tool's table is unchanged.
fn take_over(db: &TestDb, dir: &Path, tool: &str, table: &str, recorded: &str, new: &[&str]) {
    let table_before = db.table_checksum(table, "1");
    let out = sk(db, dir).args(["baseline", "--from", tool]).run();
    out.success();
    assert_eq!(seedkit_versions(db), recorded, "{}", out.stdout);
    let status = sk(db, dir).args(["status", "--exit-code"]).run();
    status.assert_code(7);
    let migrate = sk(db, dir).arg("migrate").run();
    migrate.success();
    let applied: Vec<&str> = migrate
        .stderr
        .lines()
        .filter(|l| l.starts_with("applied "))
        .collect();
    assert_eq!(applied.len(), new.len(), "{}", migrate.stderr);
    for (line, version) in applied.iter().zip(new) {
        assert!(line.starts_with(&format!("applied {version} ")), "{line}");
    }
    sk(db, dir).args(["status", "--exit-code"]).run().success();
    assert_eq!(
        db.table_checksum(table, "1"),
        table_before,
        "the tool's table is untouched"
    );
}

#[test]
fn takes_over_golang_migrate() {
    let db = TestDb::new("base_golang");
    let dir = folder("layouts/golang_migrate");
    migrated_by_other_tool(
        &db,
        &dir,
        "2",
        "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);\
         INSERT INTO schema_migrations VALUES (2, false)",
    );
    take_over(
        &db,
        &dir,
        "golang-migrate",
        "schema_migrations",
        "1,2",
        &["10"],
    );
}

#[test]
fn refuses_a_dirty_golang_migrate_or_a_version_without_file() {
    let db = TestDb::new("base_dirty");
    let dir = folder("layouts/golang_migrate");
    migrated_by_other_tool(
        &db,
        &dir,
        "2",
        "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);\
         INSERT INTO schema_migrations VALUES (2, true)",
    );
    let out = sk(&db, &dir)
        .args(["baseline", "--from", "golang-migrate"])
        .run();
    out.assert_code(6);
    assert!(
        out.stderr
            .contains("golang-migrate left version 2 dirty in schema_migrations"),
        "{}",
        out.stderr
    );
    assert_eq!(
        db.query("SELECT to_regclass('seedkit_migrations') IS NULL"),
        "t"
    );

    db.query("UPDATE schema_migrations SET version = 5, dirty = false");
    let out = sk(&db, &dir)
        .args(["baseline", "--from", "golang-migrate"])
        .run();
    out.assert_code(6);
    assert!(
        out.stderr
            .contains("golang-migrate applied version 5, which has no file"),
        "{}",
        out.stderr
    );
    // dbmate's table has the same name: the wrong --from is named.
    let out = sk(&db, &dir).args(["baseline", "--from", "dbmate"]).run();
    out.assert_code(2);
    assert!(
        out.stderr.contains("try --from golang-migrate"),
        "{}",
        out.stderr
    );
}

#[test]
fn takes_over_sqlx_and_refuses_a_failed_row() {
    let db = TestDb::new("base_sqlx");
    let dir = folder("migrations/basic");
    migrated_by_other_tool(
        &db,
        &dir,
        "2",
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
         installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, \
         checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);\
         INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES \
         (1, 'create a', true, sha384('1'), 1000), (2, 'create b', false, sha384('2'), 1000)",
    );
    let out = sk(&db, &dir).args(["baseline", "--from", "sqlx"]).run();
    out.assert_code(6);
    assert!(
        out.stderr
            .contains("sqlx recorded version 2 as failed (success = false)"),
        "{}",
        out.stderr
    );
    db.query("UPDATE _sqlx_migrations SET success = true");
    take_over(&db, &dir, "sqlx", "_sqlx_migrations", "1,2", &["3"]);
}

#[test]
fn takes_over_diesel() {
    let db = TestDb::new("base_diesel");
    let dir = folder("migrations/diesel");
    migrated_by_other_tool(
        &db,
        &dir,
        "20240102030405",
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);\
         INSERT INTO __diesel_schema_migrations (version) VALUES ('20240102030405')",
    );
    take_over(
        &db,
        &dir,
        "diesel",
        "__diesel_schema_migrations",
        "20240102030405",
        &["2024-01-03-000000"],
    );
}

#[test]
fn takes_over_goose_reading_its_event_log() {
    let db = TestDb::new("base_goose");
    let dir = folder("layouts/goose");
    // 20240106090000 was applied, then rolled back: its latest row says so.
    migrated_by_other_tool(
        &db,
        &dir,
        "20240105120000",
        "CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, \
         is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT now());\
         INSERT INTO goose_db_version (version_id, is_applied) VALUES \
         (0, true), (20240105120000, true), (20240106090000, true), (20240106090000, false)",
    );
    take_over(
        &db,
        &dir,
        "goose",
        "goose_db_version",
        "20240105120000",
        &["20240106090000", "20240107000000"],
    );
}

#[test]
fn takes_over_dbmate_with_a_dry_run_first() {
    let db = TestDb::new("base_dbmate");
    let dir = folder("layouts/dbmate");
    migrated_by_other_tool(
        &db,
        &dir,
        "20240201000000",
        "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);\
         INSERT INTO schema_migrations VALUES ('20240201000000')",
    );
    let dry = sk(&db, &dir)
        .args([
            "baseline",
            "--from",
            "dbmate",
            "--dry-run",
            "--format",
            "json",
        ])
        .run();
    dry.success();
    let json = dry.json();
    assert_eq!(json["recorded"][0]["version"], 20240201000000u64);
    assert_eq!(json["pending"][0], "20240202000000");
    assert_eq!(
        db.query("SELECT to_regclass('seedkit_migrations') IS NULL"),
        "t"
    );
    take_over(
        &db,
        &dir,
        "dbmate",
        "schema_migrations",
        "20240201000000",
        &["20240202000000"],
    );
}

#[test]
fn takes_over_flyway_with_its_repeatable() {
    let db = TestDb::new("base_flyway");
    let dir = folder("layouts/flyway");
    migrated_by_other_tool(
        &db,
        &dir,
        "2.1",
        "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, \
         version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, \
         script VARCHAR(1000) NOT NULL, checksum INTEGER, installed_by VARCHAR(100) NOT NULL, \
         installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INTEGER NOT NULL, \
         success BOOLEAN NOT NULL);\
         INSERT INTO flyway_schema_history VALUES \
         (1, '1', 'create steps', 'SQL', 'V1__create_steps.sql', 11, 'app', now(), 5, true), \
         (2, '1.1', 'step 1 1', 'SQL', 'V1_1__step_1_1.sql', 12, 'app', now(), 5, true), \
         (3, '2', 'step 2', 'SQL', 'V2__step_2.sql', 13, 'app', now(), 5, true), \
         (4, '2.1', 'step 2 1', 'SQL', 'V2.1__step_2_1.sql', 14, 'app', now(), 5, true), \
         (5, NULL, 'step list', 'SQL', 'R__step_list.sql', 15, 'app', now(), 5, true)",
    );
    take_over(
        &db,
        &dir,
        "flyway",
        "flyway_schema_history",
        "100000,100100,200000,200100",
        &["10"],
    );
    assert_eq!(
        db.query("SELECT count(*) FROM seedkit_migrations WHERE name = 'R__step_list'"),
        "1"
    );
}

#[test]
fn baseline_version_for_a_database_built_by_hand() {
    let db = TestDb::new("base_by_hand");
    let dir = folder("migrations/basic");
    db.query("CREATE TABLE a (id int); CREATE TABLE b (id int)");
    let out = sk(&db, &dir).args(["baseline", "2"]).run();
    out.success();
    assert!(
        out.stdout.contains("recorded 2 migrations as applied"),
        "{}",
        out.stdout
    );
    assert_eq!(seedkit_versions(&db), "1,2");
    let again = sk(&db, &dir).args(["baseline", "2"]).run();
    again.assert_code(6);
    assert!(
        again.stderr.contains("already records 2 migrations"),
        "{}",
        again.stderr
    );
    let migrate = sk(&db, &dir).arg("migrate").run();
    migrate.success();
    assert!(
        migrate.stderr.contains("applied 3 create_c"),
        "{}",
        migrate.stderr
    );
    assert_eq!(seedkit_versions(&db), "1,2,3");
}
