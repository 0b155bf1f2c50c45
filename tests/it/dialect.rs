//! The dialects' behaviours, each proved on PostgreSQL: no CockroachDB
//! server can run here, so the CockroachDB dialect is put on a PostgreSQL
//! connection and its answers are exercised for real (its lock, its
//! session setting, what its SQLSTATEs mean), next to PostgreSQL's.

use std::time::Duration;

use seedkit::db::dialect::LockKind;
use seedkit::db::session::{HistoryChange, Migrate, Session};
use seedkit::db::{Connector, Flavor, SecretUrl};
use seedkit::error::Diagnostic;
use seedkit::migrate::HistoryTable;
use seedkit::migrate::lock::{self, LockSettings, RunLock};

use crate::support::TestDb;

/// A migration body that fails as CockroachDB's partial commit does.
const PARTIAL_COMMIT: &str =
    "DO $$ BEGIN RAISE EXCEPTION 'schema change failed' USING ERRCODE = 'XXA00'; END $$";

async fn session(db: &TestDb, flavor: Flavor) -> (Session, Connector) {
    let server = Connector::new(SecretUrl::new(db.url.clone()));
    let mut conn = server.connect().await.expect("connects");
    assert_eq!(conn.flavor, Flavor::Postgres, "detected from version()");
    conn.flavor = flavor;
    // CockroachDB's required `SET autocommit_before_ddl = false` is
    // refused by PostgreSQL as an unknown setting (42704), which a server
    // without the setting may do: the session opens.
    let session = Session::new(conn).await.expect("the session opens");
    (session, server)
}

/// Takes the migration lock on `session` the way `migrate` does.
async fn take(
    session: &mut Session,
    server: &Connector,
    settings: &LockSettings,
) -> seedkit::Result<RunLock> {
    let history = HistoryTable::new("public", "seedkit_migrations");
    lock::acquire(session, server, &history, Duration::from_secs(5), settings).await
}

#[test]
fn each_dialect_picks_its_own_lock_and_explains_its_own_errors() {
    let db = TestDb::new("dialects");
    let history = HistoryTable::new("public", "seedkit_migrations");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // PostgreSQL: the advisory lock; XXA00 is just an error.
        let (mut pg, server) = session(&db, Flavor::Postgres).await;
        pg.ensure_history(&history).await.unwrap();
        let held = take(&mut pg, &server, &LockSettings::default())
            .await
            .unwrap();
        assert!(matches!(held, RunLock::Advisory { .. }));
        held.release(&mut pg).await.unwrap();
        let plain = pg
            .run_in_transaction(PARTIAL_COMMIT, &history, &HistoryChange::Forget(1))
            .await
            .unwrap_err();
        assert!(
            plain.message.contains("schema change failed"),
            "{}",
            plain.message
        );
        assert!(!plain.message.contains("CockroachDB"), "{}", plain.message);

        // CockroachDB: a lease row, never the advisory lock that would lock
        // nothing there; XXA00 said to be a partial commit.
        let (mut crdb, server) = session(&db, Flavor::Cockroach).await;
        assert_eq!(crdb.dialect().name(), "CockroachDB");
        let held = take(&mut crdb, &server, &LockSettings::default())
            .await
            .unwrap();
        assert!(matches!(held, RunLock::Lease(_)));
        assert_eq!(
            db.query("SELECT count(*) FROM seedkit_migrations_lock"),
            "1",
            "the lease row is there while the lock is held"
        );
        held.release(&mut crdb).await.unwrap();
        assert_eq!(
            db.query("SELECT count(*) FROM seedkit_migrations_lock"),
            "0"
        );

        let advisory = LockSettings {
            kind: Some(LockKind::Advisory),
            ..LockSettings::default()
        };
        let refused = take(&mut crdb, &server, &advisory)
            .await
            .err()
            .expect("an advisory lock is refused on CockroachDB");
        assert!(
            refused.to_string().contains("no session advisory locks"),
            "{refused}"
        );
        assert_eq!(refused.exit_code().code(), 2);

        let explained = crdb
            .run_in_transaction(PARTIAL_COMMIT, &history, &HistoryChange::Forget(1))
            .await
            .unwrap_err();
        assert!(
            explained
                .message
                .contains("CockroachDB committed the transaction but the schema change failed"),
            "{}",
            explained.message
        );
    });
}
