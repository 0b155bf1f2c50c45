//! Connections to Redis, through the `redis` crate: the URL, the login, TLS,
//! timeouts, and turning the crate's errors into seedkit's messages.
//!
//! The crate does the client work (TCP, `rediss://` TLS with rustls, AUTH,
//! SELECT, the multiplexed connection that pipelines requests, cluster
//! redirections); this module only chooses its settings and says, in the
//! user's terms and with the password redacted, what went wrong.

use std::sync::Once;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, ConnectionAddr, ConnectionInfo, IntoConnectionInfo};

use super::CacheError;
use crate::db::SecretUrl;

/// How long connecting (TCP, TLS handshake, AUTH) may take when the caller
/// gives no `--connect-timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one request may wait for its replies. A request is a whole
/// pipeline (thousands of commands, some of them `ZADD`s of 1,000 members
/// taking milliseconds each), queued behind the pipelines sent before it; the
/// crate's default (0.5 s) is for single commands. A server that answers
/// nothing for this long is given up on: a paused or wedged Redis must not
/// hang the warm forever.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// Where and how to connect, parsed from `--redis-url` / `REDIS_URL`.
#[derive(Clone)]
pub struct Target {
    url: SecretUrl,
    info: ConnectionInfo,
    /// `None`: wait as long as the operating system does.
    pub connect_timeout: Option<Duration>,
}

/// Debug shows the redacted URL only: the password must never reach a log.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({})", self.describe())
    }
}

impl Target {
    /// Parses `redis[s]://[user[:password]@]host[:port][/db][#insecure]`.
    pub fn parse(url: &SecretUrl, connect_timeout: Option<Duration>) -> Result<Target, CacheError> {
        let bad = |reason: String| CacheError::BadUrl {
            url: url.redacted(),
            reason: url.scrub(&reason),
        };
        let parsed = url::Url::parse(url.expose()).map_err(|e| bad(e.to_string()))?;
        if !matches!(parsed.scheme(), "redis" | "rediss") {
            return Err(bad(format!(
                "unknown scheme {:?}, expected redis:// or rediss://",
                parsed.scheme()
            )));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad("no host".to_string()));
        }
        let db = parsed.path().trim_start_matches('/');
        if !db.is_empty() && db.parse::<i64>().is_err() {
            return Err(bad(format!("database number {db:?} is not a number")));
        }
        let info = url
            .expose()
            .into_connection_info()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Target {
            url: url.clone(),
            info,
            connect_timeout,
        })
    }

    /// The URL as it may be printed (password replaced by `***`).
    pub fn redacted(&self) -> String {
        self.url.redacted()
    }

    /// The same credentials and TLS settings pointed at another node
    /// (a cluster master), database 0.
    pub fn node(&self, host: &str, port: u16) -> Target {
        let addr = match self.info.addr() {
            ConnectionAddr::TcpTls {
                insecure,
                tls_params,
                ..
            } => ConnectionAddr::TcpTls {
                host: host.to_string(),
                port,
                insecure: *insecure,
                tls_params: tls_params.clone(),
            },
            _ => ConnectionAddr::Tcp(host.to_string(), port),
        };
        let settings = self.info.redis_settings().clone().set_db(0);
        Target {
            url: self.url.clone(),
            info: self
                .info
                .clone()
                .set_addr(addr)
                .set_redis_settings(settings),
            connect_timeout: self.connect_timeout,
        }
    }

    /// `host:port` of the server this target connects to.
    pub fn addr(&self) -> String {
        let (host, port) = match self.info.addr() {
            ConnectionAddr::Tcp(host, port) => (host.as_str(), *port),
            ConnectionAddr::TcpTls { host, port, .. } => (host.as_str(), *port),
            _ => return self.redacted(),
        };
        if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        }
    }

    /// The URL for messages: the user's URL, or the node's address when it
    /// is another cluster member.
    pub fn describe(&self) -> String {
        let own = url::Url::parse(self.url.expose()).ok().is_some_and(|u| {
            let host = u.host_str().map(|h| h.trim_matches(['[', ']']));
            let (node_host, node_port) = match self.info.addr() {
                ConnectionAddr::Tcp(host, port) => (host.as_str(), *port),
                ConnectionAddr::TcpTls { host, port, .. } => (host.as_str(), *port),
                _ => return true,
            };
            host == Some(node_host) && u.port_or_known_default().unwrap_or(6379) == node_port
        });
        if own {
            self.redacted()
        } else {
            format!("{} (node of {})", self.addr(), self.redacted())
        }
    }

    /// The crate's view of the URL (cluster clients start from it).
    pub fn info(&self) -> &ConnectionInfo {
        &self.info
    }

    fn is_tls(&self) -> bool {
        matches!(self.info.addr(), ConnectionAddr::TcpTls { .. })
    }

    /// The crate's settings for a connection of this target.
    pub fn config(&self) -> AsyncConnectionConfig {
        AsyncConnectionConfig::new()
            .set_connection_timeout(self.connect_timeout)
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            // Pipelines are large: write them in big pieces, as `redis-cli
            // --pipe` does, instead of the default 8 KiB.
            .set_write_backpressure_boundary(256 * 1024)
    }

    /// Explains a failure to connect (or a failed first command).
    pub fn connect_error(&self, e: &redis::RedisError) -> CacheError {
        let reason = self.url.scrub(&describe(e));
        let url = self.describe();
        let code = e.code().unwrap_or_default();
        if matches!(e.kind(), redis::ErrorKind::AuthenticationFailed)
            || code == "NOAUTH"
            || code == "WRONGPASS"
        {
            return CacheError::Auth { url, reason };
        }
        let io_kind = io_kind(e);
        if self.is_tls() && is_tls_failure(e) {
            return CacheError::Tls {
                url,
                reason: format!("TLS handshake failed: {reason}"),
            };
        }
        if e.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
            let waited = self.connect_timeout.unwrap_or_default();
            return CacheError::Unreachable {
                url,
                reason: format!(
                    "no answer within {} (is it a Redis port{}?)",
                    humantime::format_duration(waited),
                    if self.is_tls() { " speaking TLS" } else { "" }
                ),
            };
        }
        if code == "ERR" && reason.contains("DB index") {
            return CacheError::BadUrl { url, reason };
        }
        CacheError::Unreachable { url, reason }
    }

    /// Explains a failure after the connection was up: `acknowledged`
    /// commands had been answered.
    pub fn lost(&self, e: &redis::RedisError, acknowledged: u64) -> CacheError {
        let reason = if e.is_timeout() {
            format!("no reply for {}s", RESPONSE_TIMEOUT.as_secs())
        } else {
            self.url.scrub(&describe(e))
        };
        CacheError::ConnectionLost {
            url: self.describe(),
            acknowledged,
            reason,
        }
    }
}

/// Connects, logs in (AUTH), selects the database and checks with PING
/// that no login is missing.
pub async fn open(target: &Target) -> Result<MultiplexedConnection, CacheError> {
    install_crypto_provider();
    let client = Client::open(target.info.clone()).map_err(|e| target.connect_error(&e))?;
    let mut con = client
        .get_multiplexed_async_connection_with_config(&target.config())
        .await
        .map_err(|e| target.connect_error(&e))?;
    redis::cmd("PING")
        .query_async::<()>(&mut con)
        .await
        .map_err(|e| target.connect_error(&e))?;
    Ok(con)
}

/// Gives rustls (behind the crate's `rediss://`) its crypto provider, ring,
/// once per process.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Err only means another thread installed one first: also fine.
            rustls::crypto::ring::default_provider()
                .install_default()
                .ok();
        }
    });
}

/// The crate's error as a user reads it: Redis's own words for an error
/// reply (`OOM command not allowed ...`), the system's for I/O.
pub fn describe(e: &redis::RedisError) -> String {
    use std::io::ErrorKind::{BrokenPipe, ConnectionReset, UnexpectedEof};
    match (e.code(), e.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        _ if matches!(
            io_kind(e),
            Some(UnexpectedEof | ConnectionReset | BrokenPipe)
        ) =>
        {
            "the server closed the connection".to_string()
        }
        _ => e.to_string(),
    }
}

/// The errors behind `e`, outermost first.
fn causes(e: &redis::RedisError) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    std::iter::successors(std::error::Error::source(e), |&cause| {
        // The crate keeps its cause in an Arc, and an io::Error shows the
        // error it wraps through get_ref(): look through both.
        if let Some(shared) = cause.downcast_ref::<Shared>() {
            Some(&**shared as &(dyn std::error::Error + 'static))
        } else if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            io.get_ref().map(|inner| inner as _)
        } else {
            cause.source()
        }
    })
}

fn io_kind(e: &redis::RedisError) -> Option<std::io::ErrorKind> {
    causes(e)
        .find_map(|c| c.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind)
}

/// A certificate or handshake failure reported by rustls.
fn is_tls_failure(e: &redis::RedisError) -> bool {
    causes(e).any(|c| c.is::<rustls::Error>())
        || io_kind(e) == Some(std::io::ErrorKind::InvalidData)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<Target, CacheError> {
        Target::parse(&SecretUrl::new(url), None)
    }

    #[test]
    fn parses_password_db_and_defaults() {
        let t = parse("redis://:p%40ss@127.0.0.1/3").unwrap();
        assert_eq!(t.addr(), "127.0.0.1:6379");
        assert_eq!(t.info.redis_settings().db(), 3);
        assert_eq!(t.info.redis_settings().password(), Some("p@ss"));
        assert_eq!(t.info.redis_settings().username(), None);
        assert_eq!(t.redacted(), "redis://:***@127.0.0.1/3");
        assert_eq!(t.describe(), "redis://:***@127.0.0.1/3");
        let t = parse("redis://bob:x@h:7000").unwrap();
        assert_eq!(t.info.redis_settings().username(), Some("bob"));
        assert_eq!(
            (t.addr(), t.info.redis_settings().db()),
            ("h:7000".into(), 0)
        );
        let node = t.node("10.0.0.2", 7001);
        assert_eq!(
            node.describe(),
            "10.0.0.2:7001 (node of redis://bob:***@h:7000)"
        );
        assert_eq!(node.info.redis_settings().password(), Some("x"));
    }

    #[test]
    fn rejects_other_schemes_and_bad_db() {
        assert!(parse("http://h").is_err());
        assert!(parse("redis://h/x").is_err());
        assert!(parse("redis:///0").is_err());
        let err = parse("http://:secret@h").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        let t = parse("rediss://h:6380/1#insecure").unwrap();
        assert!(matches!(
            t.info.addr(),
            ConnectionAddr::TcpTls {
                insecure: true,
                port: 6380,
                ..
            }
        ));
        assert!(t.is_tls());
        let t = parse("rediss://h").unwrap();
        assert!(matches!(
            t.info.addr(),
            ConnectionAddr::TcpTls {
                insecure: false,
                port: 6379,
                ..
            }
        ));
    }
}
