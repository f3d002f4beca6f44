#!/usr/bin/env bash
# Password-hashing flood benchmark (issue 12): what 1,000 concurrent logins and sign-ups do
# to chatd's memory and to everyone else's requests.
#
#   bench/flood.sh [LOGINS] [SIGN_UPS]      (default 500 each, at most 2,000 in all)
#
# Builds the release binary and the driver (examples/flood.rs), then runs three rounds, each
# on a fresh chatd serving a temporary database on 127.0.0.1 (nothing else is contacted):
#   1. control, rate limits off: the same burst of requests, as sign-ups with a too-short
#      password, answered 400 before any hashing (what the burst alone costs);
#   2. flood, rate limits off: the worst case, as if every request came from its own address;
#   3. flood, default rate limits: all requests come from one address, so its per-address
#      limits answer most of them.
# In each round the driver registers a real user and logs it in once (warm-up), opens one
# connection per request, then sends LOGINS logins for unknown names and SIGN_UPS
# registrations at once (60 s timeout each); meanwhile it asks GET /api/health every ~20 ms
# on a kept-alive connection and samples the server's VmRSS every 50 ms.
#
# Prints one table row per round: requests; answers by status; when the burst was absorbed
# (the last answer that did not wait for a hash) and the last answer came; health p50, p99
# and max during the flood, and p99 after the burst (while only the queued hashes run);
# VmRSS idle, peak and 10 s after; the status of the real user's login after the flood.
# Bounded: at most 2,000 requests per round, each round about 15 s (60 s at worst).
set -euo pipefail
cd "$(dirname "$0")/.."
LOGINS="${1:-500}"
SIGN_UPS="${2:-500}"

cargo build --release --quiet
cargo build --release --quiet --example flood
FLOOD="$PWD/target/release/examples/flood"
PORT=18732
source bench/common.sh

# serve NAME [ENV=VALUE…] : chatd on a fresh database in $WORK/NAME, until it answers
serve() {
  local name=$1; shift
  mkdir -p "$WORK/$name"
  launch "$WORK/$name/chat.db" "$@"
}

stop() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

echo
echo "chatd flood — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $LOGINS logins for unknown names + $SIGN_UPS sign-ups at once"
echo
echo "| round | requests | answered | 201 | 400 | 401 | 429 | other | burst absorbed | last answer | health checks | health p50 | health p99 | health max | health p99 after the burst (checks) | VmRSS idle | VmRSS peak | VmRSS 10 s after | real login after |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
STATUS=0
serve control ROCKET_RATE_LIMITS="$LIMITS_OFF"
"$FLOOD" "http://127.0.0.1:$PORT" "$SERVER_PID" "$LOGINS" "$SIGN_UPS" "control (no hashing), rate limits off" control || STATUS=1
stop
serve off ROCKET_RATE_LIMITS="$LIMITS_OFF"
"$FLOOD" "http://127.0.0.1:$PORT" "$SERVER_PID" "$LOGINS" "$SIGN_UPS" "flood, rate limits off" || STATUS=1
stop
serve on
"$FLOOD" "http://127.0.0.1:$PORT" "$SERVER_PID" "$LOGINS" "$SIGN_UPS" "flood, default rate limits" || STATUS=1
stop
echo
echo "hashing: $(nproc) hasher threads (hash_concurrency = 0), queue of 32 (hash_queue); memory is VmRSS"
exit $STATUS
