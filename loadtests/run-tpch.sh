#!/usr/bin/env bash
# The TPC-H benchmarks of issue 5: the 22 TPC-H queries through Easel's API (REST and gRPC) vs
# DuckDB in-process over the same Parquet files (benchmark 1), and SELECT * FROM lineitem through
# Flight SQL (raw FlightSqlClient and Arrow's JDBC driver) vs DuckDB's in-process Arrow export and
# JDBC ResultSet (benchmark 2, SF1 only by default). Generates the TPC-H data at the scale factor
# asked (io.trino.tpch; kept as Parquet under loadtests/target/tpch/sf<N>, so reruns skip it),
# starts a fresh Easel node from node/target/easel-node.jar (copied first; EASEL_NODE_JAR names
# another) with an empty data directory, free loopback ports and the rate limits off, runs
# loadtests/tpch (built with -Ploadtests into loadtests/tpch/target/easel-tpch-bench.jar): it signs
# up, creates a project, uploads the 8 tables as datasets through PUT /v1/projects/{id}/datasets/
# {name}, and runs the benchmarks with every side measured in the same run, interleaved. Stops the
# node.
#
#   loadtests/run-tpch.sh                      # SF1, both benchmarks
#   loadtests/run-tpch.sh --sf 10              # SF10, benchmark 1 (add --benchmarks queries,scan)
#   loadtests/run-tpch.sh --sf 1 --benchmarks scan --scan-rounds 5
#   loadtests/run-tpch.sh --benchmarks probe   # Easel's fixed cost per query, fresh and cached
#   other options: --faces rest,grpc --warmup 1 --rounds 5 --scan-warmup 1 --scan-rounds 3
#                  --sql fresh|repeated (fresh: every run's SQL made distinct, so that Easel's
#                    result cache answers none of them; repeated: cache hits after the first)
#                  --scan-sides flight-raw,flight-jdbc,duckdb-arrow,duckdb-jdbc
#   EASEL_QUERY_THREADS (2), EASEL_QUERY_MEMORY_LIMIT (1GB): the node's query settings, given to
#     the in-process DuckDB as well; EASEL_QUERY_TIMEOUT (30m here).
#   EASEL_JAVA_OPTS="..." extra JVM options for the node (e.g. a JFR recording);
#   BENCH_JAVA_OPTS="..." for the benchmark's JVM. REBUILD=0 uses the benchmark jar as it is.
#
# Results: Markdown tables on stdout, JSON in loadtests/target/tpch-sf<N>-<time>.json. Exit 1 when a
# row count differs between the sides (or from the specification's SF1 answers) or a call failed.
# The goals are reported, never enforced.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SF=1
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = "--sf" ] && [ $((i + 1)) -lt ${#args[@]} ]; then SF="${args[$((i + 1))]}"; fi
done

find_java
build_bench_jar tpch easel-tpch-bench.jar
BENCH=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
       ${BENCH_JAVA_OPTS:-} -jar "$BENCH_JAR")

log "TPC-H data at SF$SF (generated once, kept under $WORK/tpch)"
"${BENCH[@]}" generate --sf "$SF" --work "$WORK" || die "generating the TPC-H data failed"

prepare_node_jar
THREADS="${EASEL_QUERY_THREADS:-2}"
MEMORY="${EASEL_QUERY_MEMORY_LIMIT:-1GB}"
STAMP="$(date +%Y%m%d-%H%M%S)"
DATA="$WORK/tpch-data-$STAMP"
OUT="$WORK/tpch-sf$SF-$STAMP.json"
trap 'stop_easel; rm -rf "$DATA"' EXIT
run_header
FLIGHT_PORT="$(free_port)"
start_easel "$DATA" EASEL_RATE_LIMIT_PER_USER=0 EASEL_RATE_LIMIT_PER_API_KEY=0 \
  EASEL_FLIGHT_HOST=127.0.0.1 EASEL_FLIGHT_PORT="$FLIGHT_PORT" \
  EASEL_QUERY_THREADS="$THREADS" EASEL_QUERY_MEMORY_LIMIT="$MEMORY" \
  EASEL_QUERY_TIMEOUT="${EASEL_QUERY_TIMEOUT:-30m}"
# A fresh node on a loaded machine can take longer than its request timeout over its first
# sign-up (classes loading, the identity entities starting): sign up a throw-away account until
# one succeeds (at most 5 tries), so that the benchmark's own sign-up meets a warm node.
for try in 1 2 3 4 5; do
  code="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
    --data "{\"email\":\"warm-up-$STAMP-$try@example.com\",\"password\":\"warm-up-$STAMP-password\",\"displayName\":\"warm-up\"}" \
    "http://127.0.0.1:$EASEL_PORT/v1/auth:register")" || code=000
  log "warm-up sign-up $try: HTTP $code"
  [ "$code" = 200 ] && break
done
set +e
"${BENCH[@]}" run --url "http://127.0.0.1:$EASEL_PORT" --flight-port "$FLIGHT_PORT" \
  --easel-pid "$EASEL_PID" --data "$DATA" --work "$WORK" --threads "$THREADS" --memory-limit "$MEMORY" --out "$OUT" "$@"
rc=$?
set -e
log "node RSS $(ps -o rss= -p "$EASEL_PID" | awk '{printf "%.0f MiB", $1/1024}'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
