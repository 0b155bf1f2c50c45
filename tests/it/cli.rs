//! The command line itself: help, missing configuration, redaction.

use crate::support::{TestDb, seedkit};

#[test]
fn missing_database_url_names_flag_and_variable() {
    let out = seedkit().args(["status"]).env_remove("DATABASE_URL").run();
    out.assert_code(2);
    assert!(out.stderr.contains("--database-url"), "{}", out.stderr);
    assert!(out.stderr.contains("DATABASE_URL"), "{}", out.stderr);
}

#[test]
fn password_never_printed_when_connection_fails() {
    let out = seedkit()
        .args([
            "status",
            "--database-url",
            "postgres://root:TopSecret123@127.0.0.1:1/nodb",
        ])
        .run();
    out.assert_code(3);
    assert!(!out.stderr.contains("TopSecret123"), "{}", out.stderr);
    assert!(
        out.stderr.contains("root:***@127.0.0.1:1"),
        "{}",
        out.stderr
    );
}

#[test]
fn test_database_is_private_and_empty() {
    let db = TestDb::new("private_and_empty");
    let tables = db.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
    assert_eq!(tables, "0");
    assert!(db.name.starts_with("seedkit_t_private_and_empty_"));
}

#[test]
fn dotenv_in_the_working_directory_supplies_the_database_url() {
    let db = TestDb::new("dotenv");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!("# written by the test\nDATABASE_URL={}\n", db.url),
    )
    .unwrap();
    let migrations = crate::support::repo_root().join("tests/fixtures/migrations/basic");
    let out = seedkit()
        .current_dir(dir.path())
        .arg("migrate")
        .arg("--migrations")
        .arg(&migrations)
        .run();
    out.success();
    let applied = db.query("SELECT count(*) FROM seedkit_migrations");
    assert_eq!(applied, "3", "the .env database got the three migrations");
}
