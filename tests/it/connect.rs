//! The connect timeout: a server that accepts TCP and never answers (a stuck
//! proxy, a black-holing firewall) must not hang a run. Each command gives up
//! after the bound with exit 3, naming the redacted URL and what to check.

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::support::seedkit;

/// A loopback listener that accepts every connection and never says a word.
/// The accepted sockets are kept open for as long as the test runs.
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

/// Runs `args` against the silent server and checks the run gave up with
/// exit 3 after about `bound`, naming the URL without its password.
#[track_caller]
fn assert_times_out(args: &[&str], url_suffix: &str, env: Option<(&str, &str)>, bound: &str) {
    let port = silent_server();
    let url = format!("postgres://alice:hunter2@127.0.0.1:{port}/app{url_suffix}");
    let mut cmd = seedkit().args(args).args(["--database-url", &url]);
    if let Some((key, value)) = env {
        cmd = cmd.env(key, value);
    }
    let started = Instant::now();
    let out = cmd.run();
    let elapsed = started.elapsed();
    out.assert_code(3);
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(6),
        "gave up after {elapsed:?}, expected about 1s\n{}",
        out.stderr
    );
    let redacted = format!("postgres://alice:***@127.0.0.1:{port}/app");
    assert!(
        out.stderr
            .contains(&format!("cannot connect to {redacted}")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("no answer within {bound}")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--connect-timeout"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}

#[test]
fn migrate_gives_up_on_a_server_that_never_answers() {
    assert_times_out(&["migrate", "--connect-timeout", "1s"], "", None, "1s");
}

#[test]
fn status_honours_connect_timeout_in_the_url() {
    assert_times_out(&["status"], "?connect_timeout=1", None, "1s");
}

#[test]
fn rollback_takes_the_timeout_from_the_environment() {
    assert_times_out(
        &["rollback", "--steps", "1"],
        "",
        Some(("SEEDKIT_CONNECT_TIMEOUT", "1200ms")),
        "1s 200ms",
    );
}

#[test]
fn seed_gives_up_on_a_server_that_never_answers() {
    assert_times_out(
        &[
            "seed",
            "--profile",
            "ci",
            "--no-cache",
            "--connect-timeout",
            "1s",
        ],
        "",
        None,
        "1s",
    );
}

#[test]
fn a_bad_connect_timeout_in_the_url_is_a_usage_error() {
    let out = seedkit()
        .args(["status", "--database-url"])
        .arg("postgres://alice:hunter2@127.0.0.1:1/app?connect_timeout=soon")
        .run();
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("connect_timeout=soon is not a whole number of seconds"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}
