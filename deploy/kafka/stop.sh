#!/usr/bin/env bash
# Stop the Oxbow local Kafka broker started by start.sh (via its pid file).
#   ./stop.sh           stop the broker, keep data (topics survive a restart)
#   ./stop.sh --purge   stop the broker and delete $OXBOW_KAFKA_DATA
# Env: OXBOW_KAFKA_DATA (default /tmp/oxbow-kafka), OXBOW_KAFKA_STOP_SECS (default 30)
set -euo pipefail

DATA="${OXBOW_KAFKA_DATA:-/tmp/oxbow-kafka}"
PID_FILE="$DATA/kafka.pid"
STOP_SECS="${OXBOW_KAFKA_STOP_SECS:-30}"
PURGE=0
[[ "${1:-}" == "--purge" ]] && PURGE=1

log() { printf '[oxbow-kafka] %s\n' "$*" >&2; }

is_our_broker() {
  kill -0 "$1" 2>/dev/null && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

if [[ -f "$PID_FILE" ]]; then
  pid="$(cat "$PID_FILE")"
  if [[ -n "$pid" ]] && is_our_broker "$pid"; then
    log "stopping broker pid $pid (SIGTERM, controlled shutdown)"
    kill -TERM "$pid"
    start=$SECONDS
    while is_our_broker "$pid"; do
      if (( SECONDS - start >= STOP_SECS )); then
        log "broker still alive after ${STOP_SECS}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
        break
      fi
      sleep 0.5
    done
    log "broker stopped after $((SECONDS - start))s"
  else
    log "pid file $PID_FILE is stale (no kafka.Kafka process $pid)"
  fi
  rm -f "$PID_FILE"
else
  log "no pid file at $PID_FILE; broker not running?"
fi

if (( PURGE )); then
  case "$DATA" in
    ""|"/") log "refusing to purge '$DATA'"; exit 1 ;;
  esac
  log "purging $DATA"
  rm -rf "$DATA"
fi
