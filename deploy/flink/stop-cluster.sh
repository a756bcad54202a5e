#!/usr/bin/env bash
# Stops every process start-cluster.sh and taskmanager.sh started (SIGTERM, SIGKILL after 30 s).
#   stop-cluster.sh [--purge]   --purge also deletes $OXBOW_FLINK_DATA (checkpoints, outputs, logs)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
shopt -s nullglob
for pid_file in "$DATA"/taskmanager-*.pid "$DATA"/jobmanager.pid; do
  name="$(basename "$pid_file" .pid)"
  if pid_alive "$pid_file"; then
    pid="$(cat "$pid_file")"
    kill -TERM "$pid"
    start=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
      (( SECONDS - start < 30 )) || { kill -KILL "$pid" 2>/dev/null || true; }
      sleep 0.2
    done
    log "$name stopped (pid $pid)"
  fi
  rm -f "$pid_file"
done
if [[ "${1:-}" == "--purge" ]]; then
  case "$DATA" in ""|"/") die "refusing to purge '$DATA'" ;; esac
  rm -rf "$DATA"
  log "purged $DATA"
fi
