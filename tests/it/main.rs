//! seedkit's integration tests: one binary, one module per area, all against
//! the real PostgreSQL and Redis named by `DATABASE_URL` / `REDIS_URL`
//! (`just test` starts throwaway servers when those are not reachable).
//! Every test gets its own database and its own Redis key prefix.

mod support;

mod baseline;
mod cache;
mod cli;
mod connect;
mod determinism;
mod dialect;
mod exit_codes;
mod faults;
mod fixture;
mod layouts;
mod lint;
mod migrate;
mod preview;
mod profile_errors;
mod profile_init;
mod safety;
mod schema;
mod seed;
mod shard;
mod verify;
