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

use redis::aio::MultiplexedConnection;

use super::CacheError;
use super::cluster;
use super::conn::{self, Target};
use super::resp::Command;
use super::writer::Pipeline;

const SCAN_COUNT: usize = 1000;
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
    let mut con = conn::open(target).await?;
    let nodes = match cluster::discover(&mut con, target).await? {
        None => vec![(target.clone(), con)],
        Some(topology) => {
            drop(con);
            let mut nodes = Vec::with_capacity(topology.masters.len());
            for (host, port) in &topology.masters {
                let node = target.node(host, *port);
                let con = conn::open(&node).await?;
                nodes.push((node, con));
            }
            nodes
        }
    };
    let pattern = format!("{}*", glob_escape(prefix));
    let mut removed = 0;
    for (node, con) in nodes {
        removed += reset_node(node, con, &pattern).await?;
    }
    Ok(removed)
}

async fn reset_node(
    node: Target,
    mut scanner: MultiplexedConnection,
    pattern: &str,
) -> Result<u64, CacheError> {
    let mut unlinker = Pipeline::new(scanner.clone(), node.clone(), WINDOW);
    let mut cursor: u64 = 0;
    let mut unlink = Command::default();
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .query_async(&mut scanner)
            .await
            .map_err(|e| match e.code() {
                Some(_) => CacheError::Rejected {
                    url: node.describe(),
                    command: "SCAN".into(),
                    reason: conn::describe(&e),
                },
                None => node.lost(&e, unlinker.sent()),
            })?;
        for key in keys {
            unlink.start("UNLINK").arg(&key);
            unlinker.send(&unlink).await?;
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    unlinker.finish().await
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
