#!/usr/bin/env bash
# Creates a collection with Oxbow's schema on the running cluster (start.sh calls it).
#   collection.sh NAME [--shards S] [--replicas R] [--dim D]   (defaults 2, 2, 256)
# The config set oxbow-D (the schema with a D-dimensional cosine vector field) is uploaded to
# ZooKeeper first if it is not there.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
usage="usage: collection.sh NAME [--shards S] [--replicas R] [--dim D]"
[[ $# -ge 1 && $1 != -* ]] || die "$usage"
name=$1
shift
shards=2 replicas=2 dim=256
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shards) shards=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    --dim) dim=$2; shift 2 ;;
    *) die "unknown option '$1' ($usage)" ;;
  esac
done
for v in "$shards" "$replicas" "$dim"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || die "--shards, --replicas and --dim must be positive numbers, got '$v'"
done
url=""
for ((i = 1; i <= 64; i++)); do
  if pid_alive "$DATA/node-$i.pid"; then url="http://127.0.0.1:$(node_port "$i")/solr"; break; fi
done
[[ -n $url ]] || die "no Solr node is running: start.sh first"

config="oxbow-$dim"
conf="$DATA/configsets/$config"
mkdir -p "$conf"
cp "$HERE/configset/solrconfig.xml" "$conf/"
sed "s/@DIM@/$dim/g" "$HERE/configset/schema.xml.in" > "$conf/schema.xml"
"$JAVA" -Xmx256m "$LOG4J" -Doxbow.solr.log="$LOGS/cli.log" -Dsolr.install.dir="$DATA" -cp "$LIB/*" org.apache.solr.cli.SolrCLI zk \
  upconfig -n "$config" -d "$conf" -z "$ZK_HOST" >> "$LOGS/cli.log" 2>&1 \
  || { tail -n 20 "$LOGS/cli.log" >&2; die "could not upload config set $config"; }
reply="$(curl -s "$url/admin/collections?action=CREATE&name=$name&numShards=$shards&replicationFactor=$replicas&collection.configName=$config&waitForFinalState=true&wt=json")"
grep -q '"status":0' <<<"$(tr -d ' \n' <<<"$reply")" || die "could not create collection $name: $reply"
log "collection $name: $shards shard(s) x $replicas replica(s), config set $config (vector dimension $dim)"
