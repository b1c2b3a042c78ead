#!/usr/bin/env bash
# End to end over /ws: starts a fresh Easel node from node/target/easel-node.jar (copied first)
# with an empty data directory on 127.0.0.1, runs ws-load.js against it with the real sharedb
# client, stops the node. ws-load.js signs up a fresh user on that node and creates its canvases
# through REST (the warm-up does the same with a user of its own).
#
#   loadtests/run-ws-load.sh [ws-load.js options]
#     default: --canvases 50 --clients 10 --rate 5 --seconds 60 (--procs 1 --target shared)
#   loadtests/run-ws-load.sh --canvases 10 --seconds 20          # a quick one
#   loadtests/run-ws-load.sh --procs 2                           # load generator split in 2
#   WARMUP_SECONDS=20 (default): a short load on separate canvases first, so that the JIT has
#   compiled the hot paths before the measured run (0: measure from a cold JVM).
#   EASEL_JAVA_OPTS="..." extra JVM options for the node (e.g. a JFR recording).
#   KEEP_DATA=1 keeps the node's data directory (deleted by default: it grows fast, see
#   docs/benchmarks.md).
#
# The result (one JSON line) goes to loadtests/target/ws-load-*.json; exit 1 when ops were lost
# or documents differ. Latency goals are reported, never enforced here.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

WARMUP_SECONDS="${WARMUP_SECONDS:-20}"
ensure_node_modules
prepare_node_jar

STAMP="$(date +%Y%m%d-%H%M%S)"
DATA="$WORK/ws-load-data-$STAMP"
OUT="$WORK/ws-load-$STAMP.json"
trap 'stop_easel' EXIT
{ echo "== machine"; machine_summary; } >&2
start_easel "$DATA"
if [ "$WARMUP_SECONDS" -gt 0 ]; then
  log "warm-up: 10 canvases x 5 clients x 5 ops/s for $WARMUP_SECONDS s (not measured)"
  node "$LOADTESTS/ws-load.js" --url "$EASEL_URL" --canvases 10 --clients 5 --rate 5 \
      --seconds "$WARMUP_SECONDS" --prefix warmup >/dev/null 2>"$WORK/ws-load-warmup-$STAMP.log" \
    || { tail -20 "$WORK/ws-load-warmup-$STAMP.log" >&2; die "warm-up failed"; }
fi
log "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
set +e
node "$LOADTESTS/ws-load.js" --url "$EASEL_URL" --server-pid "$EASEL_PID" "$@" > "$OUT"
rc=$?
set -e
log "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg); node RSS $(ps -o rss= -p "$EASEL_PID" | awk '{printf "%.0f MiB", $1/1024}')"
stop_easel
log "data directory: $(du -sh "$DATA" | cut -f1)"
[ -n "${KEEP_DATA:-}" ] || rm -rf "$DATA"
log "result: $OUT"
exit $rc
