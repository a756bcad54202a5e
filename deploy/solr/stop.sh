#!/usr/bin/env bash
# Stops every process start.sh and node.sh started: the nodes (SIGTERM, SIGKILL after 30 s), then
# ZooKeeper.
#   stop.sh [--purge]   --purge also deletes $OXBOW_SOLR_DATA (indexes, ZooKeeper's data, logs)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
shopt -s nullglob
for pid_file in "$DATA"/node-*.pid; do
  stop_pid "$(basename "$pid_file" .pid)" TERM
done
stop_pid zookeeper TERM
if [[ "${1:-}" == "--purge" ]]; then
  case "$DATA" in ""|"/") die "refusing to purge '$DATA'" ;; esac
  rm -rf "$DATA"
  log "purged $DATA"
fi
