//! The reference schema in `migrations/`: every file works with plain psql,
//! rolling everything back restores the exact pre-migration schema, and the
//! constraints, triggers and views do what docs/schema.md says.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{TestDb, repo_root};

/// The marker that makes a migration run outside a transaction.
const NO_TRANSACTION: &str = "-- seedkit:no-transaction";

/// The reference migrations folder.
fn reference_migrations() -> PathBuf {
    repo_root().join("migrations")
}

/// The `.up.sql` or `.down.sql` files of `dir`, in numeric version order.
fn migration_files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .map(|path| (version_of(&path), path))
        .collect();
    files.sort();
    files.into_iter().map(|(_, path)| path).collect()
}

/// The numeric version in front of the first `_` of a migration file name.
fn version_of(path: &Path) -> u64 {
    let name = path.file_name().unwrap().to_string_lossy();
    name.split('_')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{} has no numeric version", path.display()))
}

/// Runs one migration file with psql: in a single transaction (`-1`) unless
/// its first line asks for none, stopping at the first error.
fn run_with_psql(db: &TestDb, file: &Path) {
    let sql = std::fs::read_to_string(file).expect("migration file is UTF-8");
    let in_transaction = !sql.lines().next().unwrap_or("").starts_with(NO_TRANSACTION);
    let mut psql = Command::new("psql");
    psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url]);
    if in_transaction {
        psql.arg("-1");
    }
    let out = psql.arg("-f").arg(file).output().expect("psql runs");
    assert!(
        out.status.success(),
        "psql failed on {}:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Applies every up script of `dir` with psql, oldest first.
fn apply_with_psql(db: &TestDb, dir: &Path) {
    for file in migration_files(dir, ".up.sql") {
        run_with_psql(db, &file);
    }
}

/// Runs the down scripts of `dir` with psql, newest first, for every version
/// at or above `from_version`.
fn revert_with_psql(db: &TestDb, dir: &Path, from_version: u64) {
    let mut downs = migration_files(dir, ".down.sql");
    downs.reverse();
    for file in downs.iter().filter(|f| version_of(f) >= from_version) {
        run_with_psql(db, file);
    }
}

/// The user tables of the public schema, sorted, comma-separated.
fn tables(db: &TestDb) -> String {
    db.query(
        "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables \
         WHERE schemaname = 'public' AND tablename NOT LIKE 'seedkit%'",
    )
}

/// Runs `seedkit migrate` on the reference folder and asserts it succeeded.
fn migrate_with_seedkit(db: &TestDb) {
    db.seedkit()
        .arg("--migrations")
        .arg(reference_migrations())
        .arg("migrate")
        .run()
        .success();
}

/// Rows that both views and the FK chain need: a player, a village with the
/// demo house at (300, 200), an achievement.
fn insert_world(db: &TestDb) {
    db.query(
        "INSERT INTO players (id, username, email, level) VALUES (1, 'ada', 'ada@example.test', 7);
         INSERT INTO villages (id, github_org_id, name) VALUES (1, 1001, 'octo-org');
         INSERT INTO houses (id, village_id, github_repo_id, name, pos_x, pos_y)
             VALUES (1, 1, 2001, 'demo', 300, 200);
         INSERT INTO achievements (id, code, name, points) VALUES (1, 'first_jump', 'First jump', 50);",
    );
}

#[test]
fn reference_migrations_apply_and_revert_with_plain_psql() {
    let db = TestDb::new("schema_psql");
    let dir = reference_migrations();
    let empty = db.schema_dump();

    apply_with_psql(&db, &dir);
    let migrated = db.schema_dump();
    assert_eq!(
        tables(&db),
        "achievements,agents,bot_config,bugs,game_sessions,houses,model_providers,\
         performance_metrics,player_achievements,players,security_events,villages,\
         webhook_deliveries"
    );
    assert!(migrated.contains("CREATE INDEX security_events_occurred_at_idx"));

    // Rolling back 016..014 is a visible change: the views, the FPS columns
    // and the concurrently built index go; re-applying restores them exactly.
    revert_with_psql(&db, &dir, 14);
    assert_eq!(
        db.query(
            "SELECT count(*) FROM information_schema.columns \
             WHERE table_name = 'game_sessions' AND column_name LIKE '%fps'"
        ),
        "0"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM pg_views WHERE schemaname = 'public'"),
        "0"
    );
    assert_eq!(
        db.query("SELECT to_regclass('security_events_occurred_at_idx') IS NULL"),
        "t"
    );
    for file in migration_files(&dir, ".up.sql") {
        if version_of(&file) >= 14 {
            run_with_psql(&db, &file);
        }
    }
    assert_eq!(
        db.schema_dump(),
        migrated,
        "re-applying 014..016 changed the schema"
    );

    revert_with_psql(&db, &dir, 0);
    assert_eq!(
        db.schema_dump(),
        empty,
        "down scripts left something behind"
    );

    apply_with_psql(&db, &dir);
    assert_eq!(
        db.schema_dump(),
        migrated,
        "up after down differs from the first up"
    );
}

#[test]
fn migrate_then_rollback_all_restores_the_schema() {
    let db = TestDb::new("schema_roundtrip");
    let empty = db.schema_dump();

    migrate_with_seedkit(&db);
    assert!(tables(&db).contains("game_sessions"));
    assert_eq!(
        db.query("SELECT count(*) FROM seedkit_migrations"),
        migration_files(&reference_migrations(), ".up.sql")
            .len()
            .to_string()
    );

    db.seedkit()
        .arg("--migrations")
        .arg(reference_migrations())
        .args(["rollback", "--all"])
        .run()
        .success();
    assert_eq!(
        db.schema_dump(),
        empty,
        "rollback --all left schema objects behind"
    );
    assert_eq!(db.query("SELECT count(*) FROM seedkit_migrations"), "0");
}

#[test]
fn rollback_014_removes_the_fps_columns_and_views() {
    let db = TestDb::new("schema_rollback_014");
    migrate_with_seedkit(&db);

    db.seedkit()
        .arg("--migrations")
        .arg(reference_migrations())
        .args(["rollback", "014"])
        .run()
        .success();
    assert_eq!(
        db.query(
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) \
             FROM information_schema.columns WHERE table_name = 'game_sessions'"
        ),
        "id,player_id,star_system,location,started_at,ended_at"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM pg_views WHERE schemaname = 'public'"),
        "0"
    );
    assert_eq!(
        db.query("SELECT to_regclass('webhook_deliveries') IS NOT NULL"),
        "t"
    );
}

#[test]
fn constraints_reject_bad_rows() {
    let db = TestDb::new("schema_constraints");
    migrate_with_seedkit(&db);
    insert_world(&db);

    let err = db
        .try_query(
            "INSERT INTO players (id, username, email, level) VALUES (2, 'bob', 'bob@example.test', 51)",
        )
        .expect_err("level 51 must be rejected");
    assert!(err.contains("players_level_check"), "{err}");

    let err = db
        .try_query(
            "INSERT INTO players (id, username, email) VALUES (2, 'ada', 'other@example.test')",
        )
        .expect_err("a duplicate username must be rejected");
    assert!(err.contains("players_username_key"), "{err}");

    let err = db
        .try_query("INSERT INTO game_sessions (player_id, star_system, location) VALUES (999, 'Sol', 'Earth')")
        .expect_err("a session for a missing player must be rejected");
    assert!(err.contains("game_sessions_player_id_fkey"), "{err}");

    let err = db
        .try_query(
            "INSERT INTO game_sessions (player_id, star_system, location, avg_fps, min_fps, max_fps) \
             VALUES (1, 'Sol', 'Earth', 60, 72, 90)",
        )
        .expect_err("min_fps above avg_fps must be rejected");
    assert!(err.contains("game_sessions_fps_check"), "{err}");

    let err = db
        .try_query("INSERT INTO security_events (event_type) VALUES ('hacked')")
        .expect_err("an unknown security event type must be rejected");
    assert!(
        err.contains("invalid input value for enum security_event_type"),
        "{err}"
    );

    let err = db
        .try_query("INSERT INTO houses (id, village_id, github_repo_id, name, pos_x, pos_y) VALUES (2, 1, 2001, 'dup', 0, 0)")
        .expect_err("a second house for the same repository must be rejected");
    assert!(err.contains("houses_github_repo_id_key"), "{err}");

    // The good rows still go in, and deleting a player keeps its security
    // events (player_id set to NULL) but removes its sessions.
    db.query(
        "INSERT INTO game_sessions (id, player_id, star_system, location, avg_fps, min_fps, max_fps)
             VALUES (1, 1, 'Sol', 'Earth', 82.5, 61, 95);
         INSERT INTO security_events (player_id, event_type, ip) VALUES (1, 'login_failure', '10.0.0.7');
         DELETE FROM players WHERE id = 1;",
    );
    assert_eq!(db.query("SELECT count(*) FROM game_sessions"), "0");
    assert_eq!(
        db.query("SELECT coalesce(player_id::text, 'null') || ' ' || ip FROM security_events"),
        "null 10.0.0.7/32"
    );
}

#[test]
fn triggers_keep_closed_at_and_updated_at_current() {
    let db = TestDb::new("schema_triggers");
    migrate_with_seedkit(&db);
    insert_world(&db);

    db.query(
        "INSERT INTO bugs (id, house_id, title, x, y, opened_at)
             VALUES (1, 1, 'crash on warp', 301, 198, now() - interval '1 day')",
    );
    assert_eq!(
        db.query("SELECT status, closed_at IS NULL FROM bugs"),
        "open|t"
    );

    db.query("UPDATE bugs SET status = 'closed' WHERE id = 1");
    assert_eq!(
        db.query("SELECT closed_at BETWEEN opened_at AND now() FROM bugs"),
        "t",
        "closing a bug stamps closed_at"
    );

    db.query("UPDATE bugs SET status = 'open' WHERE id = 1");
    assert_eq!(
        db.query("SELECT closed_at IS NULL FROM bugs"),
        "t",
        "reopening clears closed_at"
    );

    // An explicit closed_at (as the seeder loads it) is kept.
    db.query(
        "INSERT INTO bugs (id, house_id, title, status, x, y, opened_at, closed_at)
             VALUES (2, 1, 'old', 'closed', 0, 0, '2026-01-01Z', '2026-01-02Z')",
    );
    assert_eq!(
        db.query("SELECT closed_at = '2026-01-02Z' FROM bugs WHERE id = 2"),
        "t"
    );

    db.query("UPDATE players SET updated_at = '2000-01-01Z', level = 8 WHERE id = 1");
    assert_eq!(
        db.query("SELECT updated_at > now() - interval '1 minute' FROM players WHERE id = 1"),
        "t",
        "the players trigger overwrites updated_at on every update"
    );
}

#[test]
fn views_show_active_sessions_and_the_leaderboard() {
    let db = TestDb::new("schema_views");
    migrate_with_seedkit(&db);
    insert_world(&db);

    db.query(
        "INSERT INTO players (id, username, email, is_test_account) VALUES (2, 'qa', 'qa@example.test', true);
         INSERT INTO game_sessions (id, player_id, star_system, location, started_at, ended_at)
             VALUES (1, 1, 'Sol', 'Mars', '2026-01-01Z', '2026-01-01T01:00Z'),
                    (2, 1, 'Vega', 'Station', '2026-01-02Z', NULL);
         INSERT INTO player_achievements (player_id, achievement_id, session_id) VALUES (1, 1, 1);",
    );
    assert_eq!(
        db.query("SELECT session_id, username, star_system FROM active_sessions"),
        "2|ada|Vega"
    );
    assert_eq!(
        db.query("SELECT player_id, username, achievements, points FROM leaderboard"),
        "1|ada|1|50",
        "test accounts stay off the leaderboard"
    );
}
