//! Where warm commands go: one Redis server, the masters of a cluster
//! (batched per master by hash slot), or a RESP file for `redis-cli --pipe`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::CacheError;
use super::cluster::{self, Topology};
use super::conn::{self, Target};
use super::resp::Command;
use super::writer::Pipeline;

const FILE_BUFFER: usize = 1 << 20;

pub enum Sink {
    Server(Box<Pipeline>),
    Cluster {
        masters: Vec<Pipeline>,
        topology: Topology,
    },
    File {
        path: PathBuf,
        file: std::fs::File,
        buf: Vec<u8>,
        sent: u64,
    },
    /// Nowhere: counts the commands and keeps the first `limit` of them
    /// (what `seedkit preview` shows of a set).
    Memory {
        kept: Vec<Command>,
        limit: usize,
        sent: u64,
    },
}

/// What a Sink is connected to, for the summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Destination {
    Server { url: String },
    Cluster { url: String, masters: Vec<String> },
    RespFile { path: String },
}

impl Sink {
    /// Connects to the server in `target`, or to every master of its cluster.
    pub async fn connect(
        target: &Target,
        window: usize,
    ) -> Result<(Sink, Destination), CacheError> {
        let mut con = conn::open(target).await?;
        let Some(topology) = cluster::discover(&mut con, target).await? else {
            return Ok((
                Sink::Server(Box::new(Pipeline::new(con, target.clone(), window))),
                Destination::Server {
                    url: target.redacted(),
                },
            ));
        };
        drop(con);
        let redirect = cluster::connect(target).await?;
        let mut masters = Vec::with_capacity(topology.masters.len());
        for (host, port) in &topology.masters {
            let node = target.node(host, *port);
            let con = conn::open(&node).await?;
            masters.push(Pipeline::cluster_master(
                con,
                node,
                window,
                redirect.clone(),
            ));
        }
        let destination = Destination::Cluster {
            url: target.redacted(),
            masters: topology
                .masters
                .iter()
                .map(|(h, p)| target.node(h, *p).addr())
                .collect(),
        };
        Ok((Sink::Cluster { masters, topology }, destination))
    }

    /// Writes commands as RESP into `path` instead of sending them.
    pub fn resp_file(path: &Path) -> Result<(Sink, Destination), CacheError> {
        let file = std::fs::File::create(path).map_err(|source| CacheError::RespFile {
            path: path.to_path_buf(),
            source,
        })?;
        Ok((
            Sink::File {
                path: path.to_path_buf(),
                file,
                buf: Vec::with_capacity(FILE_BUFFER + 4096),
                sent: 0,
            },
            Destination::RespFile {
                path: path.display().to_string(),
            },
        ))
    }

    pub async fn send(&mut self, cmd: &Command) -> Result<(), CacheError> {
        match self {
            Sink::Server(pipeline) => pipeline.send(cmd).await,
            Sink::Cluster { masters, topology } => {
                masters[topology.master_of(cmd.key())].send(cmd).await
            }
            Sink::File {
                path,
                file,
                buf,
                sent,
            } => {
                cmd.encode(buf);
                *sent += 1;
                if buf.len() >= FILE_BUFFER {
                    write_file(path, file, buf)?;
                }
                Ok(())
            }
            Sink::Memory { kept, limit, sent } => {
                if kept.len() < *limit {
                    kept.push(cmd.clone());
                }
                *sent += 1;
                Ok(())
            }
        }
    }

    /// Commands sent (or written) so far.
    pub fn sent(&self) -> u64 {
        match self {
            Sink::Server(pipeline) => pipeline.sent(),
            Sink::Cluster { masters, .. } => masters.iter().map(Pipeline::sent).sum(),
            Sink::File { sent, .. } | Sink::Memory { sent, .. } => *sent,
        }
    }

    /// Flushes and waits for every reply; returns the number of commands.
    pub async fn finish(self) -> Result<u64, CacheError> {
        match self {
            Sink::Server(pipeline) => pipeline.finish().await,
            Sink::Cluster { masters, .. } => {
                let mut total = 0;
                for pipeline in masters {
                    total += pipeline.finish().await?;
                }
                Ok(total)
            }
            Sink::File {
                path,
                mut file,
                mut buf,
                sent,
            } => {
                write_file(&path, &mut file, &mut buf)?;
                file.flush()
                    .map_err(|source| CacheError::RespFile { path, source })?;
                Ok(sent)
            }
            Sink::Memory { sent, .. } => Ok(sent),
        }
    }
}

fn write_file(path: &Path, file: &mut std::fs::File, buf: &mut Vec<u8>) -> Result<(), CacheError> {
    file.write_all(buf).map_err(|source| CacheError::RespFile {
        path: path.to_path_buf(),
        source,
    })?;
    buf.clear();
    Ok(())
}
