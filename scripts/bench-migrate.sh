#!/usr/bin/env bash
# Applying the reference migrations: `seedkit migrate` against psql running
# the same up files one after another (`psql -1 -f`, or without -1 for the
# `-- seedkit:no-transaction` files, which cannot run in a transaction), each
# on a fresh database. Prints the median of ROUNDS rounds for both and the
# ratio (seedkit / psql; below 1 means seedkit is faster).
#
# Needs DATABASE_URL (a server's maintenance database) and a built binary
# (target/release/seedkit, or SEEDKIT_BIN). `just bench` runs it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="${SEEDKIT_BIN:-$root/target/release/seedkit}"
rounds="${ROUNDS:-7}"
dir="${SEEDKIT_MIGRATIONS:-$root/migrations}"
admin_url="$DATABASE_URL"
export PGOPTIONS="--client-min-messages=warning"
db_name="seedkit_bench_migrate_$$"
db_url="${admin_url%/*}/$db_name"

fresh_db() {
  psql -X -q -d "$admin_url" -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" -c "CREATE DATABASE $db_name"
}
trap 'psql -X -q -d "$admin_url" -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

now() { date +%s.%N; }

# The up files in numeric version order.
mapfile -t ups < <(ls "$dir"/*.up.sql | awk -F/ '{print $NF"\t"$0}' | sort -n | cut -f2)

run_psql() {
  for f in "${ups[@]}"; do
    if head -n1 "$f" | grep -q -- '-- seedkit:no-transaction'; then
      psql -X -q -v ON_ERROR_STOP=1 -d "$db_url" -f "$f" >/dev/null
    else
      psql -X -q -v ON_ERROR_STOP=1 -1 -d "$db_url" -f "$f" >/dev/null
    fi
  done
}

run_seedkit() {
  "$bin" -q --database-url "$db_url" --migrations "$dir" migrate >/dev/null
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

seedkit_times=()
psql_times=()
for ((i = 1; i <= rounds; i++)); do
  fresh_db
  t0=$(now); run_seedkit; t1=$(now)
  seedkit_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')")
  fresh_db
  t0=$(now); run_psql; t1=$(now)
  psql_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')")
done

s=$(printf '%s\n' "${seedkit_times[@]}" | median)
p=$(printf '%s\n' "${psql_times[@]}" | median)
ratio=$(awk -v s="$s" -v p="$p" 'BEGIN {printf "%.2f", s / p}')
echo "migrations: ${#ups[@]} reference up files, $rounds rounds, fresh database each"
echo "seedkit migrate:        median ${s}s  (rounds: ${seedkit_times[*]})"
echo "psql -1 -f, file by file: median ${p}s  (rounds: ${psql_times[*]})"
echo "ratio seedkit/psql: $ratio"
