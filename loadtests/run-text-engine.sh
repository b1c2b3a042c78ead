#!/usr/bin/env bash
# Text engine: replays recorded editing traces through Easel's Json0 (Java) and through Yjs
# (Node) on this machine, one after the other, and prints a side-by-side table.
#
#   loadtests/run-text-engine.sh [trace names...]      default: automerge-paper rustcode seph-blog1
#   RUNS=6 HEAP=1g TRACES_DIR=/work/shared/data/editing-traces loadtests/run-text-engine.sh
#
# Each trace runs in a fresh JVM and a fresh Node process: run 1 is the cold run, the best of
# runs 2..RUNS the warm figure. Results (JSON lines) go to loadtests/target/text-engine-*.jsonl.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS="${RUNS:-6}"
HEAP="${HEAP:-1g}"
TRACES_DIR="${TRACES_DIR:-/work/shared/data/editing-traces}"
TRACES=("$@")
[ ${#TRACES[@]} -gt 0 ] || TRACES=(automerge-paper rustcode seph-blog1)

find_java
ensure_node_modules

# The actors jar (Json0, Text, CanvasSchema) and its runtime classpath; built only when missing,
# copied so that a concurrent rebuild cannot change it under us.
ACTORS_JAR="$(ls "$ROOT"/actors/target/easel-actors-*.jar 2>/dev/null | grep -v -e sources -e tests | head -1 || true)"
if [ -z "$ACTORS_JAR" ]; then
  log "building the actors module (jar missing)"
  (cd "$ROOT" && ./mvnw -q -B package -DskipTests -Dspotless.check.skip=true -pl actors -am >&2)
  ACTORS_JAR="$(ls "$ROOT"/actors/target/easel-actors-*.jar | grep -v -e sources -e tests | head -1)"
fi
cp "$ACTORS_JAR" "$WORK/easel-actors.jar"
if [ ! -s "$WORK/actors.classpath" ] || [ "$ROOT/actors/pom.xml" -nt "$WORK/actors.classpath" ] || [ "$ROOT/pom.xml" -nt "$WORK/actors.classpath" ]; then
  log "resolving the actors runtime classpath"
  (cd "$ROOT" && ./mvnw -q -B dependency:build-classpath -pl actors -Dmdep.includeScope=runtime \
      -Dmdep.outputFile="$WORK/actors.classpath" >&2)
fi
CP="$WORK/easel-actors.jar:$(cat "$WORK/actors.classpath")"
rm -rf "$WORK/classes" && mkdir -p "$WORK/classes"
"$JAVA_HOME/bin/javac" --release 21 -Xlint:all -Werror -d "$WORK/classes" -cp "$CP" "$LOADTESTS"/java/*.java

STAMP="$(date +%Y%m%d-%H%M%S)"
OUT="$WORK/text-engine-$STAMP.jsonl"
: > "$OUT"
{ echo "== machine"; machine_summary; echo "heap: -Xms$HEAP -Xmx$HEAP -XX:+UseG1GC; runs per trace: $RUNS"; } >&2
for t in "${TRACES[@]}"; do
  f="$TRACES_DIR/$t.json.gz"
  [ -f "$f" ] || die "no trace $f"
  log "Easel Json0 (apply) on $t"
  "$JAVA_HOME/bin/java" -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -cp "$WORK/classes:$CP" \
      TextTraceBench --mode apply --runs "$RUNS" "$f" | tee -a "$OUT" >/dev/null
  log "Easel Json0 (server path: parse + normalize + applyWithUndo + schema check) on $t"
  "$JAVA_HOME/bin/java" -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -cp "$WORK/classes:$CP" \
      TextTraceBench --mode server --runs "$RUNS" "$f" | tee -a "$OUT" >/dev/null
  log "Yjs on $t"
  node --expose-gc "$LOADTESTS/text-yjs.js" --runs "$RUNS" "$f" | tee -a "$OUT" >/dev/null
done
log "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
node "$LOADTESTS/text-report.js" "$OUT" ${MARKDOWN:+--markdown}
log "raw results: $OUT"
