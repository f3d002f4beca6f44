#!/usr/bin/env bash
# Notifications benchmark (issue 18): send throughput into a group of 1,000 members who all
# have a Web Push subscription (the notifier encrypting, signing and posting to a local push
# service), against the same group with no subscriptions (the notifier idle), in the same
# run, alternated, 64 connections.
#
#   bench/notify.sh [SECONDS_PER_RUN] [ROUNDS]     (default 10, 3)
#
# The push service is a small Python HTTP server on 127.0.0.1 answering 201. A real one is
# on another machine: this one runs at nice 19 so that it takes, as far as the scheduler
# allows, only cores nobody else wants. The last line is the median of the rounds' ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR="${1:-10}"
ROUNDS="${2:-3}"
source bench/common.sh
prepare
PORT=18771
DB="$WORK/data/chat.db"
mkdir -p "$WORK/data"
SINK_PORT=18772

(cd "$WORK" && ROCKET_DATABASE_PATH="$DB" "$BIN" seed --users 1000 --conversations 1 \
  --messages 1 >/dev/null)

# One group of all 1,000 users (bench_1 the owner), and their subscriptions (the example
# keys of the Web Push libraries: valid, and the same for everyone; endpoints differ).
python3 - "$DB" "$SINK_PORT" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
now = int(time.time() * 1000)
users = [r[0] for r in c.execute("SELECT id FROM users ORDER BY id")]
c.execute("INSERT INTO conversations (kind, name, created_at) VALUES ('group', '千人群', ?)", (now,))
g = c.execute("SELECT last_insert_rowid()").fetchone()[0]
c.executemany("INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
              [(g, u, 'owner' if i == 0 else 'member', now) for i, u in enumerate(users)])
c.executemany("INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?)",
              [(u, f"http://127.0.0.1:{sys.argv[2]}/push/{u}",
                "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
                "BTBZMqHH6r4Tts7J_aSIgg", now) for u in users])
c.execute("CREATE TABLE bench_subscriptions AS SELECT * FROM push_subscriptions")
c.commit()
print(f"c_{g}")
PY
CONV=$(python3 -c "import sqlite3,sys; print('c_%d' % sqlite3.connect('$DB').execute(\"SELECT id FROM conversations WHERE name='千人群'\").fetchone()[0])")

cat >"$WORK/sink.py" <<'PY'
import http.server, sys, threading
count = 0
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            count += 1
        self.send_response(201); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        body = str(count).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
nice -n 19 python3 "$WORK/sink.py" "$SINK_PORT" &
SINK_PID=$!
trap 'kill $SINK_PID 2>/dev/null || true; cleanup' EXIT

launch "$DB" ROCKET_REQUIRE_FRIENDSHIP=false ROCKET_RATE_LIMITS="$LIMITS_OFF"
TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/login" \
  -d '{"username":"bench_1","password":"password123"}' |
  python3 -c 'import sys, json; print(json.load(sys.stdin)["data"]["token"])')
export TOKEN CONV

subscriptions() { # on | off, on the running server's database (the notifier reads them live)
  python3 - "$DB" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
c.execute("DELETE FROM push_subscriptions")
c.execute("DELETE FROM notify_deliveries")
if sys.argv[2] == "on":
    c.execute("INSERT INTO push_subscriptions SELECT * FROM bench_subscriptions")
c.commit()
PY
}

rps() { wrk -t2 -c64 -d"${DUR}s" -s "$WORK/send.lua" "http://127.0.0.1:$PORT/api/auth/messages" |
  awk '/Requests\/sec/ {printf "%.0f", $2}'; }

echo "| round | notifier idle (req/s) | 1,000 subscribed (req/s) | ratio | pushes delivered |"
echo "| --- | --- | --- | --- | --- |"
measure() { # on | off: one round's send throughput with subscriptions on or off
  subscriptions "$1"; sleep 1
  rps
}
# A warm-up of each (not printed): the first round on a fresh database is the fastest, as
# every send adds 1,000 event rows; then the order alternates, so drift favours neither.
DUR_MAIN="$DUR"; DUR=$(( (DUR + 1) / 2 )); measure off >/dev/null; measure on >/dev/null; DUR="$DUR_MAIN"
RATIOS=()
for r in $(seq "$ROUNDS"); do
  before=$(curl -fs "http://127.0.0.1:$SINK_PORT/")
  if (( r % 2 )); then idle=$(measure off); busy=$(measure on)
  else busy=$(measure on); idle=$(measure off); fi
  sleep 2
  after=$(curl -fs "http://127.0.0.1:$SINK_PORT/")
  python3 -c "print(f'| $r | $idle | $busy | {$busy / $idle:.2f} | {$after - $before} |')"
  RATIOS+=("$busy/$idle")
done
python3 -c "import statistics, sys; print(f'median ratio: {statistics.median(eval(r) for r in sys.argv[1:]):.2f}')" "${RATIOS[@]}"
kill "$SERVER_PID" 2>/dev/null || true
