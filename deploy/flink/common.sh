# Sourced by start-cluster.sh, taskmanager.sh and stop-cluster.sh: paths, the class path, and how
# one cluster process is started the way Flink's own scripts do (BashJavaUtils sizes its JVM).
#
# Env:
#   OXBOW_FLINK_DATA    data dir (default /tmp/oxbow-flink): conf/, log/, *.pid, jars/, shared/
#   OXBOW_FLINK_THREADS libtorch threads per TaskManager (default: all cores)
#   OXBOW_FLINK_SLOTS   task slots per TaskManager (default: config.yaml's)
#   OXBOW_FLINK_PORT    the JobManager's REST port and web UI (default 8081)
#   JAVA_HOME           optional; otherwise `java` from PATH (Java 17)
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${OXBOW_FLINK_DATA:-/tmp/oxbow-flink}"
LIB="$HERE/lib"
CONF="$DATA/conf"
LOGS="$DATA/log"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
REST=127.0.0.1:${OXBOW_FLINK_PORT:-8081}
PROM_BASE=9250

# oneDNN's ISA cap on hosts where its wider kernels compute wrongly (see the script).
source "$HERE/../../scripts/cpu-env.sh"

log() { printf '[oxbow-flink] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# What Flink's own config.yaml passes on Java 17 (Kryo, Netty and the RPC system reflect into these).
JAVA17_OPENS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

resolve_lib() {
  [[ -f "$LIB/flink-runtime-2.2.1.jar" && -f "$LIB/pytorch-engine-0.32.0.jar" ]] && return
  command -v mvn >/dev/null 2>&1 || die "mvn not found; needed once to resolve jars into $LIB"
  log "resolving Flink 2.2.1 and DJL jars from Maven Central into $LIB ..."
  rm -rf "$LIB"
  (cd "$HERE" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory=lib) >&2
}

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# start_process NAME MAIN_CLASS RESOURCE_COMMAND PROMETHEUS_PORT [-D key=value ...]
start_process() {
  local name=$1 main=$2 sizing=$3 prom=$4
  shift 4
  pid_alive "$DATA/$name.pid" && die "$name is already running (pid $(cat "$DATA/$name.pid"))"
  local params
  params="$("$JAVA" -cp "$LIB/*" org.apache.flink.runtime.util.bash.BashJavaUtils "$sizing" \
      --configDir "$CONF" 2>/dev/null | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p')"
  [[ $(wc -l <<<"$params") -eq 2 ]] || die "could not size the $name JVM from $CONF/config.yaml"
  local jvm dynamic
  jvm="$(sed -n 1p <<<"$params")"
  dynamic="$(sed -n 2p <<<"$params")"
  # shellcheck disable=SC2086
  nohup "$JAVA" $jvm "${JAVA17_OPENS[@]}" -XX:+UseG1GC \
    -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="${OXBOW_FLINK_THREADS:-$(nproc)}" \
    -Dai.djl.pytorch.num_interop_threads=1 \
    -Dlog.file="$LOGS/$name.log" -Dlog4j.configurationFile="file:$HERE/log4j.properties" \
    -cp "$LIB/*" "$main" --configDir "$CONF" $dynamic -D metrics.reporter.prom.port="$prom" "$@" \
    > "$LOGS/$name.out" 2>&1 < /dev/null &
  echo $! > "$DATA/$name.pid"
  log "$name started (pid $!, Prometheus :$prom, log $LOGS/$name.log)"
}

# overview FIELD: a number from the REST /overview, empty while the JobManager is not up.
overview() {
  curl -sf "http://$REST/overview" 2>/dev/null | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

# wait_for_taskmanagers N SECONDS
wait_for_taskmanagers() {
  local start=$SECONDS
  until [[ "$(overview taskmanagers)" == "$1" ]]; do
    (( SECONDS - start < $2 )) || die "$1 TaskManager(s) not registered after $2 s (see $LOGS)"
    sleep 0.5
  done
}
