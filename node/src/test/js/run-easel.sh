#!/usr/bin/env bash
# Runs every e2e script against a freshly started Easel node (the fat jar), without and
# with --auth, for each seed, including a restart for restart-check.js; then the role and
# sign-in checks (--viewer-check, --expect-auth), which are reported but, unless
# EXPECT_ENFORCED=1, do not fail the run (the server does not enforce them yet).
#
#   ./run-easel.sh                       # seeds 1 2 3, jar ../../../target/easel-node.jar
#   SEEDS="7 8" JAR=/path/easel-node.jar ./run-easel.sh
#   MODES="auth" ./run-easel.sh          # only --auth runs ("plain auth" by default)
#   EXPECT_ENFORCED=1 ./run-easel.sh     # --viewer-check / --expect-auth must pass too
#
# Environment: JAR, JAVA (default: temurin 25 if installed, else java), HTTP_PORT (18484),
# REMOTE_PORT (25584), SEEDS, MODES, EXPECT_ENFORCED. The jar is copied to a temporary
# directory first (it may be rebuilt while this runs); the data directory is temporary too.
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules ] || npm ci --no-audit --no-fund

SEEDS="${SEEDS:-1 2 3}"
MODES="${MODES:-plain auth}"
HTTP_PORT="${HTTP_PORT:-18484}"
REMOTE_PORT="${REMOTE_PORT:-25584}"
JAR="${JAR:-../../../target/easel-node.jar}"
if [ -z "${JAVA:-}" ]; then
  if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; else JAVA=java; fi
fi
[ -f "$JAR" ] || { echo "no jar at $JAR (build it, or set JAR=...)" >&2; exit 64; }

TMP="$(mktemp -d)"
cp "$JAR" "$TMP/easel-node.jar"
DATA="$TMP/data"
mkdir -p "$DATA"
SERVER=""
cleanup() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi; }
trap cleanup EXIT

start_server() {
  EASEL_DATA_DIR="$DATA" EASEL_HTTP_PORT="$HTTP_PORT" EASEL_REMOTE_PORT="$REMOTE_PORT" \
    "$JAVA" -jar "$TMP/easel-node.jar" >>"$TMP/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 120); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health" || true)" = 200 ]; then return 0; fi
    if ! kill -0 "$SERVER" 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "Easel did not become healthy; log $TMP/server.log:" >&2; tail -50 "$TMP/server.log" >&2; exit 1
}

stop_server() {
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
}

run() { # name, command...
  local name="$1"; shift
  if out="$("$@" 2>"$TMP/err")"; then
    echo "PASS $name: ${out:0:160}"
  else
    local rc=$?
    echo "FAIL $name (exit $rc)"; cat "$TMP/err"; echo "${out:0:2000}"; exit 1
  fi
}

# Checks that need the server to enforce sign-in and roles: reported, not fatal, unless EXPECT_ENFORCED=1.
NOT_ENFORCED=0
enforced() { # name, command...
  local name="$1"; shift
  if out="$("$@" 2>"$TMP/err")"; then
    echo "PASS $name (enforced)"
  elif [ "${EXPECT_ENFORCED:-0}" = 1 ]; then
    echo "FAIL $name"; cat "$TMP/err"; exit 1
  else
    NOT_ENFORCED=$((NOT_ENFORCED + 1))
    echo "NOT ENFORCED YET $name:"; grep -v '^\(concurrent-edits\|offline-edits\|restart-check\|cross-client\): seed' "$TMP/err" | sed 's/^/    /' || true
  fi
}

start_server
URL="ws://127.0.0.1:$HTTP_PORT/ws"
HTTP="http://127.0.0.1:$HTTP_PORT"
echo "Easel on $HTTP (data $DATA, log $TMP/server.log)"
for mode in $MODES; do
  flag=(); [ "$mode" = auth ] && flag=(--auth)
  for s in $SEEDS; do
    run "concurrent-edits $mode seed $s" node concurrent-edits.js --url "$URL" --canvas "cc-$s" --seed "$s" "${flag[@]}"
    run "offline-edits $mode seed $s" node offline-edits.js --url "$URL" --canvas "off-$s" --seed "$s" "${flag[@]}"
    run "presence $mode seed $s" node presence.js --url "$URL" --canvas "presence-$s" "${flag[@]}"
    run "cross-client $mode seed $s" node cross-client.js --url "$HTTP" --seed "$s" "${flag[@]}"
    run "restart-check write $mode seed $s" node restart-check.js --phase write --url "$URL" --prefix "rs-$mode-$s" --seed "$s" "${flag[@]}"
    echo "$out" >"$TMP/expect-$mode-$s.json"
  done
  run "protocol-probe $mode" node protocol-probe.js --url "$URL" --expect-open --bytes 2097152 "${flag[@]}"
done
stop_server
start_server
echo "Easel restarted on $HTTP"
for mode in $MODES; do
  flag=(); [ "$mode" = auth ] && flag=(--auth)
  for s in $SEEDS; do
    run "restart-check verify $mode seed $s" node restart-check.js --phase verify --url "$URL" --expect "$TMP/expect-$mode-$s.json" --write-after "${flag[@]}"
  done
done
first="${SEEDS%% *}"
enforced "concurrent-edits --viewer-check seed $first" node concurrent-edits.js --url "$URL" --canvas "cc-viewer" --seed "$first" --viewer-check
enforced "presence --viewer-check" node presence.js --url "$URL" --canvas "presence-viewer" --viewer-check
enforced "protocol-probe --expect-auth" node protocol-probe.js --url "$URL" --expect-open --bytes 2097152 --expect-auth
if [ "$NOT_ENFORCED" -gt 0 ]; then
  echo "all passed; $NOT_ENFORCED sign-in/role check(s) not enforced by this server yet"
else
  echo "all passed"
fi
