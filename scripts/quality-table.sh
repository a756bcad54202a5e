#!/usr/bin/env bash
# The quality table of docs/quality.md: `bench quality` (the one-pass protocol: all 60,000 Fashion-MNIST
# training images streamed once, each method on its defaults) for every method and stream order,
# one JSON line each appended to docs/quality-table.jsonl (the table's source), logs and run
# directories in runs/quality/. A method and order already in the file is skipped (delete its line
# to measure it again), so the table can be filled over several sessions. Runs one after another:
# each uses both cores and its wall time is part of the result. Build first
# (mvn -q -DskipTests package); OXBOW_JAR picks another build. Then scripts/quality-table.py
# rewrites the table in docs/quality.md from the file.
# Usage: scripts/quality-table.sh [--orders iid,sequential] [METHOD...]
set -euo pipefail
cd "$(dirname "$0")/.."
orders=iid,sequential
if [ "${1:-}" = "--orders" ]; then
  orders=$2
  shift 2
fi
methods=("$@")
[ ${#methods[@]} -gt 0 ] || methods=(emp simclr mocov2 byol simsiam barlow vicreg swav nnclr wmse dino meanshift mae simmim)
jar=${OXBOW_JAR:-pipeline/target/oxbow.jar}
results=docs/quality-table.jsonl
mkdir -p runs/quality
touch "$results"
export MALLOC_ARENA_MAX=2
for order in ${orders//,/ }; do
  for m in "${methods[@]}"; do
    if grep -q "\"method\":\"$m\".*\"order\":\"$order\"" "$results"; then
      echo "[oxbow] $m $order: already in $results" >&2
      continue
    fi
    out="runs/quality/$m-$order"
    rm -rf "$out"
    # Masked image modelling needs a vision transformer.
    encoder=small-cnn
    case "$m" in mae|simmim) encoder=vit-tiny ;; esac
    java -Xmx4g -jar "$jar" bench quality --method "$m" --encoder "$encoder" --order "$order" --out "$out" \
        2> "runs/quality/$m-$order.log" | tail -1 >> "$results"
    tail -1 "$results"
  done
done
