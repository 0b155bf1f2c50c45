#!/usr/bin/env bash
# Sharded loading benchmark (results go in docs/BENCHMARKS.md, "Sharding").
#
# The shipped `large` profile with PLAYERS players (default 200,000: about
# 1.8M rows over 13 tables), loaded into a freshly migrated database on the
# server of DATABASE_URL in three ways, ROUNDS rounds (default 3), the order
# rotating each round:
#   atomic   one `seedkit seed` (single transaction, keys dropped and rebuilt)
#   chunked  one `seedkit seed --load-strategy chunked` (COPY into the
#            indexed tables in retried chunks, as on CockroachDB): one shard
#   shards3  three `seedkit seed --shard i/3` started together (chunked)
# Wall time from start to the last process's end; rows/s = rows / wall.
# Prints every run and the medians. Every load's table checksums must equal
# the atomic one's, or the script fails.
#
# Needs DATABASE_URL (bench databases are created next to it and dropped) and
# target/release/seedkit (or SEEDKIT_BIN).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="${SEEDKIT_BIN:-$root/target/release/seedkit}"
players="${PLAYERS:-200000}"
rounds="${ROUNDS:-3}"
jobs="${JOBS:-2}"
db_name="seedkit_bench_shards_$$"
source "$root/scripts/lib/bench-db.sh"
seed() {
  "$bin" -qq --database-url "$db_url" seed --profile large --no-cache \
    --set "players.rows=$players" --jobs "$jobs" "$@" >/dev/null
}
checksums() {
  psql -X -At -d "$db_url" -c "SELECT relname FROM pg_stat_user_tables WHERE relname NOT LIKE 'seedkit%' ORDER BY 1" |
    while read -r t; do
      psql -X -At -d "$db_url" -c "SELECT '$t', count(*), md5(coalesce(string_agg(x, E'\\n' ORDER BY x), '')) FROM (SELECT t::text AS x FROM $t t) s"
    done
}

run() {
  local scenario="$1" t0 t1
  fresh_db
  t0=$(now)
  case "$scenario" in
    atomic) seed ;;
    chunked) seed --load-strategy chunked ;;
    shards3)
      seed --shard 0/3 & a=$!
      seed --shard 1/3 & b=$!
      seed --shard 2/3 & c=$!
      wait "$a"; wait "$b"; wait "$c"
      ;;
  esac
  t1=$(now)
  checksums > "$work/$scenario.sums"
  if [ -f "$work/reference.sums" ] && ! cmp -s "$work/reference.sums" "$work/$scenario.sums"; then
    echo "$scenario: tables differ from the atomic load" >&2
    exit 1
  fi
  [ -f "$work/reference.sums" ] || cp "$work/$scenario.sums" "$work/reference.sums"
  echo "$t1 - $t0" | bc
}

rows="$("$bin" seed --profile large --set "players.rows=$players" --dry-run --format json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["total_rows"])')"
echo "server: $(psql -X -At -d "$admin_url" -c 'SHOW server_version'); large profile, $players players: $rows rows; --jobs $jobs per process; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run atomic >/dev/null # the reference checksums (and a warm-up)
scenarios=(atomic chunked shards3)
for round in $(seq 1 "$rounds"); do
  for k in 0 1 2; do
    scenario="${scenarios[$(((k + round) % 3))]}"
    seconds="$(run "$scenario")"
    echo "$seconds" >> "$work/$scenario.times"
    printf 'round %d %-8s %7.2f s  %9.0f rows/s  (load %s)\n' "$round" "$scenario" "$seconds" \
      "$(echo "$rows / $seconds" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)" >&2
  done
done
for scenario in "${scenarios[@]}"; do
  m="$(median < "$work/$scenario.times")"
  printf 'median %-8s %7.2f s  %9.0f rows/s\n' "$scenario" "$m" "$(echo "$rows / $m" | bc -l)"
done
