#!/usr/bin/env bash
# chatd benchmark suite: one command, one table.
#
#   bench/run.sh [SECONDS_PER_RUN]      (default 5; the whole run takes about 4 minutes)
#
# Ends with one summary table of the figures issue 20 asks for (ratios within this run).
# BIN=path/to/chatd measures another build (e.g. target/profiling/chatd) without rebuilding.
#
# Builds the release binary, makes synthetic data sets with `chatd seed`, serves each with
# the real binary on a loopback port, and drives it with wrk (installed from Debian's
# packages if missing). Request logging is set to `warn` so the numbers measure chatd, not
# stderr. wrk and chatd share the machine's cores: compare ratios within one run (the first
# row, GET /api/health, is the bare-Rocket ceiling of this run).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR="${1:-5}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk…" >&2
  (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
fi
[ -n "${BIN:-}" ] || cargo build --release --quiet
PORT=18731
source bench/common.sh

# seed NAME ARGS… : a data set in $WORK/NAME/chat.db
seed() {
  local name=$1; shift
  mkdir -p "$WORK/$name"
  (cd "$WORK" && ROCKET_DATABASE_PATH="$WORK/$name/chat.db" "$BIN" seed "$@" >/dev/null)
}

# serve NAME [ENV=VALUE…] : start chatd on the data set, wait until it answers
serve() {
  local name=$1; shift
  stop
  launch "$WORK/$name/chat.db" ROCKET_REQUIRE_FRIENDSHIP=false ROCKET_RATE_LIMITS="$LIMITS_OFF" \
    ROCKET_MAX_STREAMS_PER_USER=100000 "$@"
}

RSS_MAX=0
stop() {
  if [ -n "$SERVER_PID" ]; then
    # Anonymous (private) memory is what chatd costs; file-backed pages are the database
    # file mapped by SQLite (mmap), i.e. the OS page cache, shared and reclaimable.
    local rss file
    rss=$(awk '/RssAnon/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
    file=$(awk '/RssFile/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
    echo "server memory: ${rss:-?} KiB private, ${file:-?} KiB of mapped database file" >&2
    [ "${rss:-0}" -gt "$RSS_MAX" ] && RSS_MAX=$rss
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

token() {
  curl -fs -X POST "http://127.0.0.1:$PORT/api/login" \
    -d '{"username":"bench_1","password":"password123"}' |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["data"]["token"])'
}


# row KEY LABEL CONNECTIONS wrk-args… : one wrk run, one table row; its figures are kept
# under KEY for the summary
declare -A RPS P99
row() {
  local key=$1 label=$2 conns=$3; shift 3
  local threads=2; [ "$conns" -lt 2 ] && threads=1
  local out; out=$(wrk -t"$threads" -c"$conns" -d"${DUR}s" --latency "$@")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); errors=${errors:-0}
  RPS[$key]=$rps; P99[$key]=$p99
  printf '| %-58s | %5s | %9s | %9s | %9s | %6s |\n' "$label" "$conns" "$rps" "$p50" "$p99" "$errors"
}

echo "seeding data sets…" >&2
seed list10 --users 1000 --conversations 10 --messages 1000          # 10k messages, bench_1 in 10 conversations
seed list1000 --users 1000 --conversations 1000 --messages 10        # 10k messages, bench_1 in 1,000
seed big --users 1000 --conversations 1000 --messages 1000           # 1M messages, bench_1 in 1,000

URL="http://127.0.0.1:$PORT"
echo
echo "chatd benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${DUR}s per run"
echo
printf '| %-58s | %5s | %9s | %9s | %9s | %6s |\n' "what" "conns" "req/s" "p50" "p99" "non-2xx"
printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..60})" "------:" "----------:" "----------:" "----------:" "-------:"

serve list10
TOKEN=$(token); export TOKEN
row health "GET /api/health (bare Rocket ceiling)" 64 "$URL/api/health"
# Sends go to c_1; reads use c_2, so its read marker stays put.
export CONV=c_1
for c in 1 16 64; do
  row "send$c" "send (POST /api/auth/messages), synchronous=FULL" "$c" -s "$WORK/send.lua" "$URL/api/auth/messages"
done
row read10 "read newest 50 (GET /api/auth/conversations/c_2), 10k msgs" 64 -H "Authorization: Bearer $TOKEN" "$URL/api/auth/conversations/c_2?limit=50"
row list10 "list, 10 conversations, 10k msgs" 64 -H "Authorization: Bearer $TOKEN" "$URL/api/auth/conversations"

serve list10 ROCKET_SQLITE_SYNCHRONOUS=normal
TOKEN=$(token); export TOKEN
row send_normal "send, synchronous=NORMAL" 64 -s "$WORK/send.lua" "$URL/api/auth/messages"

serve list1000
TOKEN=$(token); export TOKEN
row read1k "read newest page (10 msgs), 1,000-conversation db" 64 -H "Authorization: Bearer $TOKEN" "$URL/api/auth/conversations/c_2?limit=50"
row list1k "list, 1,000 conversations, 10k msgs" 64 -H "Authorization: Bearer $TOKEN" "$URL/api/auth/conversations"
row list1k_one "list, 1,000 conversations, 10k msgs" 1 -H "Authorization: Bearer $TOKEN" "$URL/api/auth/conversations"

serve big
TOKEN=$(token); export TOKEN
row read1m "read newest 50, 1M msgs" 64 -H "Authorization: Bearer $TOKEN" "$URL/api/auth/conversations/c_2?limit=50"
row list1m "list, 1,000 conversations, 1M msgs" 64 -H "Authorization: Bearer $TOKEN" "$URL/api/auth/conversations"
row list1m_one "list, 1,000 conversations, 1M msgs" 1 -H "Authorization: Bearer $TOKEN" "$URL/api/auth/conversations"
stop

# The event burst (examples/sse_bench.rs): 1,000 streams, a group of 500, 200 messages from 8
# senders; its p99 is the figure.
echo "event streams (examples/sse_bench.rs)…" >&2
SSE=$(BIN="$BIN" cargo run --release --quiet --example sse_bench -- 500 20 5 200)
echo "$SSE" >&2
BURST_P99=$(awk -F'|' '/burst of/ {gsub(/ /, "", $6); print $6}' <<<"$SSE")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
change() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f %%", (a / b - 1) * 100 }'; }
SIZE=$(stat -c %s "$BIN")
echo
echo "| figure (issue 20) | this run | target |"
echo "|---|---:|---|"
echo "| bare Rocket ceiling, GET /api/health, 64 connections | ${RPS[health]} req/s | — |"
echo "| read newest 50 ÷ ceiling (10k msgs) | $(ratio "${RPS[read10]}" "${RPS[health]}") | ≥ 0.40 (goal 0.5) |"
echo "| read newest 50, 1M vs 10k msgs | $(change "${RPS[read1m]}" "${RPS[read10]}") | within 10 % |"
echo "| list of 1,000, 1M vs 10k msgs, 64 connections | $(change "${RPS[list1m]}" "${RPS[list1k]}") | within 10 % |"
echo "| list of 1,000, one client, p99 (10k / 1M msgs) | ${P99[list1k_one]} / ${P99[list1m_one]} | < 5 ms |"
echo "| send, 64 connections, synchronous=FULL | ${RPS[send64]} req/s | unchanged or better |"
echo "| event burst p99 (200 messages, group of 500, 1,000 streams) | ${BURST_P99} ms | < 50 ms |"
echo "| release binary | $(awk -v s="$SIZE" 'BEGIN { printf "%.1f MB", s / 1e6 }') | ≤ 15 MB |"
echo "| server private memory (RssAnon, max over the HTTP runs) | $((RSS_MAX / 1024)) MiB | reported |"
