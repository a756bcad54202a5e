# Sourced by the cluster scenarios (scripts/chaos.sh, scripts/scale.sh) after they set dir (their
# working directory) and jm (the JobManager's host:port): the broker and the Flink cluster of
# deploy/ in it, stopped on exit, and what the scenarios ask the cluster.
export OXBOW_FLINK_DATA=$dir/flink OXBOW_KAFKA_DATA=$dir/kafka
shared=$OXBOW_FLINK_DATA/shared

mvn -q -B -DskipTests package >&2 # the job jar of this tree, never a stale one
rm -rf "$dir"
mkdir -p "$dir"
cleanup() {
  deploy/flink/stop-cluster.sh >/dev/null 2>&1 || true
  deploy/kafka/stop.sh >/dev/null 2>&1 || true
}
trap cleanup EXIT

oxbow() { java -jar pipeline/target/oxbow.jar "$@"; }
# start_broker: deploy/kafka/start.sh, its chatter in a log shown only if it fails.
start_broker() {
  deploy/kafka/start.sh > "$dir/kafka-start.log" 2>&1 || { cat "$dir/kafka-start.log" >&2; exit 1; }
}
# rest PATH PYTHON-EXPRESSION: a value from the JobManager's REST API (j = the JSON reply).
rest() {
  curl -sf "http://$jm/$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)"
}
now() { python3 -c "import time; print(time.time())"; }
latest_checkpoint() {
  rest "jobs/$1/checkpoints" "(j.get('latest') or {}).get('completed') and j['latest']['completed']['id'] or 0"
}
# trainer_vertex JOB: the task whose chain holds the operator "trainer".
trainer_vertex() {
  rest "jobs/$1" "[v['id'] for v in j['vertices'] if __import__('re').search(r'-> trainer( |$)', v['name'])][0]"
}
