#!/usr/bin/env bash
# Prometheus in the foreground on http://127.0.0.1:9090, scraping `oxbow demo` (Flink reporter on :9249).
# Installs Debian's prometheus when absent (root). Data goes to ${PROM_DATA:-/tmp/oxbow-prometheus}.
#   deploy/prometheus/run.sh [extra prometheus flags]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x /usr/bin/prometheus ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus
  else
    echo "prometheus is not installed: sudo apt-get install -y prometheus" >&2
    exit 1
  fi
fi
data="${PROM_DATA:-/tmp/oxbow-prometheus}"
mkdir -p "$data"
exec /usr/bin/prometheus --config.file="$here/prometheus.yml" --storage.tsdb.path="$data" \
  --web.listen-address="${PROM_LISTEN:-127.0.0.1:9090}" "$@"
