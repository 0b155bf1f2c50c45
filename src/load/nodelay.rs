//! `TCP_NODELAY` on the load's connections.
//!
//! sqlx 0.9.0 stopped setting `TCP_NODELAY` on its sockets (sqlx#4335; the
//! fix, sqlx#4336, is not released yet). Without it, the `CopyDone` message
//! that ends every COPY sits in the kernel until the server acknowledges the
//! data sent before it, and the server delays that ACK by 40 ms: 40 ms per
//! table (and per chunk with the chunked strategy), most of the time of a
//! small profile.
//!
//! sqlx gives no access to its socket, so: ask the server which address and
//! port this session comes from (`inet_client_port()`, `inet_server_port()`),
//! find the socket in this process with that local and peer port, and set
//! the option on it. Linux only (it reads `/proc/self/fd`); elsewhere, for a
//! Unix-domain connection, or behind a proxy that changes the ports, nothing
//! matches and nothing changes. Remove this module once sqlx sets the option.

use sqlx::PgConnection;

/// Sets `TCP_NODELAY` on the socket behind `conn`, if it can be found.
/// Returns whether it was set.
pub async fn set_nodelay(conn: &mut PgConnection) -> bool {
    let ports: Result<(Option<i32>, Option<i32>), _> =
        sqlx::query_as("SELECT inet_client_port(), inet_server_port()")
            .fetch_one(&mut *conn)
            .await;
    match ports {
        Ok((Some(local), Some(peer))) => set_on_socket(local as u16, peer as u16),
        _ => false,
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // sqlx hides its socket: see the module docs
fn set_on_socket(local_port: u16, peer_port: u16) -> bool {
    use std::os::fd::BorrowedFd;

    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return false;
    };
    for entry in entries.flatten() {
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        let Some(raw) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if !is_socket {
            continue;
        }
        // SAFETY: `raw` is an open socket of this process (listed in
        // /proc/self/fd as a socket); it is only borrowed for the calls below.
        // Were it closed meanwhile, the calls fail with EBADF, and a
        // descriptor reused for another socket would not match both ports.
        let fd = unsafe { BorrowedFd::borrow_raw(raw) };
        let socket = socket2::SockRef::from(&fd);
        let port = |addr: std::io::Result<socket2::SockAddr>| {
            addr.ok().and_then(|a| a.as_socket()).map(|a| a.port())
        };
        if port(socket.local_addr()) == Some(local_port)
            && port(socket.peer_addr()) == Some(peer_port)
        {
            return socket.set_tcp_nodelay(true).is_ok();
        }
    }
    false
}

#[cfg(not(target_os = "linux"))]
fn set_on_socket(_local_port: u16, _peer_port: u16) -> bool {
    false
}
