#!/usr/bin/env bash
# trino.sh start DIR [PORT] [hms=thrift://HOST:PORT] | stop DIR: a real Trino (trino-server
# from Maven Central, unpacked once into the peers' cache) on http://127.0.0.1:PORT, one node
# (coordinator and worker), with the catalogs `tpch` and `memory`; with hms=, also `hive`,
# `iceberg` and `delta` over that Hive Metastore, reading local files. Only the plugins these
# catalogs need are loaded, which halves the start (about a minute on two busy cores).
# Needs Java 22 or newer (the Temurin JDK in /usr/lib/jvm). Heap: PEERS_TRINO_XMX (2G).
# Exports PEERS_TRINO_URL PEERS_TRINO_PORT.
set -euo pipefail
PEER=trino
PEER_USAGE=" [hms=thrift://HOST:PORT]"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
stop_or_check io.trino.server.TrinoServer
java_home="$(dirname "$(dirname "${PEERS_JAVA_NEW:-/nonexistent}")")"
version="$("$java_home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
[ "${version:-0}" -ge 22 ] || die "Trino needs Java 22 or newer; found ${version:-none} in /usr/lib/jvm"
metastore=""
for arg in "${EXTRA[@]}"; do
  case "$arg" in
    hms=*) metastore="${arg#hms=}" ;;
    *) die "unknown argument $arg" ;;
  esac
done

# The server tarball, unpacked once; a half-unpacked tree is never taken for a whole one.
home="$PEERS_HOME/trino-server-$PEERS_TRINO_VERSION"
if [ ! -f "$home/.unpacked" ]; then
  tarball="$(maven_file "io.trino:trino-server:$PEERS_TRINO_VERSION" tar.gz)"
  rm -rf "$home" "$home.part" && mkdir -p "$home.part"
  tar -xzf "$tarball" -C "$home.part" --strip-components=1
  touch "$home.part/.unpacked" && mv "$home.part" "$home"
fi

etc="$STATE/etc"
rm -rf "$etc" "$STATE/plugin" && mkdir -p "$etc/catalog" "$STATE/plugin" "$STATE/data"
plugins=(tpch memory)
cat >"$etc/node.properties" <<PROPS
node.environment=junction_tests
node.id=$(basename "$STATE")-$PORT
node.data-dir=$STATE/data
node.bind-ip=127.0.0.1
node.internal-address=127.0.0.1
PROPS
cat >"$etc/jvm.config" <<PROPS
-Xmx${PEERS_TRINO_XMX:-2G}
-XX:+ExitOnOutOfMemoryError
-Djdk.attach.allowAttachSelf=true
PROPS
cat >"$etc/config.properties" <<PROPS
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$PORT
discovery.uri=http://127.0.0.1:$PORT
plugin.dir=$STATE/plugin
query.max-memory=1GB
query.max-memory-per-node=1GB
PROPS
echo "connector.name=tpch" >"$etc/catalog/tpch.properties"
echo "connector.name=memory" >"$etc/catalog/memory.properties"
if [ -n "$metastore" ]; then
  plugins+=(hive iceberg delta-lake)
  # Trap: the hive connector reads a Parquet table at a `file:/` location as 0 rows, without
  # an error, on the native local file system; through Hadoop's it reads them.
  printf 'connector.name=hive\nhive.metastore.uri=%s\nfs.hadoop.enabled=true\n' "$metastore" \
    >"$etc/catalog/hive.properties"
  printf 'connector.name=iceberg\niceberg.catalog.type=hive_metastore\nhive.metastore.uri=%s\nfs.native-local.enabled=true\nlocal.location=/\n' \
    "$metastore" >"$etc/catalog/iceberg.properties"
  printf 'connector.name=delta_lake\nhive.metastore.uri=%s\nfs.native-local.enabled=true\nlocal.location=/\n' \
    "$metastore" >"$etc/catalog/delta.properties"
fi
for plugin in "${plugins[@]}"; do
  [ -d "$home/plugin/$plugin" ] || die "no plugin $plugin in $home/plugin"
  ln -s "$home/plugin/$plugin" "$STATE/plugin/$plugin"
done

# The launcher runs `java` from JAVA_HOME's bin.
launch env JAVA_HOME="$java_home" PATH="$java_home/bin:$PATH" \
  "$home/bin/launcher" run --etc-dir="$etc" --data-dir="$STATE/data"
# Trap: /v1/info says "starting": false before the coordinator has registered itself as a
# worker, and a query then fails "No nodes available to run query"; ready means a query that
# reads a table ran to its end.
trino_query_runs() {
  local answer next
  answer="$(curl -s -X POST -H 'X-Trino-User: peers' \
    --data 'SELECT count(*) FROM tpch.tiny.nation' "http://127.0.0.1:$PORT/v1/statement")" || return 1
  for _ in $(seq 100); do
    next="$(printf '%s' "$answer" | grep -o '"nextUri" *: *"[^"]*"' | sed 's/.*"\(http[^"]*\)"/\1/')"
    [ -n "$next" ] || break
    answer="$(curl -s -H 'X-Trino-User: peers' "$next")" || return 1
  done
  printf '%s' "$answer" | grep -q '"state" *: *"FINISHED"' && ! printf '%s' "$answer" | grep -q '"error"'
}
trino_ready() {
  curl -s "http://127.0.0.1:$PORT/v1/info" | grep -q '"starting" *: *false' && trino_query_runs
}
wait_ready "$LAUNCHED" trino_ready
write_env "PEERS_TRINO_URL=http://127.0.0.1:$PORT" "PEERS_TRINO_PORT=$PORT"
