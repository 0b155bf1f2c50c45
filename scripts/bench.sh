#!/usr/bin/env bash
# `just bench`: runs every benchmark script present (scripts/bench-*.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for script in "$root"/scripts/bench-*.sh; do
  [ -e "$script" ] || continue
  echo "== $(basename "$script")" >&2
  bash "$script"
done
