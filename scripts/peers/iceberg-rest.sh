#!/usr/bin/env bash
# iceberg-rest.sh start DIR [PORT] [key=value ...] | stop DIR: an Iceberg REST catalog on
# http://127.0.0.1:PORT (java/IcebergRestServer.java: Iceberg's own request handlers). The
# key=value pairs configure the catalog behind it:
#   (none)                                   type=hadoop warehouse=file://DIR/warehouse
#   type=hadoop warehouse=file:///dir
#   type=hive uri=thrift://127.0.0.1:PORT    tables registered in a Hive Metastore
# Clients write the data files themselves. Exports PEERS_ICEBERG_REST_URI PEERS_ICEBERG_REST_PORT.
# Heap: PEERS_REST_XMX (256m).
set -euo pipefail
PEER=iceberg-rest
PEER_USAGE=" [key=value ...]"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
stop_or_check IcebergRestServer.java
need_venv
[ -s "$PEERS_ICEBERG_RUNTIME" ] || die "no Iceberg runtime: run $PEERS_DIR/install.sh"
properties=("${EXTRA[@]}")
case " ${properties[*]} " in *" warehouse="*) ;; *)
  mkdir -p "$STATE/warehouse"
  properties+=("warehouse=file://$STATE/warehouse") ;;
esac
case " ${properties[*]} " in
  *" type=hive "*) classpath="$PEERS_SPARK_JARS/*" ;;   # the metastore client and all it needs
  *) classpath="$(spark_jars 'hadoop-client-api-*' 'hadoop-client-runtime-*' 'slf4j-api-*' 'commons-logging-*')" ;;
esac
# shellcheck disable=SC2086
launch "$PEERS_JAVA" $PEERS_JAVA_OPTS -Xmx"${PEERS_REST_XMX:-256m}" -cp "$PEERS_ICEBERG_RUNTIME:$classpath" \
  "$PEERS_DIR/java/IcebergRestServer.java" 127.0.0.1 "$PORT" "${properties[@]}"
wait_ready "$LAUNCHED"
write_env "PEERS_ICEBERG_REST_URI=http://127.0.0.1:$PORT" "PEERS_ICEBERG_REST_PORT=$PORT"
