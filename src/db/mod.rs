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
//!
//! Every connection is opened through a [`Connector`]: the URL plus a bound
//! on how long connecting may take. A host that accepts TCP and never
//! answers (a stuck proxy, a black-holing firewall) would otherwise hang a
//! run forever.

pub mod cockroach;
pub mod dialect;
pub mod history;
pub mod holder;
pub mod postgres;
pub mod session;
pub mod url;

use std::str::FromStr;
use std::time::Duration;

use sqlx::{Connection as _, PgConnection, postgres::PgConnectOptions};

pub use dialect::Dialect;
pub use session::Migrate;
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
    #[error("cannot connect to {url}: no answer within {}", humantime::format_duration(*.after))]
    ConnectTimeout { url: String, after: Duration },
    #[error("database error on {url}: {message}")]
    Query { url: String, message: String },
    /// A statement of a step failed (`context` names the step).
    #[error("{context}: {message}")]
    Statement { context: String, message: String },
    /// The server refused a setting seedkit's guarantees depend on.
    #[error("{name} refused `{sql}` (needed {why}): {message}")]
    Setting {
        name: &'static str,
        sql: &'static str,
        why: &'static str,
        message: String,
    },
}

impl Diagnostic for DbError {
    fn exit_code(&self) -> ExitCode {
        match self {
            DbError::NoUrl | DbError::BadUrl { .. } => ExitCode::Usage,
            DbError::Connect { .. }
            | DbError::LoginRefused { .. }
            | DbError::NoDatabase { .. }
            | DbError::ConnectTimeout { .. } => ExitCode::Unreachable,
            DbError::Query { .. } | DbError::Statement { .. } => ExitCode::Failure,
            DbError::Setting { .. } => ExitCode::Usage,
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
            DbError::ConnectTimeout { .. } => Some(
                "something accepted the connection but no PostgreSQL answered: check the \
                 URL's host and port, and any proxy, tunnel or firewall in between \
                 (`pg_isready -d URL` tells); a slow server may need a longer \
                 --connect-timeout (SEEDKIT_CONNECT_TIMEOUT, or connect_timeout=SECONDS \
                 in the URL)"
                    .into(),
            ),
            DbError::Query { .. } | DbError::Statement { .. } => None,
            DbError::Setting { .. } => Some(
                "this server version or configuration is not supported for migrations; \
                 please report it with the server's version"
                    .into(),
            ),
        }
    }
}

/// An open connection with the flavour of its server, and the connector
/// that opened it (to open more like it).
pub struct Db {
    pub conn: PgConnection,
    pub flavor: Flavor,
    pub connector: Connector,
}

impl Db {
    /// The URL this connection came from (print it with `Display`: redacted).
    pub fn url(&self) -> &SecretUrl {
        &self.connector.url
    }

    /// How this server behaves where servers differ.
    pub fn dialect(&self) -> &'static dyn Dialect {
        dialect::for_flavor(self.flavor)
    }

    /// Turns a driver error into a [`DbError::Query`] naming the (redacted) URL.
    pub fn query_error(&self, err: sqlx::Error) -> DbError {
        DbError::Query {
            url: self.url().redacted(),
            message: self.url().scrub(&err.to_string()),
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

/// Opens one connection to `url` with the default connect timeout (for
/// callers that have a URL and no `--connect-timeout` of their own).
pub async fn connect(url: &SecretUrl) -> Result<Db, DbError> {
    Connector::new(url.clone()).connect().await
}

/// How long connecting may take when nothing says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where to connect and how long connecting may take (TCP, TLS, startup,
/// authentication and the first query together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connector {
    pub url: SecretUrl,
    /// `None`: wait as long as it takes.
    pub timeout: Option<Duration>,
}

impl Connector {
    /// A connector with the default timeout (10 s).
    pub fn new(url: SecretUrl) -> Connector {
        Connector {
            url,
            timeout: Some(DEFAULT_CONNECT_TIMEOUT),
        }
    }

    /// `timeout` for connecting; zero means no limit (as libpq's
    /// `connect_timeout=0`).
    pub fn with_timeout(mut self, timeout: Duration) -> Connector {
        self.timeout = (!timeout.is_zero()).then_some(timeout);
        self
    }

    /// The same server, user, password, parameters and timeout, for the
    /// database `name` (a scratch or fixture database seedkit made).
    pub fn for_database(&self, name: &str) -> Result<Connector, DbError> {
        let mut parsed = ::url::Url::parse(self.url.expose()).map_err(|e| DbError::BadUrl {
            url: self.url.redacted(),
            message: self.url.scrub(&e.to_string()),
        })?;
        parsed.set_path(&format!("/{name}"));
        Ok(Connector {
            url: SecretUrl::new(parsed.to_string()),
            timeout: self.timeout,
        })
    }

    /// The bound that applies: the URL's own `connect_timeout` (seconds, as
    /// libpq reads it; 0 is no limit) wins over [`Connector::timeout`].
    pub fn effective_timeout(&self) -> Result<Option<Duration>, DbError> {
        match url_connect_timeout(&self.url)? {
            Some(0) => Ok(None),
            Some(seconds) => Ok(Some(Duration::from_secs(seconds))),
            None => Ok(self.timeout),
        }
    }

    /// Opens one connection and detects the server's flavour, within the
    /// connect timeout.
    pub async fn connect(&self) -> Result<Db, DbError> {
        let opened = match self.effective_timeout()? {
            None => connect_unbounded(&self.url).await,
            Some(limit) => tokio::time::timeout(limit, connect_unbounded(&self.url))
                .await
                .unwrap_or_else(|_| {
                    Err(DbError::ConnectTimeout {
                        url: self.url.redacted(),
                        after: limit,
                    })
                }),
        };
        let (conn, flavor) = opened?;
        Ok(Db {
            conn,
            flavor,
            connector: self.clone(),
        })
    }
}

/// The `connect_timeout` query parameter of a PostgreSQL URL, in seconds.
fn url_connect_timeout(url: &SecretUrl) -> Result<Option<u64>, DbError> {
    let Ok(parsed) = ::url::Url::parse(url.expose()) else {
        return Ok(None); // connect_options reports the malformed URL
    };
    let Some((_, value)) = parsed.query_pairs().find(|(k, _)| k == "connect_timeout") else {
        return Ok(None);
    };
    // libpq: a negative value means no limit, like zero.
    match value.trim().parse::<i64>() {
        Ok(seconds) => Ok(Some(seconds.max(0) as u64)),
        Err(_) => Err(DbError::BadUrl {
            url: url.redacted(),
            message: format!("connect_timeout={value} is not a whole number of seconds"),
        }),
    }
}

/// Opens one connection and detects the server's flavour, with no bound on
/// how long it takes; [`Connector::connect`] bounds it.
async fn connect_unbounded(url: &SecretUrl) -> Result<(PgConnection, Flavor), DbError> {
    let options = connect_options(url)?;
    let mut conn = PgConnection::connect_with(&options)
        .await
        .map_err(|e| connect_error(url, &e))?;
    let flavor = detect_flavor(&mut conn).await.map_err(|e| DbError::Query {
        url: url.redacted(),
        message: url.scrub(&e.to_string()),
    })?;
    Ok((conn, flavor))
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

/// A driver error in the server's words: message, SQLSTATE, detail, context
/// and hint, on one line. The context of a failed COPY names the row and
/// column (`COPY kinds, line 470, column name: "..."`).
pub fn describe(err: &sqlx::Error) -> String {
    let Some(pg) = err
        .as_database_error()
        .and_then(|e| e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
    else {
        return err.to_string();
    };
    let mut text = format!("{} (SQLSTATE {})", pg.message(), pg.code());
    if let Some(detail) = pg.detail() {
        text.push_str(&format!("; {detail}"));
    }
    if let Some(context) = pg.r#where() {
        let context: String = context.chars().take(300).collect();
        text.push_str(&format!("; {context}"));
    }
    if let Some(hint) = pg.hint() {
        text.push_str(&format!("; server hint: {hint}"));
    }
    text
}

/// The client's host name, recorded in `applied_by` and a lease row's
/// `owner_host` (empty when the system will not say).
pub fn client_host() -> String {
    whoami::hostname().unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_database_keeps_user_password_options_and_timeout() {
        let server = Connector::new(SecretUrl::new(
            "postgres://u:p%40ss@h:5433/app?sslmode=disable",
        ))
        .with_timeout(Duration::from_secs(3));
        let other = server.for_database("seedkit_verify_1_ab").unwrap();
        assert_eq!(
            other.url.expose(),
            "postgres://u:p%40ss@h:5433/seedkit_verify_1_ab?sslmode=disable"
        );
        assert_eq!(other.timeout, Some(Duration::from_secs(3)));
    }
}
