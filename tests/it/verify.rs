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

/// The reference migrations plus a fixture's pending ones, in a temporary
/// folder, with the test database migrated to 016 (so the fixture's are
/// the pending ones).
fn reference_plus(db: &TestDb, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for folder in [repo_root().join("migrations"), fixture(extra)] {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    db.seedkit().args(["-q", "migrate"]).run().success();
    dir
}

fn with_data(db: &TestDb, dir: &std::path::Path) -> Output {
    db.seedkit()
        .arg("--migrations")
        .arg(dir)
        .args([
            "verify",
            "--with-data",
            "--profile",
            "small",
            "--format",
            "json",
        ])
        .run()
}

#[test]
fn with_data_reports_a_rewrite_for_a_type_change_and_none_for_a_nullable_column() {
    let db = TestDb::new("verify_with_data");
    let dir = reference_plus(&db, "with_data");
    let out = with_data(&db, dir.path());
    out.success();
    let report = out.json();
    assert_eq!(report["seeded_at"], 16);
    assert_eq!(report["seeded_rows"], 7667, "the small profile's rows");
    let tried = report["migrations"].as_array().unwrap();
    assert_eq!(tried.len(), 2, "{report:#}");

    let retype = &tried[0];
    assert_eq!(retype["version"], 17);
    assert_eq!(retype["rewritten"], serde_json::json!(["public.players"]));
    assert!(retype["elapsed_ms"].is_u64());
    let players_lock = retype["locks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["table"] == "public.players")
        .unwrap_or_else(|| panic!("no lock seen on players: {retype:#}"));
    assert_eq!(players_lock["mode"], "AccessExclusiveLock");
    assert_eq!(retype["changed_after_down"], serde_json::json!([]));
    assert_eq!(
        retype["restored_after_down"], 13,
        "every seeded table checked"
    );

    let nullable = &tried[1];
    assert_eq!(nullable["version"], 18);
    assert_eq!(nullable["rewritten"], serde_json::json!([]));
    assert_eq!(nullable["rows"], serde_json::json!([]));
    assert_eq!(nullable["changed_after_down"], serde_json::json!([]));

    // The target database was only read: still at 016, no player rows.
    assert_eq!(
        db.query("SELECT max(version) FROM seedkit_migrations"),
        "16"
    );
    assert_eq!(db.query("SELECT count(*) FROM players"), "0");
    let scratch = report["scratch_database"].as_str().unwrap();
    assert_eq!(
        db.query(&format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{scratch}'"
        )),
        "0"
    );
}

#[test]
fn with_data_fails_when_a_down_leaves_a_seeded_table_changed() {
    let db = TestDb::new("verify_with_data_backfill");
    let dir = reference_plus(&db, "with_data_backfill");
    let out = with_data(&db, dir.path());
    out.assert_code(11);
    let report = out.json();
    let backfill = &report["migrations"][0];
    assert_eq!(backfill["rewritten"], serde_json::json!([]));
    // profiles/small.toml leaves exactly one of its 100 players without a headset.
    assert_eq!(
        backfill["rows"],
        serde_json::json!([{"table": "public.players", "inserted": 0, "updated": 1, "deleted": 0}])
    );
    assert_eq!(
        backfill["changed_after_down"],
        serde_json::json!(["public.players"])
    );
    assert_eq!(backfill["restored_after_down"], 12);
}

#[test]
fn with_data_with_nothing_pending_says_so() {
    let db = TestDb::new("verify_with_data_none");
    db.seedkit().args(["-q", "migrate"]).run().success();
    let out = db
        .seedkit()
        .args(["verify", "--with-data", "--profile", "small"])
        .run();
    out.success();
    assert_eq!(out.stdout, "nothing pending: no migration to try\n");
}
