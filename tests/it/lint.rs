//! `seedkit lint`: each rule flagged in tests/fixtures/lint/dangerous.sql,
//! nothing in safe.sql (the safe forms, or silenced with a reason), and the
//! default of linting only migrations not yet applied.

use std::collections::BTreeSet;

use crate::support::{TestDb, repo_root, seedkit};

fn lint_fixture(name: &str, extra: &[&str]) -> crate::support::Output {
    seedkit()
        .arg("lint")
        .arg(repo_root().join("tests/fixtures/lint").join(name))
        .args(extra)
        .run()
}

fn rules(report: &serde_json::Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_rule_is_flagged_with_file_line_and_column() {
    let out = lint_fixture("dangerous.sql", &["--format", "json"]);
    out.assert_code(12);
    let report = out.json();
    let expected: BTreeSet<String> = [
        "require-concurrent-index-creation",
        "adding-foreign-key-constraint",
        "constraint-missing-not-valid",
        "adding-not-nullable-field",
        "changing-column-type",
        "adding-field-with-default",
        "ban-drop-column",
        "ban-drop-table",
        "renaming-column",
        "renaming-table",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(rules(&report), expected);
    let first = &report["findings"][0];
    assert!(first["file"].as_str().unwrap().ends_with("dangerous.sql"));
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(3), Some(1))
    );
    assert!(first["safe"].as_str().unwrap().contains("CONCURRENTLY"));

    let human = lint_fixture("dangerous.sql", &[]);
    human.assert_code(12);
    assert!(
        human
            .stdout
            .contains("dangerous.sql:8:42: changing-column-type: TYPE numeric(20, 2)\n    why:  "),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("1 file linted: 11 findings, 0 silenced"),
        "{}",
        human.stdout
    );
}

#[test]
fn safe_forms_and_silenced_statements_pass() {
    let out = lint_fixture("safe.sql", &["--format", "json", "--cockroachdb"]);
    out.success();
    let report = out.json();
    assert_eq!(report["findings"], serde_json::json!([]));
    let silenced: Vec<(String, String)> = report["silenced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["rule"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(silenced.len(), 4, "{silenced:?}");
    assert_eq!(
        silenced[1],
        (
            "ban-drop-column".to_string(),
            "unused since release 2.3, no reader left".to_string()
        )
    );
}

#[test]
fn a_silencing_comment_without_a_reason_silences_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("017_drop.up.sql");
    std::fs::write(
        &file,
        "-- seedkit:lint-allow ban-drop-column\nALTER TABLE players DROP COLUMN legacy;\n",
    )
    .unwrap();
    let out = seedkit()
        .arg("lint")
        .arg(&file)
        .args(["--format", "json"])
        .run();
    out.assert_code(12);
    let report = out.json();
    assert_eq!(
        rules(&report),
        ["allow-without-reason", "ban-drop-column"]
            .into_iter()
            .map(String::from)
            .collect()
    );
}

#[test]
fn cockroachdb_flags_several_ddl_statements_in_one_transaction() {
    lint_fixture("cockroach.sql", &[]).success();
    let out = lint_fixture("cockroach.sql", &["--cockroachdb"]);
    out.assert_code(12);
    assert!(
        out.stdout
            .contains("cockroach.sql:2:1: cockroachdb-ddl-in-transaction: CREATE TABLE houses"),
        "{}",
        out.stdout
    );
}

#[test]
fn by_default_only_migrations_not_applied_are_linted() {
    let db = TestDb::new("lint_pending");
    db.seedkit()
        .args(["migrate", "--to", "013"])
        .run()
        .success();
    // 014 adds a CHECK without NOT VALID and a plain CREATE INDEX on
    // game_sessions: flagged; 013 and earlier are applied and not linted.
    let out = db.seedkit().args(["lint", "--format", "json"]).run();
    out.assert_code(12);
    let report = out.json();
    let files: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        vec![
            "migrations/014_game_sessions_fps.up.sql",
            "migrations/015_views.up.sql",
            "migrations/016_security_events_occurred_at_index.up.sql",
        ]
    );
    assert_eq!(
        rules(&report),
        [
            "constraint-missing-not-valid",
            "require-concurrent-index-creation"
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );

    db.seedkit().args(["migrate"]).run().success();
    let out = db.seedkit().args(["lint"]).run();
    out.success();
    assert!(
        out.stdout.contains("0 files linted: 0 findings"),
        "{}",
        out.stdout
    );
}
