#!/usr/bin/env bash
# Runs every e2e script against a freshly started reference ShareDB server
# (reference-server.js), including a kill -9 + restart for restart-check.js.
#   ./run-reference.sh              # seeds 1 2 3
#   SEEDS="7 8" ./run-reference.sh
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules ] || npm ci --no-audit --no-fund

SEEDS="${SEEDS:-1 2 3}"
TMP="$(mktemp -d)"
SERVER=""
cleanup() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi; }
trap cleanup EXIT

start_server() { # $1 = port (0 = any)
  : >"$TMP/out"
  node reference-server.js --port "$1" --persist "$TMP/db.json" >"$TMP/out" 2>>"$TMP/server.log" &
  SERVER=$!
  for _ in $(seq 50); do
    if grep -q '^listening ' "$TMP/out"; then PORT="$(awk '/^listening /{print $2}' "$TMP/out")"; return 0; fi
    sleep 0.1
  done
  echo "reference server did not start; log:" >&2; cat "$TMP/server.log" >&2; exit 1
}

run() { # name, command...
  local name="$1"; shift
  if out="$("$@" 2>"$TMP/err")"; then
    echo "PASS $name: ${out:0:160}"
  else
    echo "FAIL $name (exit $?)"; cat "$TMP/err"; echo "$out"; exit 1
  fi
}

start_server 0
URL="ws://127.0.0.1:$PORT/ws"
echo "reference server on $URL (log: $TMP/server.log)"
for s in $SEEDS; do
  run "concurrent-edits seed $s" node concurrent-edits.js --url "$URL" --canvas "cc-$s" --seed "$s"
  run "offline-edits seed $s" node offline-edits.js --url "$URL" --canvas "off-$s" --seed "$s"
  run "restart-check write seed $s" node restart-check.js --phase write --url "$URL" --prefix "rs-$s" --seed "$s"
  echo "$out" >"$TMP/expect-$s.json"
done
kill -9 "$SERVER"; wait "$SERVER" 2>/dev/null || true
start_server "$PORT"
echo "reference server restarted (kill -9) on $URL"
for s in $SEEDS; do
  run "restart-check verify seed $s" node restart-check.js --phase verify --url "$URL" --expect "$TMP/expect-$s.json" --write-after
done
run "protocol-probe" node protocol-probe.js --url "$URL" --bytes 2097152
echo "all passed"
