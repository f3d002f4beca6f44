#!/usr/bin/env bash
# Media benchmarks (issue 15): upload throughput of a 50 MiB file over loopback with the
# server's resident memory sampled during it, and 64-connection downloads of a thumbnail by
# its signed URL against GET /api/health in the same run (the bare-Rocket ceiling).
#
#   bench/media.sh [SECONDS_PER_RUN]     (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR="${1:-5}"
command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
cargo build --release --quiet
PORT=18741
source bench/common.sh
launch "$WORK/chat.db" ROCKET_RATE_LIMITS="$LIMITS_OFF"
BASE="http://127.0.0.1:$PORT"
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)['data']$1)"; }

TOKEN=$(curl -fs "$BASE/api/register" -H 'Content-Type: application/json' \
  -d '{"username":"bench","password":"password123"}' | json "['token']")
AUTH="Authorization: Bearer $TOKEN"

# A 50 MiB file of random bytes (incompressible; no image to decode).
head -c $((50 * 1024 * 1024)) /dev/urandom > "$WORK/big.bin"
# Warm up (first write into media/), then three timed uploads, RSS sampled every 20 ms.
curl -fs -o /dev/null "$BASE/api/auth/files" -H "$AUTH" -F "file=@$WORK/big.bin"
IDLE=$(rss)
PEAK=$IDLE
for i in 1 2 3; do
  head -c 16 /dev/urandom >> "$WORK/big.bin"   # new content each time: no dedup shortcut
  START=$(date +%s.%N)
  curl -fs -o /dev/null "$BASE/api/auth/files" -H "$AUTH" -F "file=@$WORK/big.bin" &
  UP=$!
  while kill -0 "$UP" 2>/dev/null; do
    R=$(rss); [ "$R" -gt "$PEAK" ] && PEAK=$R
    sleep 0.02
  done
  wait "$UP"
  END=$(date +%s.%N)
  python3 -c "print(f'upload 50 MiB #$i: {50*1.048576/($END-$START):.0f} MB/s ({$END-$START:.2f} s)')"
done
echo "server VmRSS: idle $((IDLE / 1024)) MiB, peak during uploads $((PEAK / 1024)) MiB (growth $(((PEAK - IDLE) / 1024)) MiB)"

# A 12 MP photo for the thumbnail download (made by the thumbnail example).
cargo run --release --quiet --example thumb -- 1 "$WORK/photo.jpg" >/dev/null
THUMB=$(curl -fs "$BASE/api/auth/files" -H "$AUTH" -F "file=@$WORK/photo.jpg" | json "['thumbnail_url']")
[ "$THUMB" != "None" ] || { echo "no thumbnail"; exit 1; }
for path in "/api/health" "$THUMB"; do
  printf '%-40.40s ' "$path"
  wrk -t2 -c64 -d"${DUR}s" "$BASE$path" | awk '/Requests\/sec/ {print $2 " req/s"}'
done
