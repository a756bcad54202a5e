#!/usr/bin/env bash
# The test suite on a fresh machine: installs what the tests run for real (Debian's prometheus,
# for PrometheusIT), then `mvn -B test`. Arguments go to Maven (e.g. -Dtest=PrometheusIT -pl pipeline -am
# -Dsurefire.failIfNoSpecifiedTests=false). This is the README's test command and CI's (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/prometheus ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[oxbow] installing Debian's prometheus (PrometheusIT runs a real server; it is not started as a service)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) >&2 \
      || echo "[oxbow] could not install prometheus: PrometheusIT will fail" >&2
  else
    echo "[oxbow] /usr/bin/prometheus absent and no root apt-get: PrometheusIT will fail (sudo apt-get install -y prometheus)" >&2
  fi
fi
exec mvn -B test "$@"
