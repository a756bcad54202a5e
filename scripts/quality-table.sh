#!/usr/bin/env bash
# The README's quality table: `demo --events N` on Fashion-MNIST for every method, one JSON line
# each in runs/quality/results.jsonl (appended). Usage: scripts/quality-table.sh [EVENTS] [METHOD...]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-60000}
shift || true
methods=("$@")
[ ${#methods[@]} -gt 0 ] || methods=(simclr mocov2 byol simsiam barlow vicreg swav nnclr wmse dino meanshift)
mkdir -p runs/quality
export MALLOC_ARENA_MAX=2
for m in "${methods[@]}"; do
  java -Xmx4g -jar pipeline/target/oxbow.jar demo --events "$events" --batch 64 --method "$m" \
      --out "runs/quality/$m" 2> "runs/quality/$m.log" | tail -1 >> runs/quality/results.jsonl
  tail -1 runs/quality/results.jsonl
done
