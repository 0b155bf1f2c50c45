# Sourced by the database benchmarks (scripts/bench-seed.sh, bench-shards.sh,
# bench-chunked.sh). Needs DATABASE_URL, `bin` (the seedkit binary) and
# `db_name` (the scratch database, created next to DATABASE_URL's and
# dropped at exit). Defines db_url, work (a temporary folder), fresh_db,
# now, median and players_only_args.
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
admin_url="$DATABASE_URL"
db_url="${admin_url%/*}/$db_name"
work="$(mktemp -d)"

cleanup() {
  psql -X -q -d "$admin_url" -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# A private copy: a rebuild during the run must not change the data midway.
cp "$bin" "$work/seedkit"
bin="$work/seedkit"

# A freshly migrated, empty scratch database.
fresh_db() {
  psql -X -q -d "$admin_url" -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" -c "CREATE DATABASE $db_name"
  "$bin" -q --database-url "$db_url" migrate >/dev/null
  psql -X -q -d "$db_url" -c "CHECKPOINT"
}

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

# `--set` arguments for the `large` profile with N players and every other
# table switched off: sets the array players_only.
players_only_args() {
  players_only=(--set "players.rows=$1")
  local t
  for t in villages houses agents bugs game_sessions achievements player_achievements \
    security_events performance_metrics bot_config model_providers webhook_deliveries; do
    players_only+=(--set "$t.load=false")
  done
}
