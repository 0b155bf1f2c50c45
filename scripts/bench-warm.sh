#!/usr/bin/env bash
# Redis warming: `seedkit warm` against `redis-cli --pipe` of exactly the
# same commands (written by `seedkit warm --resp FILE`), in the same run,
# alternating, on a private redis-server (so FLUSHALL between rounds cannot
# touch anyone's keys). Prints medians and the ratio (>= 0.9 is the goal:
# seedkit at least 0.9 times as fast as redis-cli --pipe).
#
#   scripts/bench-warm.sh                  # both scenarios, 3 rounds each
#   ROUNDS=5 scripts/bench-warm.sh
#   SCENARIOS=counters scripts/bench-warm.sh
#
# Scenarios (profile `large`, rate limits for every player: ~1.2M commands):
#   full      every cache set of the profile (sessions, leaderboards, ...)
#   counters  only the 1,000,000 `ratelimit:{id}` counters (SET ... EX 60):
#             the cheapest commands for Redis, so seedkit's generation shows
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seedkit="${SEEDKIT:-$root/target/release/seedkit}"
rounds="${ROUNDS:-3}"
scenarios="${SCENARIOS:-full counters}"
[ -x "$seedkit" ] || { echo "build first: cargo build --release" >&2; exit 1; }

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  >"$work/redis.log" 2>&1 &
redis_pid=$!
cleanup() { kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
url="redis://127.0.0.1:$port/0"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

scenario_args() {
  case "$1" in
    full) echo "--profile large --set redis.sets.ratelimit.sample=1.0" ;;
    counters) echo "--profile large --set redis.sets.ratelimit.sample=1.0 --only ratelimit" ;;
    *) echo "unknown scenario $1" >&2; exit 1 ;;
  esac
}

echo "| scenario | commands | RESP file | redis-cli --pipe (median) | seedkit warm (median) | ratio |"
echo "|---|---:|---:|---:|---:|---:|"
for scenario in $scenarios; do
  # shellcheck disable=SC2207
  args=($(scenario_args "$scenario"))
  (cd "$root" && "$seedkit" -q warm "${args[@]}" --resp "$work/warm.resp" --format json) >"$work/resp.json"
  commands="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["commands"])' "$work/resp.json")"
  size="$(du -h "$work/warm.resp" | cut -f1)"
  : >"$work/pipe.times"
  : >"$work/seedkit.times"
  for round in $(seq 1 "$rounds"); do
    for tool in pipe seedkit; do
      # Alternate which tool goes first, so drift on a noisy machine hits both.
      if [ $((round % 2)) -eq 0 ]; then tool=$([ "$tool" = pipe ] && echo seedkit || echo pipe); fi
      redis-cli -p "$port" flushall >/dev/null
      start="$(now)"
      if [ "$tool" = pipe ]; then
        redis-cli -p "$port" --pipe <"$work/warm.resp" >"$work/pipe.out"
        grep -q "errors: 0" "$work/pipe.out" || { cat "$work/pipe.out" >&2; exit 1; }
      else
        (cd "$root" && "$seedkit" -q warm "${args[@]}" --redis-url "$url" >/dev/null)
      fi
      end="$(now)"
      keys="$(redis-cli -p "$port" dbsize)"
      echo "$end - $start" | bc >>"$work/$tool.times"
      echo "$scenario round $round $tool: $(tail -1 "$work/$tool.times")s, $keys keys" >&2
    done
  done
  pipe="$(median <"$work/pipe.times")"
  mine="$(median <"$work/seedkit.times")"
  ratio="$(echo "scale=2; $pipe / $mine" | bc)"
  printf "| %s | %s | %s | %.2fs | %.2fs | %s |\n" "$scenario" "$commands" "$size" "$pipe" "$mine" "$ratio"
done
