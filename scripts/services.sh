#!/usr/bin/env bash
# Makes sure a PostgreSQL and a Redis are reachable for the demo, the tests
# and the benchmarks, and prints `export` lines for them:
#
#   eval "$(scripts/services.sh env)"     # reuse or start, then export URLs
#   scripts/services.sh stop              # stop the throwaway servers
#
# DATABASE_URL / REDIS_URL are kept when they point at running servers.
# Otherwise a throwaway PostgreSQL cluster (initdb into target/services/pg)
# and a throwaway Redis start on loopback ports 54329 and 63799. They keep
# running between runs, so the next `just test` starts at once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
svc="$root/target/services"
pg_port="${SEEDKIT_PG_PORT:-54329}"
redis_port="${SEEDKIT_REDIS_PORT:-63799}"

log() { echo "services: $*" >&2; }

pg_bin() {
  local name="$1"
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$found" ] || { log "cannot find $name: install Debian's postgresql package"; exit 1; }
  echo "$found"
}

# Runs a PostgreSQL server binary as a non-root user (initdb and postgres
# refuse to run as root).
as_pg_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_reachable() { psql -X -q -d "$1" -c 'select 1' >/dev/null 2>&1; }
redis_reachable() { [ "$(redis-cli -u "$1" ping 2>/dev/null)" = "PONG" ]; }

start_postgres() {
  local data="$svc/pg" sock="$svc/pg-run"
  mkdir -p "$svc"
  if [ ! -s "$data/PG_VERSION" ]; then
    log "initdb into $data"
    rm -rf "$data" "$sock"; mkdir -p "$data" "$sock"
    if [ "$(id -u)" = 0 ]; then
      chown postgres "$data" "$sock"
      # The server user must be able to reach its data folder.
      local d="$svc"; while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
    fi
    as_pg_user "$(pg_bin initdb)" -D "$data" -U root --auth=trust -E UTF8 --locale=C.UTF-8 >"$svc/initdb.log" 2>&1 \
      || { cat "$svc/initdb.log" >&2; exit 1; }
  fi
  if ! as_pg_user "$(pg_bin pg_ctl)" -D "$data" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$pg_port"
    as_pg_user "$(pg_bin pg_ctl)" -D "$data" -l "$sock/postgres.log" -w -t 60 start \
      -o "-p $pg_port -k $sock -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
      || { tail -n 30 "$sock/postgres.log" >&2; exit 1; }
  fi
}

start_redis() {
  mkdir -p "$svc/redis"
  log "starting Redis on 127.0.0.1:$redis_port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --dir "$svc/redis" --logfile "$svc/redis.log" --pidfile "$svc/redis.pid"
  for _ in $(seq 50); do redis_reachable "redis://127.0.0.1:$redis_port/0" && return; sleep 0.1; done
  log "Redis did not start"; tail -n 20 "$svc/redis.log" >&2; exit 1
}

cmd_env() {
  local db="${DATABASE_URL:-}" redis="${REDIS_URL:-}"
  if [ -n "$db" ] && pg_reachable "$db"; then
    log "using DATABASE_URL from the environment"
  else
    [ -n "$db" ] && log "DATABASE_URL is not reachable; using a throwaway server"
    db="postgres://root@127.0.0.1:$pg_port/postgres"
    pg_reachable "$db" || start_postgres
    pg_reachable "$db" || { log "PostgreSQL did not come up"; exit 1; }
  fi
  if [ -n "$redis" ] && redis_reachable "$redis"; then
    log "using REDIS_URL from the environment"
  else
    [ -n "$redis" ] && log "REDIS_URL is not reachable; using a throwaway server"
    redis="redis://127.0.0.1:$redis_port/0"
    redis_reachable "$redis" || start_redis
  fi
  echo "export DATABASE_URL='$db'"
  echo "export REDIS_URL='$redis'"
}

cmd_stop() {
  if [ -s "$svc/pg/PG_VERSION" ]; then
    as_pg_user "$(pg_bin pg_ctl)" -D "$svc/pg" -m fast stop >/dev/null 2>&1 || true
  fi
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  log "stopped"
}

case "${1:-env}" in
  env) cmd_env ;;
  stop) cmd_stop ;;
  *) echo "usage: $0 [env|stop]" >&2; exit 2 ;;
esac
