#!/usr/bin/env bash
# The replay table: `bench replay` for each replay policy x updates per event x stream order,
# one JSON line per run appended to docs/replay-table.jsonl, two runs at a time with one PyTorch
# thread each (logs in runs/replay/); scripts/quality-table.py then rewrites the tables of
# docs/replay.md from the file. Build first: mvn -q -DskipTests package.
# Usage: scripts/replay-table.sh [EVENTS] [CAPACITY] [METHOD:U,U,... ...]
#   e.g. scripts/replay-table.sh 5000 1024 mocov2:1,2,4 byol:1,4 vicreg:1,4
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-5000}
capacity=${2:-1024}
shift $(( $# < 2 ? $# : 2 ))
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=(mocov2:1,2,4 byol:1,4 vicreg:1,4)
mkdir -p runs/replay docs
export MALLOC_ARENA_MAX=2 events capacity

run() {
  local method=$1 u=$2 order=$3 policy=$4
  local name="$method-$policy-u$u-$order"
  java -Xmx2g -jar pipeline/target/oxbow.jar bench replay --method "$method" --replay-policy "$policy" \
      --updates-per-event "$u" --order "$order" --events "$events" --replay-size "$capacity" --batch 64 \
      --threads 1 2> "runs/replay/$name.log" | tail -1 >> docs/replay-table.jsonl
  echo "done $name"
}
export -f run

for spec in "${specs[@]}"; do
  method=${spec%%:*}
  IFS=, read -ra us <<< "${spec#*:}"
  for u in "${us[@]}"; do
    for order in iid sequential; do
      for policy in fifo reservoir minred; do
        echo "$method $u $order $policy"
      done
    done
  done
done | xargs -P 2 -L 1 bash -c 'run "$@"' _
