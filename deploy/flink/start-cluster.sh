#!/usr/bin/env bash
# A Flink 2.2.1 standalone session cluster on 127.0.0.1 from Maven Central jars: one JobManager
# (web UI and REST on :8081 or $OXBOW_FLINK_PORT, Prometheus :9250) and N TaskManagers (Prometheus :9250 + i), each
# its own JVM, DJL and libtorch on the cluster's class path. Returns when all have registered.
#   start-cluster.sh [--taskmanagers N]   (default 2)
# Env: see common.sh (OXBOW_FLINK_DATA, OXBOW_FLINK_THREADS, JAVA_HOME).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
taskmanagers=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --taskmanagers) taskmanagers=$2; shift 2 ;;
    *) die "unknown option '$1' (usage: start-cluster.sh [--taskmanagers N])" ;;
  esac
done
[[ $taskmanagers =~ ^[1-9][0-9]*$ ]] || die "--taskmanagers must be a positive number, got '$taskmanagers'"
command -v curl >/dev/null 2>&1 || die "curl not found"
[[ -z "$(overview taskmanagers)" ]] || die "a cluster already answers on http://$REST (stop-cluster.sh first)"

resolve_lib
mkdir -p "$CONF" "$LOGS" "$DATA/jars" "$DATA/shared"
cp "$HERE/config.yaml" "$CONF/config.yaml"

start_process jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
  GET_JM_RESOURCE_PARAMS "$PROM_BASE" -D rest.port="${REST##*:}" -D web.upload.dir="$DATA/jars"
start=$SECONDS
until [[ -n "$(overview taskmanagers)" ]]; do
  pid_alive "$DATA/jobmanager.pid" || { tail -n 30 "$LOGS/jobmanager.log" >&2; die "the JobManager exited"; }
  (( SECONDS - start < 60 )) || die "the JobManager's REST API did not answer within 60 s"
  sleep 0.5
done
for ((i = 1; i <= taskmanagers; i++)); do
  "$HERE/taskmanager.sh" start "$i"
done
wait_for_taskmanagers "$taskmanagers" 60
log "cluster up: web UI http://$REST, $taskmanagers TaskManager(s), shared outputs under $DATA/shared"
