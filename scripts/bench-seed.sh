#!/usr/bin/env bash
# Seeding benchmarks (results go in docs/BENCHMARKS.md, "Seeding").
#
# 1. players: `seedkit seed` generating and loading ROWS players (the shipped
#    `large` profile's players, every other table switched off with
#    `--set T.load=false`) against `psql \copy` of exactly the same rows,
#    exported from seedkit's table into a file first, each into a freshly
#    migrated, indexed schema; ROUNDS rounds, order alternating; medians and
#    the ratio. Also the chunked strategy (COPY into the indexed tables, in
#    retried chunks over --jobs connections, as on CockroachDB) for the
#    comparison of strategies.
# 2. the whole `large` profile at two scales (SCALE_SMALL, SCALE_BIG x 100k
#    players, security events and 10k webhook deliveries: ~0.9M and ~9.9M
#    rows), each once, under /usr/bin/time -v: rows/s, phases, peak RSS.
#    Skip with LARGE=0.
#
# Needs DATABASE_URL (any database on the server; bench databases are
# created next to it and dropped) and target/release/seedkit (or SEEDKIT_BIN).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="${SEEDKIT_BIN:-$root/target/release/seedkit}"
rows="${ROWS:-1000000}"
rounds="${ROUNDS:-3}"
large="${LARGE:-1}"
scale_small="${SCALE_SMALL:-1}"
scale_big="${SCALE_BIG:-11}"
db_name="seedkit_bench_seed_$$"
source "$root/scripts/lib/bench-db.sh"

# Every table of `large` but players switched off.
players_only_args "$rows"

seed_players() {
  "$bin" -qq --database-url "$db_url" seed --profile large --no-cache "${players_only[@]}" "$@" >/dev/null
}

echo "server: $(psql -X -At -d "$admin_url" -c 'SHOW server_version') at ${admin_url##*@}" >&2
echo "== players: $rows rows, $rounds rounds" >&2
fresh_db
seed_players
# The columns seedkit generates (the others, like updated_at, come from
# their DEFAULT in both loads and are left out of the comparison).
columns="$("$bin" seed --profile large "${players_only[@]}" --dry-run --format json |
  python3 -c 'import json,sys; print(", ".join(json.load(sys.stdin)["tables"][0]["columns"]))')"
psql -X -q -d "$db_url" -c "\\copy (SELECT $columns FROM players ORDER BY id) TO '$work/players.copy'"
checksum() { psql -X -At -d "$db_url" -c "SELECT md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM (SELECT $columns FROM players) t"; }
reference="$(checksum)"
echo "exported $(du -h "$work/players.copy" | cut -f1) of COPY text" >&2

run_seedkit() { fresh_db; local t0 t1; t0=$(now); seed_players "$@"; t1=$(now); echo "$t1 - $t0" | bc; }
run_psql() {
  fresh_db
  local t0 t1
  t0=$(now)
  psql -X -q -v ON_ERROR_STOP=1 -d "$db_url" -c "\\copy players ($columns) FROM '$work/players.copy'"
  t1=$(now)
  echo "$t1 - $t0" | bc
}
check_same() {
  local got
  got="$(checksum)"
  [ "$got" = "$reference" ] || { echo "players differ from the reference load ($1)" >&2; exit 1; }
}

seedkit_times=(); psql_times=(); chunked_times=()
for ((i = 1; i <= rounds; i++)); do
  if ((i % 2)); then
    s=$(run_seedkit); check_same seedkit; p=$(run_psql); check_same psql
  else
    p=$(run_psql); check_same psql; s=$(run_seedkit); check_same seedkit
  fi
  c=$(run_seedkit --load-strategy chunked); check_same chunked
  echo "round $i: seedkit ${s}s, psql \\copy ${p}s, seedkit chunked ${c}s" >&2
  seedkit_times+=("$s"); psql_times+=("$p"); chunked_times+=("$c")
done
ms=$(printf '%s\n' "${seedkit_times[@]}" | median)
mp=$(printf '%s\n' "${psql_times[@]}" | median)
mc=$(printf '%s\n' "${chunked_times[@]}" | median)
echo "players $rows rows: seedkit seed median ${ms}s ($(echo "$rows / $ms" | bc) rows/s)," \
  "psql \\copy median ${mp}s ($(echo "$rows / $mp" | bc) rows/s), seedkit is $(echo "scale=2; $mp / $ms" | bc)x faster;" \
  "chunked strategy (into indexed tables) median ${mc}s"

if [ "$large" = 1 ]; then
  for scale in "$scale_small" "$scale_big"; do
    fresh_db
    echo "== large profile, scale $scale" >&2
    /usr/bin/time -v -o "$work/time.txt" "$bin" -qq --database-url "$db_url" --format json \
      seed --profile large --no-cache \
      --set "players.rows=$((scale * 100000))" \
      --set "security_events.rows=$((scale * 100000))" \
      --set "webhook_deliveries.rows=$((scale * 10000))" >"$work/summary.json"
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$work/time.txt")
    python3 - "$work/summary.json" "$rss" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
p = s["phases"]
print(f"large: {s['total_rows']:,} rows in {s['total_seconds']:.1f}s = {s['rows_per_second']:,.0f} rows/s; "
      f"generate+copy {p['generate_copy']:.1f}s, indexes {p['indexes']:.1f}s, "
      f"constraints {p['constraints']:.1f}s, analyze {p['analyze']:.1f}s; peak RSS {sys.argv[2]} MiB")
EOF
  done
fi
