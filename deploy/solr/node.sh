#!/usr/bin/env bash
# One Solr node of the cluster, for adding, replacing or killing one (a failure scenario does).
#   node.sh start ID    start node ID (1, 2, ...) on port OXBOW_SOLR_PORT + ID - 1, Solr home node-ID/
#   node.sh stop ID     SIGTERM, as a clean shutdown
#   node.sh kill ID     SIGKILL, as a crashed machine
# A restarted node keeps its Solr home, so its replicas come back and catch up from their leaders.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -eq 2 && $2 =~ ^[1-9][0-9]*$ ]] || die "usage: node.sh {start|stop|kill} ID"
id=$2
name="node-$id"
port="$(node_port "$id")"
case "$1" in
  start)
    pid_alive "$DATA/$name.pid" && die "$name is already running (pid $(cat "$DATA/$name.pid"))"
    port_open "$port" && die "port 127.0.0.1:$port is already in use"
    port_open "$ZK_PORT" || die "no ZooKeeper on $ZK_HOST: run start.sh first"
    mkdir -p "$LOGS"
    nohup "$JAVA" -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC "$LOG4J" -Doxbow.solr.log="$LOGS/$name.log" \
      -Dsolr.log.dir="$LOGS" -cp "$LIB/*" "$HERE/SolrNode.java" "$port" "$DATA/$name" "$ZK_HOST" \
      > "$LOGS/$name.out" 2>&1 < /dev/null &
    echo $! > "$DATA/$name.pid"
    start=$SECONDS
    until grep -q "up at" "$LOGS/$name.out" 2>/dev/null; do
      pid_alive "$DATA/$name.pid" || { tail -n 30 "$LOGS/$name.out" >&2; die "$name exited (see $LOGS/$name.log)"; }
      (( SECONDS - start < 120 )) || die "$name did not start within 120 s (see $LOGS/$name.log)"
      sleep 0.5
    done
    log "$name started (pid $(cat "$DATA/$name.pid"), http://127.0.0.1:$port/solr, log $LOGS/$name.log)" ;;
  stop) stop_pid "$name" TERM ;;
  kill) stop_pid "$name" KILL ;;
  *) die "usage: node.sh {start|stop|kill} ID" ;;
esac
