#!/usr/bin/env bash
# CI without Rust test glue: prepare the fixture template once for the job,
# then give every test file its own clone, run it, drop the clone.
#
#   DATABASE_URL=postgres://user:pw@host:5432/postgres scripts/fixture-ci.sh [TEST.sql ...]
#
# DATABASE_URL names the server (its maintenance database is only connected
# to). Test files default to tests/sql/*.sql; each runs with psql against a
# clone of the template for `--profile ci` (SEEDKIT_PROFILE to change). The
# README's CI section shows this script; the test suite runs it
# (tests/it/fixture.rs), so what the README shows works.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seedkit="${SEEDKIT_BIN:-seedkit}"
profile="${SEEDKIT_PROFILE:-ci}"
[ $# -gt 0 ] || set -- tests/sql/*.sql

# Once per job: builds the template, or finds it built (a no-op), and keeps
# a ready clone per test file.
"$seedkit" fixture prepare --profile "$profile" --pool "$#"

failed=0
for test in "$@"; do
  url="$("$seedkit" fixture clone --profile "$profile")"
  if psql -X -q -v ON_ERROR_STOP=1 -d "$url" -f "$test" >/dev/null; then
    echo "ok   $test"
  else
    echo "FAIL $test"
    failed=$((failed + 1))
  fi
  name="${url##*/}"
  "$seedkit" -q fixture drop "${name%%\?*}" >/dev/null
done
echo "$(($# - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
