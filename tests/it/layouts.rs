//! Folder layouts other tools write (golang-migrate, goose, dbmate, Flyway,
//! a file-name pattern), read unchanged from tests/fixtures/layouts/: each
//! applies, rolls back to the schema it started from, and applies again.

use std::path::{Path, PathBuf};

use crate::support::{Cmd, TestDb, repo_root};

fn layout(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/layouts").join(name)
}

fn sk(db: &TestDb, dir: &Path) -> Cmd {
    db.seedkit().arg("--migrations").arg(dir)
}

fn versions(db: &TestDb) -> String {
    db.query(
        "SELECT coalesce(string_agg(version::text, ',' ORDER BY version), '') \
         FROM seedkit_migrations WHERE version >= 0",
    )
}

/// Applies, rolls everything back (the schema is the one before), applies
/// again; returns the second run's stderr.
fn round_trip(db: &TestDb, dir: &Path, extra: &[&str]) -> String {
    let before = db.schema_dump();
    let first = sk(db, dir).args(extra).arg("migrate").run();
    first.success();
    let applied = versions(db);
    sk(db, dir)
        .args(extra)
        .args(["rollback", "--all"])
        .run()
        .success();
    assert_eq!(versions(db), "");
    assert_eq!(
        db.schema_dump(),
        before,
        "rollback --all restores the schema"
    );
    let again = sk(db, dir).args(extra).arg("migrate").run();
    again.success();
    assert_eq!(versions(db), applied);
    first.stderr.clone()
}

#[test]
fn golang_migrate_pairs_up_and_down_by_version() {
    let db = TestDb::new("lay_golang");
    let dir = layout("golang_migrate");
    let stderr = round_trip(&db, &dir, &[]);
    assert_eq!(versions(&db), "1,2,10");
    // 2 runs before 10: versions are numbers.
    let (two, ten) = (
        stderr.find("applied 2 add_price").expect("2 applied"),
        stderr.find("applied 10 index_sku").expect("10 applied"),
    );
    assert!(two < ten, "{stderr}");
    // The unmarked CREATE INDEX CONCURRENTLY file ran without a transaction, said so
    // and recorded it.
    assert!(
        stderr.contains("without a transaction: CREATE INDEX CONCURRENTLY cannot run in one"),
        "{stderr}"
    );
    assert_eq!(
        db.query(
            "SELECT version || ':' || no_transaction FROM seedkit_migrations ORDER BY version"
        ),
        "1:false\n2:false\n10:true"
    );
    assert_eq!(
        db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_sku_idx'::regclass"),
        "t"
    );
    let status = sk(&db, &dir).args(["status", "--format", "json"]).run();
    status.success();
    let json = status.json();
    assert_eq!(
        json["migrations"][0]["has_down"], true,
        "1's down has another name"
    );
}

#[test]
fn golang_migrate_refuses_two_downs_for_one_version() {
    let dir = tempfile::tempdir().unwrap();
    for (name, sql) in [
        ("1_a.up.sql", "CREATE TABLE a ();"),
        ("1_a.down.sql", "DROP TABLE a;"),
        ("1_b.down.sql", "DROP TABLE a;"),
    ] {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    let db = TestDb::new("lay_two_downs");
    let out = sk(&db, dir.path()).arg("migrate").run();
    out.assert_code(6);
    assert!(
        out.stderr
            .contains("1_b.down.sql: duplicate down script for version 1"),
        "{}",
        out.stderr
    );
}

#[test]
fn goose_sections_statement_blocks_and_no_transaction() {
    let db = TestDb::new("lay_goose");
    let dir = layout("goose");
    round_trip(&db, &dir, &[]);
    assert_eq!(
        versions(&db),
        "20240105120000,20240106090000,20240107000000"
    );
    // The StatementBegin block reached the server whole: the trigger works.
    db.query("INSERT INTO accounts (id, email, updated_at) VALUES (1, 'a@x', '2000-01-01')");
    db.query("UPDATE accounts SET email = 'b@x'");
    assert_eq!(
        db.query("SELECT updated_at > '2000-01-02' FROM accounts"),
        "t"
    );
    // BEGIN ATOMIC ... END in a NO TRANSACTION file is one statement.
    assert_eq!(db.query("SELECT account_count()"), "1");
    assert_eq!(
        db.query(
            "SELECT string_agg(no_transaction::text, ',' ORDER BY version) FROM seedkit_migrations"
        ),
        "false,true,true"
    );
}

#[test]
fn dbmate_sections_with_transaction_false() {
    let db = TestDb::new("lay_dbmate");
    let dir = layout("dbmate");
    round_trip(&db, &dir, &[]);
    assert_eq!(
        db.query(
            "SELECT string_agg(version || ':' || no_transaction, ',' ORDER BY version) \
             FROM seedkit_migrations"
        ),
        "20240201000000:false,20240202000000:true"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'notes_body_idx'"),
        "1"
    );
}

#[test]
fn flyway_dotted_versions_undo_and_repeatables() {
    let db = TestDb::new("lay_flyway");
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(layout("flyway")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.path().join(path.file_name().unwrap())).unwrap();
    }
    let dir = copy.path();
    let stderr = round_trip(&db, dir, &[]);
    assert!(stderr.contains("applied repeatable step_list"), "{stderr}");
    // Applied in Flyway's order: 1 < 1.1 < 2 < 2.1 < 10, the repeatable after them.
    assert_eq!(db.query("SELECT versions FROM step_list"), "1,1.1,2,2.1,10");
    let status = sk(&db, dir).args(["status", "--format", "json"]).run();
    status.success();
    let texts: Vec<String> = status.json()["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["version_text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts, ["1", "1.1", "2", "2.1", "10"]);

    // `rollback 2.1` undoes 10 and 2.1 with their U files.
    sk(&db, dir).args(["rollback", "2.1"]).run().success();
    assert_eq!(db.query("SELECT versions FROM step_list"), "1,1.1,2");
    assert_eq!(db.query("SELECT to_regclass('step_2_1') IS NULL"), "t");

    // A rollback forgets the repeatables: they are applied again after the
    // versioned ones; then, unchanged, not again; changed, again.
    let out = sk(&db, dir).arg("migrate").run();
    out.success();
    assert!(
        out.stderr.contains("applied repeatable step_list"),
        "{}",
        out.stderr
    );
    assert_eq!(db.query("SELECT versions FROM step_list"), "1,1.1,2,2.1,10");
    let again = sk(&db, dir).arg("migrate").run();
    again.success();
    assert!(
        again.stdout.contains("nothing to apply"),
        "{}",
        again.stdout
    );
    std::fs::write(
        dir.join("R__step_list.sql"),
        "CREATE OR REPLACE VIEW step_list AS\n    SELECT string_agg(version, ',' ORDER BY n) AS versions, \
         count(*) AS how_many FROM steps;\n",
    )
    .unwrap();
    let changed = sk(&db, dir).args(["migrate", "--dry-run"]).run();
    changed.success();
    assert!(changed.stdout.contains("R step_list"), "{}", changed.stdout);
    let changed = sk(&db, dir).arg("migrate").run();
    changed.success();
    assert!(
        changed.stderr.contains("applied repeatable step_list"),
        "{}",
        changed.stderr
    );
    assert_eq!(db.query("SELECT how_many FROM step_list"), "5");
}

#[test]
fn a_pattern_names_any_other_paired_layout() {
    let db = TestDb::new("lay_pattern");
    let dir = layout("pattern");
    let pattern = ["--layout", "V{version}.{name}.{direction}.sql"];
    round_trip(&db, &dir, &pattern);
    assert_eq!(versions(&db), "1,2");
    assert_eq!(
        db.query("SELECT string_agg(name, ',' ORDER BY version) FROM seedkit_migrations"),
        "Create.Things,Name"
    );

    // A file that does not match is named with the pattern.
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("V0001.a.up.sql"), "SELECT 1;").unwrap();
    std::fs::write(broken.path().join("0002_b.up.sql"), "SELECT 1;").unwrap();
    let out = sk(&db, broken.path()).args(pattern).arg("status").run();
    out.assert_code(6);
    assert!(
        out.stderr.contains(
            "0002_b.up.sql: does not match the layout pattern `V{version}.{name}.{direction}.sql`"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn a_folder_mixing_layouts_is_refused_naming_both() {
    let db = TestDb::new("lay_mixed");
    let dir = layout("mixed");
    let out = sk(&db, &dir).arg("migrate").run();
    out.assert_code(6);
    assert!(
        out.stderr.contains(
            "mixes layouts: sqlx / golang-migrate (1_create_a.up.sql) and goose (2_create_b.sql)"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--layout NAME"), "{}", out.stderr);
    // --layout forces one: as goose, the .up.sql file has no goose Up line.
    let goose = sk(&db, &dir).args(["--layout", "goose", "migrate"]).run();
    goose.assert_code(6);
    assert!(
        goose
            .stderr
            .contains("1_create_a.up.sql: no `-- +goose Up` line"),
        "{}",
        goose.stderr
    );
    assert_eq!(
        db.query("SELECT to_regclass('seedkit_migrations') IS NULL"),
        "t"
    );
    let unknown = sk(&db, &dir)
        .args(["--layout", "liquibase", "status"])
        .run();
    unknown.assert_code(2);
    assert!(
        unknown.stderr.contains("unknown layout `liquibase`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn concurrently_mixed_with_other_statements_is_refused_before_anything_runs() {
    let db = TestDb::new("lay_mixed_cic");
    let dir = layout("mixed_concurrently");
    let out = sk(&db, &dir).arg("migrate").run();
    out.assert_code(6);
    assert!(
        out.stderr.contains(
            "1_items.up.sql: line 2: `CREATE INDEX CONCURRENTLY items_sku_idx ON items (sku)` \
             (CREATE INDEX CONCURRENTLY) cannot run inside a transaction block"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`-- seedkit:no-transaction` on its first line"),
        "{}",
        out.stderr
    );
    assert_eq!(db.query("SELECT to_regclass('items') IS NULL"), "t");
}
