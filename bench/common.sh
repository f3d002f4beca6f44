# Shared by the bench scripts (sourced): the release binary, a temporary folder removed on
# exit, and `launch`, which starts chatd on 127.0.0.1:$PORT and waits until it answers.
# wrk and the flood drive a few accounts from one address at full speed: the rate limits
# are for people, so scripts pass LIMITS_OFF where they measure chatd itself.
BIN="${BIN:-$PWD/target/release/chatd}"

# prepare: wrk (from Debian, if missing) and the release binary
prepare() {
  command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
  cargo build --release --quiet
}
LIMITS_OFF='{register="off",login="off",ticket="off",send="off",create_group="off",friend_request="off"}'
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# launch DATABASE [ENV=VALUE…] : chatd serving DATABASE (run in its folder), until it answers
launch() {
  local db=$1; shift
  (cd "$(dirname "$db")" && exec env ROCKET_DATABASE_PATH="$db" ROCKET_PORT=$PORT \
    ROCKET_ADDRESS=127.0.0.1 RUST_LOG=warn "$@" "$BIN" serve >/dev/null 2>>"$WORK/server.log") &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "chatd did not start" >&2; cat "$WORK/server.log" >&2; exit 1
}

# $WORK/send.lua: wrk POSTs a message as $TOKEN into $CONV (both read from the environment).
cat >"$WORK/send.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"conversation_id":"' .. os.getenv("CONV") .. '","content":"a benchmark message of ordinary length"}'
LUA
