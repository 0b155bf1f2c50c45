//! Redis Cluster: hash slots and the slot -> master map.
//!
//! seedkit detects a cluster itself (`cluster_enabled:1` in `INFO cluster`),
//! so the same `--redis-url` naming any one node works for a single server
//! and for a cluster. It then reads `CLUSTER SLOTS` once and keeps one
//! pipelined connection per master; every command goes to the master owning
//! its key's slot (CRC16 of the key, or of its `{hash tag}`). A topology
//! change during the warm (a `MOVED` reply) stops it with a clear error; a
//! second run picks up the new map.

use super::CacheError;
use super::conn::Conn;
use super::resp::{self, Reply};

pub const SLOTS: usize = 16384;

/// The hash slot of a key, as Redis Cluster computes it.
pub fn slot(key: &[u8]) -> u16 {
    let hashed = match key.iter().position(|&b| b == b'{') {
        Some(open) => match key[open + 1..].iter().position(|&b| b == b'}') {
            Some(len) if len > 0 => &key[open + 1..open + 1 + len],
            _ => key,
        },
        None => key,
    };
    crc16(hashed) % SLOTS as u16
}

/// CRC16-CCITT (XMODEM), the checksum Redis Cluster uses.
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

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

/// Asks the server whether it is part of a cluster and, if so, for its map.
pub async fn discover(conn: &mut Conn) -> Result<Option<Topology>, CacheError> {
    let info = conn.call(&resp::command(&["INFO", "cluster"])).await?;
    let enabled = info
        .as_text()
        .is_some_and(|text| text.lines().any(|l| l.trim() == "cluster_enabled:1"));
    if !enabled {
        return Ok(None);
    }
    let reply = conn.call_ok(&resp::command(&["CLUSTER", "SLOTS"])).await?;
    let fail = |reason: String| CacheError::Cluster {
        url: conn.target.describe(),
        reason,
    };
    let Reply::Array(ranges) = reply else {
        return Err(fail("unexpected reply to CLUSTER SLOTS".into()));
    };
    let mut masters: Vec<(String, u16)> = Vec::new();
    let mut owner = vec![u16::MAX; SLOTS];
    for range in ranges {
        let Reply::Array(fields) = range else {
            return Err(fail("unexpected reply to CLUSTER SLOTS".into()));
        };
        let (Some(first), Some(last), Some(Reply::Array(master))) = (
            fields.first().and_then(Reply::as_int),
            fields.get(1).and_then(Reply::as_int),
            fields.get(2),
        ) else {
            return Err(fail("unexpected slot range in CLUSTER SLOTS".into()));
        };
        let host = master
            .first()
            .and_then(Reply::as_text)
            .filter(|h| !h.is_empty() && h != "?")
            .unwrap_or_else(|| conn.target.host.clone());
        let port = master
            .get(1)
            .and_then(Reply::as_int)
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| fail("slot range without a port in CLUSTER SLOTS".into()))?;
        let index = match masters.iter().position(|m| *m == (host.clone(), port)) {
            Some(i) => i,
            None => {
                masters.push((host, port));
                masters.len() - 1
            }
        };
        for slot in first.max(0)..=last.min(SLOTS as i64 - 1) {
            owner[slot as usize] = index as u16;
        }
    }
    if let Some(uncovered) = owner.iter().position(|&o| o == u16::MAX) {
        return Err(fail(format!(
            "slot {uncovered} is not served by any master (cluster state not ok)"
        )));
    }
    Ok(Some(Topology { masters, owner }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_match_redis() {
        // Values from `redis-cli cluster keyslot ...`.
        assert_eq!(slot(b"foo"), 12182);
        assert_eq!(slot(b"123456789"), 12739);
        assert_eq!(slot(b"{user1000}.following"), slot(b"user1000"));
        assert_eq!(slot(b"foo{}{bar}"), slot(b"foo{}{bar}"));
        assert_eq!(slot(b"{}x"), crc16(b"{}x") % 16384);
    }
}
