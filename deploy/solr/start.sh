#!/usr/bin/env bash
# A SolrCloud of Solr 9.10.1 on 127.0.0.1 from Maven Central jars: one ZooKeeper (:2181 or
# $OXBOW_SOLR_ZK) and N Solr nodes (:8983, :8984, ... or from $OXBOW_SOLR_PORT), each its own JVM,
# then a collection with Oxbow's schema. Returns when every node is live and the collection active.
#   start.sh [--nodes N] [--collection NAME] [--shards S] [--replicas R] [--dim D]
#            (defaults 2, oxbow, 2, 2, 256; --collection '' creates none)
# Env: see common.sh (OXBOW_SOLR_DATA, OXBOW_SOLR_ZK, OXBOW_SOLR_PORT, OXBOW_SOLR_HEAP, JAVA_HOME).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
nodes=2 collection=oxbow shards=2 replicas=2 dim=256
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --collection) collection=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    --dim) dim=$2; shift 2 ;;
    *) die "unknown option '$1' (usage: start.sh [--nodes N] [--collection NAME] [--shards S] [--replicas R] [--dim D])" ;;
  esac
done
[[ $nodes =~ ^[1-9][0-9]*$ ]] || die "--nodes must be a positive number, got '$nodes'"
command -v curl >/dev/null 2>&1 || die "curl not found"
pid_alive "$DATA/zookeeper.pid" && die "a cluster runs from $DATA already (stop.sh first)"
port_open "$ZK_PORT" && die "port 127.0.0.1:$ZK_PORT is already in use"

resolve_lib
mkdir -p "$LOGS" "$DATA/zk"
# No AdminServer (it would take :8080); the four-letter words Solr's ZooKeeper status page uses.
nohup "$JAVA" -Xmx256m "$LOG4J" -Doxbow.solr.log="$LOGS/zookeeper.log" -Dzookeeper.admin.enableServer=false \
  -Dzookeeper.4lw.commands.whitelist=mntr,conf,ruok -cp "$LIB/*" \
  org.apache.zookeeper.server.ZooKeeperServerMain "$ZK_PORT" "$DATA/zk" > "$LOGS/zookeeper.out" 2>&1 < /dev/null &
echo $! > "$DATA/zookeeper.pid"
start=$SECONDS
until port_open "$ZK_PORT"; do
  pid_alive "$DATA/zookeeper.pid" || { tail -n 30 "$LOGS/zookeeper.out" >&2; die "ZooKeeper exited"; }
  (( SECONDS - start < 30 )) || die "ZooKeeper did not listen on $ZK_HOST within 30 s"
  sleep 0.2
done
log "zookeeper started (pid $(cat "$DATA/zookeeper.pid"), $ZK_HOST)"

# Nodes start one at a time: concurrent first starts race to create Solr's ZooKeeper tree.
for ((i = 1; i <= nodes; i++)); do
  "$HERE/node.sh" start "$i"
done
start=$SECONDS
until [[ "$(live_nodes)" == "$nodes" ]]; do
  (( SECONDS - start < 60 )) || die "$nodes node(s) not live after 60 s (see $LOGS)"
  sleep 0.5
done
if [[ -n $collection ]]; then
  "$HERE/collection.sh" "$collection" --shards "$shards" --replicas "$replicas" --dim "$dim"
fi
log "cluster up: ZooKeeper $ZK_HOST, $nodes node(s) from http://127.0.0.1:$SOLR_BASE_PORT/solr"
