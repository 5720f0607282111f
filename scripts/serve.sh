#!/usr/bin/env bash
# Runs the web server and the task worker side by side; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-8000}"
bin=.venv/bin

"$bin/enishi" db_worker --queue-name default --interval 1 --no-reload &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM

echo "enishi: http://127.0.0.1:${port}/  (stop with Ctrl-C)"
"$bin/enishi" runserver "127.0.0.1:${port}" --noreload
