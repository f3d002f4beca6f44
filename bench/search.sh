#!/usr/bin/env bash
# Search benchmark (issue 16): `chatd seed` with realistic Chinese text (the phrases of
# bench/corpus/family-chat.txt), then
#   * the indexes' size against the messages' text, and what building them costs (migration V10
#     rebuilt on a copy of the data set);
#   * p50/p99 of the global and the in-conversation search for 1, 2 and 3+ character queries,
#     as bench_1, who is in every conversation and so sees every message (the worst case for
#     the 1–2 character scan);
#   * sending with and without the index, in the same run (wrk, 64 connections; 3 rounds,
#     alternated), with the writer thread's CPU time per message.
#
#   bench/search.sh [CONVERSATIONS] [MESSAGES_EACH] [ROUNDS]    (default 200 × 5000 = 1M, 10)
set -euo pipefail
cd "$(dirname "$0")/.."
CONVS="${1:-200}"
EACH="${2:-5000}"
ROUNDS="${3:-10}"
command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
cargo build --release --quiet
PORT=18761
source bench/common.sh
DB="$WORK/data/chat.db"
CORPUS="$PWD/bench/corpus/family-chat.txt"
mkdir -p "$WORK/data"

echo "== seeding $CONVS conversations × $EACH messages (index kept by the triggers as they go)"
START=$(date +%s.%N)
(cd "$WORK" && ROCKET_DATABASE_PATH="$DB" "$BIN" seed --users 50 --conversations "$CONVS" \
  --messages "$EACH" --corpus "$CORPUS" 2>&1 | tail -1)
python3 -c "print(f'seed with the index: {$(date +%s.%N) - $START:.1f} s')"

python3 - "$DB" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n, text = c.execute("SELECT COUNT(*), SUM(LENGTH(CAST(content AS BLOB))) FROM messages").fetchone()
trigrams = c.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'message_search%'").fetchone()[0]
grams = c.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'message_grams%'").fetchone()[0]
index = trigrams + grams
total = c.execute("SELECT SUM(pgsize) FROM dbstat").fetchone()[0]
mib = 1024 * 1024
print(f"messages: {n:,}; their text {text / mib:.1f} MiB; search indexes {index / mib:.1f} MiB "
      f"(trigrams {trigrams / mib:.1f}, grams {grams / mib:.1f}) "
      f"= {index / text:.2f}× the text ({index / mib * 1e6 / n:.1f} MiB per million messages); "
      f"whole database {total / mib:.1f} MiB")
PY

echo "== building the indexes for stored messages (migration V10 on a copy)"
cp "$DB" "$WORK/data/rebuild.db"
python3 - "$WORK/data/rebuild.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
# V10 starts by dropping V9's triggers and tables: leave some of those names for it.
c.executescript("""DROP TABLE message_search; DROP TABLE message_grams;
DROP TABLE message_search_state;
CREATE TABLE message_search (x); CREATE TABLE message_search_queue (x);
CREATE TRIGGER message_search_add AFTER INSERT ON message_search_queue BEGIN SELECT 1; END;
DELETE FROM refinery_schema_history WHERE version = 10; VACUUM;""")
PY
(cd "$WORK" && ROCKET_DATABASE_PATH="$WORK/data/rebuild.db" "$BIN" migrate 2>&1 | grep -E "search index" | sed 's/^.*INFO //')

echo "== search latency (sequential, keep-alive; $ROUNDS rounds of 8 words per class)"
launch "$DB" ROCKET_RATE_LIMITS="$LIMITS_OFF"
BASE="http://127.0.0.1:$PORT"
TOKEN=$(curl -fs "$BASE/api/login" -H 'Content-Type: application/json' \
  -d '{"username":"bench_1","password":"password123"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["data"]["token"])')
CONV=$(curl -fs "$BASE/api/auth/conversations" -H "Authorization: Bearer $TOKEN" |
  python3 -c 'import sys,json; print(json.load(sys.stdin)["data"][0]["conversation_id"])')
python3 bench/search_client.py "$PORT" "$TOKEN" "$CONV" "$ROUNDS"

echo "== sending with and without the index (same data, 64 connections, 8 s each, alternated)"
cat >"$WORK/send.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"conversation_id":"$CONV","content":"明天下午一起去公园散步，记得带伞"}'
LUA
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
cp "$DB" "$WORK/data/plain.db"
cp "$DB.jwt-secret" "$WORK/data/plain.db.jwt-secret"   # the same tokens work on the copy
python3 -c "
import sqlite3; c = sqlite3.connect('$WORK/data/plain.db')
c.executescript('UPDATE message_search_state SET indexed_upto = 1 << 62;')"   # nothing to index
# The writer thread's CPU time (clock ticks), the steadier figure on a shared machine.
writer_ticks() {
  for t in /proc/"$SERVER_PID"/task/*; do
    if grep -q writer "$t/comm"; then awk '{print $14 + $15}' "$t/stat"; fi
  done
}
for round in 1 2 3; do
  for which in chat plain; do
    launch "$WORK/data/$which.db" ROCKET_RATE_LIMITS="$LIMITS_OFF"
    printf '%-28s ' "send, $([ $which = chat ] && echo 'with the index' || echo 'without the index') #$round"
    before=$(writer_ticks)
    out=$(wrk -t2 -c64 -d8s -s "$WORK/send.lua" "$BASE/api/auth/messages")
    after=$(writer_ticks)
    echo "$out" | awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
      /requests in/ {n = $1} /Requests\/sec/ {r = $2} /Non-2xx/ {bad = $NF}
      END {printf "%s req/s, writer CPU %.0f us per message%s\n", r, ticks / hz * 1e6 / n,
           (bad ? "  (" bad " failed!)" : "")}'
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  done
done
