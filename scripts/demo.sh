#!/usr/bin/env bash
# The demo behind `just demo`: a fresh database, migrated, inspected, rolled
# back to 013 and migrated again. Expects DATABASE_URL (a server's
# maintenance database); creates and uses a database named seedkit_demo.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="$root/target/release/seedkit"

db_name="${SEEDKIT_DEMO_DB:-seedkit_demo}"
admin_url="$DATABASE_URL"
psql -X -q -d "$admin_url" -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" -c "CREATE DATABASE $db_name"
export DATABASE_URL="${admin_url%/*}/$db_name"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }

step "$bin" migrate
step "$bin" status
step "$bin" rollback 014
step "$bin" migrate
step "$bin" status --exit-code
