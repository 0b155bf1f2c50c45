#!/usr/bin/env bash
# The chunked load path (what CockroachDB gets, and what `seed --shard`
# uses): how its speed depends on --chunk-rows and --jobs, against the
# atomic single-transaction load of the same rows in the same round.
# Results go in docs/BENCHMARKS.md ("Choosing the chunk size and jobs").
#
#   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres scripts/bench-chunked.sh
#   ROWS=500000 ROUNDS=3 CHUNKS="10000 50000 200000" JOBS="1 2 4" scripts/bench-chunked.sh
#
# Loads the `large` profile's players only (~290 bytes a row in binary COPY,
# five indexes), each run into a freshly migrated database; every load's
# checksum is compared with the first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="${SEEDKIT_BIN:-$root/target/release/seedkit}"
rows="${ROWS:-500000}"
rounds="${ROUNDS:-3}"
chunks="${CHUNKS:-10000 50000 200000}"
jobs_list="${JOBS:-1 2 4}"
db_name="seedkit_bench_chunked_$$"
source "$root/scripts/lib/bench-db.sh"

players_only_args "$rows"
checksum() { psql -X -At -d "$db_url" -c "SELECT md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM (SELECT id, username, email FROM players) t"; }
run() {
  fresh_db
  local t0 t1
  t0=$(now)
  "$bin" -qq --database-url "$db_url" seed --profile large --no-cache "${players_only[@]}" "$@" >/dev/null
  t1=$(now)
  local got; got="$(checksum)"
  if [ -z "${reference:-}" ]; then reference="$got"; fi
  [ "$got" = "$reference" ] || { echo "players differ from the first load ($*)" >&2; exit 1; }
  echo "$t1 - $t0" | bc
}

echo "server: $(psql -X -At -d "$admin_url" -c 'SHOW server_version'); players: $rows rows, $rounds rounds" >&2
declare -A times
for ((i = 1; i <= rounds; i++)); do
  times[atomic]+="$(run --load-strategy single-transaction) "
  for c in $chunks; do
    for j in $jobs_list; do
      times["$c/$j"]+="$(run --load-strategy chunked --chunk-rows "$c" --jobs "$j") "
    done
  done
  echo "round $i done" >&2
done
atomic=$(printf '%s\n' ${times[atomic]} | median)
echo "| load | chunk rows | jobs | median | rows/s | time / atomic |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| atomic (one transaction) | | | ${atomic} s | $(echo "$rows / $atomic" | bc) | 1.00 |"
for c in $chunks; do
  for j in $jobs_list; do
    m=$(printf '%s\n' ${times["$c/$j"]} | median)
    echo "| chunked | $c | $j | ${m} s | $(echo "$rows / $m" | bc) | $(echo "scale=2; $m / $atomic" | bc) |"
  done
done
