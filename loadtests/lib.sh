# Shared helpers for the loadtests/run-*.sh scripts (sourced, not run).
# They never touch the repository's build outputs except to build a missing jar,
# and they copy jars to a private temp dir before use (other people rebuild them).

LOADTESTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$LOADTESTS/.." && pwd)"
WORK="${LOADTESTS_WORK:-$LOADTESTS/target}"
mkdir -p "$WORK"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# A JDK 21+: $JAVA_HOME if set, else the newest under /usr/lib/jvm.
find_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then return; fi
  local candidate
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    if [ -x "$candidate/bin/javac" ]; then
      local major
      major="$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
      if [ "${major:-0}" -ge 21 ] 2>/dev/null; then export JAVA_HOME="${candidate%/}"; return; fi
    fi
  done
  die "no JDK 21 or newer found; set JAVA_HOME"
}

# npm dependencies of loadtests/ (pinned by package-lock.json).
ensure_node_modules() {
  command -v node >/dev/null || die "node (20+) is needed"
  if [ ! -d "$LOADTESTS/node_modules/sharedb" ] || [ ! -d "$LOADTESTS/node_modules/yjs" ] || [ ! -d "$LOADTESTS/node_modules/ws" ] || [ ! -d "$LOADTESTS/node_modules/playwright-core" ]; then
    log "npm ci in loadtests/"
    (cd "$LOADTESTS" && npm ci --no-audit --no-fund >&2) || die "npm ci failed"
  fi
}

# build_bench_jar <module> <jar name>: builds loadtests/<module> (-Ploadtests) unless REBUILD=0
# and its jar exists, then copies the jar to $WORK (renamed into place, so that a JVM still
# running an earlier copy keeps its file). Sets BENCH_JAR to the copy.
build_bench_jar() {
  local built="$LOADTESTS/$1/target/$2"
  if [ "${REBUILD:-1}" != 0 ] || [ ! -f "$built" ]; then
    log "building loadtests/$1 (-Ploadtests)"
    (cd "$ROOT" && ./mvnw -q -B -Ploadtests -pl "loadtests/$1" -am package -DskipTests \
        -DskipTypeScript -Dspotless.check.skip=true >&2) || die "build of loadtests/$1 failed"
  fi
  cp "$built" "$WORK/$2.tmp" && mv "$WORK/$2.tmp" "$WORK/$2"
  BENCH_JAR="$WORK/$2"
}

# Copies node/target/easel-node.jar (building it only when missing), or the jar named by
# EASEL_NODE_JAR (to compare two builds in one session), to $WORK/easel-node.jar.
prepare_node_jar() {
  find_java
  local jar="${EASEL_NODE_JAR:-$ROOT/node/target/easel-node.jar}"
  if [ ! -f "$jar" ]; then
    log "building $jar (missing)"
    (cd "$ROOT" && ./mvnw -q -B install -DskipTests -Dspotless.check.skip=true >&2) || die "build failed"
  fi
  cp "$jar" "$WORK/easel-node.jar.tmp" && mv "$WORK/easel-node.jar.tmp" "$WORK/easel-node.jar"
  NODE_JAR="$WORK/easel-node.jar"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_easel <data-dir> [extra env assignments...]: starts a node on 127.0.0.1, waits for /health.
# Sets EASEL_PID, EASEL_PORT, EASEL_URL, EASEL_LOG.
start_easel() {
  local data="$1"; shift
  EASEL_PORT="${EASEL_PORT_FIXED:-$(free_port)}"
  local remote; remote="$(free_port)"
  EASEL_LOG="$data.log"
  mkdir -p "$data"
  env EASEL_DATA_DIR="$data" EASEL_HTTP_PORT="$EASEL_PORT" EASEL_HTTP_HOST=127.0.0.1 \
      EASEL_REMOTE_PORT="$remote" EASEL_REMOTE_HOST=127.0.0.1 "$@" \
      "$JAVA_HOME/bin/java" ${EASEL_JAVA_OPTS:-} -jar "$NODE_JAR" >>"$EASEL_LOG" 2>&1 &
  EASEL_PID=$!
  local t0; t0=$(date +%s%N)
  for _ in $(seq 1 600); do
    if ! kill -0 "$EASEL_PID" 2>/dev/null; then tail -30 "$EASEL_LOG" >&2; die "easel node exited during start-up"; fi
    if curl -fsS -o /dev/null "http://127.0.0.1:$EASEL_PORT/health" 2>/dev/null; then
      EASEL_URL="ws://127.0.0.1:$EASEL_PORT/ws"
      log "easel node pid $EASEL_PID healthy on 127.0.0.1:$EASEL_PORT after $(( ($(date +%s%N) - t0) / 1000000 )) ms (log $EASEL_LOG)"
      return
    fi
    sleep 0.1
  done
  die "easel node not healthy after 60 s"
}

# Stops the node started by start_easel (SIGTERM, then SIGKILL after 30 s).
stop_easel() {
  [ -n "${EASEL_PID:-}" ] || return 0
  if kill -0 "$EASEL_PID" 2>/dev/null; then
    kill -TERM "$EASEL_PID" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$EASEL_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$EASEL_PID" 2>/dev/null && { log "node $EASEL_PID ignored SIGTERM for 30 s; SIGKILL"; kill -KILL "$EASEL_PID"; }
    wait "$EASEL_PID" 2>/dev/null || true
  fi
  EASEL_PID=""
}

# The header of a run on stderr: the machine, the commit of the tree and the node jar used.
run_header() {
  { echo "== machine"; machine_summary
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- || echo ' (with uncommitted changes)')"; } >&2
  log "node jar: ${EASEL_NODE_JAR:-node/target/easel-node.jar}"
}

machine_summary() {
  echo "nproc: $(nproc); memory: $(free -g | awk '/^Mem:/{print $2" GiB"}'); load avg: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
  echo "node: $(node --version)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
}

# CPU seconds (user + system) a process has used so far.
cpu_seconds() {
  awk '{ split($0, a, ") "); split(a[2], f, " "); printf "%.2f\n", (f[12] + f[13]) / 100 }' "/proc/$1/stat"
}

# idle_cpu_percent <pid> <seconds>: CPU the process uses while nobody talks to it.
idle_cpu_percent() {
  local c0 c1
  c0="$(cpu_seconds "$1")"; sleep "$2"; c1="$(cpu_seconds "$1")"
  awk -v a="$c0" -v b="$c1" -v s="$2" 'BEGIN { printf "%.0f\n", 100 * (b - a) / s }'
}
