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

use crate::db::{DbError, Flavor, SecretUrl, quote_ident};

/// A database that exists for one `verify` run.
pub struct ScratchDb {
    /// The server's URL as given (the target database), for the drop.
    admin: SecretUrl,
    pub name: String,
    /// The scratch database's URL.
    pub url: SecretUrl,
    flavor: Flavor,
    dropped: bool,
}

impl ScratchDb {
    /// Creates `seedkit_verify_<pid>_<random>` on the server of `admin`.
    pub async fn create(admin: &SecretUrl) -> Result<ScratchDb, DbError> {
        let mut db = crate::db::connect(admin).await?;
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
        let _ = db.conn.close().await;
        let url = with_database(admin, &name)?;
        crate::ui::debug(format!("created scratch database {name}"));
        Ok(ScratchDb {
            admin: admin.clone(),
            name,
            url,
            flavor: db.flavor,
            dropped: false,
        })
    }

    /// Drops the scratch database (its sessions are ended first).
    pub async fn drop_now(mut self) -> Result<(), DbError> {
        self.dropped = true;
        drop_database(&self.admin, &self.name, self.flavor).await
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
        let (admin, name, flavor) = (self.admin.clone(), self.name.clone(), self.flavor);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(drop_database(&admin, &name, flavor)).ok()
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

async fn drop_database(admin: &SecretUrl, name: &str, flavor: Flavor) -> Result<(), DbError> {
    let mut db = crate::db::connect(admin).await?;
    // WITH (FORCE) ends the sessions still connected to it (PostgreSQL 13+);
    // CockroachDB has no such clause and needs CASCADE for a non-empty one.
    let sql = match flavor {
        Flavor::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name)),
        Flavor::Cockroach => format!("DROP DATABASE IF EXISTS {} CASCADE", quote_ident(name)),
    };
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut db.conn)
        .await
        .map_err(|e| db.query_error(e))?;
    let _ = db.conn.close().await;
    crate::ui::debug(format!("dropped scratch database {name}"));
    Ok(())
}

/// The same URL with another database name.
fn with_database(url: &SecretUrl, database: &str) -> Result<SecretUrl, DbError> {
    let mut parsed = url::Url::parse(url.expose()).map_err(|e| DbError::BadUrl {
        url: url.redacted(),
        message: e.to_string(),
    })?;
    parsed.set_path(&format!("/{database}"));
    Ok(SecretUrl::new(parsed.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_database_keeps_user_password_and_options() {
        let url = SecretUrl::new("postgres://u:p%40ss@h:5433/app?sslmode=disable");
        let scratch = with_database(&url, "seedkit_verify_1_ab").unwrap();
        assert_eq!(
            scratch.expose(),
            "postgres://u:p%40ss@h:5433/seedkit_verify_1_ab?sslmode=disable"
        );
    }
}
