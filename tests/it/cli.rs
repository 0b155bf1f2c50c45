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

#[test]
fn errors_are_json_on_stdout_with_format_json() {
    let out = seedkit()
        .args([
            "status",
            "--format",
            "json",
            "--database-url",
            "postgres://root:TopSecret123@127.0.0.1:1/nodb",
        ])
        .run();
    out.assert_code(3);
    let json = out.json();
    let error = &json["error"];
    assert_eq!(error["code"], 3, "{json}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.starts_with("cannot connect to postgres://root:***@127.0.0.1:1/nodb"),
        "{message}"
    );
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("server is running"),
        "{json}"
    );
    assert!(!out.stdout.contains("TopSecret123"), "{}", out.stdout);
    assert!(
        out.stderr.starts_with("error: cannot connect"),
        "{}",
        out.stderr
    );
}

#[test]
fn usage_errors_are_json_too() {
    let out = seedkit().args(["status", "--format", "json"]).run();
    out.assert_code(2);
    let json = out.json();
    assert_eq!(json["error"]["code"], 2, "{json}");
    assert_eq!(json["error"]["message"], "no database URL given", "{json}");
}

/// Runs seedkit with stdout a pipe whose reading end is already closed, as
/// in `seedkit ... | head -0`.
fn run_into_closed_pipe(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = seedkit().args(args).cmd;
    cmd.stdout(writer);
    cmd.output().unwrap()
}

#[test]
fn writing_to_a_closed_pipe_ends_quietly() {
    let resp = tempfile::tempdir().unwrap();
    let resp_file = resp.path().join("warm.resp");
    for args in [
        vec!["seed", "--profile", "large", "--dry-run"],
        vec![
            "warm",
            "--profile",
            "default",
            "--resp",
            resp_file.to_str().unwrap(),
        ],
    ] {
        let out = run_into_closed_pipe(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    assert!(resp_file.metadata().unwrap().len() > 0);
}

#[test]
fn urls_for_other_databases_are_refused_with_exit_2() {
    for url in [
        "mysql://root:pw@127.0.0.1:5432/postgres",
        "127.0.0.1:5432/postgres",
    ] {
        let out = seedkit().args(["status", "--database-url", url]).run();
        out.assert_code(2);
        assert!(
            out.stderr
                .contains("seedkit speaks PostgreSQL and CockroachDB"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains(":pw@"), "{}", out.stderr);
    }
}

#[test]
fn every_subcommand_help_ends_with_examples_and_shows_env_names_plainly() {
    for command in [
        "migrate", "rollback", "status", "new", "repair", "baseline", "seed", "warm",
    ] {
        let out = seedkit().args([command, "--help"]).run();
        out.success();
        let examples = out
            .stdout
            .rfind("\nExamples:\n")
            .unwrap_or_else(|| panic!("{command} --help has no examples:\n{}", out.stdout));
        let lines = out.stdout[examples..]
            .lines()
            .filter(|l| l.starts_with("  seedkit "))
            .count();
        assert!((2..=3).contains(&lines), "{command}: {lines} examples");
        assert!(!out.stdout.contains("=]"), "{command}:\n{}", out.stdout);
    }
    let seed = seedkit().args(["seed", "--help"]).run();
    assert!(
        seed.stdout.contains("profile's `seed = N`"),
        "{}",
        seed.stdout
    );
    let new = seedkit().args(["new", "--help"]).run();
    assert!(new.stdout.contains("--migrations DIR"), "{}", new.stdout);
}

#[test]
fn connection_errors_say_the_cause_without_the_server_source_line() {
    let base = crate::support::base_database_url();
    let (server, _) = base.rsplit_once('/').unwrap();
    let missing_db = format!("{server}/seedkit_no_such_database");
    let out = seedkit()
        .args(["status", "--database-url", &missing_db])
        .run();
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("database \"seedkit_no_such_database\" does not exist\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("createdb"), "{}", out.stderr);
    assert!(!out.stderr.contains(" at line "), "{}", out.stderr);

    let url = url::Url::parse(&base).unwrap();
    let mut wrong_user = url.clone();
    wrong_user.set_username("seedkit_no_such_role").unwrap();
    wrong_user.set_password(Some("Secret42")).unwrap();
    let out = seedkit()
        .args(["status", "--database-url", wrong_user.as_str()])
        .run();
    out.assert_code(3);
    assert!(
        out.stderr.contains("seedkit_no_such_role"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("check the user and password"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Secret42"), "{}", out.stderr);
    assert!(!out.stderr.contains(" at line "), "{}", out.stderr);
}
