//! Unit tests of profile parsing, merging, overrides and error locations.

use super::*;

const BASE: &str = r#"seed = 7

[tables.players]
rows = 10

[tables.players.columns]
id = { seq = {} }
name = { fake = "username", unique = true }
level = { int = { min = 1, max = 50 } }

[tables.sessions]
per_parent = { parent = "players", count = { dist = "zipf", min = 0, max = 5 } }

[tables.sessions.columns]
id = { seq = {} }
player_id = { ref = "players.id" }
"#;

/// Writes `files` into a temporary folder and loads the first one.
fn load_files(files: &[(&str, &str)], overrides: &[&str]) -> Result<Profile, ProfileError> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let name = files[0].0.trim_end_matches(".toml");
    Profile::load(name, dir.path(), &overrides, None).map(|mut p| {
        // Keep messages readable: paths relative to the temporary folder.
        p.path = p.path.file_name().unwrap().into();
        p
    })
}

/// The error for a broken profile, as `file:line:col: message`, with the
/// temporary folder removed from the path.
fn error_of(files: &[(&str, &str)], overrides: &[&str]) -> String {
    let err = load_files(files, overrides).expect_err("the profile should be rejected");
    let text = err.to_string();
    match text.rfind('/') {
        Some(slash) if text.starts_with('/') => text[slash + 1..].to_string(),
        _ => text,
    }
}

fn broken(text: &str) -> String {
    error_of(&[("p.toml", text)], &[])
}

fn assert_error(got: String, location: &str, message: &str) {
    assert!(got.starts_with(location), "expected {location}, got: {got}");
    assert!(got.contains(message), "expected `{message}` in: {got}");
}

#[test]
fn a_small_profile_parses() {
    let p = Profile::from_str(BASE, Path::new("p.toml")).unwrap();
    assert_eq!(p.seed, 7);
    assert_eq!(p.tables[0].columns.len(), 3);
    assert_eq!(p.tables[0].columns[1].location.to_string(), "p.toml:8:1");
    let order: Vec<&str> = p.tables_in_load_order().map(|t| t.name.as_str()).collect();
    assert_eq!(order, ["players", "sessions"]);
}

#[test]
fn parents_load_first_whatever_the_declaration_order() {
    let text = r#"
[tables.b]
per_parent = { parent = "a", count = 2 }
[tables.b.columns]
a_id = { ref = "a.id" }
c_id = { ref = "c.id" }
[tables.a]
rows = 3
[tables.a.columns]
id = { seq = {} }
[tables.c]
rows = 3
[tables.c.columns]
id = { seq = {} }
"#;
    let p = Profile::from_str(text, Path::new("p.toml")).unwrap();
    let order: Vec<&str> = p.tables_in_load_order().map(|t| t.name.as_str()).collect();
    assert_eq!(order, ["a", "c", "b"]);
}

#[test]
fn syntax_error() {
    assert_error(
        broken("[tables.players]\nrows = = 3\n"),
        "p.toml:2:8",
        "invalid TOML",
    );
}

#[test]
fn unknown_generator() {
    let text = BASE.replace(r#"level = { int"#, r#"level = { integer"#);
    assert_error(
        broken(&text),
        "p.toml:9:11",
        "unknown generator `integer` for column `level`",
    );
}

#[test]
fn unknown_distribution() {
    let text = BASE.replace(
        "{ min = 1, max = 50 }",
        r#"{ dist = "poisson", min = 1, max = 50 }"#,
    );
    assert_error(
        broken(&text),
        "p.toml:9:26",
        "unknown distribution `poisson`",
    );
}

#[test]
fn min_greater_than_max() {
    let text = BASE.replace("{ min = 1, max = 50 }", "{ min = 60, max = 50 }");
    assert_error(
        broken(&text),
        "p.toml:9:25",
        "min (60) is greater than max (50)",
    );
}

#[test]
fn weights_and_values_differ_in_length() {
    let text = BASE.replace(
        "level = { int = { min = 1, max = 50 } }",
        r#"level = { choice = { values = [1, 2, 3], weights = [1, 2] } }"#,
    );
    assert_error(
        broken(&text),
        "p.toml:9:52",
        "`weights` has 2 entries but `values` has 3",
    );
}

#[test]
fn reference_to_an_unknown_table() {
    let text = BASE.replace(r#"ref = "players.id""#, r#"ref = "player.id""#);
    assert_error(
        broken(&text),
        "p.toml:16:21",
        "`ref` names unknown table `player`",
    );
}

#[test]
fn reference_to_an_unknown_column() {
    let text = BASE.replace(r#"ref = "players.id""#, r#"ref = "players.uid""#);
    assert_error(
        broken(&text),
        "p.toml:16:21",
        "unknown column `uid` of table `players`",
    );
}

#[test]
fn tables_referencing_each_other_in_a_cycle() {
    let text = format!("{BASE}\n[tables.players.columns.best_session]\nref = \"sessions.id\"\n");
    assert_error(
        broken(&text),
        "p.toml:",
        "tables reference each other in a cycle",
    );
}

#[test]
fn derive_from_an_unknown_column() {
    let text = BASE.replace(
        "level = { int = { min = 1, max = 50 } }",
        r#"level = { derive = { from = "lvl" } }"#,
    );
    assert_error(
        broken(&text),
        "p.toml:9:11",
        "`derive` from unknown column `lvl` of table `players`",
    );
}

#[test]
fn per_parent_names_an_unknown_table() {
    let text = BASE.replace(r#"parent = "players""#, r#"parent = "gamers""#);
    assert_error(
        broken(&text),
        "p.toml:12:25",
        "`per_parent` names unknown table `gamers`",
    );
}

#[test]
fn unique_on_a_random_generator() {
    let text = BASE.replace(
        "{ min = 1, max = 50 } }",
        "{ min = 1, max = 50 }, unique = true }",
    );
    assert_error(
        broken(&text),
        "p.toml:9:1",
        "column `level` cannot be `unique = true`",
    );
}

#[test]
fn negative_rows() {
    let text = BASE.replace("rows = 10", "rows = -10");
    assert_error(
        broken(&text),
        "p.toml:4:8",
        "`rows` must be zero or more, not -10",
    );
}

#[test]
fn unknown_fake_kind() {
    let text = BASE.replace(r#"fake = "username""#, r#"fake = "nickname""#);
    assert_error(broken(&text), "p.toml:8:17", "unknown fake kind `nickname`");
}

#[test]
fn unknown_key_in_a_table() {
    let text = BASE.replace("rows = 10", "rows = 10\nrow_count = 5");
    assert_error(
        broken(&text),
        "p.toml:5:1",
        "unknown key `row_count` in table `players`",
    );
}

#[test]
fn columns_that_depend_on_each_other() {
    let text = BASE.replace(
        "level = { int = { min = 1, max = 50 } }",
        "level = { derive = { from = \"rank\" } }\nrank = { derive = { from = \"level\" } }",
    );
    assert_error(
        broken(&text),
        "p.toml:9:11",
        "columns depend on each other in a loop: level -> rank -> level",
    );
}

#[test]
fn null_if_names_an_unknown_column() {
    let text = BASE.replace(
        "{ min = 1, max = 50 } }",
        "{ min = 1, max = 50 }, null_if = \"gone\" }",
    );
    assert_error(
        broken(&text),
        "p.toml:9:50",
        "`null_if` names unknown column `gone`",
    );
}

#[test]
fn extends_a_missing_profile() {
    let got = error_of(&[("ci.toml", "extends = \"defualt\"\n")], &[]);
    assert_error(
        got,
        "ci.toml:1:11",
        "`extends = \"defualt\"`: there is no defualt.toml next to this profile",
    );
}

#[test]
fn extends_merges_tables_and_columns() {
    let child = r#"extends = "base"
seed = 9
[tables.players]
rows = 3
[tables.players.columns]
level = { value = 5 }
extra = { bool = {} }
[tables.sessions.per_parent.count]
max = 2
"#;
    let p = load_files(&[("child.toml", child), ("base.toml", BASE)], &[]).unwrap();
    assert_eq!(p.seed, 9);
    let players = p.table("players").unwrap();
    let names: Vec<&str> = players.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "name", "level", "extra"]);
    assert!(matches!(
        players.columns[2].generator,
        Generator::Const(crate::generate::Value::Int(5))
    ));
    assert!(matches!(players.rows, RowsSpec::Fixed { rows: 3, .. }));
    let RowsSpec::PerParent { count, .. } = &p.table("sessions").unwrap().rows else {
        panic!()
    };
    assert_eq!((count.min, count.max), (0.0, 2.0));
}

#[test]
fn an_error_in_a_base_profile_points_into_the_base_file() {
    let base = BASE.replace("max = 50", "max = 0");
    let got = error_of(
        &[("child.toml", "extends = \"base\"\n"), ("base.toml", &base)],
        &[],
    );
    assert_error(got, "base.toml:9:25", "min (1) is greater than max (0)");
}

#[test]
fn extends_loop() {
    let got = error_of(
        &[
            ("a.toml", "extends = \"b\"\n"),
            ("b.toml", "extends = \"a\"\n"),
        ],
        &[],
    );
    assert_error(got, "b.toml:1:11", "loop of profiles");
}

#[test]
fn set_overrides_rows_columns_and_seed() {
    let p = load_files(
        &[("p.toml", BASE)],
        &[
            "players.rows=500",
            "players.columns.level.int.max=30",
            "seed=3",
            "sessions.rows=4",
            "redis.prefix=staging:",
        ],
    )
    .unwrap();
    assert_eq!(p.seed, 3);
    let players = p.table("players").unwrap();
    assert!(matches!(players.rows, RowsSpec::Fixed { rows: 500, .. }));
    let Generator::Int(dist) = &players.columns[2].generator else {
        panic!()
    };
    assert_eq!(dist.max, 30.0);
    assert!(matches!(
        p.table("sessions").unwrap().rows,
        RowsSpec::Fixed { rows: 4, .. }
    ));
    let redis = p.redis.as_ref().unwrap().as_table().unwrap();
    assert_eq!(redis.get("prefix").unwrap().as_str(), Some("staging:"));
}

#[test]
fn set_errors_point_into_the_argument() {
    let got = error_of(&[("p.toml", BASE)], &["gamers.rows=5"]);
    assert_error(
        got,
        "--set gamers.rows=5:1:7",
        "the profile has no table `gamers`",
    );
    let got = error_of(&[("p.toml", BASE)], &["players.rows.max=5"]);
    assert_error(
        got,
        "--set players.rows.max=5:1:15",
        "`tables.players.rows` is an integer, not a table",
    );
    let got = error_of(&[("p.toml", BASE)], &["players.rows=-5"]);
    assert_error(
        got,
        "--set players.rows=-5:1:20",
        "`rows` must be zero or more",
    );
    let got = error_of(&[("p.toml", BASE)], &["players.rowz=5"]);
    assert_error(
        got,
        "--set players.rowz=5:1:15",
        "unknown key `rowz` in table `players`",
    );
    let got = error_of(&[("p.toml", BASE)], &["players.rows"]);
    assert_error(got, "--set players.rows:1:7", "has no `=`");
}

#[test]
fn seed_argument_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.toml"), BASE).unwrap();
    let p = Profile::load("p", dir.path(), &["seed=3".into()], Some(11)).unwrap();
    assert_eq!(p.seed, 11);
}

#[test]
fn a_missing_profile_lists_the_available_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ci.toml"), BASE).unwrap();
    let err = Profile::load("lage", dir.path(), &[], None).unwrap_err();
    assert!(err.to_string().contains("lage.toml"), "{err}");
    assert!(
        crate::error::Diagnostic::hint(&err).unwrap().contains("ci"),
        "{err:?}"
    );
}

#[test]
fn unique_templates_must_be_decodable() {
    let with = |template: &str| {
        let text = BASE.replace(
            "level = { int = { min = 1, max = 50 } }",
            &format!("level = {{ template = \"{template}\", unique = true }}"),
        );
        Profile::from_str(&text, Path::new("p.toml")).map(|_| ())
    };
    assert!(with("ACH_{n}").is_ok());
    assert!(with("{name}-{n}").is_ok());
    assert!(with("{row}").is_ok());
    assert!(
        with("{name}{n}").is_err(),
        "name ending in digits would collide"
    );
    assert!(with("{n}-{name}").is_err());
    assert!(with("{name}").is_err());
}
