#!/usr/bin/env bash
# The web app in headless Chromium (issue 6): starts a fresh Easel node from
# node/target/easel-node.jar (copied first; EASEL_NODE_JAR names another; it must hold the web
# app, i.e. be built without -DskipTypeScript) with an empty data directory and the per-user rate
# limit off, runs loadtests/web-bench.js against it with Debian's Chromium (playwright-core), and
# stops the node.
#
#   loadtests/run-web.sh [--loads 5] [--keys 300] [--interval 50] [--chromium /usr/bin/chromium]
#
# Measures the initial load of a canvas page (JS bytes, time to interactive; cold and warm) and
# keystroke -> remote paint latency between two browser contexts (p50/p95/p99, local echo beside
# it). The result (one JSON line) goes to loadtests/target/web-<time>.json; the goal (remote
# paint p95 <= 100 ms on loopback) is reported, never enforced.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

find_java
ensure_node_modules
prepare_node_jar
"$JAVA_HOME/bin/jar" tf "$NODE_JAR" | grep -q '^easel/web/index.html$' \
  || die "$NODE_JAR has no web app (built with -DskipTypeScript?): rebuild it without, or set EASEL_NODE_JAR"
STAMP="$(date +%Y%m%d-%H%M%S)"
DATA="$WORK/web-data-$STAMP"
OUT="$WORK/web-$STAMP.json"
trap 'stop_easel; rm -rf "$DATA"' EXIT
run_header
start_easel "$DATA" EASEL_RATE_LIMIT_PER_USER=0 EASEL_FLIGHT_PORT="$(free_port)" EASEL_MANAGEMENT_PORT="$(free_port)"
log "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
node "$LOADTESTS/web-bench.js" --url "http://127.0.0.1:$EASEL_PORT" "$@" > "$OUT"
log "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$OUT"
log "result: $OUT"
