#!/usr/bin/env bash
# Start a single-node Kafka 4.2.0 KRaft broker (broker+controller) for Oxbow on 127.0.0.1:9092
# from Maven Central jars, then create the Oxbow topics.
#
# Env:
#   OXBOW_KAFKA_DATA         data dir (default /tmp/oxbow-kafka): logs/, server.properties,
#                            kafka.pid, kafka.log
#   OXBOW_IMAGE_PARTITIONS   partitions of oxbow.images (default 2)
#   OXBOW_KAFKA_WAIT_SECS    max seconds to wait for the broker / topic leaders (default 60)
#   KAFKA_HEAP_OPTS          broker JVM heap (default "-Xms512m -Xmx1g")
#   JAVA_HOME                optional; otherwise `java` from PATH (Java 17+ required)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${OXBOW_KAFKA_DATA:-/tmp/oxbow-kafka}"
IMAGE_PARTITIONS="${OXBOW_IMAGE_PARTITIONS:-2}"
WAIT_SECS="${OXBOW_KAFKA_WAIT_SECS:-60}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g}"
HOST=127.0.0.1
PORT=9092
CONTROLLER_PORT=9093
BOOTSTRAP="$HOST:$PORT"

LIB="$HERE/lib"
CONF="$DATA/server.properties"
PID_FILE="$DATA/kafka.pid"
LOG_FILE="$DATA/kafka.log"
LOG_DIR="$DATA/logs"

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
LOG4J="-Dlog4j2.configurationFile=$HERE/log4j2.properties"

log() { printf '[oxbow-kafka] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Run a Kafka CLI class with quiet logging.
kafka_cli() {
  "$JAVA" -Xmx256m "$LOG4J" -Doxbow.kafka.log.level=WARN -cp "$LIB/*" "$@"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

broker_running() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid; pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

# --- prerequisites ---------------------------------------------------------------------------
command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set JAVA_HOME or PATH)"
java_major="$("$JAVA" -XshowSettings:properties -version 2>&1 \
  | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')"
[[ -n "$java_major" && "$java_major" -ge 17 ]] || die "Kafka 4.2 needs Java 17+, found '${java_major:-?}'"

# --- 1. resolve jars -------------------------------------------------------------------------
if [[ ! -f "$LIB/kafka_2.13-4.2.0.jar" || ! -f "$LIB/kafka-tools-4.2.0.jar" ]]; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found; needed once to resolve jars into $LIB"
  log "resolving Kafka 4.2.0 jars from Maven Central into $LIB ..."
  rm -rf "$LIB"
  (cd "$HERE" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory=lib) >&2
fi

mkdir -p "$DATA" "$LOG_DIR"

if broker_running; then
  log "broker already running (pid $(cat "$PID_FILE")); only ensuring topics"
else
  rm -f "$PID_FILE"
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$HOST" "$p" && die "port $HOST:$p is already in use by another process"
  done

  # --- 2. effective config with log.dirs under the data dir ----------------------------------
  sed -e "s|^log\.dirs=.*|log.dirs=$LOG_DIR|" "$HERE/server.properties" > "$CONF"

  # --- 3. format storage (once) ---------------------------------------------------------------
  if [[ -f "$LOG_DIR/meta.properties" ]]; then
    log "storage already formatted: $(grep '^cluster.id=' "$LOG_DIR/meta.properties" || true)"
  else
    cluster_id="$(kafka_cli kafka.tools.StorageTool random-uuid | tail -n1)"
    log "formatting $LOG_DIR with cluster id $cluster_id (standalone KRaft quorum)"
    kafka_cli kafka.tools.StorageTool format -t "$cluster_id" -c "$CONF" --standalone --ignore-formatted >&2
  fi

  # --- 4. start broker in the background --------------------------------------------------------
  log "starting broker, log: $LOG_FILE"
  # shellcheck disable=SC2086
  nohup "$JAVA" $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "$LOG4J" -Doxbow.kafka.log.level=INFO \
    -cp "$LIB/*" kafka.Kafka "$CONF" >>"$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"

  # --- 5. wait for the port ------------------------------------------------------------------
  start=$SECONDS; t0=$EPOCHREALTIME
  until port_open "$HOST" "$PORT"; do
    # Alive is enough here: just after the fork, /proc/PID/cmdline may still be the shell's
    # (broker_running's kafka.Kafka check would fail on a busy machine before the exec).
    if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
      tail -n 40 "$LOG_FILE" >&2 || true
      die "broker process exited during startup (see $LOG_FILE)"
    fi
    (( SECONDS - start < WAIT_SECS )) || die "broker did not open $BOOTSTRAP within ${WAIT_SECS}s (see $LOG_FILE)"
    sleep 0.5
  done
  log "broker listening on $BOOTSTRAP after $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')s (pid $(cat "$PID_FILE"))"
fi

# --- 6. topics -----------------------------------------------------------------------------------
TOPICS=("oxbow.images:$IMAGE_PARTITIONS" "oxbow.embeddings:1" "oxbow.dead-letters:1")
for spec in "${TOPICS[@]}"; do
  topic="${spec%%:*}"; parts="${spec##*:}"
  # (drop TopicCommand's harmless "period or underscore" metric-name warning)
  kafka_cli org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
    --create --if-not-exists --topic "$topic" --partitions "$parts" --replication-factor 1 2>&1 \
    | { grep -v '^WARNING: Due to limitations in metric names' || true; } >&2
done

# --- 7. wait until every partition of every Oxbow topic has leader 1 -----------------------------
start=$SECONDS
while :; do
  desc="$(kafka_cli org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --describe 2>/dev/null || true)"
  pending=()
  for spec in "${TOPICS[@]}"; do
    topic="${spec%%:*}"; parts="${spec##*:}"
    led="$(grep -cE "Topic: $topic[[:space:]]+Partition: [0-9]+[[:space:]]+Leader: 1[[:space:]]" <<<"$desc" || true)"
    [[ "$led" -ge "$parts" ]] || pending+=("$topic")
  done
  (( ${#pending[@]} == 0 )) && break
  (( SECONDS - start < WAIT_SECS )) || die "no leader after ${WAIT_SECS}s for: ${pending[*]}
$desc"
  sleep 1
done
for spec in "${TOPICS[@]}"; do
  log "topic ${spec%%:*} ready (${spec##*:} partition(s), leader 1)"
done

echo "bootstrap.servers=$BOOTSTRAP"
