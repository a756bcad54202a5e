#!/usr/bin/env bash
# Trainer groups on a real cluster: a KRaft broker and a standalone Flink cluster of 1 JobManager and
# 2 TaskManagers of one slot and one libtorch thread each (separate JVMs, from Maven Central jars), a
# 2-partition images topic of EVENTS generated images, the default trainer (EMP-SSL, small-cnn,
# B = 64). Then:
#   1. throughput: one trainer, then two ranks, each trained on the same stream for WINDOW seconds
#      after a warm-up (images/s from the trainer's step metric; the ranks' comm_share metric);
#   2. failures: two ranks train the stream until it is all trained, with a kill -9 of the
#      TaskManager of rank 1 and a replacement started (the group must restore every rank from one
#      cut: both ranks report the checksum of the checkpoint on disk), then a stop with a savepoint,
#      its restore into one trainer (2 -> 1) for a few checkpoints, another savepoint, and its restore
#      into two ranks (1 -> 2) that train the rest of the stream; each restore must carry the model over
#      bit for bit (the restored checksums are the savepoint's);
#   3. exactly once: every event embedded once (audit), and offered to the trainer group once.
# Ends with one JSON line; exits 1 if a check fails.
#   scripts/scale.sh [--events 6000] [--window-s 60]
# Env: OXBOW_SCALE_DIR (default /tmp/oxbow-scale), OXBOW_FLINK_PORT (default 8081).
set -euo pipefail
cd "$(dirname "$0")/.."
events=6000
window=60
while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) events=$2; shift 2 ;;
    --window-s) window=$2; shift 2 ;;
    *) echo "unknown option '$1' (usage: scripts/scale.sh [--events N] [--window-s S])" >&2; exit 2 ;;
  esac
done
dir=${OXBOW_SCALE_DIR:-/tmp/oxbow-scale}
jm=127.0.0.1:${OXBOW_FLINK_PORT:-8081}
batch=64
log() { printf '[scale] %s\n' "$*" >&2; }
export OXBOW_FLINK_THREADS=1 OXBOW_FLINK_SLOTS=1
. scripts/cluster.sh
start_broker
deploy/flink/start-cluster.sh --taskmanagers 2
oxbow produce --bootstrap 127.0.0.1:9092 --source generated --count "$events" --partitions 2 >&2

# submit NAME RANKS [OPTIONS...]: an unbounded job of its own consumer group, transactions and outputs.
submit() {
  local name=$1 ranks=$2
  shift 2
  for topic in "oxbow.embeddings.$name" "oxbow.dead-letters.$name"; do # the broker creates none itself
    oxbow produce --bootstrap 127.0.0.1:9092 --topic "$topic" --source generated --count 0 >/dev/null
  done
  oxbow submit --jobmanager "$jm" --bootstrap 127.0.0.1:9092 --trainer-parallelism "$ranks" --parallelism 2 \
    --group-id "oxbow-$name" --transactional-id-prefix "oxbow-$name" --embeddings-topic "oxbow.embeddings.$name" \
    --dead-letters-topic "oxbow.dead-letters.$name" --checkpoint-dir "file://$shared/$name/checkpoints" \
    --checkpoint-interval-ms 2000 "$@" | python3 -c "import json,sys; print(json.load(sys.stdin)['job_id'])"
}
# metric JOB SUBTASK NAME: a trainer metric of one rank (-1 until the JobManager has fetched it).
metric() {
  rest "jobs/$1/vertices/$(trainer_vertex "$1")/metrics?get=$2.trainer.oxbow.$3" "j[0]['value']" 2>/dev/null || echo -1
}
all_running() { rest "jobs/$1" "j['state']=='RUNNING' and all(v['status']=='RUNNING' for v in j['vertices'])" 2>/dev/null || echo False; }
# wait_for CONDITION SECONDS: polls a shell condition.
wait_for() {
  local deadline=$((SECONDS + $2))
  until eval "$1"; do
    (( SECONDS < deadline )) || { log "timed out waiting for: $1"; return 1; }
    sleep 1
  done
}

# 1. Throughput: steps over a window after 20 warm-up steps, one trainer then two ranks.
rates=()
shares=()
for ranks in 1 2; do
  job=$(submit "rate$ranks" "$ranks")
  wait_for "(( \$(metric $job 0 step | cut -d. -f1) >= 20 ))" 600
  s0=$(metric "$job" 0 step); t0=$(now)
  sleep "$window"
  s1=$(metric "$job" 0 step); t1=$(now)
  rates+=("$(python3 -c "print(($s1 - $s0) * $batch / ($t1 - $t0))")")
  shares+=("$(metric "$job" 0 comm_share)")
  oxbow cancel --jobmanager "$jm" --job "$job" >/dev/null
  log "$ranks rank(s): ${rates[-1]} images/s, comm_share ${shares[-1]}"
  wait_for "[[ \$(rest jobs/$job \"j['state']\") == CANCELED ]]" 120
done

# 2. Failures: two ranks, rank 1's TaskManager killed and replaced.
job=$(submit group 2 --models-dir "$shared/group/models" --index-dir "$shared/group/index")
wait_for "(( \$(latest_checkpoint $job 2>/dev/null || echo 0) >= 3 ))" 600
vertex=$(trainer_vertex "$job")
tm=$(rest "jobs/$job/vertices/$vertex" "[s['taskmanager-id'] for s in j['subtasks'] if s['subtask'] == 1][0]")
before=$(latest_checkpoint "$job")
t0=$(now)
deploy/flink/taskmanager.sh kill "${tm##*-}"
deploy/flink/taskmanager.sh start 3
restored=$(latest_checkpoint "$job")
on_disk=$(oxbow checkpoint --path "$shared/group/checkpoints/$job/chk-$restored")
wait_for "[[ \$(all_running $job) == True ]] && (( \$(latest_checkpoint $job 2>/dev/null || echo 0) > $before ))" 300 && recovery=$(python3 -c "import time; print(round(time.time() - $t0, 1))") || recovery=
log "kill -9 of $tm (rank 1's): recovered in ${recovery:-never} s"
crcs=()
for rank in 0 1; do
  for _ in $(seq 60); do
    crc=$(metric "$job" "$rank" trainer_restored_crc32c)
    [[ $crc != -1 ]] && break
    sleep 1
  done
  crcs+=("$crc")
done
log "checkpoint $restored on disk: $on_disk; the ranks restored: ${crcs[*]}"
wait_for "(( \$(latest_checkpoint $job 2>/dev/null || echo 0) >= $((restored + 3)) ))" 600
savepoint=$(oxbow cancel --jobmanager "$jm" --job "$job" --savepoint-dir "$shared/group/savepoints" \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['savepoint'])")
saved=$(oxbow checkpoint --path "$savepoint")
log "savepoint $savepoint: $saved"

# restored_crc JOB RANK: the state checksum a rank restored (-1 if it never reports one).
restored_crc() {
  local crc=-1
  for _ in $(seq 60); do
    crc=$(metric "$1" "$2" trainer_restored_crc32c)
    [[ $crc != -1 ]] && break
    sleep 1
  done
  echo "$crc"
}
# 2 -> 1: one trainer from the savepoint for a few checkpoints; 1 -> 2: two ranks from its savepoint, to the end.
job=$(submit group 1 --restore "$savepoint" --models-dir "$shared/group/models" --index-dir "$shared/group/index")
rescaled=("$(restored_crc "$job" 0)")
wait_for "(( \$(latest_checkpoint $job 2>/dev/null || echo 0) >= 3 ))" 600
savepoint=$(oxbow cancel --jobmanager "$jm" --job "$job" --savepoint-dir "$shared/group/savepoints" \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['savepoint'])")
saved_one=$(oxbow checkpoint --path "$savepoint")
log "one trainer restored ${rescaled[0]}; its savepoint $savepoint: $saved_one"
job=$(submit group 2 --restore "$savepoint" --models-dir "$shared/group/models" --index-dir "$shared/group/index")
rescaled+=("$(restored_crc "$job" 0)" "$(restored_crc "$job" 1)")
offered() { echo $(( $(metric "$job" 0 replay_offered | cut -d. -f1) + $(metric "$job" 1 replay_offered | cut -d. -f1) )); }
wait_for "(( \$(offered) >= $events ))" 1800
offered=$(offered)
oxbow cancel --jobmanager "$jm" --job "$job" --savepoint-dir "$shared/group/savepoints" >/dev/null
audit=$(oxbow audit --bootstrap 127.0.0.1:9092 --embeddings-topic oxbow.embeddings.group \
  --dead-letters-topic oxbow.dead-letters.group --index-dir "$shared/group/index")
log "audit: $audit; the trainer was offered $offered events"
python3 - "${rates[0]}" "${rates[1]}" "${shares[1]}" "$audit" "$on_disk" "${crcs[0]}" "${crcs[1]}" "$saved" \
    "$saved_one" "${rescaled[*]}" "${recovery:-}" "$offered" "$events" <<'PY'
import json, sys
one, two, share = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
audit, on_disk = json.loads(sys.argv[4]), json.loads(sys.argv[5])
ranks_crc = [int(float(sys.argv[6])), int(float(sys.argv[7]))]
saved, saved_one = json.loads(sys.argv[8]), json.loads(sys.argv[9])
rescaled = [int(float(c)) for c in sys.argv[10].split()]
recovery, offered, events = sys.argv[11], int(float(sys.argv[12])), int(sys.argv[13])
restored_ok = all(c == on_disk["trainer_state_crc32c"] == on_disk["recorded_crc32c"] for c in ranks_crc)
# 2 -> 1: the one trainer restored the group's savepoint; 1 -> 2: both ranks restored the one trainer's.
rescaled_ok = (rescaled[0] == saved["trainer_state_crc32c"] == saved["recorded_crc32c"]
               and rescaled[1] == rescaled[2] == saved_one["trainer_state_crc32c"] == saved_one["recorded_crc32c"])
out = dict(ranks=2, images_per_s_1=round(one, 1), images_per_s_n=round(two, 1),
           scaling_efficiency=round(two / (2 * one), 3), comm_share=round(share, 3), events=audit["events"],
           embeddings=audit["embeddings"], duplicates=audit["duplicates"], lost=audit["lost"], failures_injected=1,
           recovered=bool(recovery), recovery_s=float(recovery) if recovery else None,
           restored_checksum_matches=restored_ok, rescaled_model_matches=rescaled_ok, trainer_offered=offered)
print(json.dumps(out))
ok = (out["recovered"] and restored_ok and rescaled_ok and audit["events"] == events and audit["duplicates"] == 0
      and audit["lost"] == 0 and audit["index_duplicates"] == 0 and audit["index_missing"] == 0 and offered == events)
sys.exit(0 if ok else 1)
PY
