#!/usr/bin/env bash
# The demo behind `just demo`: a fresh database migrated, inspected, rolled
# back to 013 and migrated again, then seeded with the `small` profile and
# Redis warmed from the same rows. Expects DATABASE_URL (a server's
# maintenance database) and REDIS_URL; creates and uses a database named
# seedkit_demo, and only Redis keys under the profile's prefix (seedkit:).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="$root/target/release/seedkit"

db_name="${SEEDKIT_DEMO_DB:-seedkit_demo}"
admin_url="$DATABASE_URL"
# client_min_messages: no NOTICE that the database to drop does not exist yet.
PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$admin_url" \
  -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" -c "CREATE DATABASE $db_name"
export DATABASE_URL="${admin_url%/*}/$db_name"

step() { printf '\n$ %s\n' "$*" >&2; "$@"; }

step "$bin" migrate
step "$bin" status
step "$bin" rollback 014
step "$bin" migrate
step "$bin" status --exit-code
step "$bin" seed --profile small --reset
step psql -X -d "$DATABASE_URL" -c \
  "SELECT star_system, count(*) AS sessions, count(*) FILTER (WHERE ended_at IS NULL) AS active,
          round(avg(avg_fps)::numeric, 1) AS avg_fps
     FROM game_sessions GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
# The top five of the global leaderboard, as a person reads it: the set
# holds player ids scored by credits; the names come from the database.
leaderboard() {
  local rank=0 id score name
  printf '%4s  %-6s %-24s %8s\n' rank id player credits
  while read -r id score; do
    rank=$((rank + 1))
    name="$(psql -X -qtA -d "$DATABASE_URL" -c "SELECT username FROM players WHERE id = $id")"
    printf '%4d  %-6s %-24s %8s\n' "$rank" "$id" "$name" "$score"
  done < <(redis-cli -u "$REDIS_URL" --raw zrevrange seedkit:leaderboard:global 0 4 withscores | paste - -)
}
printf '\n$ redis-cli zrevrange seedkit:leaderboard:global 0 4 withscores   # the top five\n' >&2
leaderboard
