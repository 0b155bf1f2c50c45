//! The safety rules of issue #7, each proved against real servers: `--reset`
//! never deletes a key seedkit did not write, destructive commands against
//! a remote host ask first, bad values are refused with a clear error, and
//! every documented exit code is produced by a real case.

use std::collections::BTreeMap;

use redis::Commands;

use crate::cache::PrivateRedis;
use crate::support::{TestDb, seedkit};

/// Every key of a Redis database with its string value (all test keys are
/// strings), for "nothing else changed" checks.
fn all_keys(url: &str) -> BTreeMap<String, String> {
    let mut con = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("the private Redis answers");
    let keys: Vec<String> = con.keys("*").expect("KEYS on a private server");
    keys.into_iter()
        .map(|k| {
            let v: String = con.get(&k).unwrap_or_default();
            (k, v)
        })
        .collect()
}

fn set_keys(url: &str, keys: &[&str]) {
    let mut con = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("the private Redis answers");
    for key in keys {
        let _: () = con.set(*key, "foreign").expect("SET");
    }
}

// ---- item 1: --reset never touches foreign keys ------------------------------

/// Other programs' keys, including glob-looking ones.
const FOREIGN: &[&str] = &["app:session:1", "other", "*", "a?b", "[x]", "back\\slash"];

#[test]
fn warm_reset_with_an_empty_prefix_is_refused_and_deletes_nothing() {
    // A private server: before the fix this wiped the whole database.
    let server = PrivateRedis::start(&[]);
    set_keys(&server.url(), FOREIGN);
    let before = all_keys(&server.url());
    let out = seedkit()
        .env("REDIS_URL", server.url())
        .args([
            "warm",
            "--profile",
            "ci",
            "--set",
            "redis.prefix=",
            "--reset",
        ])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("empty"), "{}", out.stderr);
    assert!(out.stderr.contains("redis.prefix"), "{}", out.stderr);
    assert_eq!(all_keys(&server.url()), before, "Redis changed");
}

#[test]
fn seed_reset_with_an_empty_prefix_is_refused_before_the_database_is_touched() {
    let server = PrivateRedis::start(&[]);
    set_keys(&server.url(), FOREIGN);
    let before = all_keys(&server.url());
    let db = TestDb::new("empty_prefix_seed");
    db.seedkit().arg("migrate").run().success();
    db.seedkit()
        .args(["seed", "--profile", "ci", "--no-cache"])
        .run()
        .success();
    let players = db.table_checksum("players", "id");
    let out = db
        .seedkit()
        .env("REDIS_URL", server.url())
        .args(["seed", "--profile", "ci", "--seed", "9", "--reset"])
        .args(["--set", "redis.prefix="])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("redis.prefix"), "{}", out.stderr);
    assert_eq!(db.table_checksum("players", "id"), players, "the load ran");
    assert_eq!(all_keys(&server.url()), before, "Redis changed");
}

#[test]
fn reset_with_a_glob_like_prefix_removes_only_its_own_keys() {
    let server = PrivateRedis::start(&[]);
    let prefix = "g[ab]*?\\:";
    // Each of these would match the prefix read as a glob pattern.
    set_keys(
        &server.url(),
        &[
            "ga:1",
            "gb*?\\:1",
            "g[ab]x?\\:1",
            "g[ab]*x\\:1",
            "g[ab]*?:1",
        ],
    );
    set_keys(&server.url(), FOREIGN);
    set_keys(&server.url(), &["g[ab]*?\\:stale"]);
    let mut before = all_keys(&server.url());
    before.remove("g[ab]*?\\:stale");
    let out = seedkit()
        .env("REDIS_URL", server.url())
        .args(["warm", "--profile", "ci", "--reset", "--format", "json"])
        .arg("--set")
        .arg(format!("redis.prefix={prefix}"))
        .run();
    out.success();
    assert_eq!(
        out.json()["reset_removed"].as_u64(),
        Some(1),
        "{}",
        out.stdout
    );
    let after: BTreeMap<String, String> = all_keys(&server.url())
        .into_iter()
        .filter(|(k, _)| !k.starts_with(prefix))
        .collect();
    assert_eq!(after, before, "a key outside the prefix changed");
}
