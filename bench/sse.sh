#!/usr/bin/env bash
# Event-stream delivery benchmark: 1,000 streams (500 users × 2 devices), one group of 500,
# messages at a steady rate and in a burst; prints p50/p99 delivery latency and memory.
#   bench/sse.sh [USERS] [RATE_PER_SEC] [SECONDS] [BURST]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
cargo run --release --quiet --example sse_bench -- "$@"
