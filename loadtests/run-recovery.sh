#!/usr/bin/env bash
# Recovery: how long the first reply takes after a node restart, for a canvas with many events,
# with and without snapshots.
#
#   loadtests/run-recovery.sh
#   SIZES="10000 100000" SNAPSHOTS="1000 100000000" REPEAT=3 loadtests/run-recovery.sh
#   IDLE_SECONDS=10 (default): how long idle CPU is sampled; IDLE_SETTLE=20: how long a
#   restarted node is left alone before its idle CPU is sampled.
#
# For each snapshot setting (EASEL_CANVAS_SNAPSHOT_EVERY) a fresh node with an empty data
# directory has its idle CPU sampled, then a fresh user signs up and creates a project
# (recovery.js signup; e-mail, password and tokens go to $DATA-creds.json), and the node gets a
# canvas of 10 events (the baseline) and one canvas per size in SIZES, each created through REST
# and filled through /ws, all at the same time (recovery.js generate: up to 64 ops in flight on
# one socket, one keystroke of the automerge-paper trace each). Its idle CPU is sampled again,
# then it is stopped. Then, REPEAT times, for each canvas: start the node on that data
# directory, wait for GET /health, open a fresh sharedb connection with the stored access token
# and fetch the canvas (recovery.js fetch, which checks version and content), stop the node.
# Only one canvas is touched per start, so each fetch finds a cold entity that must recover
# from the journal. Finally the node is started once more on the full journal and, after
# IDLE_SETTLE seconds, its idle CPU is sampled (nobody connected).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SIZES="${SIZES:-10000 100000}"
SNAPSHOTS="${SNAPSHOTS:-1000 100000000}"
REPEAT="${REPEAT:-3}"
IDLE_SECONDS="${IDLE_SECONDS:-10}"
IDLE_SETTLE="${IDLE_SETTLE:-20}"
ensure_node_modules
prepare_node_jar

STAMP="$(date +%Y%m%d-%H%M%S)"
OUT="$WORK/recovery-$STAMP.jsonl"
: > "$OUT"
trap 'stop_easel' EXIT
{ echo "== machine"; machine_summary; } >&2

for snap in $SNAPSHOTS; do
  DATA="$WORK/recovery-data-$STAMP-s$snap"
  log "== EASEL_CANVAS_SNAPSHOT_EVERY=$snap: generating canvases (10 $SIZES events)"
  CREDS="$DATA-creds.json"
  start_easel "$DATA" EASEL_CANVAS_SNAPSHOT_EVERY="$snap"
  echo "{\"kind\":\"idle\",\"snapshotEvery\":$snap,\"events\":0,\"when\":\"fresh node, empty journal, $IDLE_SECONDS s\",\"cpuPercent\":$(idle_cpu_percent "$EASEL_PID" "$IDLE_SECONDS")}" >> "$OUT"
  node "$LOADTESTS/recovery.js" signup --url "$EASEL_URL" --creds "$CREDS" >&2 || die "sign-up failed"
  pids=()
  for n in 10 $SIZES; do
    node "$LOADTESTS/recovery.js" generate --url "$EASEL_URL" --canvas "rec-$n" --events "$n" --creds "$CREDS" \
        > "$DATA-gen-$n.json" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || die "generation failed"; done
  total=0
  for n in 10 $SIZES; do
    node -e 'const g=JSON.parse(require("fs").readFileSync(process.argv[1]));g.kind="generate";g.snapshotEvery=Number(process.argv[2]);console.log(JSON.stringify(g))' \
        "$DATA-gen-$n.json" "$snap" >> "$OUT"
    total=$((total + n))
  done
  tail -n "$(echo 10 $SIZES | wc -w)" "$OUT" >&2
  sleep 2
  echo "{\"kind\":\"idle\",\"snapshotEvery\":$snap,\"events\":$total,\"when\":\"after generating, no clients, $IDLE_SECONDS s\",\"cpuPercent\":$(idle_cpu_percent "$EASEL_PID" "$IDLE_SECONDS")}" >> "$OUT"
  stop_easel
  bytes="$(du -sb "$DATA" | cut -f1)"
  echo "{\"kind\":\"disk\",\"snapshotEvery\":$snap,\"events\":$total,\"bytes\":$bytes}" >> "$OUT"
  log "data directory after $total events: $((bytes / 1048576)) MiB"

  for rep in $(seq 1 "$REPEAT"); do
    for n in 10 $SIZES; do
      expect_v="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).v)' "$DATA-gen-$n.json")"
      expect_digest="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).digest)' "$DATA-gen-$n.json")"
      canvas_id="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).canvas)' "$DATA-gen-$n.json")"
      t0=$(date +%s%N)
      start_easel "$DATA" EASEL_CANVAS_SNAPSHOT_EVERY="$snap"
      healthy_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      result="$(node "$LOADTESTS/recovery.js" fetch --url "$EASEL_URL" --canvas "$canvas_id" \
          --expect-v "$expect_v" --expect-digest "$expect_digest" --creds "$CREDS")" || die "fetch of rec-$n ($canvas_id) failed"
      echo "$result" | node -e '
        const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
        Object.assign(r, { kind: "fetch", snapshotEvery: Number(process.argv[1]), events: Number(process.argv[2]), rep: Number(process.argv[3]), healthyMs: Number(process.argv[4]) });
        console.log(JSON.stringify(r));' "$snap" "$n" "$rep" "$healthy_ms" | tee -a "$OUT" >&2
      stop_easel
    done
  done
  start_easel "$DATA" EASEL_CANVAS_SNAPSHOT_EVERY="$snap"
  sleep "$IDLE_SETTLE"
  echo "{\"kind\":\"idle\",\"snapshotEvery\":$snap,\"events\":$total,\"when\":\"restarted on the full journal, no clients, $IDLE_SECONDS s after $IDLE_SETTLE s\",\"cpuPercent\":$(idle_cpu_percent "$EASEL_PID" "$IDLE_SECONDS")}" >> "$OUT"
  tail -n 1 "$OUT" >&2
  stop_easel
  [ -n "${KEEP_DATA:-}" ] || rm -rf "$DATA" "$CREDS"
done
log "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
node "$LOADTESTS/recovery.js" report "$OUT" ${MARKDOWN:+--markdown}
log "raw results: $OUT"
