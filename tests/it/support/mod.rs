//! Test helpers: a private database per test, a private Redis key prefix per
//! test, and a small fluent runner for the real `seedkit` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The server tests create their databases on.
pub fn base_database_url() -> String {
    std::env::var("SEEDKIT_TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".to_string())
}

/// The Redis server tests use.
pub fn base_redis_url() -> String {
    std::env::var("SEEDKIT_TEST_REDIS_URL")
        .or_else(|_| std::env::var("REDIS_URL"))
        .unwrap_or_else(|_| "redis://127.0.0.1:6379/0".to_string())
}

/// The repository root (where `migrations/` and `profiles/` live).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A unique suffix for names: pid and a per-process counter.
pub fn unique(label: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    format!("{label}_{}_{n}", std::process::id())
}

/// A database that exists for one test and is dropped afterwards
/// (kept when `SEEDKIT_KEEP_TEST_DB` is set, for looking into a failure).
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDb {
    pub fn new(label: &str) -> Self {
        let admin_url = base_database_url();
        let name = format!("seedkit_t_{}", unique(label));
        psql(&admin_url, &format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let mut url = url::Url::parse(&admin_url).expect("DATABASE_URL parses");
        url.set_path(&format!("/{name}"));
        TestDb {
            name,
            url: url.to_string(),
            admin_url,
        }
    }

    /// Runs SQL and returns psql's unaligned, tuples-only output, trimmed
    /// (rows on lines, columns separated by `|`). Panics on error.
    pub fn query(&self, sql: &str) -> String {
        psql(&self.url, sql).unwrap_or_else(|e| panic!("query failed: {sql}\n{e}"))
    }

    /// Runs SQL, returning the error text instead of panicking.
    pub fn try_query(&self, sql: &str) -> Result<String, String> {
        psql(&self.url, sql)
    }

    /// The rows of a query, each split on `|`.
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        self.query(sql)
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('|').map(str::to_string).collect())
            .collect()
    }

    /// md5 of a table's full content in a stable order, for determinism checks.
    pub fn table_checksum(&self, table: &str, order_by: &str) -> String {
        self.query(&format!(
            "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {order_by}), '')) FROM {table} t"
        ))
    }

    /// The schema as `pg_dump --schema-only` prints it, without seedkit's own
    /// tables (`seedkit_*`) and without the lines that differ between two
    /// dumps of the same schema (the `\restrict` key is random per dump).
    pub fn schema_dump(&self) -> String {
        let out = Command::new("pg_dump")
            .args([
                "--schema-only",
                "--no-owner",
                "-T",
                "seedkit_*",
                "-d",
                &self.url,
            ])
            .output()
            .expect("pg_dump runs");
        assert!(
            out.status.success(),
            "pg_dump failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|line| {
                !line.starts_with("\\restrict")
                    && !line.starts_with("\\unrestrict")
                    && !line.starts_with("-- Dumped")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A `seedkit` command with `DATABASE_URL` pointing at this database.
    pub fn seedkit(&self) -> Cmd {
        seedkit().env("DATABASE_URL", &self.url)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::env::var_os("SEEDKIT_KEEP_TEST_DB").is_some() {
            eprintln!("keeping test database {}", self.name);
            return;
        }
        let _ = psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        );
    }
}

/// A database with the shipped `ci` profile's rows, migrated and seeded,
/// for tests that need seeded data but do not test seeding: a clone of the
/// fixture template (`seedkit::fixture`), built once per content for the
/// whole server and reused by every test, in tens of milliseconds where
/// migrate + seed take about a second. Dropped like any [`TestDb`].
///
/// The paths are absolute on purpose: they are part of the template's hash,
/// so two checkouts (with possibly different generators) never share one.
pub fn seeded_ci(label: &str) -> TestDb {
    static CI: std::sync::OnceLock<seedkit::fixture::Fixture> = std::sync::OnceLock::new();
    let fixture = CI.get_or_init(|| {
        seedkit::fixture::Fixture::builder(base_database_url())
            .migrations(repo_root().join("migrations"))
            .profiles_dir(repo_root().join("profiles"))
            .profile("ci")
            .build()
            .expect("the ci fixture builds")
    });
    let name = format!("seedkit_t_{}", unique(label));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime starts");
    // Kept by the handle; TestDb drops it (or keeps it) like the others.
    let report = runtime
        .block_on(fixture.clone_named(Some(&name)))
        .unwrap_or_else(|e| panic!("cannot clone the ci fixture: {e}"))
        .keep();
    TestDb {
        name,
        url: report.url,
        admin_url: base_database_url(),
    }
}

/// Runs SQL through psql (always on the machine with Debian's PostgreSQL).
pub fn psql(url: &str, sql: &str) -> Result<String, String> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-A",
            "-t",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A Redis key prefix that belongs to one test; its keys are removed afterwards.
pub struct TestRedis {
    pub url: String,
    pub prefix: String,
}

impl TestRedis {
    pub fn new(label: &str) -> Self {
        TestRedis {
            url: base_redis_url(),
            prefix: format!("t:{}:", unique(label)),
        }
    }

    /// Runs one redis-cli command and returns its raw output, trimmed.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-u", &self.url, "--no-raw"])
            .args(args)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs one redis-cli command with --raw output, trimmed.
    pub fn raw(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-u", &self.url, "--raw"])
            .args(args)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Every key under this test's prefix, sorted.
    pub fn keys(&self) -> Vec<String> {
        let out = Command::new("redis-cli")
            .args(["-u", &self.url, "--raw", "--scan", "--pattern"])
            .arg(format!("{}*", self.prefix))
            .output()
            .expect("redis-cli runs");
        let mut keys: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        keys.sort();
        keys
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        for chunk in self.keys().chunks(500) {
            let mut args = vec!["UNLINK"];
            args.extend(chunk.iter().map(String::as_str));
            let _ = Command::new("redis-cli")
                .args(["-u", &self.url])
                .args(&args)
                .output();
        }
    }
}

/// A `seedkit` command with a clean environment: no `.env`, no inherited
/// `DATABASE_URL`/`REDIS_URL` and no `SEEDKIT_*` variable from the
/// developer's shell, run from the repository root unless told.
pub fn seedkit() -> Cmd {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_seedkit"));
    for (var, _) in std::env::vars_os() {
        let inherited = var
            .to_str()
            .is_some_and(|v| v.starts_with("SEEDKIT_") || v == "DATABASE_URL" || v == "REDIS_URL");
        if inherited {
            cmd.env_remove(var);
        }
    }
    cmd.env("NO_COLOR", "1");
    cmd.current_dir(repo_root());
    Cmd { cmd }
}

/// A loopback port this test process holds until the guard is dropped, with
/// `port + 10_000` free too (a Redis Cluster node's bus port).
///
/// Ports come from 12000..16000 (bus ports 22000..26000): below the kernel's
/// ephemeral range (32768 and up), so an outgoing connection of any program
/// cannot take them between the check and the server's start. Test
/// processes running at the same time (several `cargo test` of several
/// checkouts) claim a port with an exclusive lock on a file named after it,
/// so two of them never pick the same one.
pub struct ReservedPort {
    pub port: u16,
    _lock: std::fs::File,
}

pub fn reserve_port() -> ReservedPort {
    const FIRST: u16 = 12_000;
    const COUNT: u16 = 4_000;
    let dir = std::env::temp_dir().join("seedkit-test-ports");
    std::fs::create_dir_all(&dir).expect("the port lock folder can be created");
    let start = (std::process::id() as u16).wrapping_mul(7) % COUNT
        + COUNTER.fetch_add(1, Ordering::Relaxed) as u16 % COUNT;
    for i in 0..COUNT {
        let port = FIRST + (start + i) % COUNT;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(format!("{port}.lock")))
            .expect("a port lock file can be opened");
        if file.try_lock().is_err() {
            continue;
        }
        let free = |p: u16| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok();
        if free(port) && free(port + 10_000) {
            return ReservedPort { port, _lock: file };
        }
    }
    panic!("no free loopback port in {FIRST}..{}", FIRST + COUNT);
}

/// Waits (bounded) until `probe` succeeds, polling every 50 ms; panics with
/// `what` and the last error after `limit`.
pub fn wait_until<T, E: std::fmt::Display>(
    what: &str,
    limit: std::time::Duration,
    mut probe: impl FnMut() -> Result<T, E>,
) -> T {
    let deadline = std::time::Instant::now() + limit;
    loop {
        match probe() {
            Ok(value) => return value,
            Err(e) if std::time::Instant::now() >= deadline => {
                panic!("{what} not ready after {limit:?}: {e}")
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
}

pub struct Cmd {
    pub cmd: Command,
}

impl Cmd {
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.cmd.env_remove(key);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Runs to completion and captures everything.
    pub fn run(mut self) -> Output {
        Output::of(self.cmd.output().expect("seedkit binary runs"))
    }

    /// Starts without waiting (for concurrency and kill tests).
    pub fn spawn(mut self) -> std::process::Child {
        self.cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("seedkit binary starts")
    }
}

/// Sends `signal` (`INT` as Ctrl-C does, `TERM`) to a running seedkit and
/// waits for it to end.
pub fn signal(child: std::process::Child, signal: &str) -> Output {
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{signal} failed");
    Output::of(child.wait_with_output().expect("seedkit ends"))
}

#[derive(Debug)]
pub struct Output {
    /// None when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// A finished process's exit code and text.
    pub fn of(out: std::process::Output) -> Output {
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn success(&self) -> &Self {
        self.assert_code(0)
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}
