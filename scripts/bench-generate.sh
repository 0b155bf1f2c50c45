#!/usr/bin/env bash
# Generation speed without a database (results go in docs/BENCHMARKS.md):
# the shipped `large` profile's players, game_sessions and security_events,
# ROWS rows each (default 2,000,000), on one core, measured in CPU time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo run --release --quiet --example generation_speed -- "${ROWS:-2000000}"
