#!/usr/bin/env bash
# The failure scenario on a real cluster: a KRaft broker and a standalone Flink cluster
# (1 JobManager + 2 TaskManagers, separate JVMs) from Maven Central jars; EVENTS generated images;
# a bounded Oxbow job submitted over REST (the default method at u = 2, half the default training,
# to keep the test suite short); then, while it trains, (1) kill -9 of the TaskManager
# running the trainer and a replacement started, (2) the broker stopped for OUTAGE seconds and
# started again. After each, the job must recover by itself (all tasks running and a checkpoint
# completed after the failure); the trainer must have restored the very bytes of the checkpoint
# (its CRC-32C metric against `oxbow checkpoint`, which reads the checkpoint's files); at the end
# every valid image must have exactly one committed embedding and one index document, and the
# trainer must have been offered each event once.
# Ends with one JSON line; exits 1 if a check fails.
#   scripts/chaos.sh [--events 5000] [--outage-s 20]
# Env: OXBOW_CHAOS_DIR (default /tmp/oxbow-chaos), OXBOW_FLINK_PORT (default 8081).
set -euo pipefail
cd "$(dirname "$0")/.."
events=5000
outage=20
while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) events=$2; shift 2 ;;
    --outage-s) outage=$2; shift 2 ;;
    *) echo "unknown option '$1' (usage: scripts/chaos.sh [--events N] [--outage-s S])" >&2; exit 2 ;;
  esac
done
dir=${OXBOW_CHAOS_DIR:-/tmp/oxbow-chaos}
jm=127.0.0.1:${OXBOW_FLINK_PORT:-8081}
log() { printf '[chaos] %s\n' "$*" >&2; }
. scripts/cluster.sh
start_broker
deploy/flink/start-cluster.sh --taskmanagers 2
oxbow produce --bootstrap 127.0.0.1:9092 --source generated --count "$events" --partitions 2 >&2

job=$(oxbow submit --jobmanager "$jm" --bootstrap 127.0.0.1:9092 --bounded --parallelism 2 \
  --embedder-parallelism 2 --updates-per-event 2 --checkpoint-interval-ms 2000 --checkpoint-dir "file://$shared/checkpoints" \
  --models-dir "$shared/models" --index-dir "$shared/index" --run-dir "$shared/run" \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['job_id'])")
log "job $job submitted"

# (a bounded source that has read its range is FINISHED while the rest still runs)
all_running() { rest "jobs/$job" "j['state']=='RUNNING' and all(v['status'] in ('RUNNING','FINISHED') for v in j['vertices'])"; }
require_running() {
  local state; state=$(rest "jobs/$job" "j['state']")
  [[ $state == RUNNING ]] || { log "the job is $state before failure $1 could be injected"; exit 1; }
}
# wait_recovered SINCE CHECKPOINT: seconds from SINCE until all tasks run and a checkpoint newer
# than CHECKPOINT has completed; empty if not within 300 s.
wait_recovered() {
  local deadline=$((SECONDS + 300))
  while (( SECONDS < deadline )); do
    if [[ $(all_running 2>/dev/null) == True && $(latest_checkpoint "$job" 2>/dev/null || echo 0) -gt $2 ]]; then
      python3 -c "import time; print(round(time.time() - $1, 1))"
      return
    fi
    sleep 0.5
  done
}

until [[ $(latest_checkpoint "$job" 2>/dev/null || echo 0) -ge 3 ]]; do sleep 1; done
require_running 1
trainer=$(trainer_vertex "$job")
tm=$(rest "jobs/$job/vertices/$trainer/taskmanagers" "j['taskmanagers'][0]['taskmanager-id']")
before=$(latest_checkpoint "$job")
t0=$(now)
deploy/flink/taskmanager.sh kill "${tm##*-}"
deploy/flink/taskmanager.sh start 3
# Nothing completes until the job is back, so the newest retained checkpoint is the one it restores.
restored=$(latest_checkpoint "$job")
expected=$(oxbow checkpoint --path "$shared/checkpoints/$job/chk-$restored")
recovery_tm=$(wait_recovered "$t0" "$before")
log "failure 1 (kill -9 of $tm, the trainer's): recovered in ${recovery_tm:-never} s"
metric() { rest "jobs/$job/vertices/$trainer/metrics?get=0.trainer.oxbow.$1" "j[0]['value']"; }
# The JobManager fetches metrics every 10 s: until it has the restored attempt's, it shows the first
# attempt's -1 (a fresh start).
for _ in $(seq 60); do
  crc=$(metric trainer_restored_crc32c 2>/dev/null || echo -1)
  [[ $crc != -1 ]] && break
  sleep 1
done
trainer_restore="{\"crc32c\": $crc}"
log "checkpoint $restored on disk: $expected; the trainer restored: $trainer_restore"

until [[ $(latest_checkpoint "$job" 2>/dev/null || echo 0) -ge $((before + 3)) ]]; do sleep 1; done
require_running 2
deploy/kafka/stop.sh >/dev/null 2>&1
sleep "$outage"
before=$(latest_checkpoint "$job")
t0=$(now)
start_broker
recovery_broker=$(wait_recovered "$t0" "$before")
log "failure 2 (broker down ${outage} s): recovered ${recovery_broker:-never} s after it came back"
# How long checkpoints waited for the training thread, and encoded the state (since the restore).
snapshot_ms="{\"wait_p99\": $(metric trainer_snapshot_wait_ms_p99), \"wait_max\": $(metric trainer_snapshot_wait_ms_max), \"encode_p99\": $(metric trainer_snapshot_encode_ms_p99)}"
log "trainer snapshot (ms): $snapshot_ms"

deadline=$((SECONDS + 1200))
until [[ $(rest "jobs/$job" "j['state']") =~ ^(FINISHED|FAILED|CANCELED)$ ]]; do
  (( SECONDS < deadline )) || { log "the job did not finish within 20 minutes"; break; }
  sleep 2
done
state=$(rest "jobs/$job" "j['state']")
durations=$(rest "jobs/$job/checkpoints" "j['summary']['end_to_end_duration']")
audit=$(oxbow audit --bootstrap 127.0.0.1:9092 --index-dir "$shared/index" --run-dir "$shared/run")
log "job $state; checkpoint durations (ms): $durations; audit: $audit"
python3 - "$audit" "$state" "$expected" "$trainer_restore" "${recovery_tm:-}" "${recovery_broker:-}" \
    "$events" "$durations" "$snapshot_ms" <<'PY'
import ast, json, sys
audit, state, on_disk, trainer = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
recoveries, events = sys.argv[5:7], int(sys.argv[7])
durations, snapshot = ast.literal_eval(sys.argv[8]), json.loads(sys.argv[9])
recovered = all(recoveries) and state == "FINISHED"
checksum = trainer["crc32c"] == on_disk["trainer_state_crc32c"] == on_disk["recorded_crc32c"]
out = {k: audit[k] for k in ("events", "embeddings", "distinct_ids", "duplicates", "lost", "index_docs")}
out.update(failures_injected=2, recovered=recovered,
           recovery_s=[float(r) if r else None for r in recoveries], restored_checksum_matches=checksum,
           checkpoint_ms_p50=durations["p50"], checkpoint_ms_p99=durations["p99"],
           trainer_snapshot_wait_ms_p99=float(snapshot["wait_p99"]))
print(json.dumps(out))
ok = (recovered and checksum and audit["events"] == events and audit["duplicates"] == 0 and audit["lost"] == 0
      and audit["unexpected"] == 0 and audit["dead_letter_duplicates"] == 0
      and audit["index_docs"] == audit["valid"] and audit["index_duplicates"] == 0
      and audit["index_missing"] == 0 and audit["trainer_offered"] == audit["valid"])
sys.exit(0 if ok else 1)
PY
