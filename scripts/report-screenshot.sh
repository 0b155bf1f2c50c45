#!/usr/bin/env bash
# The picture in the README: the `default` profile's preview page
# (`seedkit preview --html`) rendered by headless Chromium into
# docs/img/report.png (or the path given). Needs no database or Redis, only
# Chromium: on Debian or Ubuntu `apt-get install -y chromium`.
# Run by `just report-screenshot`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
png="${1:-docs/img/report.png}"
width="${REPORT_WIDTH:-1280}"
height="${REPORT_HEIGHT:-1800}"

browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
  echo "error: no Chromium found (hint: apt-get install -y chromium)" >&2
  exit 1
fi

cargo build --quiet
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
target/debug/seedkit --quiet preview --profile default --html "$work/report.html" > /dev/null

mkdir -p "$(dirname "$png")"
rm -f "$png"
# --no-sandbox: Chromium refuses to run as root with its sandbox (CI, containers).
# Its stderr is noise (D-Bus, GPU) unless the picture is missing.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --force-device-scale-factor=1 --window-size="$width,$height" \
  --user-data-dir="$work/chromium" \
  --screenshot="$root/$png" "file://$work/report.html" 2> "$work/chromium.log" || true
if [ ! -s "$png" ]; then
  cat "$work/chromium.log" >&2
  echo "error: Chromium wrote no $png" >&2
  exit 1
fi
echo "wrote $png (${width}x${height}) from the default profile's preview page" >&2
