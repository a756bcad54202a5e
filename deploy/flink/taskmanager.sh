#!/usr/bin/env bash
# One TaskManager of the Oxbow cluster, for adding, replacing or killing one (the chaos run does).
#   taskmanager.sh start ID    start TaskManager ID (1, 2, ...; Prometheus on 9250 + ID)
#   taskmanager.sh stop ID     SIGTERM, as a clean shutdown
#   taskmanager.sh kill ID     SIGKILL, as a crashed machine
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -eq 2 && $2 =~ ^[0-9]+$ ]] || die "usage: taskmanager.sh {start|stop|kill} ID"
id=$2
name="taskmanager-$id"
case "$1" in
  start)
    [[ -d "$CONF" ]] || die "no cluster configuration in $CONF: run start-cluster.sh first"
    start_process "$name" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
      GET_TM_RESOURCE_PARAMS $((PROM_BASE + id)) -D taskmanager.resource-id="$name" \
      ${OXBOW_FLINK_SLOTS:+-D taskmanager.numberOfTaskSlots=$OXBOW_FLINK_SLOTS} ;;
  stop|kill)
    pid_alive "$DATA/$name.pid" || die "$name is not running"
    pid="$(cat "$DATA/$name.pid")"
    if [[ $1 == kill ]]; then signal=KILL; else signal=TERM; fi
    kill -"$signal" "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    rm -f "$DATA/$name.pid"
    log "$name ended by SIG$signal (pid $pid)" ;;
  *) die "usage: taskmanager.sh {start|stop|kill} ID" ;;
esac
