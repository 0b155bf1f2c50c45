# seedkit's recipes. `just demo` runs the main job on a local default,
# `just test` runs the tests, `just ci` is what CI runs.
#
# DATABASE_URL / REDIS_URL are used when they point at running servers;
# otherwise scripts/services.sh starts a throwaway PostgreSQL (initdb into
# target/services) and Redis on loopback ports 54329 and 63799.

set shell := ["bash", "-euo", "pipefail", "-c"]

services := 'eval "$(scripts/services.sh env)"'

# List the recipes
default:
    @just --list

# From an empty database to a migrated, seeded one with Redis warmed (rolls back to 013 and forward on the way)
demo:
    @echo "building seedkit (release build; the first one takes a few minutes)" >&2
    cargo build --release
    {{services}}; scripts/demo.sh

# Run the test suite against real PostgreSQL and Redis
test *ARGS:
    {{services}}; cargo test --all-targets {{ARGS}}

# The fault suite (kills, server restarts, concurrent runs) three times over, with bigger seeds
faults:
    {{services}}; for run in 1 2 3; do SEEDKIT_TEST_FAULT_ROWS=200000 cargo test --test it -- faults:: exit_codes:: safety::; done

# Formatting and lints, as CI checks them
lint:
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings

# What CI runs: lints, then the tests
ci: lint test

# Benchmarks against the reference tools (psql, redis-cli); results go in docs/BENCHMARKS.md
bench:
    @echo "building seedkit (release build; the first one takes a few minutes)" >&2
    cargo build --release
    {{services}}; scripts/bench.sh

# The README's picture: the default profile's `preview --html` page, rendered by headless Chromium into docs/img/report.png
report-screenshot:
    scripts/report-screenshot.sh

# Stop the throwaway servers started by the recipes above
services-stop:
    scripts/services.sh stop
