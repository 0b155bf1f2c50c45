#!/usr/bin/env bash
# The first command on a fresh machine: installs what seedkit's recipes need
# when it is missing, then runs `just RECIPE...` (default: demo).
#
#   scripts/bootstrap.sh demo     # set up, then the demo
#   scripts/bootstrap.sh test     # set up, then the test suite
#
# Prerequisites: the Rust toolchain (cargo) and, when PostgreSQL or Redis is
# missing, a Debian or Ubuntu machine where apt-get may run (as root or with
# sudo). What it installs, only when missing:
#   - just: the prebuilt binary from PyPI (rust-just) into target/tools/pip
#     (seconds), or `cargo install just` into target/tools (minutes) when
#     there is no pip. Nothing outside the repository is touched for it.
#   - psql and redis-cli, and the PostgreSQL and Redis servers that the
#     recipes start as throwaway servers when DATABASE_URL / REDIS_URL do
#     not point at running ones: Debian's postgresql-client, postgresql,
#     redis-tools and redis-server.
# .ci/run starts with it too.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="$root/target/tools"

log() { echo "bootstrap: $*" >&2; }

find_just() {
  if command -v just >/dev/null 2>&1; then command -v just; return; fi
  local candidate
  for candidate in "$tools/pip/bin/just" "$tools/bin/just"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  return 1
}

install_just() {
  if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
    log "installing just (pip install rust-just --target target/tools/pip)"
    # --target installs into a folder of ours, which also keeps clear of
    # Debian's externally-managed Python.
    if python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
      --target "$tools/pip" rust-just; then
      return
    fi
  fi
  log "no usable pip: building just with cargo into target/tools (a few minutes)"
  cargo install just --locked --root "$tools"
}

install_packages() {
  local need=()
  command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  [ ${#need[@]} -eq 0 ] && return
  if ! command -v apt-get >/dev/null 2>&1; then
    log "missing ${need[*]}: install PostgreSQL and Redis with your package manager"
    exit 1
  fi
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  log "installing ${need[*]} with apt-get"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}"
}

command -v cargo >/dev/null 2>&1 || { log "cargo not found: install Rust from https://rustup.rs first"; exit 1; }
install_packages
just_bin="$(find_just)" || { install_just; just_bin="$(find_just)"; }
if [ "$(command -v just || true)" != "$just_bin" ]; then
  log "just is $just_bin; add $(dirname "$just_bin") to PATH to run \`just ...\` yourself"
fi
[ $# -gt 0 ] || set -- demo
exec "$just_bin" "$@"
