# Sourced by start.sh, node.sh, collection.sh and stop.sh: paths, ports and the class path.
#
# Env:
#   OXBOW_SOLR_DATA   data dir (default /tmp/oxbow-solr): zk/, node-<i>/ (Solr homes), log/, *.pid
#   OXBOW_SOLR_ZK     ZooKeeper's client port on 127.0.0.1 (default 2181)
#   OXBOW_SOLR_PORT   the first node's port; node i listens on OXBOW_SOLR_PORT + i - 1 (default 8983)
#   OXBOW_SOLR_HEAP   heap of each Solr node (default 512m)
#   JAVA_HOME         optional; otherwise `java` from PATH (Java 17)
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${OXBOW_SOLR_DATA:-/tmp/oxbow-solr}"
LIB="$HERE/lib"
LOGS="$DATA/log"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
ZK_PORT="${OXBOW_SOLR_ZK:-2181}"
ZK_HOST="127.0.0.1:$ZK_PORT"
SOLR_BASE_PORT="${OXBOW_SOLR_PORT:-8983}"
HEAP="${OXBOW_SOLR_HEAP:-512m}"
LOG4J="-Dlog4j.configurationFile=file:$HERE/log4j2.xml"

log() { printf '[oxbow-solr] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

resolve_lib() {
  [[ -f "$LIB/solr-core-9.10.1.jar" && -f "$LIB/solr-test-framework-9.10.1.jar" ]] && return
  command -v mvn >/dev/null 2>&1 || die "mvn not found; needed once to resolve jars into $LIB"
  log "resolving Solr 9.10.1 and ZooKeeper jars from Maven Central into $LIB ..."
  rm -rf "$LIB"
  (cd "$HERE" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory=lib) >&2
}

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
node_port() { echo $((SOLR_BASE_PORT + $1 - 1)); }

# stop_pid NAME SIGNAL: signals the process of NAME.pid and waits for it to end (SIGKILL after 30 s).
stop_pid() {
  local pid_file="$DATA/$1.pid" pid start=$SECONDS
  pid_alive "$pid_file" || { rm -f "$pid_file"; return 0; }
  pid="$(cat "$pid_file")"
  kill -"$2" "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    (( SECONDS - start < 30 )) || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  done
  rm -f "$pid_file"
  log "$1 ended by SIG$2 (pid $pid)"
}

# live_nodes: how many Solr nodes ZooKeeper lists as live (empty while no node answers).
live_nodes() {
  local port
  for ((i = 1; i <= 64; i++)); do
    port="$(node_port "$i")"
    if pid_alive "$DATA/node-$i.pid" && port_open "$port"; then
      curl -sf "http://127.0.0.1:$port/solr/admin/collections?action=CLUSTERSTATUS&wt=json" 2>/dev/null \
        | tr -d ' \n' | sed -n 's/.*"live_nodes":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' | grep -c . || true
      return
    fi
  done
}
