//! Redis warming (`seedkit warm`, and the cache step of `seedkit seed`),
//! against real Redis servers: the shared one (each test under its own key
//! prefix), and private `redis-server` processes on spare loopback ports for
//! the cluster, password and kill tests.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis::Commands;

use crate::support::{
    Output, ReservedPort, TestDb, TestRedis, reserve_port, seeded_ci, seedkit, unique, wait_until,
};

/// A warm of the `ci` profile into `redis`'s prefix.
fn warm(redis: &TestRedis, extra: &[&str]) -> Output {
    seedkit()
        .env("REDIS_URL", &redis.url)
        .args(["warm", "--profile", "ci", "--set"])
        .arg(format!("redis.prefix={}", redis.prefix))
        .args(extra)
        .run()
}

pub(crate) fn connect(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// Every key under `prefix` with its type, value and whether it has a TTL,
/// keyed by the name without the prefix: two warms with the same seed must
/// give equal snapshots.
pub(crate) fn snapshot(con: &mut redis::Connection, prefix: &str) -> BTreeMap<String, String> {
    let keys: Vec<String> = scan(con, format!("{prefix}*"));
    let mut out = BTreeMap::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE").arg(&key).query(con).unwrap();
        let value = match kind.as_str() {
            "string" => con.get::<_, String>(&key).unwrap(),
            "hash" => format!(
                "{:?}",
                con.hgetall::<_, BTreeMap<String, String>>(&key).unwrap()
            ),
            "set" => {
                let mut members: Vec<String> = con.smembers(&key).unwrap();
                members.sort();
                format!("{members:?}")
            }
            "zset" => format!(
                "{:?}",
                con.zrange_withscores::<_, Vec<(String, String)>>(&key, 0, -1)
                    .unwrap()
            ),
            other => panic!("unexpected type {other} for {key}"),
        };
        let ttl: i64 = con.ttl(&key).unwrap();
        let ttl_class = if ttl > 0 { "ttl" } else { "persistent" };
        out.insert(
            key[prefix.len()..].to_string(),
            format!("{kind} {ttl_class} {value}"),
        );
    }
    out
}

/// Every key matching `pattern`.
fn scan(con: &mut redis::Connection, pattern: String) -> Vec<String> {
    let keys: Result<Vec<String>, _> = con
        .scan_match::<_, String>(pattern)
        .expect("SCAN")
        .collect();
    keys.expect("SCAN")
}

fn ttl(con: &mut redis::Connection, key: &str) -> i64 {
    con.ttl(key).unwrap()
}

#[test]
fn warm_writes_the_declared_keys_types_ttls_and_values() {
    let redis = TestRedis::new("warm_ci");
    let out = warm(&redis, &["--set", "players.rows=300", "--format", "json"]);
    out.success();
    let summary = out.json();
    let mut con = connect(&redis.url);
    let p = &redis.prefix;

    // The global leaderboard holds every player.
    let players: u64 = con.zcard(format!("{p}leaderboard:global")).unwrap();
    assert_eq!(players, 300, "{}", out.stdout);
    assert_eq!(ttl(&mut con, &format!("{p}leaderboard:global")), -1);

    // Sessions: hashes with the declared fields and a TTL of at most an hour.
    let sessions: Vec<String> = scan(&mut con, format!("{p}session:*"));
    assert!(!sessions.is_empty(), "no session keys: {}", out.stdout);
    for key in &sessions {
        let fields: BTreeMap<String, String> = con.hgetall(key).unwrap();
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["location", "player_id", "star_system", "started_at"],
            "{key}"
        );
        let ttl = ttl(&mut con, key);
        assert!((3590..=3600).contains(&ttl), "{key} ttl {ttl}");
        // Every session's player is on the global leaderboard.
        let score: Option<f64> = con
            .zscore(format!("{p}leaderboard:global"), &fields["player_id"])
            .unwrap();
        assert!(
            score.is_some(),
            "{key}: player {} not on the leaderboard",
            fields["player_id"]
        );
    }

    // The online set is exactly the players of the active sessions.
    let mut online: Vec<String> = con.smembers(format!("{p}online:players")).unwrap();
    online.sort();
    let mut active_players: Vec<String> = sessions
        .iter()
        .map(|k| con.hget::<_, _, String>(k, "player_id").unwrap())
        .collect();
    active_players.sort();
    active_players.dedup();
    assert_eq!(online, active_players);

    // Per-system leaderboards: scores are the players' global scores.
    let systems: Vec<String> = scan(&mut con, format!("{p}leaderboard:system:*"));
    assert!(!systems.is_empty());
    for key in &systems {
        let members: Vec<(String, f64)> = con.zrange_withscores(key, 0, -1).unwrap();
        for (player, score) in members {
            let global: f64 = con
                .zscore(format!("{p}leaderboard:global"), &player)
                .unwrap();
            assert_eq!(score, global, "{key} player {player}");
        }
    }

    // Rate limits: a fraction of players, counters within the declared range, 60 s.
    let limits: Vec<String> = scan(&mut con, format!("{p}ratelimit:*"));
    assert!(
        limits.len() < 40,
        "ratelimit is a sample, got {}",
        limits.len()
    );
    for key in &limits {
        let count: i64 = con.get(key).unwrap();
        assert!((1..=60).contains(&count), "{key} = {count}");
        let ttl = ttl(&mut con, key);
        assert!((50..=60).contains(&ttl), "{key} ttl {ttl}");
        let _: i64 = con.incr(key, 1).expect("a counter INCRs");
    }

    // Player cache: JSON with typed fields and a TTL.
    let cached: Vec<String> = scan(&mut con, format!("{p}player:*"));
    assert!(!cached.is_empty());
    for key in &cached {
        let text: String = con.get(key).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(format!("{p}player:{}", json["id"]), *key);
        assert!(json["credits"].is_number(), "{text}");
        assert!(ttl(&mut con, key) > 0);
    }

    // Webhook de-duplication keys: 24 hours.
    let seen: Vec<String> = scan(&mut con, format!("{p}webhook:seen:*"));
    assert!(!seen.is_empty());
    for key in &seen {
        let ttl = ttl(&mut con, key);
        assert!((86_390..=86_400).contains(&ttl), "{key} ttl {ttl}");
    }

    // The JSON summary counts what is in Redis.
    let keys_in_redis = redis.keys().len() as u64;
    assert_eq!(
        summary["keys"].as_u64(),
        Some(keys_in_redis),
        "{}",
        out.stdout
    );
    let sets = summary["sets"].as_array().unwrap();
    let set = |name: &str| {
        sets.iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(
        set("sessions")["keys"].as_u64(),
        Some(sessions.len() as u64)
    );
    assert_eq!(set("leaderboard_global")["type"], "zset");
    assert!(summary["commands_per_second"].as_f64().unwrap() > 0.0);
}

#[test]
fn same_seed_gives_the_same_keys_and_values_and_another_seed_differs() {
    let a = TestRedis::new("determinism_a");
    let b = TestRedis::new("determinism_b");
    let c = TestRedis::new("determinism_c");
    warm(&a, &["--seed", "7"]).success();
    warm(&b, &["--seed", "7"]).success();
    warm(&c, &["--seed", "8"]).success();
    let mut con = connect(&a.url);
    let snap_a = snapshot(&mut con, &a.prefix);
    let snap_b = snapshot(&mut con, &b.prefix);
    let snap_c = snapshot(&mut con, &c.prefix);
    assert!(snap_a.len() > 10, "{snap_a:?}");
    assert_eq!(snap_a, snap_b);
    assert_ne!(snap_a, snap_c);
}

#[test]
fn sets_warmed_one_by_one_equal_sets_warmed_together() {
    // Sets reading one table share a pass over its rows, generating only the
    // columns they read; alone, a set takes other paths. Same keys either way.
    let together = TestRedis::new("together");
    let alone = TestRedis::new("alone");
    warm(&together, &[]).success();
    let sets = [
        "sessions",
        "leaderboard_global",
        "leaderboard_system",
        "ratelimit",
        "online",
        "player_cache",
        "webhook_seen",
    ];
    for set in sets {
        warm(&alone, &["--only", set]).success();
    }
    let mut con = connect(&together.url);
    let snap = snapshot(&mut con, &together.prefix);
    assert_eq!(snap.len(), together.keys().len());
    assert_eq!(snap, snapshot(&mut con, &alone.prefix));
}

#[test]
fn reset_removes_only_keys_under_the_prefix() {
    let redis = TestRedis::new("reset");
    let mut con = connect(&redis.url);
    let p = &redis.prefix;
    // Keys of "other programs": outside the prefix, including one that
    // shares all of it but the last character, and glob-looking names.
    let base = p.trim_end_matches(':');
    let others = [
        format!("{base}-other:keep"),
        base.to_string(),
        format!("other:{p}session:1"),
    ];
    for key in &others {
        let _: () = con.set(key, "mine").unwrap();
    }
    // A stale key under the prefix (from an older warm).
    let _: () = con.set(format!("{p}stale"), "old").unwrap();

    warm(&redis, &["--reset", "--format", "json"]).success();
    let after_first = snapshot(&mut con, p);
    assert!(
        !after_first.contains_key("stale"),
        "--reset left the stale key"
    );
    let out = warm(&redis, &["--reset", "--format", "json"]);
    out.success();
    assert_eq!(
        out.json()["reset_removed"].as_u64(),
        Some(after_first.len() as u64),
        "{}",
        out.stdout
    );
    assert_eq!(snapshot(&mut con, p), after_first);
    for key in &others {
        let value: Option<String> = con.get(key).unwrap();
        assert_eq!(
            value.as_deref(),
            Some("mine"),
            "{key} did not survive --reset"
        );
        let _: () = con.del(key).unwrap();
    }
}

#[test]
fn resp_file_replayed_with_redis_cli_gives_the_same_keys() {
    let redis = TestRedis::new("resp");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("warm.resp");
    warm(&redis, &["--resp", file.to_str().unwrap()]).success();
    assert!(redis.keys().is_empty(), "--resp must not touch Redis");
    let pipe = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "redis-cli -u '{}' --pipe < '{}'",
            redis.url,
            file.display()
        ))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&pipe.stdout);
    assert!(report.contains("errors: 0"), "{report}");
    let mut con = connect(&redis.url);
    let replayed = snapshot(&mut con, &redis.prefix);
    warm(&redis, &["--reset"]).success();
    assert_eq!(snapshot(&mut con, &redis.prefix), replayed);
}

#[test]
fn unknown_set_field_is_a_profile_error_with_location() {
    let redis = TestRedis::new("bad_spec");
    let out = warm(&redis, &["--set", "redis.sets.sessions.key=session:{nope}"]);
    out.assert_code(8);
    assert!(
        out.stderr
            .contains("--set redis.sets.sessions.key=session:{nope}:1:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("no generated column `nope`"),
        "{}",
        out.stderr
    );
    assert!(redis.keys().is_empty());
}

#[test]
fn unreachable_redis_exits_3_naming_the_redacted_url() {
    let reserved = reserve_port();
    let port = reserved.port;
    let url = format!("redis://:s3cret@127.0.0.1:{port}/0");
    let out = seedkit()
        .env("REDIS_URL", &url)
        .args(["warm", "--profile", "ci"])
        .run();
    out.assert_code(3);
    assert!(
        out.stderr
            .contains(&format!("redis://:***@127.0.0.1:{port}/0")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hint:"), "{}", out.stderr);
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
}

#[test]
fn redis_that_never_answers_times_out_with_exit_3() {
    // Accepts connections (the kernel completes the handshake) and never
    // says a word: a stuck proxy, a black-holing firewall.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://:s3cret@{}/0", listener.local_addr().unwrap());
    let started = Instant::now();
    let out = seedkit()
        .env("REDIS_URL", &url)
        .args(["warm", "--profile", "ci"])
        .run();
    let waited = started.elapsed();
    out.assert_code(3);
    assert!(
        out.stderr.contains("no answer within 10s"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("redis://:***@127.0.0.1:"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    assert!(waited < Duration::from_secs(20), "waited {waited:?}");
    drop(listener);
}

#[test]
fn malformed_redis_url_and_unknown_set_exit_2() {
    let redis = TestRedis::new("usage");
    let out = seedkit()
        .env("REDIS_URL", "redis://:s3cret@127.0.0.1:6379/not-a-number")
        .args(["warm", "--profile", "ci"])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("invalid Redis URL"), "{}", out.stderr);
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);

    let out = warm(&redis, &["--only", "nope"]);
    out.assert_code(2);
    assert!(
        out.stderr.contains("no cache set named `nope`"),
        "{}",
        out.stderr
    );
    assert!(redis.keys().is_empty());

    // `seed` refuses the URL before it touches the database.
    let db = TestDb::new("bad_redis_url");
    db.seedkit().arg("migrate").run().success();
    let out = db
        .seedkit()
        .env("REDIS_URL", "http://127.0.0.1:6379/0")
        .args(["seed", "--profile", "ci"])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("invalid Redis URL"), "{}", out.stderr);
    assert_eq!(db.query("SELECT count(*) FROM players"), "0");
}

#[test]
fn wrong_password_exits_3_without_leaking_it() {
    let server = PrivateRedis::start(&["--requirepass", "right-one"]);
    let url = format!("redis://:wrong-one@127.0.0.1:{}/0", server.port);
    let out = seedkit()
        .env("REDIS_URL", &url)
        .args(["warm", "--profile", "ci"])
        .run();
    out.assert_code(3);
    assert!(out.stderr.contains("refused the login"), "{}", out.stderr);
    assert!(!out.stderr.contains("wrong-one"), "{}", out.stderr);
    // With the right password (and a database number) it works.
    let url = format!("redis://:right-one@127.0.0.1:{}/2", server.port);
    seedkit()
        .env("REDIS_URL", &url)
        .args(["warm", "--profile", "ci"])
        .run()
        .success();
    let mut con = connect(&url);
    let size: u64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert!(size > 10, "db 2 has {size} keys");
}

#[test]
fn rediss_urls_warm_over_tls_and_check_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=seedkit test CA",
        "-keyout",
        &path("ca.key"),
        "-out",
        &path("ca.crt"),
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        &path("server.key"),
        "-out",
        &path("server.csr"),
    ]);
    std::fs::write(path("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-days",
        "2",
        "-in",
        &path("server.csr"),
        "-CA",
        &path("ca.crt"),
        "-CAkey",
        &path("ca.key"),
        "-CAcreateserial",
        "-extfile",
        &path("ext.cnf"),
        "-out",
        &path("server.crt"),
    ]);
    let reserved = reserve_port();
    let tls_port = reserved.port.to_string();
    let server = PrivateRedis::start_on(
        reserved,
        &[
            "--port",
            "0",
            "--tls-port",
            &tls_port,
            "--tls-auth-clients",
            "no",
            "--tls-cert-file",
            &path("server.crt"),
            "--tls-key-file",
            &path("server.key"),
            "--tls-ca-cert-file",
            &path("ca.crt"),
        ],
    );
    let url = format!("rediss://127.0.0.1:{}/0", server.port);

    // An unknown CA is refused.
    let out = seedkit()
        .env("REDIS_URL", &url)
        .args(["warm", "--profile", "ci"])
        .run();
    out.assert_code(3);
    assert!(
        out.stderr.contains("TLS handshake failed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("SSL_CERT_FILE"), "{}", out.stderr);

    // Trusting the CA, the warm goes through TLS.
    let out = seedkit()
        .env("REDIS_URL", &url)
        .env("SSL_CERT_FILE", path("ca.crt"))
        .args(["warm", "--profile", "ci", "--format", "json"])
        .run();
    out.success();
    let keys = out.json()["keys"].as_u64().unwrap();
    assert!(keys > 10);

    // `#insecure` skips the check; --reset finds exactly the keys written.
    let out = seedkit()
        .env("REDIS_URL", format!("{url}#insecure"))
        .args(["warm", "--profile", "ci", "--reset", "--format", "json"])
        .run();
    out.success();
    assert_eq!(out.json()["reset_removed"].as_u64(), Some(keys));
}

#[test]
fn redis_stopped_mid_warm_exits_10_and_a_later_warm_completes() {
    let mut server = PrivateRedis::start(&[]);
    let url = server.url();
    // Big enough to take a few seconds: 50,000 players, ~240,000 sessions.
    let scale = ["--set", "players.rows=50000"];
    let mut child = seedkit()
        .env("REDIS_URL", &url)
        .args(["warm", "--profile", "ci"])
        .args(scale)
        .spawn();
    let mut con = connect(&url);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let size: u64 = redis::cmd("DBSIZE").query(&mut con).unwrap_or(0);
        if size > 1000 {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "the warm ended ({status}) before it was stopped:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            Instant::now() < deadline,
            "the warm wrote nothing within 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(10), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{}", server.port)),
        "{stderr}"
    );
    assert!(
        stderr.contains("seedkit warm"),
        "the hint says how to finish: {stderr}"
    );

    server.restart();
    let out = seedkit()
        .env("REDIS_URL", &url)
        .args(["warm", "--profile", "ci", "--format", "json"])
        .args(scale)
        .run();
    out.success();
    let mut con = connect(&url);
    let size: u64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(Some(size), out.json()["keys"].as_u64());
}

#[test]
fn warms_a_three_master_cluster_routing_keys_by_slot() {
    let cluster = PrivateCluster::start(3);
    let url = format!("redis://127.0.0.1:{}", cluster.nodes[1].port);
    let out = seedkit()
        .env("REDIS_URL", &url)
        .args(["warm", "--profile", "ci", "--format", "json"])
        .run();
    out.success();
    let summary = out.json();
    assert_eq!(summary["destination"]["kind"], "cluster", "{}", out.stdout);
    assert_eq!(
        summary["destination"]["masters"].as_array().map(Vec::len),
        Some(3)
    );

    // Every master holds some of the keys, and together exactly the keys warmed.
    let mut total = 0;
    for node in &cluster.nodes {
        let mut con = connect(&node.url());
        let size: u64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
        assert!(size > 0, "master {} holds no keys", node.port);
        total += size;
    }
    assert_eq!(Some(total), summary["keys"].as_u64());

    // The same warm on a single server gives the same keys and values.
    let single = TestRedis::new("cluster_twin");
    warm(&single, &[]).success();
    let mut expected = snapshot(&mut connect(&single.url), &single.prefix);
    let mut got = BTreeMap::new();
    for node in &cluster.nodes {
        got.append(&mut snapshot(&mut connect(&node.url()), "seedkit:"));
    }
    assert_eq!(got.len(), expected.len());
    expected.retain(|k, v| got.get(k) != Some(v));
    assert!(expected.is_empty(), "differences: {expected:?}");

    // --reset works across the masters.
    let out = seedkit()
        .env("REDIS_URL", &url)
        .args(["warm", "--profile", "ci", "--reset", "--format", "json"])
        .run();
    out.success();
    assert_eq!(out.json()["reset_removed"].as_u64(), Some(total));
}

#[test]
fn warm_agrees_with_the_seeded_database() {
    let db = seeded_ci("cache_consistency");
    let redis = TestRedis::new("consistency");
    warm(&redis, &[]).success();
    let mut con = connect(&redis.url);
    let p = &redis.prefix;

    let mut sessions: Vec<i64> = scan(&mut con, format!("{p}session:*"))
        .into_iter()
        .map(|k| k[p.len() + "session:".len()..].parse().unwrap())
        .collect();
    sessions.sort_unstable();
    let active: Vec<i64> = db
        .query("SELECT id FROM game_sessions WHERE ended_at IS NULL ORDER BY id")
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert!(!active.is_empty());
    assert_eq!(sessions, active, "session keys = active sessions");

    for row in db.rows(
        "SELECT id, player_id, star_system, location FROM game_sessions WHERE ended_at IS NULL",
    ) {
        let fields: BTreeMap<String, String> =
            con.hgetall(format!("{p}session:{}", row[0])).unwrap();
        assert_eq!(fields["player_id"], row[1]);
        assert_eq!(fields["star_system"], row[2]);
        assert_eq!(fields["location"], row[3]);
    }

    let board: Vec<(String, i64)> = con
        .zrange_withscores(format!("{p}leaderboard:global"), 0, -1)
        .unwrap();
    let credits: BTreeMap<String, i64> = db
        .rows("SELECT id, credits FROM players")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(board.len(), credits.len());
    for (player, score) in board {
        assert_eq!(
            credits[&player], score,
            "leaderboard score = credits of player {player}"
        );
    }

    let mut online: Vec<i64> = con
        .smembers::<_, Vec<String>>(format!("{p}online:players"))
        .unwrap()
        .iter()
        .map(|m| m.parse().unwrap())
        .collect();
    online.sort_unstable();
    let online_db: Vec<i64> = db
        .query("SELECT DISTINCT player_id FROM game_sessions WHERE ended_at IS NULL ORDER BY 1")
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(
        online, online_db,
        "online set = players with an active session"
    );

    let deliveries = db.query("SELECT count(*) FROM webhook_deliveries");
    let seen = scan(&mut con, format!("{p}webhook:seen:*")).len();
    assert_eq!(seen.to_string(), deliveries);
}

#[test]
fn seed_warms_after_loading_and_reports_a_failed_cache_step() {
    let db = TestDb::new("seed_warm");
    let redis = TestRedis::new("seed_warm");
    db.seedkit().arg("migrate").run().success();
    // Redis unreachable: the load commits, the cache step fails with 10.
    let dead_port = reserve_port();
    let dead = format!("redis://127.0.0.1:{}/0", dead_port.port);
    let out = db
        .seedkit()
        .env("REDIS_URL", &dead)
        .args(["seed", "--profile", "ci", "--set"])
        .arg(format!("redis.prefix={}", redis.prefix))
        .run();
    out.assert_code(10);
    assert!(out.stderr.contains("seedkit warm"), "{}", out.stderr);
    let players = db.query("SELECT count(*) FROM players");
    assert_ne!(players, "0", "the committed load stays");
    // `seedkit warm` finishes the job without the database.
    warm(&redis, &[]).success();
    let mut con = connect(&redis.url);
    let board: u64 = con
        .zcard(format!("{}leaderboard:global", redis.prefix))
        .unwrap();
    assert_eq!(board.to_string(), players);
}

// ---- private Redis servers -------------------------------------------------

/// A `redis-server` this test started, on a reserved loopback port, stopped
/// (by its own pid) when dropped.
pub(crate) struct PrivateRedis {
    pub(crate) port: u16,
    args: Vec<String>,
    dir: PathBuf,
    child: Option<Child>,
    _reserved: ReservedPort,
    _tmp: tempfile::TempDir,
}

impl PrivateRedis {
    pub(crate) fn start(args: &[&str]) -> PrivateRedis {
        PrivateRedis::start_on(reserve_port(), args)
    }

    /// Starts on `port`; `args` may move the plain port (e.g. `--port 0
    /// --tls-port PORT` for a TLS-only server).
    fn start_on(reserved: ReservedPort, args: &[&str]) -> PrivateRedis {
        let tmp = tempfile::tempdir().unwrap();
        let mut server = PrivateRedis {
            port: reserved.port,
            args: args.iter().map(|s| s.to_string()).collect(),
            dir: tmp.path().to_path_buf(),
            child: None,
            _reserved: reserved,
            _tmp: tmp,
        };
        server.restart();
        server
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts the server and waits until it answers PING (a TCP connect
    /// alone can succeed before Redis serves commands).
    pub(crate) fn restart(&mut self) {
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let tls = self.args.iter().any(|a| a == "--tls-port");
        let what = format!("redis-server on port {}", self.port);
        wait_until(&what, Duration::from_secs(10), || {
            if let Some(status) = child.try_wait().expect("redis-server can be waited for") {
                panic!("{what} exited at start: {status}");
            }
            let mut ping = Command::new("redis-cli");
            ping.args(["-h", "127.0.0.1", "-p", &self.port.to_string()]);
            if tls {
                ping.args(["--tls", "--insecure"]);
            }
            let out = ping.arg("PING").output().expect("redis-cli runs");
            // NOAUTH is an answer too: a server with a password is up.
            let reply = String::from_utf8_lossy(&out.stdout);
            match reply.trim() {
                "PONG" => Ok(()),
                other if other.contains("NOAUTH") => Ok(()),
                other => Err(format!("{other} {}", String::from_utf8_lossy(&out.stderr))),
            }
        });
        self.child = Some(child);
    }

    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Three (or more) masters with `cluster-enabled yes`, joined with
/// `redis-cli --cluster create`, no replicas.
struct PrivateCluster {
    nodes: Vec<PrivateRedis>,
}

impl PrivateCluster {
    fn start(masters: usize) -> PrivateCluster {
        let label = unique("cluster");
        let nodes: Vec<PrivateRedis> = (0..masters)
            .map(|i| {
                let conf = format!("nodes-{label}-{i}.conf");
                PrivateRedis::start(&["--cluster-enabled", "yes", "--cluster-config-file", &conf])
            })
            .collect();
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let create = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli runs");
        assert!(
            create.status.success(),
            "cluster create failed: {}",
            String::from_utf8_lossy(&create.stdout)
        );
        // Wait until every node agrees the cluster is up.
        let deadline = Instant::now() + Duration::from_secs(30);
        for node in &nodes {
            loop {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut connect(&node.url()))
                    .unwrap_or_default();
                if info.contains("cluster_state:ok") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "cluster did not become ok: {info}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        PrivateCluster { nodes }
    }
}

/// A cluster in the middle of resharding: slots are MIGRATING on their
/// owner and IMPORTING on another master, so the owner answers each write
/// of a new key with `-ASK` and the write must be sent again (with ASKING)
/// to the importing node. Every key must arrive, once, with its value.
#[test]
fn warming_a_cluster_mid_resharding_follows_ask_redirections() {
    let cluster = PrivateCluster::start(3);
    let url = format!("redis://127.0.0.1:{}", cluster.nodes[0].port);
    let warm_cluster = || {
        seedkit()
            .env("REDIS_URL", &url)
            .args(["warm", "--profile", "ci", "--format", "json"])
            .run()
    };
    // A first warm says which keys there are and in which slots.
    warm_cluster().success();
    let mut expected = BTreeMap::new();
    for node in &cluster.nodes {
        expected.append(&mut snapshot(&mut connect(&node.url()), "seedkit:"));
    }
    let mut cons: Vec<redis::Connection> =
        cluster.nodes.iter().map(|n| connect(&n.url())).collect();
    let ids: Vec<String> = cons
        .iter_mut()
        .map(|c| redis::cmd("CLUSTER").arg("MYID").query(c).unwrap())
        .collect();
    // Every tenth key's slot moves from its owner to the next master.
    let mut moving: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    for key in expected.keys().step_by(10) {
        let key = format!("seedkit:{key}");
        let slot: i64 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(&key)
            .query(&mut cons[0])
            .unwrap();
        let owner = (0..cons.len())
            .find(|&i| {
                let n: i64 = redis::cmd("CLUSTER")
                    .arg("COUNTKEYSINSLOT")
                    .arg(slot)
                    .query(&mut cons[i])
                    .unwrap();
                n > 0
            })
            .unwrap_or_else(|| panic!("no master holds slot {slot} of {key}"));
        moving.insert(slot, (owner, (owner + 1) % cons.len()));
    }
    assert!(moving.len() >= 5, "{} slots", moving.len());
    for con in &mut cons {
        let _: () = redis::cmd("FLUSHALL").query(con).unwrap();
    }
    for (&slot, &(from, to)) in &moving {
        let _: () = redis::cmd("CLUSTER")
            .arg("SETSLOT")
            .arg(slot)
            .arg("IMPORTING")
            .arg(&ids[from])
            .query(&mut cons[to])
            .unwrap();
        let _: () = redis::cmd("CLUSTER")
            .arg("SETSLOT")
            .arg(slot)
            .arg("MIGRATING")
            .arg(&ids[to])
            .query(&mut cons[from])
            .unwrap();
    }

    let out = warm_cluster();
    out.success();
    // The moving slots' keys went where the ASKs sent them.
    for (&slot, &(from, to)) in &moving {
        let count = |con: &mut redis::Connection| -> i64 {
            redis::cmd("CLUSTER")
                .arg("COUNTKEYSINSLOT")
                .arg(slot)
                .query(con)
                .unwrap()
        };
        assert_eq!(count(&mut cons[from]), 0, "slot {slot} on its old owner");
        assert!(
            count(&mut cons[to]) > 0,
            "slot {slot} on the importing master"
        );
        // Finish the move, so the keys can be read back without ASKING.
        for con in &mut cons {
            let _: () = redis::cmd("CLUSTER")
                .arg("SETSLOT")
                .arg(slot)
                .arg("NODE")
                .arg(&ids[to])
                .query(con)
                .unwrap();
        }
    }
    let mut got = BTreeMap::new();
    for node in &cluster.nodes {
        got.append(&mut snapshot(&mut connect(&node.url()), "seedkit:"));
    }
    assert_eq!(got.len(), expected.len(), "every key arrived once");
    assert_eq!(Some(got.len() as u64), out.json()["keys"].as_u64());
    let differing: Vec<&String> = expected
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    assert!(differing.is_empty(), "differences: {differing:?}");
}
