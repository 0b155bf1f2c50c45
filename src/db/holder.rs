//! A session holding a lock, from `pg_locks` + `pg_stat_activity` (or a
//! lease row): what the migration lock's and the seed's lock-timeout
//! messages name.

use std::fmt;

/// A session holding a lock (the migration lock, a table's lock), from pg_locks + pg_stat_activity.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LockHolder {
    pub pid: i32,
    pub application_name: String,
    pub client_addr: Option<String>,
    pub usename: Option<String>,
    pub backend_start: Option<String>,
    pub state_change: Option<String>,
    pub state: Option<String>,
    /// For a lease lock: when the lease runs out unless renewed.
    pub lease_expires_at: Option<String>,
}

/// One row of `pg_stat_activity` as the holder queries select it: pid,
/// application, address, user, connected since, active since, state.
pub type ActivityRow = (
    i32,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl From<ActivityRow> for LockHolder {
    fn from(row: ActivityRow) -> Self {
        let (pid, application_name, client_addr, usename, backend_start, state_change, state) = row;
        LockHolder {
            pid,
            application_name,
            client_addr,
            usename,
            backend_start,
            state_change,
            state,
            lease_expires_at: None,
        }
    }
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(expires) = &self.lease_expires_at {
            return write!(
                f,
                "pid {} on {} (seedkit lease taken at {}, last heartbeat {}, expires {expires})",
                self.pid,
                self.client_addr.as_deref().unwrap_or("?"),
                self.backend_start.as_deref().unwrap_or("?"),
                self.state_change.as_deref().unwrap_or("?"),
            );
        }
        let app = if self.application_name.is_empty() {
            "(no application_name)"
        } else {
            &self.application_name
        };
        write!(f, "pid {} ({app}", self.pid)?;
        if let Some(user) = &self.usename {
            write!(f, ", user {user}")?;
        }
        write!(
            f,
            ", from {}",
            self.client_addr.as_deref().unwrap_or("local socket")
        )?;
        if let Some(start) = &self.backend_start {
            write!(f, ", connected since {start}")?;
        }
        if let Some(state) = &self.state {
            write!(f, ", {state}")?;
            if let Some(change) = &self.state_change {
                write!(f, " since {change}")?;
            }
        }
        write!(f, ")")
    }
}
