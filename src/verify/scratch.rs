//! The scratch database `verify` works in: created on the server of
//! `--database-url`, under a name of its own, and dropped afterwards.
//!
//! The target database is only used to reach the server (and, with
//! `--with-data`, to read which migrations it still lacks); nothing in it is
//! changed. Only the database this module created is ever dropped: its name
//! carries the process id and a random part, and the drop names it exactly.
//! When the run is interrupted (Ctrl-C drops the future), [`Drop`] still
//! drops it from a short-lived thread of its own.

use sqlx::{AssertSqlSafe, Connection as _};

use crate::db::session::{Migrate as _, Session};
use crate::db::{Connector, DbError, Dialect, quote_ident};
use crate::migrate::{MigrateOptions, Settings};

/// A database that exists for one `verify` run.
pub struct ScratchDb {
    /// The server as given (the target database), for the drop.
    admin: Connector,
    pub name: String,
    /// The scratch database, with the same connect timeout.
    pub server: Connector,
    dialect: &'static dyn Dialect,
    dropped: bool,
}

impl ScratchDb {
    /// Creates `seedkit_verify_<pid>_<random>` on the server of `admin`.
    pub async fn create(admin: &Connector) -> Result<ScratchDb, DbError> {
        let mut db = admin.connect().await?;
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let name = format!("seedkit_verify_{}_{}", std::process::id(), &suffix[..8]);
        // The name is ours (pid and random hex) and quoted.
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE DATABASE {}",
            quote_ident(&name)
        )))
        .execute(&mut db.conn)
        .await
        .map_err(|e| db.query_error(e))?;
        let dialect = db.dialect();
        let _ = db.conn.close().await;
        crate::ui::debug(format!("created scratch database {name}"));
        Ok(ScratchDb {
            admin: admin.clone(),
            server: admin.for_database(&name)?,
            name,
            dialect,
            dropped: false,
        })
    }

    /// Creates a scratch database with an empty history table, runs `work`
    /// in it, and drops it whatever happened; the work's error wins over
    /// the drop's. The history table is there from the start, as it is
    /// after any down: snapshots leave its rows out, not its schema.
    pub async fn with<T>(
        admin: &Connector,
        settings: &Settings,
        work: impl AsyncFnOnce(&ScratchDb) -> crate::Result<T>,
    ) -> crate::Result<T> {
        let scratch = ScratchDb::create(admin).await?;
        let result = async {
            let mut history = Session::new(scratch.server.connect().await?).await?;
            history.ensure_history(&settings.history).await?;
            drop(history);
            work(&scratch).await
        }
        .await;
        let dropped = scratch.drop_now().await;
        let value = result?;
        dropped?;
        Ok(value)
    }

    /// Drops the scratch database (its sessions are ended first).
    pub async fn drop_now(mut self) -> Result<(), DbError> {
        self.dropped = true;
        drop_database(&self.admin, &self.name, self.dialect).await
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // Reached when the run was interrupted or failed before drop_now:
        // the async runtime may be shutting down, so drop it from a thread
        // with a runtime of its own, and wait for that (bounded by connect
        // and statement time on a local server).
        let (admin, name, dialect) = (self.admin.clone(), self.name.clone(), self.dialect);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(drop_database(&admin, &name, dialect)).ok()
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            crate::ui::warn(format!(
                "could not drop the scratch database {}; drop it by hand",
                self.name
            ));
        }
    }
}

/// Drops the scratch database, ending the sessions still in it where the
/// dialect can.
async fn drop_database(
    admin: &Connector,
    name: &str,
    dialect: &dyn Dialect,
) -> Result<(), DbError> {
    let mut db = admin.connect().await?;
    sqlx::raw_sql(AssertSqlSafe(
        dialect.drop_database(&quote_ident(name), true),
    ))
    .execute(&mut db.conn)
    .await
    .map_err(|e| db.query_error(e))?;
    let _ = db.conn.close().await;
    crate::ui::debug(format!("dropped scratch database {name}"));
    Ok(())
}

/// Migrates `server` up to `version` as `seedkit migrate --to` does;
/// returns the milliseconds the migrations themselves took.
pub async fn migrate_to(
    server: &Connector,
    settings: &Settings,
    version: u64,
) -> crate::Result<u64> {
    let options = MigrateOptions {
        to: Some(version),
        ..MigrateOptions::default()
    };
    let run = crate::migrate::migrate(server, settings, &options).await?;
    Ok(run.steps.iter().filter_map(|s| s.execution_ms).sum())
}
