//! Connections to PostgreSQL and CockroachDB.
//!
//! One driver, sqlx: it starts COPY with a simple Query message, which
//! CockroachDB requires, and it loaded as fast as tokio-postgres on these
//! machines (docs/BENCHMARKS.md). Every connection identifies itself as
//! `application_name = seedkit`, so a lock holder is recognisable in
//! `pg_stat_activity`.
//!
//! The server's flavour is detected from `crdb_version` / `version()`, never
//! from `server_version` (CockroachDB reports a PostgreSQL version there).

pub mod dialect;
pub mod url;

use std::str::FromStr;

use sqlx::{Connection as _, PgConnection, postgres::PgConnectOptions};

pub use dialect::Dialect;
pub use url::SecretUrl;

use crate::error::{Diagnostic, ExitCode};

/// Which database flavour is on the other end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    Postgres,
    Cockroach,
}

impl Flavor {
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Postgres => "PostgreSQL",
            Flavor::Cockroach => "CockroachDB",
        }
    }
}

/// Errors reaching or talking to the database outside a migration or load.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no database URL given")]
    NoUrl,
    #[error("invalid database URL {url}: {message}")]
    BadUrl { url: String, message: String },
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    /// The server refused the login (SQLSTATE 28P01 / 28000).
    #[error("cannot connect to {url}: {message}")]
    LoginRefused { url: String, message: String },
    /// The server runs, the database named in the URL does not (3D000).
    #[error("cannot connect to {url}: {message}")]
    NoDatabase { url: String, message: String },
    #[error("database error on {url}: {message}")]
    Query { url: String, message: String },
}

impl Diagnostic for DbError {
    fn exit_code(&self) -> ExitCode {
        match self {
            DbError::NoUrl | DbError::BadUrl { .. } => ExitCode::Usage,
            DbError::Connect { .. } | DbError::LoginRefused { .. } | DbError::NoDatabase { .. } => {
                ExitCode::Unreachable
            }
            DbError::Query { .. } => ExitCode::Failure,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            DbError::NoUrl => Some(
                "pass --database-url postgres://user@host:5432/db or set DATABASE_URL \
                 (a .env file in the current directory is read too)"
                    .into(),
            ),
            DbError::BadUrl { .. } => {
                Some("the URL looks like postgres://user:password@host:5432/database".into())
            }
            DbError::Connect { .. } => Some(
                "check that the server is running and the URL's host, port, user and \
                 database are right (`pg_isready -d URL` tells)"
                    .into(),
            ),
            DbError::LoginRefused { .. } => Some(
                "check the user and password in the URL (or PGPASSWORD / ~/.pgpass when the URL \
                 has none), and that pg_hba.conf lets this user in from this host"
                    .into(),
            ),
            DbError::NoDatabase { .. } => Some(
                "create it (`createdb NAME`, or CREATE DATABASE) or put an existing database \
                 in the URL's path (postgres://user@host:5432/NAME)"
                    .into(),
            ),
            DbError::Query { .. } => None,
        }
    }
}

/// An open connection with the flavour of its server.
pub struct Db {
    pub conn: PgConnection,
    pub flavor: Flavor,
    pub url: SecretUrl,
}

impl Db {
    /// Turns a driver error into a [`DbError::Query`] naming the (redacted) URL.
    pub fn query_error(&self, err: sqlx::Error) -> DbError {
        DbError::Query {
            url: self.url.redacted(),
            message: self.url.scrub(&err.to_string()),
        }
    }
}

/// Parses a URL into connect options with `application_name = seedkit`.
pub fn connect_options(url: &SecretUrl) -> Result<PgConnectOptions, DbError> {
    PgConnectOptions::from_str(url.expose())
        .map(|o| o.application_name("seedkit"))
        .map_err(|e| DbError::BadUrl {
            url: url.redacted(),
            message: url.scrub(&e.to_string()),
        })
}

/// Opens one connection and detects the server's flavour.
pub async fn connect(url: &SecretUrl) -> Result<Db, DbError> {
    let options = connect_options(url)?;
    let mut conn = PgConnection::connect_with(&options)
        .await
        .map_err(|e| connect_error(url, &e))?;
    let flavor = detect_flavor(&mut conn).await.map_err(|e| DbError::Query {
        url: url.redacted(),
        message: url.scrub(&e.to_string()),
    })?;
    Ok(Db {
        conn,
        flavor,
        url: url.clone(),
    })
}

/// Why a connection failed, in the server's own words when it answered
/// (without the "at line N" of PostgreSQL's source file that sqlx appends),
/// sorted by SQLSTATE so each cause gets its own hint.
fn connect_error(url: &SecretUrl, err: &sqlx::Error) -> DbError {
    let Some(db_err) = err.as_database_error() else {
        return DbError::Connect {
            url: url.redacted(),
            message: url.scrub(&err.to_string()),
        };
    };
    let message = url.scrub(db_err.message());
    let url = url.redacted();
    match db_err.code().as_deref() {
        Some("28P01" | "28000") => DbError::LoginRefused { url, message },
        Some("3D000") => DbError::NoDatabase { url, message },
        _ => DbError::Connect { url, message },
    }
}

/// `SELECT version()` mentions CockroachDB on CockroachDB; `server_version`
/// would not (it imitates PostgreSQL's).
pub async fn detect_flavor(conn: &mut PgConnection) -> Result<Flavor, sqlx::Error> {
    let version: String = sqlx::query_scalar("SELECT version()")
        .fetch_one(&mut *conn)
        .await?;
    Ok(if version.contains("CockroachDB") {
        Flavor::Cockroach
    } else {
        Flavor::Postgres
    })
}

/// Quotes an SQL identifier (`"name"`, doubling embedded quotes).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a possibly schema-qualified name given as `schema.table` or `table`.
pub fn quote_qualified(name: &str) -> String {
    name.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// Quotes an SQL string literal.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
