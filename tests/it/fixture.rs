//! `seedkit fixture` and the `seedkit::fixture` library: templates keyed by
//! content, clones with the template's exact rows, the pool's atomic
//! claims, concurrent prepares, killed builds, gc and drop, Redis warming,
//! and the CockroachDB (rebuild) path on PostgreSQL.
//!
//! Tests that assert on what was built use a namespace of their own (`gc`
//! and the build counts see only it) and remove it at the end; the others
//! share the server-wide `ci` template, as test binaries do.

use std::collections::HashSet;
use std::process::Child;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::support::{TestDb, TestRedis, base_database_url, psql, repo_root, seedkit};

/// The reference schema's tables, for comparing databases row for row.
const TABLES: &[&str] = &[
    "villages",
    "houses",
    "agents",
    "bugs",
    "players",
    "game_sessions",
    "achievements",
    "player_achievements",
    "security_events",
    "performance_metrics",
    "bot_config",
    "model_providers",
    "webhook_deliveries",
];

/// A fixture namespace that belongs to one test; its databases are removed
/// (through `gc --keep 0 --clones`) when it goes away.
struct Namespace {
    name: String,
}

impl Namespace {
    fn new() -> Namespace {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        Namespace {
            name: format!("t{}x{n}", std::process::id()),
        }
    }

    /// `seedkit fixture --namespace NS ...` against the test server.
    fn fixture(&self) -> crate::support::Cmd {
        seedkit().env("DATABASE_URL", base_database_url()).args([
            "fixture",
            "--namespace",
            &self.name,
        ])
    }

    /// The databases of this namespace and what they are, by name.
    fn databases(&self) -> Vec<(String, String)> {
        let rows = psql(
            &base_database_url(),
            &format!(
                "SELECT datname, substr(c, 17)::json->>'kind' FROM \
                 (SELECT datname, shobj_description(oid, 'pg_database') AS c FROM pg_database) d \
                 WHERE c LIKE 'seedkit-fixture %\"namespace\":\"{}\"%' ORDER BY datname",
                self.name
            ),
        )
        .expect("pg_database reads");
        rows.lines()
            .filter_map(|l| l.split_once('|'))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        if std::env::var_os("SEEDKIT_KEEP_TEST_DB").is_none() {
            let _ = self.fixture().args(["gc", "--keep", "0", "--clones"]).run();
        }
    }
}

/// md5 of every reference table of the database at `url`, in order.
fn checksums(url: &str) -> Vec<String> {
    TABLES
        .iter()
        .map(|table| {
            psql(
                url,
                &format!(
                    "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) \
                     FROM {table} t"
                ),
            )
            .unwrap_or_else(|e| panic!("checksum of {table} failed: {e}"))
        })
        .collect()
}

/// A database migrated and seeded with `seed --profile ci` the normal way.
fn seeded_the_normal_way(extra: &[&str]) -> TestDb {
    let db = TestDb::new("fixture_reference");
    db.seedkit().arg("migrate").run().success();
    db.seedkit()
        .args(["seed", "--profile", "ci", "--no-cache"])
        .args(extra)
        .run()
        .success();
    db
}

fn database_exists(name: &str) -> bool {
    psql(
        &base_database_url(),
        &format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'"),
    )
    .expect("pg_database reads")
        == "1"
}

fn wait_all(children: Vec<Child>) -> Vec<(Option<i32>, String, String)> {
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("child finishes");
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .collect()
}

#[test]
fn prepare_twice_builds_once_and_clones_have_the_seeded_rows() {
    let ns = Namespace::new();
    let first = ns
        .fixture()
        .args(["prepare", "--profile", "ci", "--format", "json"])
        .run();
    let first = first.success().json();
    assert_eq!(first["built"], true, "{first}");
    let template = first["template"].as_str().unwrap().to_string();

    let started = Instant::now();
    let second = ns
        .fixture()
        .args(["prepare", "--profile", "ci", "--format", "json"])
        .run();
    let elapsed = started.elapsed();
    let second = second.success().json();
    assert_eq!(second["built"], false, "{second}");
    assert_eq!(second["hash"], first["hash"]);
    assert!(
        elapsed < Duration::from_secs(2),
        "a no-op prepare took {elapsed:?}"
    );

    let state = psql(
        &base_database_url(),
        &format!(
            "SELECT datistemplate, datallowconn FROM pg_database WHERE datname = '{template}'"
        ),
    )
    .unwrap();
    assert_eq!(
        state, "t|f",
        "the template is marked and closed to connections"
    );

    let clone = ns.fixture().args(["clone", "--profile", "ci"]).run();
    let url = clone.success().stdout.trim().to_string();
    assert!(url.starts_with("postgres://"), "stdout is the URL: {url}");
    let reference = seeded_the_normal_way(&[]);
    assert_eq!(checksums(&url), checksums(&reference.url));
    assert_eq!(psql(&url, "SELECT count(*) FROM players").unwrap(), "200");
}

#[test]
fn sixteen_concurrent_clones_all_succeed_and_none_is_handed_out_twice() {
    let ns = Namespace::new();
    let prepared = ns
        .fixture()
        .args([
            "prepare",
            "--profile",
            "ci",
            "--pool",
            "8",
            "--format",
            "json",
        ])
        .run();
    let prepared = prepared.success().json();
    assert_eq!(prepared["pool_ready"], 8, "{prepared}");

    let children: Vec<Child> = (0..16)
        .map(|_| {
            ns.fixture()
                .args(["clone", "--profile", "ci", "--format", "json"])
                .spawn()
        })
        .collect();
    let mut names = HashSet::new();
    let mut from_pool = 0;
    for (code, stdout, stderr) in wait_all(children) {
        assert_eq!(code, Some(0), "a clone failed:\n{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        let name = report["name"].as_str().unwrap().to_string();
        assert!(names.insert(name.clone()), "{name} was handed out twice");
        if report["source"] == "pool" {
            from_pool += 1;
        }
        let url = report["url"].as_str().unwrap();
        assert_eq!(psql(url, "SELECT count(*) FROM players").unwrap(), "200");
    }
    assert_eq!(names.len(), 16);
    assert!(
        (1..=8).contains(&from_pool),
        "{from_pool} clones came from a pool of 8"
    );
    let kinds = ns.databases();
    let clones = kinds.iter().filter(|(_, kind)| kind == "clone").count();
    let pool = kinds.iter().filter(|(_, kind)| kind == "pool").count();
    assert_eq!(clones, 16, "{kinds:?}");
    assert_eq!(
        pool,
        8 - from_pool,
        "what was not claimed is still in the pool"
    );
}

#[test]
fn concurrent_prepares_build_the_template_once() {
    let ns = Namespace::new();
    let children: Vec<Child> = (0..4)
        .map(|_| {
            ns.fixture()
                .args(["prepare", "--profile", "ci", "--format", "json"])
                .spawn()
        })
        .collect();
    let mut built = 0;
    for (code, stdout, stderr) in wait_all(children) {
        assert_eq!(code, Some(0), "a prepare failed:\n{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        built += usize::from(report["built"] == true);
    }
    assert_eq!(built, 1, "four prepares at once build the template once");
    let templates: Vec<_> = ns
        .databases()
        .into_iter()
        .filter(|(_, k)| k == "template")
        .collect();
    assert_eq!(templates.len(), 1, "{templates:?}");
}

/// The template name the library computes for the same inputs as the CLI.
fn template_name(ns: &Namespace, sets: &[&str]) -> String {
    let mut builder = seedkit::fixture::Fixture::builder(base_database_url())
        .migrations(repo_root().join("migrations"))
        .profiles_dir(repo_root().join("profiles"))
        .profile("ci")
        .namespace(&ns.name);
    for set in sets {
        builder = builder.set(*set);
    }
    builder
        .build()
        .expect("the fixture builds")
        .template()
        .to_string()
}

#[test]
fn a_killed_prepare_leaves_no_template_and_the_next_one_rebuilds_it() {
    let ns = Namespace::new();
    // Big enough that the build is still running when it is killed.
    let set = "players.rows=30000";
    let template = template_name(&ns, &[set]);
    let building = format!("{template}_building");
    let mut child = ns
        .fixture()
        .args(["prepare", "--profile", "ci", "--set", set])
        .spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !database_exists(&building) {
        assert!(Instant::now() < deadline, "the build never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let it get into the migrations or the load, then kill it.
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("kill");
    child.wait().expect("reaped");
    assert!(
        !database_exists(&template),
        "a killed build left a usable template"
    );

    let again = ns
        .fixture()
        .args([
            "prepare",
            "--profile",
            "ci",
            "--set",
            set,
            "--format",
            "json",
        ])
        .run();
    assert_eq!(again.success().json()["built"], true);
    assert!(
        !database_exists(&building),
        "the half-built database was dropped"
    );
    let clone = ns
        .fixture()
        .args(["clone", "--profile", "ci", "--set", set])
        .run();
    let url = clone.success().stdout.trim().to_string();
    assert_eq!(psql(&url, "SELECT count(*) FROM players").unwrap(), "30000");
}

#[test]
fn a_changed_migration_profile_or_seed_gives_a_new_template() {
    let hash = |migrations: &std::path::Path, sets: &[&str], seed: Option<u64>| {
        let mut builder = seedkit::fixture::Fixture::builder(base_database_url())
            .migrations(migrations)
            .profiles_dir(repo_root().join("profiles"))
            .profile("ci");
        for set in sets {
            builder = builder.set(*set);
        }
        if let Some(seed) = seed {
            builder = builder.seed(seed);
        }
        builder.build().expect("builds").hash().to_string()
    };
    let shipped = repo_root().join("migrations");
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.path().join(path.file_name().unwrap())).unwrap();
    }
    let base = hash(&shipped, &[], None);
    assert_eq!(
        hash(copy.path(), &[], None),
        base,
        "same files, same template"
    );
    assert_ne!(hash(&shipped, &["players.rows=201"], None), base);
    assert_ne!(hash(&shipped, &[], Some(99)), base);
    let edited = copy
        .path()
        .join("016_security_events_occurred_at_index.up.sql");
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, format!("{text}\n-- edited\n")).unwrap();
    assert_ne!(hash(copy.path(), &[], None), base, "an edited migration");
}

#[test]
fn gc_keeps_the_newest_templates_and_never_touches_foreign_databases() {
    let ns = Namespace::new();
    let foreign = TestDb::new("fixture_foreign");
    psql(
        &base_database_url(),
        &format!(
            "COMMENT ON DATABASE \"{}\" IS 'seedkit-fixture but not json'",
            foreign.name
        ),
    )
    .unwrap();
    for seed in ["11", "12"] {
        ns.fixture()
            .args(["prepare", "--profile", "ci", "--seed", seed])
            .run()
            .success();
        // made_at has one-second steps: keep the two apart.
        std::thread::sleep(Duration::from_millis(1100));
    }
    let old = template_name_with_seed(&ns, 11);
    let new = template_name_with_seed(&ns, 12);
    let old_clone = ns
        .fixture()
        .args([
            "clone",
            "--profile",
            "ci",
            "--seed",
            "11",
            "--format",
            "json",
        ])
        .run();
    let old_clone = old_clone.success().json()["name"]
        .as_str()
        .unwrap()
        .to_string();

    let report = ns
        .fixture()
        .args(["gc", "--keep", "1", "--format", "json"])
        .run();
    let report = report.success().json();
    let dropped: Vec<&str> = report["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        dropped.contains(&old.as_str()) && dropped.contains(&old_clone.as_str()),
        "{report}"
    );
    assert!(!database_exists(&old) && database_exists(&new));
    assert!(
        database_exists(&foreign.name),
        "gc dropped a database it did not make"
    );

    let refused = ns.fixture().args(["drop", &foreign.name]).run();
    refused.assert_code(6);
    assert!(
        refused.stderr.contains("was not made by seedkit fixture"),
        "{}",
        refused.stderr
    );
    assert!(database_exists(&foreign.name));
    ns.fixture().args(["drop", "postgres"]).run().assert_code(6);
}

fn template_name_with_seed(ns: &Namespace, seed: u64) -> String {
    seedkit::fixture::Fixture::builder(base_database_url())
        .migrations(repo_root().join("migrations"))
        .profiles_dir(repo_root().join("profiles"))
        .profile("ci")
        .seed(seed)
        .namespace(&ns.name)
        .build()
        .expect("builds")
        .template()
        .to_string()
}

#[test]
fn a_warmed_clone_has_keys_of_its_own_and_drop_removes_them() {
    let ns = Namespace::new();
    let redis = TestRedis::new("fixture_warm");
    let clone = ns
        .fixture()
        .env("REDIS_URL", &redis.url)
        .args(["clone", "--profile", "ci", "--warm", "--format", "json"])
        .run();
    let report = clone.success().json();
    let name = report["name"].as_str().unwrap().to_string();
    let prefix = report["redis_prefix"].as_str().unwrap().to_string();
    assert!(
        prefix.contains(&name),
        "the prefix {prefix} is the clone's own"
    );
    let keys = || {
        let out = std::process::Command::new("redis-cli")
            .args([
                "-u",
                &redis.url,
                "--scan",
                "--pattern",
                &format!("{prefix}*"),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    assert!(keys() > 100, "warmed {} keys", keys());

    let dropped = ns
        .fixture()
        .env("REDIS_URL", &redis.url)
        .args(["drop", &name])
        .run();
    assert!(
        dropped
            .success()
            .stdout
            .contains(&format!("dropped {name} and its")),
        "{}",
        dropped.stdout
    );
    assert_eq!(keys(), 0);
    assert!(!database_exists(&name));
}

#[test]
fn clone_prints_the_real_url_on_stdout_and_redacts_stderr() {
    let ns = Namespace::new();
    let mut url = url::Url::parse(&base_database_url()).unwrap();
    url.set_password(Some("s3cret-pw")).unwrap();
    let out = seedkit()
        .env("DATABASE_URL", url.as_str())
        .args([
            "fixture",
            "--namespace",
            &ns.name,
            "clone",
            "--profile",
            "ci",
            "-v",
        ])
        .run();
    out.success();
    assert!(
        out.stdout.contains("s3cret-pw"),
        "stdout is the usable URL: {}",
        out.stdout
    );
    assert!(
        !out.stderr.contains("s3cret-pw"),
        "stderr leaked the password:\n{}",
        out.stderr
    );
}

/// CockroachDB has no templates: fixture migrates and seeds every clone.
/// That path, with the CockroachDB load (retried chunks) and lock (lease),
/// exercised on PostgreSQL.
#[test]
fn the_cockroachdb_rebuild_path_gives_the_same_rows() {
    let ns = Namespace::new();
    let cockroach = |cmd: crate::support::Cmd| {
        cmd.env("SEEDKIT_FIXTURE_METHOD", "rebuild")
            .env("SEEDKIT_LOAD_STRATEGY", "chunked")
            .env("SEEDKIT_LOCK_STRATEGY", "lease")
    };
    let prepared = cockroach(ns.fixture())
        .args([
            "prepare",
            "--profile",
            "ci",
            "--pool",
            "1",
            "--format",
            "json",
        ])
        .run();
    let prepared = prepared.success().json();
    assert_eq!(prepared["method"], "rebuild");
    assert_eq!(prepared["built"], false, "no template to build: {prepared}");
    assert_eq!(prepared["pool_made"], 1);
    let kinds = ns.databases();
    assert!(
        kinds.iter().all(|(_, kind)| kind != "template"),
        "{kinds:?}"
    );

    let reference = seeded_the_normal_way(&[]);
    for expected in ["pool", "rebuild"] {
        let clone = cockroach(ns.fixture())
            .args(["clone", "--profile", "ci", "--format", "json"])
            .run();
        let report = clone.success().json();
        assert_eq!(report["source"], expected, "{report}");
        assert_eq!(
            checksums(report["url"].as_str().unwrap()),
            checksums(&reference.url)
        );
    }
}

#[test]
fn the_library_example_runs_and_its_database_is_dropped_with_the_handle() {
    #[path = "../../examples/fixture.rs"]
    mod example;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen = runtime
        .block_on(example::run(&base_database_url()))
        .unwrap_or_else(|e| panic!("the example failed: {e}"));
    assert_eq!(seen.players, 50);
    assert!(
        !database_exists(&seen.database),
        "the handle did not drop {}",
        seen.database
    );
}

/// The README's plain-shell CI recipe, as it is shipped.
#[test]
fn the_shell_ci_script_runs_each_test_file_on_its_own_clone() {
    let ns = Namespace::new();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_seedkit"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = |files: &[&str]| {
        let out = std::process::Command::new("bash")
            .arg(repo_root().join("scripts/fixture-ci.sh"))
            .args(files)
            .env("PATH", &path)
            .env("DATABASE_URL", base_database_url())
            .env("SEEDKIT_FIXTURE_NAMESPACE", &ns.name)
            .env_remove("SEEDKIT_PROFILE")
            .env_remove("REDIS_URL")
            .output()
            .expect("bash runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = script(&[]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("2 passed, 0 failed"), "{stdout}");

    let failing = tempfile::NamedTempFile::with_suffix(".sql").unwrap();
    std::fs::write(failing.path(), "SELECT 1/0;").unwrap();
    let (code, stdout, stderr) = script(&[failing.path().to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("FAIL") && stdout.contains("0 passed, 1 failed"),
        "{stdout}"
    );
    let left: Vec<_> = ns
        .databases()
        .into_iter()
        .filter(|(_, k)| k == "clone")
        .collect();
    assert!(left.is_empty(), "the script drops every clone: {left:?}");
}

#[test]
fn every_fixture_help_ends_with_examples() {
    for sub in ["", "prepare", "clone", "drop", "gc"] {
        let out = seedkit()
            .arg("fixture")
            .args(Some(sub).filter(|s| !s.is_empty()))
            .arg("--help")
            .run();
        out.success();
        let examples = out
            .stdout
            .rfind("\nExamples:\n")
            .unwrap_or_else(|| panic!("fixture {sub} --help has no examples:\n{}", out.stdout));
        let lines = out.stdout[examples..]
            .lines()
            .filter(|l| l.starts_with("  seedkit ") || l.starts_with("  export "))
            .count();
        assert!((2..=3).contains(&lines), "fixture {sub}: {lines} examples");
    }
}

/// `--layout` reaches the template build: a folder only a file-name pattern
/// describes (auto-recognition refuses it) is migrated into the template,
/// and the clone holds the profile's rows in the pattern's schema.
#[test]
fn a_fixture_is_built_from_a_folder_in_a_non_default_layout() {
    let ns = Namespace::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("things.toml");
    std::fs::write(
        &profile,
        "[tables.things]\nrows = 25\n[tables.things.columns]\n\
         id = { seq = {} }\nname = { fake = \"word\" }\n",
    )
    .expect("write profile");
    let migrations = repo_root().join("tests/fixtures/layouts/pattern");
    let fixture = |args: &[&str]| {
        ns.fixture()
            .arg("--migrations")
            .arg(&migrations)
            .args(args)
            .arg("--profile")
            .arg(&profile)
            .args(["--format", "json"])
    };
    // Without the layout the folder is not recognised: nothing is built.
    let refused = fixture(&["prepare"]).run();
    refused.assert_code(6);
    assert!(
        refused.stderr.contains("unparseable name"),
        "{}",
        refused.stderr
    );
    assert!(ns.databases().is_empty(), "{:?}", ns.databases());

    let pattern = "V{version}.{name}.{direction}.sql";
    let prepared = fixture(&["--layout", pattern, "prepare"]).run();
    assert_eq!(
        prepared.success().json()["built"],
        true,
        "{}",
        prepared.stdout
    );
    let clone = fixture(&["--layout", pattern, "clone"]).run();
    let url = clone.success().json()["url"].as_str().unwrap().to_string();
    assert_eq!(
        psql(
            &url,
            "SELECT count(*), count(DISTINCT id), count(name) FROM things"
        )
        .unwrap(),
        "25|25|25"
    );
    assert_eq!(
        psql(
            &url,
            "SELECT string_agg(version::text, ',' ORDER BY version) FROM seedkit_migrations"
        )
        .unwrap(),
        "1,2"
    );
}
