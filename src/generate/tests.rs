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

fn shipped(name: &str) -> Profile {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    Profile::load(name, &dir, &[], None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn print_default_rows() {
    let d = Dataset::new(&shipped("default")).unwrap();
    for t in d.tables() {
        println!(
            "{} ({} rows) parents {:?} ~{} B/row",
            t.name(),
            t.row_count(),
            t.parents(),
            t.estimated_row_bytes()
        );
        println!("  {}", t.columns().join(" | "));
        for i in 0..3.min(t.row_count()) {
            let row: Vec<String> = t.row_at(i).iter().map(|v| format!("{v}")).collect();
            println!("  {}", row.join(" | "));
        }
    }
}

#[test]
fn shipped_profiles_have_the_documented_sizes() {
    let rows = |name: &str, table: &str| {
        let d = Dataset::new(&shipped(name)).unwrap();
        d.table(table).unwrap().row_count()
    };
    assert_eq!(rows("ci", "players"), 200);
    let ci_sessions = rows("ci", "game_sessions");
    assert!((800..1200).contains(&ci_sessions), "{ci_sessions}");
    assert_eq!(rows("small", "players"), 100);
    assert_eq!(rows("small", "game_sessions"), 500);
    assert_eq!(rows("default", "houses"), 250);
    let large = Dataset::new(&shipped("large")).unwrap();
    let count = |t: &str| large.table(t).unwrap().row_count();
    assert_eq!(count("players"), 1_000_000);
    assert!(
        (4_750_000..5_250_000).contains(&count("game_sessions")),
        "{}",
        count("game_sessions")
    );
    assert_eq!(count("security_events"), 1_000_000);
    assert_eq!(count("performance_metrics"), 8 * 1440);
    assert_eq!(
        (
            count("villages"),
            count("houses"),
            count("agents"),
            count("bugs")
        ),
        (5, 250, 15, 500)
    );
}
