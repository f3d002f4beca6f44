#!/usr/bin/env bash
# First load of the web client in Chromium, phone size, throttled link: cold with and without
# compression, and a warm reload (bench/first_load.mjs). Run from the repository root after
# `cargo build --release` and once `cargo test --test browser` (which installs playwright-core).
set -euo pipefail
PORT=${PORT:-18090}
source "$(dirname "$0")/common.sh"
NODE_MODULES="$PWD/target/tmp/browser-e2e/node_modules"
[ -d "$NODE_MODULES/playwright-core" ] || { echo "run 'cargo test --test browser' once first" >&2; exit 1; }
launch "$WORK/chat.db"
# ES modules find packages beside the script, not through NODE_PATH.
cp bench/first_load.mjs "$WORK/" && ln -s "$NODE_MODULES" "$WORK/node_modules"
node "$WORK/first_load.mjs" "http://127.0.0.1:$PORT"
