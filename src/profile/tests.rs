//! Unit tests of profile parsing, merging and validation.

use super::*;

fn parse(text: &str) -> Result<Profile, ProfileError> {
    Profile::from_str(text, Path::new("p.toml"))
}

#[test]
fn a_small_profile_parses() {
    let p = parse(
        r#"
seed = 7
[tables.players]
rows = 10
[tables.players.columns]
id = { seq = {} }
name = { fake = "username", unique = true }
"#,
    )
    .unwrap();
    assert_eq!(p.seed, 7);
    assert_eq!(p.tables[0].columns.len(), 2);
}
