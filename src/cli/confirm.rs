//! Asking before a destructive command reaches a server on another machine.
//!
//! `rollback --all` (or of more than one migration), `seed --reset` and
//! `warm --reset` delete data. Against a server on this machine (a loopback
//! address, `localhost`, a Unix socket) they run as asked: that is CI and a
//! developer's laptop. Against any other host they ask on the terminal
//! first, and without a terminal they refuse unless `--yes` (or
//! `SEEDKIT_ASSUME_YES=1`) says the caller means it. The check reads only the
//! URL, so it runs before any connection is attempted; host names are not
//! resolved (a name that happens to resolve to 127.0.0.1 still asks).

use std::io::{BufRead, IsTerminal, Write};
use std::net::IpAddr;

use crate::db::SecretUrl;
use crate::db::url::percent_decode;
use crate::error::{Error, Result};

/// Lets a destructive `action` (e.g. "empty the profile's tables") go ahead
/// against `url`: at once when the server is local or `yes` is set, after a
/// typed `yes` on a terminal, never otherwise (exit 2).
pub fn destructive(action: &str, url: &SecretUrl, yes: bool) -> Result<()> {
    if yes || is_local(url) {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !(stdin.is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::usage_with_hint(
            format!(
                "refusing to {action} on {url}: it is not a server on this machine and there \
                 is no terminal to confirm on"
            ),
            "pass --yes (or set SEEDKIT_ASSUME_YES=1) if you mean it; \
             servers on loopback addresses, localhost and Unix sockets need no confirmation",
        ));
    }
    eprint!("{action} on {url}, which is not on this machine? Type yes to go on: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "not confirmed: did not {action} on {url}"
        )))
    }
}

/// Whether `url` names a server on this machine: every host is a loopback
/// address, `localhost`, or a Unix socket (an empty host, a path, libpq's
/// `host=/path` query parameter, a `unix://` or `redis+unix://` URL).
pub fn is_local(url: &SecretUrl) -> bool {
    let Ok(parsed) = url::Url::parse(url.expose()) else {
        return false;
    };
    if matches!(parsed.scheme(), "unix" | "redis+unix") {
        return true;
    }
    // libpq's `host` parameter wins over the authority part.
    let host = parsed
        .query_pairs()
        .find(|(key, _)| key == "host")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| percent_decode(parsed.host_str().unwrap_or("")));
    // libpq accepts a comma-separated list of hosts: each must be local.
    host.split(',').all(host_is_local)
}

fn host_is_local(host: &str) -> bool {
    let host = host.trim();
    if host.is_empty() || host.starts_with('/') {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(url: &str) -> bool {
        is_local(&SecretUrl::new(url))
    }

    #[test]
    fn loopback_and_sockets_are_local() {
        for url in [
            "postgres://u:p@127.0.0.1:5432/db",
            "postgres://localhost/db",
            "postgres://LOCALHOST:5433/db",
            "postgres://127.8.9.10/db",
            "postgres://[::1]:5432/db",
            "postgres:///db",
            "postgres://%2Fvar%2Frun%2Fpostgresql/db",
            "postgres://db.example.com/db?host=/var/run/postgresql",
            "postgresql://localhost,127.0.0.1/db",
            "redis://127.0.0.1:6379/0",
            "redis+unix:///run/redis.sock",
            "unix:///run/redis.sock",
        ] {
            assert!(local(url), "{url} should be local");
        }
    }

    #[test]
    fn other_hosts_are_remote() {
        for url in [
            "postgres://u:p@db.example.invalid:5432/db",
            "postgres://10.0.0.5/db",
            "postgres://192.0.2.2/db",
            "postgres://[2001:db8::1]/db",
            "postgres://localhost.example.com/db",
            "postgres://localhost,db.example.com/db",
            "postgres://127.0.0.1/db?host=db.example.com",
            "rediss://cache.example.com:6380/0",
            "not a url",
        ] {
            assert!(!local(url), "{url} should be remote");
        }
    }
}
