#!/usr/bin/env bash
# The test suite on a fresh machine: installs what the tests run for real (Debian's prometheus for
# PrometheusIT, chromium for ServeBrowserTest, python3-torch for EncoderExportTest), then
# `mvn -B test`, then the cluster scenarios scripts/chaos.sh and scripts/scale.sh.
# Arguments go to Maven (e.g. -Dtest=PrometheusIT -pl pipeline -am
# -Dsurefire.failIfNoSpecifiedTests=false) and skip the chaos run. This is the README's test
# command and CI's (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cpu-env.sh

# need PACKAGE CHECK TEST WHY: installs a Debian package that TEST needs when the CHECK command fails (root only).
need() {
  local package=$1 check=$2 test=$3 why=$4
  if bash -c "$check" >/dev/null 2>&1; then
    return
  fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[oxbow] installing Debian's $package ($test $why)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package") >&2 \
      || echo "[oxbow] could not install $package: $test will fail" >&2
  else
    echo "[oxbow] $package absent and no root apt-get: $test will fail (sudo apt-get install -y $package)" >&2
  fi
}

need prometheus '[ -x /usr/bin/prometheus ]' PrometheusIT 'runs a real server; it is not started as a service'
# Checks Debian's python3: a pyenv or venv python3 first on the PATH may lack torch (the test tries both).
need chromium '[ -x /usr/bin/chromium ]' ServeBrowserTest 'loads the search page headless'
need python3-torch "/usr/bin/python3 -c 'import torch'" EncoderExportTest 'loads the export in PyTorch'
mvn -B test "$@"
# Then the scenarios on a real cluster (separate JVMs), unless Maven arguments picked tests: a
# killed TaskManager and a broker outage (about five minutes on two idle cores), then a trainer
# group of two ranks with a killed rank and a rescale 2 -> 1 -> 2 (about twelve minutes).
if [ $# -eq 0 ]; then
  scripts/chaos.sh
  scripts/scale.sh
fi
