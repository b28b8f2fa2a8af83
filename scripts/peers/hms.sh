#!/usr/bin/env bash
# hms.sh start DIR [PORT] | stop DIR: a real Hive Metastore 2.3 (Thrift) on 127.0.0.1:PORT, from
# the Hive jars in pyspark's wheel, on an embedded Derby database in DIR/metastore_db; tables
# created without a location go under DIR/warehouse. Locks work, so Iceberg's HiveCatalog and
# Trino can commit through it. One metastore per DIR (Derby allows one process).
# Exports PEERS_HMS_URI PEERS_HMS_PORT. Heap: PEERS_HMS_XMX (256m).
set -euo pipefail
PEER=hms
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
stop_or_check LoopbackHms.java
need_venv
classpath="$STATE/conf:$(spark_jars 'hive-metastore-*' 'hive-common-*' 'hive-serde-*' 'hive-shims-*' \
  'hive-exec-*-core.jar' 'hive-storage-api-*' 'libthrift-*' 'libfb303-*' 'datanucleus-*' 'javax.jdo-*' \
  'jdo-api-*' 'derby-*' 'hadoop-client-api-*' 'hadoop-client-runtime-*' 'guava-*' 'commons-lang-*' \
  'commons-lang3-*' 'commons-dbcp-*' 'commons-pool-*' 'HikariCP-*' 'antlr-runtime-*' 'transaction-api-*' \
  'jta-*' 'commons-codec-*' 'commons-io-*' 'commons-collections-*' 'jackson-core-2*' 'jackson-databind-*' \
  'jackson-annotations-*' 'kryo-shaded-*' 'commons-compress-*' 'joda-time-*' 'slf4j-api-*' \
  'jcl-over-slf4j-*' 'log4j-api-*' 'log4j-core-*' 'log4j-slf4j2-impl-*' 'log4j-1.2-api-*' \
  'jakarta.servlet-api-*' 'jackson-core-asl-*' 'commons-collections4-*')"
mkdir -p "$STATE/conf" "$STATE/warehouse"
cat >"$STATE/conf/hive-site.xml" <<XML
<?xml version="1.0"?>
<configuration>
  <property><name>javax.jdo.option.ConnectionURL</name><value>jdbc:derby:;databaseName=$STATE/metastore_db;create=true</value></property>
  <property><name>javax.jdo.option.ConnectionDriverName</name><value>org.apache.derby.jdbc.EmbeddedDriver</value></property>
  <property><name>datanucleus.schema.autoCreateAll</name><value>true</value></property>
  <property><name>hive.metastore.schema.verification</name><value>false</value></property>
  <!-- BoneCP, the default pool, is not among the jars; without a pool lock() fails. -->
  <property><name>datanucleus.connectionPoolingType</name><value>DBCP</value></property>
  <property><name>hive.metastore.warehouse.dir</name><value>file://$STATE/warehouse</value></property>
  <!-- Iceberg and Trino change column types on commit, which Hive 2.3 refuses by default. -->
  <property><name>hive.metastore.disallow.incompatible.col.type.changes</name><value>false</value></property>
</configuration>
XML
cat >"$STATE/conf/log4j2.properties" <<'PROPS'
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = err
# The readiness probe connects and closes, which Thrift would log as an error each time.
logger.thrift.name = org.apache.thrift.server.TThreadPoolServer
logger.thrift.level = OFF
PROPS
# shellcheck disable=SC2086
launch "$PEERS_JAVA" $PEERS_JAVA_OPTS -Xmx"${PEERS_HMS_XMX:-256m}" \
  -Dlog4j.configurationFile="$STATE/conf/log4j2.properties" -Dderby.stream.error.file="$STATE/derby.log" \
  -cp "$classpath" "$PEERS_DIR/java/LoopbackHms.java" 127.0.0.1 "$PORT"
wait_ready "$LAUNCHED"
write_env "PEERS_HMS_URI=thrift://127.0.0.1:$PORT" "PEERS_HMS_PORT=$PORT"
