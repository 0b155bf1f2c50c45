//! Redis Cluster: finding out whether the URL names a cluster node, and
//! which master serves which hash slot.
//!
//! seedkit detects a cluster itself (`cluster_enabled:1` in `INFO cluster`),
//! so the same `--redis-url` naming any one node works for a single server
//! and for a cluster. It reads `CLUSTER SLOTS` once to batch the commands of
//! each master into pipelines (the crate routes a pipeline only when all its
//! keys share one slot). Commands a master
//! answers with `MOVED` or `ASK` (a slot migrated during the warm) are sent
//! again through the crate's cluster connection, which follows the
//! redirection.

use redis::Value;
use redis::aio::MultiplexedConnection;
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;

use super::CacheError;
use super::conn::{RESPONSE_TIMEOUT, Target, install_crypto_provider};

pub const SLOTS: usize = 16384;

/// Which master serves each slot.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Masters as (host, port).
    pub masters: Vec<(String, u16)>,
    /// For each slot, the index of its master in `masters`.
    owner: Vec<u16>,
}

impl Topology {
    pub fn master_of(&self, key: &[u8]) -> usize {
        usize::from(self.owner[usize::from(slot(key))])
    }
}

/// The hash slot of a key, as Redis Cluster computes it: CRC16 (XMODEM) of
/// the key, or of its `{hash tag}`. (The redis crate computes the same but
/// keeps the number private.)
pub fn slot(key: &[u8]) -> u16 {
    let hashed = match key.iter().position(|&b| b == b'{') {
        Some(open) => match key[open + 1..].iter().position(|&b| b == b'}') {
            Some(len) if len > 0 => &key[open + 1..open + 1 + len],
            _ => key,
        },
        None => key,
    };
    crc16::State::<crc16::XMODEM>::calculate(hashed) % SLOTS as u16
}

/// Asks the server whether it is part of a cluster and, if so, for its map.
pub async fn discover(
    con: &mut MultiplexedConnection,
    target: &Target,
) -> Result<Option<Topology>, CacheError> {
    let info: String = redis::cmd("INFO")
        .arg("cluster")
        .query_async(con)
        .await
        .map_err(|e| target.lost(&e, 0))?;
    if !info.lines().any(|l| l.trim() == "cluster_enabled:1") {
        return Ok(None);
    }
    let fail = |reason: String| CacheError::Cluster {
        url: target.describe(),
        reason,
    };
    let ranges: Vec<Value> = redis::cmd("CLUSTER")
        .arg("SLOTS")
        .query_async(con)
        .await
        .map_err(|e| fail(format!("CLUSTER SLOTS: {}", super::conn::describe(&e))))?;
    let mut masters: Vec<(String, u16)> = Vec::new();
    let mut owner = vec![u16::MAX; SLOTS];
    for range in ranges {
        let (first, last, host, port) = slot_range(range, target)
            .ok_or_else(|| fail("unexpected slot range in CLUSTER SLOTS".into()))?;
        let index = match masters.iter().position(|m| m.0 == host && m.1 == port) {
            Some(i) => i,
            None => {
                masters.push((host, port));
                masters.len() - 1
            }
        };
        if let Some(slots) = owner.get_mut(first..=last.min(SLOTS - 1)) {
            slots.fill(index as u16);
        }
    }
    if let Some(uncovered) = owner.iter().position(|&o| o == u16::MAX) {
        return Err(fail(format!(
            "slot {uncovered} is not served by any master (cluster state not ok)"
        )));
    }
    Ok(Some(Topology { masters, owner }))
}

/// One `CLUSTER SLOTS` entry: `[first, last, [host, port, ...], replicas...]`.
fn slot_range(range: Value, target: &Target) -> Option<(usize, usize, String, u16)> {
    let Value::Array(fields) = range else {
        return None;
    };
    let mut fields = fields.into_iter();
    let first: usize = redis::from_redis_value(fields.next()?).ok()?;
    let last: usize = redis::from_redis_value(fields.next()?).ok()?;
    let Value::Array(master) = fields.next()? else {
        return None;
    };
    let mut master = master.into_iter();
    let host: String = redis::from_redis_value(master.next()?).ok()?;
    let port: u16 = redis::from_redis_value(master.next()?).ok()?;
    // An empty or `?` host means "the address you reached me at".
    let host = match host.as_str() {
        "" | "?" => target
            .addr()
            .rsplit_once(':')?
            .0
            .trim_matches(['[', ']'])
            .to_string(),
        _ => host,
    };
    Some((first, last, host, port))
}

/// The crate's cluster connection (it follows `MOVED` and `ASK`).
pub async fn connect(target: &Target) -> Result<ClusterConnection, CacheError> {
    install_crypto_provider();
    let mut builder = ClusterClient::builder(vec![target.info().clone()])
        .response_timeout(RESPONSE_TIMEOUT)
        .overall_response_timeout(Some(RESPONSE_TIMEOUT));
    if let Some(timeout) = target.connect_timeout {
        builder = builder.connection_timeout(timeout);
    }
    let client = builder.build().map_err(|e| target.connect_error(&e))?;
    client
        .get_async_connection()
        .await
        .map_err(|e| target.connect_error(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(key: &[u8]) -> u16 {
        crc16::State::<crc16::XMODEM>::calculate(key) % 16384
    }

    #[test]
    fn slots_match_redis() {
        // Values from `redis-cli cluster keyslot ...`.
        assert_eq!(slot(b"foo"), 12182);
        assert_eq!(slot(b"123456789"), 12739);
        assert_eq!(slot(b"{user1000}.following"), slot(b"user1000"));
        assert_eq!(slot(b"foo{}{bar}"), whole(b"foo{}{bar}"));
        assert_eq!(slot(b"{}x"), whole(b"{}x"));
    }
}
