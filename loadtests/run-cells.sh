#!/usr/bin/env bash
# Rerun latency of a 10-cell chain after its first cell is edited, cold cache vs warm (issue 5,
# benchmark 3): starts a fresh Easel node from node/target/easel-node.jar (copied first;
# EASEL_NODE_JAR names another) with an empty data directory and the per-user rate limit off,
# runs loadtests/cell-chain.js against it, and stops it.
#
#   loadtests/run-cells.sh [--rows 200000] [--rounds 5]
#
# Results: the table on stderr, JSON in loadtests/target/cells-<time>.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

find_java
ensure_node_modules
prepare_node_jar
STAMP="$(date +%Y%m%d-%H%M%S)"
DATA="$WORK/cells-data-$STAMP"
OUT="$WORK/cells-$STAMP.json"
trap 'stop_easel; rm -rf "$DATA"' EXIT
{ echo "== machine"; machine_summary; echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)"; } >&2
start_easel "$DATA" EASEL_RATE_LIMIT_PER_USER=0 EASEL_FLIGHT_PORT="$(free_port)"
node "$LOADTESTS/cell-chain.js" --url "http://127.0.0.1:$EASEL_PORT" "$@" > "$OUT"
log "results: $OUT; load average $(cut -d' ' -f1-3 /proc/loadavg)"
