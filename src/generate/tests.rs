//! Unit tests of generation: determinism, chunking, uniqueness, speed.

use std::path::Path;

use super::*;

fn dataset(text: &str) -> Dataset {
    let profile = Profile::from_str(text, Path::new("t.toml")).unwrap();
    Dataset::new(&profile).unwrap()
}

#[test]
fn sequences_and_ints() {
    let d = dataset(
        r#"
[tables.t]
rows = 5
[tables.t.columns]
id = { seq = { start = 10, step = 2 } }
n = { int = { min = 1, max = 3 } }
"#,
    );
    let t = d.table("t").unwrap();
    assert_eq!(t.row_at(2)[0], Value::Int(14));
    assert_eq!(t.index_of_key(14), Some(2));
}
