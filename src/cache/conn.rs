//! Connections to one Redis server: the URL, the login, control commands.
//!
//! seedkit speaks RESP itself over a tokio socket instead of going through a
//! client library: warming is one long stream of writes whose replies only
//! need counting, and writing the encoded bytes straight to the socket (the
//! same bytes `--resp` writes to a file) is what lets it keep up with
//! `redis-cli --pipe`. Control commands (AUTH, SELECT, INFO, CLUSTER SLOTS,
//! SCAN) use the simple request/reply [`Conn::call`].

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::CacheError;
use super::resp::{self, Command, Reply};
use super::tls::{self, Verify};
use crate::db::SecretUrl;
use crate::db::url::percent_decode;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A byte stream to a server: plain TCP, or TLS over TCP.
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}
pub type BoxStream = Box<dyn Stream>;

/// Where and how to connect, parsed from `--redis-url` / `REDIS_URL`.
#[derive(Clone)]
pub struct Target {
    url: SecretUrl,
    pub host: String,
    pub port: u16,
    pub db: i64,
    username: Option<String>,
    password: Option<String>,
    /// `rediss://`: TLS, and how the certificate is checked.
    tls: Option<Verify>,
}

/// Debug shows the redacted URL only: the password must never reach a log.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({})", self.describe())
    }
}

impl Target {
    /// Parses `redis[s]://[user[:password]@]host[:port][/db][#insecure]`.
    pub fn parse(url: &SecretUrl) -> Result<Target, CacheError> {
        let bad = |reason: &str| CacheError::BadUrl {
            url: url.redacted(),
            reason: reason.to_string(),
        };
        let parsed = url::Url::parse(url.expose()).map_err(|e| bad(&e.to_string()))?;
        let tls = match parsed.scheme() {
            "redis" => None,
            "rediss" if parsed.fragment() == Some("insecure") => Some(Verify::Insecure),
            "rediss" => Some(Verify::Certificates),
            other => {
                return Err(bad(&format!(
                    "unknown scheme {other:?}, expected redis:// or rediss://"
                )));
            }
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?
            .trim_matches(['[', ']'])
            .to_string();
        let db = match parsed.path().trim_start_matches('/') {
            "" => 0,
            db => db
                .parse()
                .map_err(|_| bad(&format!("database number {db:?} is not a number")))?,
        };
        let username = Some(percent_decode(parsed.username())).filter(|u| !u.is_empty());
        Ok(Target {
            host,
            port: parsed.port().unwrap_or(6379),
            db,
            username,
            password: url.password(),
            tls,
            url: url.clone(),
        })
    }

    /// The URL as it may be printed (password replaced by `***`).
    pub fn redacted(&self) -> String {
        self.url.redacted()
    }

    /// The same credentials pointed at another node (cluster members).
    pub fn node(&self, host: &str, port: u16) -> Target {
        let mut target = self.clone();
        target.host = host.to_string();
        target.port = port;
        target.db = 0;
        target
    }

    /// `host:port`, for messages about one node of a cluster.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL for messages: the user's URL, or the node's address when it
    /// is another cluster member.
    pub fn describe(&self) -> String {
        let redacted = self.redacted();
        let own = url::Url::parse(self.url.expose()).ok().is_some_and(|u| {
            u.host_str() == Some(self.host.as_str()) && u.port_or_known_default() == Some(self.port)
        });
        if own || self.port == 0 {
            redacted
        } else {
            format!("{} (node of {redacted})", self.addr())
        }
    }

    fn scrub(&self, text: &str) -> String {
        self.url.scrub(text)
    }
}

/// One logged-in connection.
pub struct Conn {
    stream: BoxStream,
    buf: Vec<u8>,
    pub target: Target,
}

impl Conn {
    /// Connects, logs in (AUTH), selects the database and checks with PING
    /// that no login is missing.
    pub async fn open(target: &Target) -> Result<Conn, CacheError> {
        let unreachable = |reason: String| CacheError::Unreachable {
            url: target.describe(),
            reason,
        };
        let socket = tokio::time::timeout(
            CONNECT_TIMEOUT,
            TcpStream::connect((target.host.as_str(), target.port)),
        )
        .await
        .map_err(|_| unreachable(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())))?
        .map_err(|e| unreachable(e.to_string()))?;
        socket.set_nodelay(true).ok();
        let stream: BoxStream = match target.tls {
            None => Box::new(socket),
            Some(verify) => {
                let handshake = tls::connect(socket, &target.host, verify);
                tokio::time::timeout(CONNECT_TIMEOUT, handshake)
                    .await
                    .unwrap_or_else(|_| {
                        Err(format!(
                            "no TLS handshake within {}s (is it a TLS port?)",
                            CONNECT_TIMEOUT.as_secs()
                        ))
                    })
                    .map_err(|reason| CacheError::Tls {
                        url: target.describe(),
                        reason,
                    })?
            }
        };
        let mut conn = Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
            target: target.clone(),
        };
        if let Some(password) = &target.password {
            let mut auth = resp::command(&["AUTH"]);
            if let Some(user) = &target.username {
                auth.arg(user.as_bytes());
            }
            auth.arg(password.as_bytes());
            if let Reply::Error(reason) = conn.call(&auth).await? {
                return Err(CacheError::Auth {
                    url: target.describe(),
                    reason: target.scrub(&reason),
                });
            }
        }
        match conn.call(&resp::command(&["PING"])).await? {
            Reply::Error(reason)
                if reason.starts_with("NOAUTH") || reason.starts_with("WRONGPASS") =>
            {
                return Err(CacheError::Auth {
                    url: target.describe(),
                    reason,
                });
            }
            Reply::Error(reason) => return Err(unreachable(reason)),
            _ => {}
        }
        if target.db != 0 {
            let select = resp::command(&["SELECT", &target.db.to_string()]);
            if let Reply::Error(reason) = conn.call(&select).await? {
                return Err(CacheError::BadUrl {
                    url: target.describe(),
                    reason: format!("SELECT {}: {reason}", target.db),
                });
            }
        }
        Ok(conn)
    }

    /// Sends one command and waits for its reply. An error reply is returned
    /// as `Reply::Error`; a broken connection is an `Err`.
    pub async fn call(&mut self, cmd: &Command) -> Result<Reply, CacheError> {
        let mut out = Vec::new();
        cmd.encode(&mut out);
        let lost = |reason: String, target: &Target| CacheError::ConnectionLost {
            url: target.describe(),
            acknowledged: 0,
            reason,
        };
        let result = tokio::time::timeout(CALL_TIMEOUT, async {
            self.stream.write_all(&out).await?;
            loop {
                match resp::parse_reply(&self.buf) {
                    Ok(Some((reply, len))) => {
                        self.buf.drain(..len);
                        return Ok(reply);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            e.to_string(),
                        ));
                    }
                }
                let mut chunk = [0u8; 16 * 1024];
                let n = self.stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                self.buf.extend_from_slice(&chunk[..n]);
            }
        })
        .await;
        match result {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => Err(lost(
                format!("{} (while sending `{}`)", describe_io(&e), cmd_name(cmd)),
                &self.target,
            )),
            Err(_) => Err(lost(
                format!(
                    "no reply to `{}` within {}s",
                    cmd_name(cmd),
                    CALL_TIMEOUT.as_secs()
                ),
                &self.target,
            )),
        }
    }

    /// Like [`Self::call`], but an error reply becomes [`CacheError::Rejected`].
    pub async fn call_ok(&mut self, cmd: &Command) -> Result<Reply, CacheError> {
        match self.call(cmd).await? {
            Reply::Error(reason) => Err(CacheError::Rejected {
                url: self.target.describe(),
                command: cmd_name(cmd),
                reason,
            }),
            reply => Ok(reply),
        }
    }

    /// The socket and any bytes already read past the last reply.
    pub fn into_parts(self) -> (BoxStream, Vec<u8>, Target) {
        (self.stream, self.buf, self.target)
    }
}

/// The command's name and key, never its values (they may be long).
pub fn cmd_name(cmd: &Command) -> String {
    let name = String::from_utf8_lossy(cmd.get(0)).into_owned();
    if cmd.len() > 1 && !name.eq_ignore_ascii_case("AUTH") {
        format!("{name} {}", String::from_utf8_lossy(cmd.get(1)))
    } else {
        name
    }
}

pub fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "the server closed the connection".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_password_db_and_defaults() {
        let t = Target::parse(&SecretUrl::new("redis://:p%40ss@127.0.0.1/3")).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.db), ("127.0.0.1", 6379, 3));
        assert_eq!(t.password.as_deref(), Some("p@ss"));
        assert_eq!(t.username, None);
        assert_eq!(t.redacted(), "redis://:***@127.0.0.1/3");
        let t = Target::parse(&SecretUrl::new("redis://bob:x@h:7000")).unwrap();
        assert_eq!(
            (t.username.as_deref(), t.port, t.db),
            (Some("bob"), 7000, 0)
        );
    }

    #[test]
    fn rejects_other_schemes_and_bad_db() {
        assert!(Target::parse(&SecretUrl::new("http://h")).is_err());
        assert!(Target::parse(&SecretUrl::new("redis://h/x")).is_err());
        let err = Target::parse(&SecretUrl::new("http://:secret@h")).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        let t = Target::parse(&SecretUrl::new("rediss://h:6380/1#insecure")).unwrap();
        assert_eq!((t.tls, t.port, t.db), (Some(Verify::Insecure), 6380, 1));
        let t = Target::parse(&SecretUrl::new("rediss://h")).unwrap();
        assert_eq!(t.tls, Some(Verify::Certificates));
    }
}
