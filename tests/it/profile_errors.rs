//! Broken profiles: each is refused with exit code 8, its own message and
//! the exact file:line:column, before anything touches the database.
//!
//! The profiles are written into a temporary folder; `--set` mistakes are
//! located in the argument itself (`--set gamers.rows=5:1:7`).

use std::path::Path;

use crate::support::{TestDb, seedkit};

/// A valid profile for the reference schema's `players` and
/// `game_sessions`; each case breaks one thing in it.
const VALID: &str = r#"seed = 1

[tables.players]
rows = 20

[tables.players.columns]
id = { seq = {} }
username = { fake = "username", unique = true }
email = { fake = "email", unique = true }
level = { int = { dist = "uniform", min = 1, max = 50 } }
vr_headset = { choice = { values = ["Quest 3", "Index"], weights = [3, 1] } }
created_at = { timestamp = { start = 2025-01-01T00:00:00Z, end = 2026-01-01T00:00:00Z } }

[tables.game_sessions]
per_parent = { parent = "players", count = { dist = "zipf", min = 0, max = 5 } }

[tables.game_sessions.columns]
id = { seq = {} }
player_id = { ref = "players.id" }
star_system = { choice = { values = ["Sol", "Vega"] } }
location = { fake = "word" }
started_at = { timestamp = { start = 2026-01-01T00:00:00Z, end = 2026-02-01T00:00:00Z } }
ended_at = { derive = { from = "started_at", add = { int = { min = 300, max = 14400 } }, unit = "seconds" } }
"#;

struct Case {
    name: &'static str,
    /// (replace this, with that) in VALID; or a whole file when `from` is "".
    from: &'static str,
    to: &'static str,
    set: &'static [&'static str],
    /// Expected `line:column` in the profile (or the full `--set ...:1:N`).
    at: &'static str,
    message: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "TOML syntax error",
        from: "rows = 20",
        to: "rows = = 20",
        set: &[],
        at: "4:8",
        message: "invalid TOML",
    },
    Case {
        name: "unknown generator",
        from: "level = { int",
        to: "level = { integr",
        set: &[],
        at: "10:11",
        message: "unknown generator `integr` for column `level`",
    },
    Case {
        name: "unknown distribution",
        from: r#"dist = "uniform""#,
        to: r#"dist = "gauss""#,
        set: &[],
        at: "10:26",
        message: "unknown distribution `gauss`",
    },
    Case {
        name: "min greater than max",
        from: "min = 1, max = 50",
        to: "min = 51, max = 50",
        set: &[],
        at: "10:43",
        message: "min (51) is greater than max (50)",
    },
    Case {
        name: "weights and values of different lengths",
        from: "weights = [3, 1]",
        to: "weights = [3, 1, 1]",
        set: &[],
        at: "11:68",
        message: "`weights` has 3 entries but `values` has 2",
    },
    Case {
        name: "reference to an unknown table",
        from: r#"ref = "players.id""#,
        to: r#"ref = "player.id""#,
        set: &[],
        at: "19:21",
        message: "`ref` names unknown table `player`",
    },
    Case {
        name: "reference to an unknown column",
        from: r#"ref = "players.id""#,
        to: r#"ref = "players.player_id""#,
        set: &[],
        at: "19:21",
        message: "`ref` names unknown column `player_id` of table `players`",
    },
    Case {
        name: "tables referencing each other in a cycle",
        from: "[tables.players.columns]\n",
        to: "[tables.players.columns]\nlast_session = { ref = \"game_sessions.id\" }\n",
        set: &[],
        at: "7:24",
        message: "tables reference each other in a cycle",
    },
    Case {
        name: "derive from an unknown column",
        from: r#"from = "started_at""#,
        to: r#"from = "start""#,
        set: &[],
        at: "23:14",
        message: "`derive` from unknown column `start` of table `game_sessions`",
    },
    Case {
        name: "per_parent of an unknown table",
        from: r#"parent = "players""#,
        to: r#"parent = "users""#,
        set: &[],
        at: "15:25",
        message: "`per_parent` names unknown table `users`",
    },
    Case {
        name: "unique on a generator that cannot be unique",
        from: "location = { fake = \"word\" }",
        to: "location = { fake = \"word\", unique = true }",
        set: &[],
        at: "21:1",
        message: "column `location` cannot be `unique = true`",
    },
    Case {
        name: "negative row count",
        from: "rows = 20",
        to: "rows = -20",
        set: &[],
        at: "4:8",
        message: "`rows` must be zero or more, not -20",
    },
    Case {
        name: "unknown fake kind",
        from: r#"fake = "word""#,
        to: r#"fake = "planet""#,
        set: &[],
        at: "21:21",
        message: "unknown fake kind `planet`",
    },
    Case {
        name: "extends a missing profile",
        from: "seed = 1\n",
        to: "seed = 1\nextends = \"defualt\"\n",
        set: &[],
        at: "2:11",
        message: "there is no defualt.toml next to this profile",
    },
    Case {
        name: "--set of a table that does not exist",
        from: "",
        to: "",
        set: &["gamers.rows=5"],
        at: "--set gamers.rows=5:1:7",
        message: "the profile has no table `gamers`",
    },
    Case {
        name: "--set through a value that is not a table",
        from: "",
        to: "",
        set: &["players.rows.max=5"],
        at: "--set players.rows.max=5:1:15",
        message: "`tables.players.rows` is an integer, not a table",
    },
    Case {
        name: "--set into a misspelled column",
        from: "",
        to: "",
        set: &["players.columns.levle.int.max=10"],
        at: "--set players.columns.levle.int.max=10:1:23",
        message: "table `players` has no column `levle` in the profile; its columns: id, \
                  username, email, level, vr_headset, created_at",
    },
];

/// Writes the case's profile and returns its path.
fn write_case(dir: &Path, index: usize, case: &Case) -> String {
    let text = if case.from.is_empty() {
        VALID.to_string()
    } else {
        assert!(
            VALID.contains(case.from),
            "{}: `{}` not in the profile",
            case.name,
            case.from
        );
        VALID.replacen(case.from, case.to, 1)
    };
    let path = dir.join(format!("broken-{index}.toml"));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn expected_location(path: &str, case: &Case) -> String {
    if case.at.starts_with("--set") {
        case.at.to_string()
    } else {
        format!("{path}:{}", case.at)
    }
}

fn seed_args(path: &str, case: &Case) -> Vec<String> {
    let mut args = vec!["seed".to_string(), "--profile".into(), path.into()];
    for set in case.set {
        args.push("--set".into());
        args.push(set.to_string());
    }
    args
}

#[test]
fn the_valid_profile_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("valid.toml");
    std::fs::write(&path, VALID).unwrap();
    let out = seedkit()
        .args(["seed", "--dry-run", "--profile"])
        .arg(&path)
        .run();
    out.success();
    assert!(out.stdout.contains("players"), "{}", out.stdout);
}

#[test]
fn broken_profiles_fail_with_their_location_in_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, case) in CASES.iter().enumerate() {
        let path = write_case(dir.path(), i, case);
        let out = seedkit()
            .args(seed_args(&path, case))
            .arg("--dry-run")
            .run();
        let want = format!("error: {}", expected_location(&path, case));
        let ok = out.code == Some(8)
            && out.stderr.contains(&want)
            && out.stderr.contains(case.message)
            && out.stdout.is_empty();
        if !ok {
            failures.push(format!(
                "{}: expected exit 8, `{want}` and `{}`; got exit {:?}:\n{}{}",
                case.name, case.message, out.code, out.stderr, out.stdout
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let mut messages: Vec<&str> = CASES.iter().map(|c| c.message).collect();
    messages.sort_unstable();
    messages.dedup();
    assert!(messages.len() >= 10, "at least ten distinct messages");
}

/// The same mistakes against a migrated database: refused before any row
/// is written (the tables stay empty and no lock or temp table is left).
#[test]
fn broken_profiles_write_nothing_to_the_database() {
    let db = TestDb::new("profile_errors");
    db.seedkit().args(["migrate"]).run().success();
    let before = db.query(
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace \
         where n.nspname = 'public'",
    );
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in CASES.iter().enumerate() {
        let path = write_case(dir.path(), i, case);
        let out = db.seedkit().args(seed_args(&path, case)).run();
        assert_eq!(
            out.code,
            Some(8),
            "{}: exit code\n{}",
            case.name,
            out.stderr
        );
        assert!(
            out.stderr.contains(&expected_location(&path, case)),
            "{}: no location in:\n{}",
            case.name,
            out.stderr
        );
    }
    assert_eq!(db.query("select count(*) from players"), "0");
    assert_eq!(db.query("select count(*) from game_sessions"), "0");
    let after = db.query(
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace \
         where n.nspname = 'public'",
    );
    assert_eq!(before, after, "relations were created or dropped");
}

/// A table whose types and CHECKs the profile's values are compared with
/// before COPY.
const CHECKED_SCHEMA: &str = "
CREATE TYPE tier AS ENUM ('free', 'pro');
CREATE DOMAIN upper_code AS text CHECK (VALUE ~ '^[A-Z]+$');
CREATE TABLE accounts (
    id        bigint PRIMARY KEY,
    tier      tier NOT NULL,
    balance   numeric(5,2) NOT NULL,
    nick      varchar(10) NOT NULL,
    level     smallint NOT NULL CHECK (level BETWEEN 1 AND 10),
    status    text NOT NULL CHECK (status IN ('on', 'off')),
    bio       text CHECK (length(bio) <= 20),
    opened_at timestamptz NOT NULL,
    closed_at timestamptz,
    email     text,
    phone     text,
    code      upper_code,
    motto     text,
    CONSTRAINT accounts_closed_after_opened CHECK (closed_at IS NULL OR closed_at >= opened_at),
    CONSTRAINT accounts_reachable CHECK (email IS NOT NULL OR phone IS NOT NULL),
    CONSTRAINT accounts_motto_lower CHECK (motto = lower(motto))
);";

/// Line N of this profile is column N - 3 of the table (line 4 is `id`).
const CHECKED_VALID: &str = r#"[tables.accounts]
rows = 10
[tables.accounts.columns]
id = { seq = {} }
tier = { choice = ["free", "pro"] }
balance = { float = { min = 0, max = 999, round = 2 } }
nick = { template = "n{n}" }
level = { int = { min = 1, max = 10 } }
status = { choice = ["on", "off"] }
bio = { fake = "word" }
opened_at = { timestamp = { start = 2026-01-01T00:00:00Z, end = 2026-02-01T00:00:00Z } }
closed_at = { derive = { from = "opened_at", add = { int = { min = 0, max = 100 } }, unit = "hours" } }
email = { fake = "email" }
phone = { fake = "phone", null_probability = 0.5 }
code = { value = "ABC" }
motto = { value = "carpe diem" }
"#;

/// (case, replace this, with that, line of the column, message)
const VALUE_CASES: &[(&str, &str, &str, usize, &str)] = &[
    (
        "enum label",
        r#"["free", "pro"]"#,
        r#"["free", "gold"]"#,
        5,
        "\"gold\" is not a label of enum tier",
    ),
    (
        "numeric precision",
        "max = 999,",
        "max = 1000,",
        6,
        "values up to 1000 do not fit numeric(5,2)",
    ),
    (
        "varchar length",
        r#""n{n}""#,
        r#""nickname-{n}""#,
        7,
        "values up to 11 characters do not fit character varying(10)",
    ),
    (
        "NOT NULL",
        "max = 10 } }",
        "max = 10 }, null_probability = 0.2 }",
        8,
        "the column is NOT NULL, but `int` with null_probability = 0.2 can give NULL",
    ),
    (
        "CHECK bound (BETWEEN)",
        "max = 10 } }",
        "max = 12 } }",
        8,
        "its values run from 1 to 12, but CHECK accounts_level_check",
    ),
    (
        "CHECK IN",
        r#"["on", "off"]"#,
        r#"["on", "maybe"]"#,
        9,
        "it can give maybe, but CHECK accounts_status_check",
    ),
    (
        "CHECK length",
        r#"bio = { fake = "word" }"#,
        r#"bio = { fake = { kind = "words", min = 5, max = 8 } }"#,
        10,
        "its values reach",
    ),
    (
        "CHECK between two columns",
        "min = 0, max = 100 } }, unit",
        "min = -5, max = 100 } }, unit",
        12,
        "closed_at is not always >= opened_at, but CHECK accounts_closed_after_opened",
    ),
    (
        "CHECK one of two set",
        r#"email = { fake = "email" }"#,
        r#"email = { fake = "email", null_probability = 0.5 }"#,
        13,
        "email and phone can all be NULL in the same row, but CHECK accounts_reachable",
    ),
];

/// The column of a line's generator (after `name = { `).
fn generator_column(line: &str) -> usize {
    line.find("= { ").map_or(1, |i| i + 5)
}

#[test]
fn values_the_catalog_refuses_are_profile_errors_before_copy() {
    let db = TestDb::new("profile_value_checks");
    db.query(CHECKED_SCHEMA);
    let dir = tempfile::tempdir().unwrap();
    let valid = dir.path().join("valid.toml");
    std::fs::write(&valid, CHECKED_VALID).unwrap();
    db.seedkit()
        .args(["seed", "--no-cache", "--reset", "--profile"])
        .arg(&valid)
        .run()
        .success();
    assert_eq!(db.query("SELECT count(*) FROM accounts"), "10");
    let mut failures = Vec::new();
    for (i, (name, from, to, line, message)) in VALUE_CASES.iter().enumerate() {
        assert!(
            CHECKED_VALID.contains(from),
            "{name}: {from:?} not in the profile"
        );
        let text = CHECKED_VALID.replacen(from, to, 1);
        let path = dir.path().join(format!("values-{i}.toml"));
        std::fs::write(&path, &text).unwrap();
        let out = db
            .seedkit()
            .args(["seed", "--no-cache", "--reset", "--profile"])
            .arg(&path)
            .run();
        let column = generator_column(text.lines().nth(line - 1).unwrap());
        let want = format!("error: {}:{line}:{column}: ", path.display());
        if out.code != Some(8) || !out.stderr.contains(&want) || !out.stderr.contains(message) {
            failures.push(format!(
                "{name}: expected exit 8, `{want}` and `{message}`; got {:?}:\n{}",
                out.code, out.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nothing was written by the refused runs: the valid rows are still there.
    assert_eq!(db.query("SELECT count(*) FROM accounts"), "10");
}

#[test]
fn a_row_postgres_still_refuses_names_row_column_and_generator() {
    let db = TestDb::new("profile_copy_rejects");
    db.query(CHECKED_SCHEMA);
    let dir = tempfile::tempdir().unwrap();
    for (from, to, line, column_name) in [
        // A domain CHECK seedkit cannot read: refused while parsing the cell.
        (
            r#"code = { value = "ABC" }"#,
            r#"code = { value = "abc" }"#,
            15,
            "code",
        ),
        // A table CHECK seedkit cannot read: refused after the row is built.
        (
            r#"motto = { value = "carpe diem" }"#,
            r#"motto = { value = "Carpe Diem" }"#,
            16,
            "motto",
        ),
    ] {
        let text = CHECKED_VALID.replacen(from, to, 1);
        let path = dir.path().join(format!("{column_name}.toml"));
        std::fs::write(&path, &text).unwrap();
        let out = db
            .seedkit()
            .args(["seed", "--no-cache", "--profile"])
            .arg(&path)
            .run();
        let column = generator_column(text.lines().nth(line - 1).unwrap());
        let want = format!(
            "COPY into accounts, row 0, column {column_name} generated at {}:{line}:{column}",
            path.display()
        );
        assert_eq!(out.code, Some(9), "{}", out.stderr);
        assert!(
            out.stderr.contains(&want),
            "expected `{want}` in:\n{}",
            out.stderr
        );
        assert_eq!(db.query("SELECT count(*) FROM accounts"), "0");
    }
}
