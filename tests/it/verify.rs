//! `seedkit verify`: round trips in a scratch database, on the reference
//! migrations (which must pass) and on fixture folders whose downs are
//! wrong in one way each (tests/fixtures/verify/<scenario>/).

use std::path::PathBuf;

use crate::support::{Output, TestDb, repo_root};

fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/verify").join(name)
}

/// `seedkit --migrations DIR verify ARGS` with the test database as target.
fn verify(db: &TestDb, dir: &std::path::Path, args: &[&str]) -> Output {
    db.seedkit()
        .arg("--migrations")
        .arg(dir)
        .arg("verify")
        .args(args)
        .run()
}

/// The target database is only the way to the server: nothing is created
/// in it, and the scratch database is gone afterwards.
fn assert_target_untouched_and_scratch_dropped(db: &TestDb, report: &serde_json::Value) {
    assert_eq!(
        db.query("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"),
        "0",
        "verify created something in the target database"
    );
    let scratch = report["scratch_database"].as_str().expect("scratch name");
    assert!(scratch.starts_with("seedkit_verify_"), "{scratch}");
    assert_eq!(
        db.query(&format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{scratch}'"
        )),
        "0",
        "scratch database {scratch} was not dropped"
    );
}

#[test]
fn reference_migrations_all_round_trip() {
    let db = TestDb::new("verify_reference");
    let out = verify(&db, &repo_root().join("migrations"), &["--format", "json"]);
    out.success();
    let report = out.json();
    assert_eq!(report["checked"], 16, "{report:#}");
    assert_eq!(report["restored"], 16, "{report:#}");
    assert_eq!(report["failed"], 0);
    assert_target_untouched_and_scratch_dropped(&db, &report);
}

#[test]
fn from_and_to_limit_the_round_trips() {
    let db = TestDb::new("verify_range");
    let out = verify(
        &db,
        &repo_root().join("migrations"),
        &["--from", "005", "--to", "7", "--format", "json"],
    );
    out.success();
    let versions: Vec<u64> = out.json()["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, vec![5, 6, 7]);
}

#[test]
fn a_down_that_leaves_an_index_fails_naming_the_migration() {
    let db = TestDb::new("verify_index");
    let out = verify(&db, &fixture("down_leaves_index"), &[]);
    out.assert_code(11);
    assert!(
        out.stdout
            .contains("index public.players_email_lower_idx still exists after 2's down"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("2_players_email_lower_idx.down.sql"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("ok               1 players"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_down_that_forgets_a_function_fails_naming_the_migration() {
    let db = TestDb::new("verify_function");
    let out = verify(
        &db,
        &fixture("down_forgets_function"),
        &["--format", "json"],
    );
    out.assert_code(11);
    let report = out.json();
    let m = &report["migrations"][1];
    assert_eq!(m["version"], 2);
    assert_eq!(m["outcome"], "not_restored");
    assert_eq!(
        m["differences"],
        serde_json::json!([{
            "kind": "function",
            "name": "public.set_closed_at()",
            "change": "left_behind",
            "before": null,
            "after": m["differences"][0]["after"],
        }])
    );
    assert!(
        m["down_file"]
            .as_str()
            .unwrap()
            .ends_with("2_bugs_closed_at_trigger.down.sql")
    );
    assert_target_untouched_and_scratch_dropped(&db, &report);
}

#[test]
fn a_down_that_keeps_an_enum_type_fails_naming_the_migration() {
    let db = TestDb::new("verify_enum");
    let out = verify(&db, &fixture("down_keeps_enum_type"), &[]);
    out.assert_code(11);
    assert!(
        out.stdout
            .contains("enum type public.headset_model still exists after 1's down"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_up_that_cannot_be_reapplied_fails_and_stops_there() {
    let db = TestDb::new("verify_reapply");
    let out = verify(&db, &fixture("up_not_reappliable"), &["--format", "json"]);
    out.assert_code(11);
    let report = out.json();
    assert_eq!(report["migrations"][0]["outcome"], "restored");
    let m = &report["migrations"][1];
    assert_eq!(m["outcome"], "not_reappliable");
    assert_eq!(m["differences"], serde_json::json!([]));
    let error = m["error"].as_str().unwrap();
    assert!(error.contains("2_default_theme.up.sql"), "{error}");
    assert!(error.contains("duplicate key value"), "{error}");
    assert_eq!(report["not_reached"], serde_json::json!([3]));

    let human = verify(&db, &fixture("up_not_reappliable"), &[]);
    human.assert_code(11);
    assert!(
        human
            .stdout
            .contains("2's up fails when applied again after its down"),
        "{}",
        human.stdout
    );
}

#[test]
fn an_irreversible_migration_is_skipped_with_its_reason() {
    let db = TestDb::new("verify_irreversible");
    let out = verify(&db, &fixture("irreversible"), &[]);
    out.success();
    assert!(
        out.stdout.contains(
            "skipped          2 drop_legacy\n    irreversible: the up drops the legacy rows; a backup restores them"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("2 migrations checked: 1 restored, 0 failed, 1 skipped"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_unknown_from_version_is_refused_before_any_database_is_created() {
    let db = TestDb::new("verify_bad_from");
    let out = verify(&db, &repo_root().join("migrations"), &["--from", "99"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("--from 99: there is no migration 99"),
        "{}",
        out.stderr
    );
}
