//! `--reset`: remove exactly the keys under the profile's prefix.
//!
//! Never FLUSHDB or FLUSHALL: the Redis database is usually shared with the
//! application and other tools, whose keys must survive. Keys are found with
//! `SCAN MATCH <prefix>*` (incremental, never blocks the server the way
//! `KEYS` does) on every master, and removed with `UNLINK` (memory is freed
//! in the background), pipelined one key per command so the same code works
//! on a cluster, where a multi-key UNLINK must not cross slots.
//!
//! The prefix is the only fence between seedkit's keys and everyone else's:
//! an empty prefix is refused (it would match every key of the database),
//! and glob characters in it are escaped so `SCAN MATCH` reads it literally.

use super::CacheError;
use super::cluster;
use super::conn::{Conn, Target};
use super::resp::{self, Command, Reply};
use super::writer::Pipeline;

const SCAN_COUNT: &str = "1000";
const WINDOW: usize = 10_000;

/// Refuses a prefix under which `--reset` would remove keys seedkit did not
/// write. Called before anything is touched (in `seed`, before the load).
pub fn check_prefix(prefix: &str) -> Result<(), CacheError> {
    if prefix.is_empty() {
        return Err(CacheError::EmptyResetPrefix);
    }
    if prefix.ends_with(|c: char| c.is_alphanumeric()) {
        crate::ui::warn(format!(
            "--reset removes every key starting with \"{prefix}\", also keys like \"{prefix}x...\" \
             of other programs; a prefix ending in a separator (\"{prefix}:\") is safer"
        ));
    }
    Ok(())
}

/// Removes every key starting with `prefix`; returns how many were removed.
pub async fn reset(target: &Target, prefix: &str) -> Result<u64, CacheError> {
    check_prefix(prefix)?;
    let mut conn = Conn::open(target).await?;
    let nodes = match cluster::discover(&mut conn).await? {
        None => vec![target.clone()],
        Some(topology) => topology
            .masters
            .iter()
            .map(|(host, port)| target.node(host, *port))
            .collect(),
    };
    drop(conn);
    let pattern = format!("{}*", glob_escape(prefix));
    let mut removed = 0;
    for node in &nodes {
        removed += reset_node(node, &pattern).await?;
    }
    Ok(removed)
}

async fn reset_node(node: &Target, pattern: &str) -> Result<u64, CacheError> {
    let mut scanner = Conn::open(node).await?;
    let mut unlinker = Pipeline::new(Conn::open(node).await?, WINDOW);
    let mut cursor = "0".to_string();
    let mut unlink = Command::default();
    loop {
        let scan = resp::command(&["SCAN", &cursor, "MATCH", pattern, "COUNT", SCAN_COUNT]);
        let reply = scanner.call_ok(&scan).await?;
        let Some((next, keys)) = scan_page(reply) else {
            return Err(CacheError::Rejected {
                url: node.describe(),
                command: "SCAN".into(),
                reason: "unexpected reply".into(),
            });
        };
        for key in keys {
            unlink.start("UNLINK").arg(&key);
            unlinker.send(&unlink).await?;
        }
        if next == "0" {
            break;
        }
        cursor = next;
    }
    unlinker.finish().await
}

fn scan_page(reply: Reply) -> Option<(String, Vec<Vec<u8>>)> {
    let Reply::Array(mut parts) = reply else {
        return None;
    };
    if parts.len() != 2 {
        return None;
    }
    let Reply::Array(keys) = parts.pop()? else {
        return None;
    };
    let cursor = parts.pop()?.as_text()?;
    let keys = keys
        .into_iter()
        .filter_map(|k| match k {
            Reply::Bulk(bytes) => Some(bytes),
            _ => None,
        })
        .collect();
    Some((cursor, keys))
}

/// Escapes the glob characters SCAN MATCH understands, so a prefix like
/// `app[1]:` matches only itself.
pub fn glob_escape(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 4);
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_glob_characters() {
        assert_eq!(glob_escape("seedkit:"), "seedkit:");
        assert_eq!(glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }

    #[test]
    fn an_empty_prefix_is_refused() {
        assert!(matches!(
            check_prefix(""),
            Err(CacheError::EmptyResetPrefix)
        ));
        assert!(check_prefix("seedkit:").is_ok());
    }
}
