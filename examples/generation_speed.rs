//! Generation speed of the shipped `large` profile's biggest tables on one
//! core, without a database: rows per second of CPU time, nanoseconds per
//! row and per cell. Part of `just bench` (scripts/bench-generate.sh); run
//! alone with `cargo run --release --example generation_speed [ROWS]`.

use std::path::Path;

use seedkit::generate::{Chunk, Dataset};
use seedkit::profile::Profile;

/// CPU time of this thread in seconds (Linux `schedstat`), so a busy
/// machine does not distort the measurement; wall time elsewhere.
fn cpu_seconds() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(
            || {
                START
                    .get_or_init(std::time::Instant::now)
                    .elapsed()
                    .as_secs_f64()
            },
            |ns| ns / 1e9,
        )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let max_rows: u64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 2_000_000,
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles");
    let large = Dataset::new(&Profile::load("large", &dir, &[], None)?)?;
    let without_json = ["players.columns.preferences={ value = {} }".to_string()];
    let plain = Dataset::new(&Profile::load("large", &dir, &without_json, None)?)?;
    for (dataset, table, label) in [
        (&large, "players", "players"),
        (&plain, "players", "players, constant preferences"),
        (&large, "game_sessions", "game_sessions"),
        (&large, "security_events", "security_events"),
    ] {
        let table = dataset.table(table).ok_or("the large profile changed")?;
        let rows = table.row_count().min(max_rows);
        let start = cpu_seconds();
        let mut cursor = table.rows(&Chunk { first_row: 0, rows });
        let mut cells = 0usize;
        while let Some(row) = cursor.next_row() {
            cells += row.len();
        }
        let secs = cpu_seconds() - start;
        println!(
            "{label}: {rows} rows in {secs:.3} s CPU = {:.2} M rows/s ({:.0} ns/row, {:.1} ns/cell)",
            rows as f64 / secs / 1e6,
            secs * 1e9 / rows as f64,
            secs * 1e9 / cells as f64
        );
    }
    Ok(())
}
