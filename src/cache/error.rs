//! Cache (Redis) errors: each names the Redis URL (password redacted) and
//! says what to do next. Exit codes follow the README's table: a bad URL or
//! set name is usage (2), a Redis that cannot be reached or refuses the
//! login is 3, a failure while warming is 10. In `seedkit seed` the database
//! load has committed before the cache step, so every cache error there is
//! wrapped in [`CacheError::AfterLoad`] and exits with 10.

use std::path::PathBuf;

use crate::error::{Diagnostic, ExitCode};

/// What a user can always do after a cache failure: the warm step alone is
/// repeatable and never touches the database.
const RETRY: &str = "then run `seedkit warm` with the same --profile, --seed and --set \
                     options: it fills Redis again without touching the database";

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("no Redis URL given")]
    NoUrl,

    #[error("{reason}")]
    BadSet { reason: String },

    #[error(
        "refusing --reset with an empty redis.prefix: it would remove every key of the Redis \
         database, other programs' keys included"
    )]
    EmptyResetPrefix,

    #[error("invalid Redis URL {url}: {reason}")]
    BadUrl { url: String, reason: String },

    #[error("cannot reach Redis at {url}: {reason}")]
    Unreachable { url: String, reason: String },

    #[error("cannot open a TLS connection to Redis at {url}: {reason}")]
    Tls { url: String, reason: String },

    #[error("Redis at {url} refused the login: {reason}")]
    Auth { url: String, reason: String },

    #[error("Redis at {url} rejected `{command}`: {reason}")]
    Rejected {
        url: String,
        command: String,
        reason: String,
    },

    #[error(
        "lost the connection to Redis at {url} after {acknowledged} acknowledged commands: {reason}"
    )]
    ConnectionLost {
        url: String,
        acknowledged: u64,
        reason: String,
    },

    #[error("Redis Cluster at {url}: {reason}")]
    Cluster { url: String, reason: String },

    /// Ctrl-C / SIGTERM during `seed`'s cache step, after the load committed.
    #[error("interrupted while warming Redis at {url}; the database load had committed and stays")]
    Interrupted { url: String },

    #[error("cannot write the RESP file {}: {source}", path.display())]
    RespFile {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Any of the above, after `seed` committed the database load.
    #[error(transparent)]
    AfterLoad(Box<CacheError>),
}

impl CacheError {
    /// This error as the cache step of `seed` reports it: the load stays
    /// committed, so the exit code is 10 whatever went wrong.
    pub fn after_load(self) -> CacheError {
        match self {
            CacheError::AfterLoad(_) => self,
            other => CacheError::AfterLoad(Box::new(other)),
        }
    }
}

impl Diagnostic for CacheError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CacheError::NoUrl
            | CacheError::BadSet { .. }
            | CacheError::BadUrl { .. }
            | CacheError::EmptyResetPrefix => ExitCode::Usage,
            CacheError::Unreachable { .. } | CacheError::Tls { .. } | CacheError::Auth { .. } => {
                ExitCode::Unreachable
            }
            CacheError::Rejected { .. }
            | CacheError::ConnectionLost { .. }
            | CacheError::Cluster { .. }
            | CacheError::RespFile { .. }
            | CacheError::Interrupted { .. }
            | CacheError::AfterLoad(_) => ExitCode::CacheFailed,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            CacheError::AfterLoad(inner) => return inner.hint(),
            CacheError::NoUrl => "pass --redis-url redis://127.0.0.1:6379/0 or set REDIS_URL \
                                  (or skip the cache step with --no-cache)"
                .to_string(),
            CacheError::EmptyResetPrefix => "set a prefix only seedkit writes under, e.g. \
                                             --set redis.prefix=seedkit: (or `prefix = \"seedkit:\"` \
                                             under [redis] in the profile)"
                .to_string(),
            CacheError::BadSet { .. } => {
                "pass names of sets under [redis.sets] in the profile".to_string()
            }
            CacheError::BadUrl { .. } => {
                "use redis://[user:password@]host:port/db (rediss://...[#insecure] for TLS), \
                 via --redis-url or REDIS_URL"
                    .to_string()
            }
            CacheError::Unreachable { .. } | CacheError::ConnectionLost { .. } => {
                format!(
                    "check that Redis is running and --redis-url / REDIS_URL points at it, {RETRY}"
                )
            }
            CacheError::Tls { .. } => format!(
                "check that the server speaks TLS on that port; for a private CA set \
                 SSL_CERT_FILE=ca.pem, or add #insecure to the URL to skip the certificate check \
                 (throwaway servers only), {RETRY}"
            ),
            CacheError::Auth { .. } => format!(
                "put the right user and password in the URL (redis://user:password@host:port/db), {RETRY}"
            ),
            CacheError::Rejected { reason, .. } if reason.starts_with("OOM") => format!(
                "Redis hit its maxmemory limit: raise `maxmemory`, free memory, or warm fewer keys \
                 (e.g. --set redis.sets.<name>.enabled=false), {RETRY}"
            ),
            CacheError::Rejected { reason, .. } if reason.starts_with("WRONGTYPE") => format!(
                "a key under the prefix already holds another type: run `seedkit warm --reset` \
                 to remove the keys under the prefix first, or choose another prefix with \
                 --set redis.prefix=..., {RETRY}"
            ),
            CacheError::Rejected { .. } => format!("see Redis's message above, {RETRY}"),
            CacheError::Cluster { .. } => {
                format!("check `redis-cli -c cluster info` (all slots must be covered), {RETRY}")
            }
            CacheError::RespFile { .. } => "check the path and free disk space".to_string(),
            CacheError::Interrupted { .. } => format!("the keys written so far stay; {RETRY}"),
        })
    }
}
