#!/usr/bin/env bash
# The embedded demo on a fresh machine: installs Fashion-MNIST when it can, builds, runs.
# Every argument is passed to `oxbow demo` (for example --events 20000 --method nnclr).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cpu-env.sh
if [ ! -d /usr/share/datasets/fashion-mnist ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[oxbow] installing Debian's dataset-fashion-mnist" >&2
    (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) >&2 \
      || echo "[oxbow] could not install Fashion-MNIST: the demo will use generated images" >&2
  else
    echo "[oxbow] Fashion-MNIST absent and apt-get unavailable: the demo will use generated images" >&2
  fi
fi
mvn -q -B -DskipTests package >&2
# glibc arenas inflate the resident size of a PyTorch process; two keep it near half.
export MALLOC_ARENA_MAX=2
exec java -Xmx4g -jar pipeline/target/oxbow.jar demo "$@"
