//! The fixture library as a test suite uses it: the template is prepared
//! once, then every test gets a private, seeded database that is dropped
//! when its handle goes away.
//!
//! ```sh
//! DATABASE_URL=postgres://root@127.0.0.1:5432/postgres cargo run --example fixture
//! ```
//!
//! The test suite runs [`run`] too (tests/it/fixture.rs), so this example
//! cannot rot.

use seedkit::fixture::Fixture;
use sqlx::Connection as _;

/// What one "test" saw: its database's name and its player count.
pub struct Seen {
    pub database: String,
    pub players: i64,
}

/// Prepares the `ci` template (with 50 players, seed 7) and runs one
/// "test" against a clone of it.
pub async fn run(server_url: &str) -> Result<Seen, Box<dyn std::error::Error>> {
    let fixture = Fixture::builder(server_url)
        .migrations("migrations")
        .profile("ci")
        .seed(7)
        .set("players.rows=50")
        .build()?;
    fixture.prepare().await?; // once per test binary

    // Per test: a database of its own, with the template's tables and rows.
    let db = fixture.clone().await?;
    let mut conn = sqlx::PgConnection::connect(db.url()).await?;
    let players: i64 = sqlx::query_scalar("SELECT count(*) FROM players")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    let database = db.name().to_string();
    drop(db); // the database is dropped here (kept if SEEDKIT_KEEP_TEST_DB=1)
    Ok(Seen { database, players })
}

#[allow(dead_code)] // the test suite includes this file for `run` only
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".to_string());
    let seen = run(&url).await?;
    println!("{} had {} players; dropped", seen.database, seen.players);
    Ok(())
}
