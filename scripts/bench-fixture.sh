#!/usr/bin/env bash
# A database per test, four ways, ROUNDS databases each (default 20), on the
# server DATABASE_URL names; prints the median wall time of each way, the
# whole CLI process included, as a test script would pay it:
#   (a) seedkit fixture clone, the ci template, from a pool of ready clones
#   (a) seedkit fixture clone, the ci template, without a pool
#   (b) createdb + seedkit migrate + seedkit seed --profile ci --no-cache
#   (c) createdb + seedkit migrate (what #[sqlx::test] does: schema, no data)
# Every database made is dropped afterwards (not timed).
#
# Needs DATABASE_URL (a server's maintenance database) and a built binary
# (target/release/seedkit, or SEEDKIT_BIN). `just bench` runs it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="${SEEDKIT_BIN:-$root/target/release/seedkit}"
rounds="${ROUNDS:-20}"
admin_url="$DATABASE_URL"
ns="bench$$"
export PGOPTIONS="--client-min-messages=warning"
fixture() { "$bin" -q --database-url "$admin_url" fixture --namespace "$ns" "$@"; }
made=()
cleanup() {
  for db in "${made[@]}"; do
    psql -X -q -d "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  fixture gc --keep 0 --clones >/dev/null 2>&1 || true
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

# The template, built once (not timed: a CI job pays it once).
t0=$(now); fixture prepare --profile ci >/dev/null; echo "prepare (build the ci template): $(since "$t0")s" >&2

clone_times() {
  local times=()
  for ((i = 1; i <= rounds; i++)); do
    t0=$(now); fixture clone --profile ci >/dev/null; times+=("$(since "$t0")")
  done
  printf '%s\n' "${times[@]}"
}

fixture prepare --profile ci --pool "$rounds" >/dev/null
pool=$(clone_times | median)
nopool=$(clone_times | median)

rebuild_times() {
  local times=() db
  for ((i = 1; i <= rounds; i++)); do
    db="seedkit_bench_fx_$$_$1_$i"; made+=("$db")
    t0=$(now)
    psql -X -q -d "$admin_url" -c "CREATE DATABASE $db"
    "$bin" -q --database-url "${admin_url%/*}/$db" migrate >/dev/null
    if [ "$1" = seed ]; then
      "$bin" -q --database-url "${admin_url%/*}/$db" seed --profile ci --no-cache >/dev/null
    fi
    times+=("$(since "$t0")")
  done
  printf '%s\n' "${times[@]}"
}
seeded=$(rebuild_times seed | median)
migrated=$(rebuild_times migrate | median)

echo "a database per test, median of $rounds each:"
echo "  (a) fixture clone from the pool:      ${pool}s"
echo "  (a) fixture clone, no pool:           ${nopool}s"
echo "  (b) create + migrate + seed ci:       ${seeded}s"
echo "  (c) create + migrate only (no data):  ${migrated}s"
awk -v a="$pool" -v n="$nopool" -v b="$seeded" -v c="$migrated" 'BEGIN {
  printf "  (b)/(a) pool: %.1fx   (c)/(a) no pool: %.1fx\n", b / a, c / n }'
