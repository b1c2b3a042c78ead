#!/usr/bin/env bash
# Unary GetCanvas through gRPC and REST vs the floor: starts a fresh Easel node from
# node/target/easel-node.jar (copied first; EASEL_NODE_JAR names another) with an empty data
# directory and the per-user rate limit off, then runs the benchmark of loadtests/unary (built with
# -Ploadtests, into loadtests/unary/target/easel-unary-bench.jar). The benchmark signs up a user,
# creates a project and a canvas of six cells, starts the floor (a bare grpc-java server and a bare
# Armeria server answering the same bytes) in a JVM of its own, and runs the closed-loop driver
# against each, face by face. Stops the node.
#
#   loadtests/run-unary.sh [benchmark options]
#     default: --concurrency 1,16,64 --jit-warmup 20 --warmup 5 --seconds 15 --rounds 1
#              --faces grpc,rest
#   loadtests/run-unary.sh --concurrency 16 --seconds 5      # a quick one
#   EASEL_JAVA_OPTS="..." extra JVM options for the node (e.g. a JFR recording);
#   FLOOR_JAVA_OPTS="..." for the floor's JVM, BENCH_JAVA_OPTS="..." for the driver's.
#   REBUILD=0 uses the benchmark jar as it is (default: mvn package of the module, quick when
#   nothing changed).
#
# Results: the table on stdout, JSON in loadtests/target/unary-<time>.json. Exit 1 when a call
# failed or was answered wrongly. The goal is reported, never enforced.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

find_java
build_bench_jar unary easel-unary-bench.jar
prepare_node_jar

STAMP="$(date +%Y%m%d-%H%M%S)"
DATA="$WORK/unary-data-$STAMP"
OUT="$WORK/unary-$STAMP.json"
trap 'stop_easel; rm -rf "$DATA"' EXIT
run_header
start_easel "$DATA" EASEL_RATE_LIMIT_PER_USER=0 EASEL_RATE_LIMIT_PER_API_KEY=0
set +e
"$JAVA_HOME/bin/java" ${BENCH_JAVA_OPTS:-} -jar "$WORK/easel-unary-bench.jar" \
  --url "http://127.0.0.1:$EASEL_PORT" --easel-pid "$EASEL_PID" --work "$WORK" --out "$OUT" \
  --floor-java-opts "${FLOOR_JAVA_OPTS:-}" "$@"
rc=$?
set -e
log "node RSS $(ps -o rss= -p "$EASEL_PID" | awk '{printf "%.0f MiB", $1/1024}'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
