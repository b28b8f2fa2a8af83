# Paths of the test peers that install.sh puts in place. Source it; it only sets variables.
#   . scripts/peers/env.sh && "$PEERS_PYTHON" -c 'import psycopg'
# Everything installed lives under $JUNCTION_PEERS_HOME (default ~/.cache/junction/peers).

PEERS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PEERS_HOME="${JUNCTION_PEERS_HOME:-$HOME/.cache/junction/peers}"

PEERS_VENV="$PEERS_HOME/venv"
PEERS_PYTHON="$PEERS_VENV/bin/python"
PEERS_SITE_PACKAGES=""
for _d in "$PEERS_VENV"/lib/python3*/site-packages; do [ -d "$_d" ] && PEERS_SITE_PACKAGES="$_d"; done
# pyspark's wheel carries Spark 3.5 with Hive 2.3, Hadoop and Derby: the metastore runs from it.
PEERS_SPARK_JARS="$PEERS_SITE_PACKAGES/pyspark/jars"

# Artifacts from Maven Central, fetched by install.sh (and nessie.sh) into a local repository layout.
PEERS_MAVEN="$PEERS_HOME/maven"
PEERS_MAVEN_URL="${PEERS_MAVEN_URL:-https://repo1.maven.org/maven2}"
PEERS_ICEBERG_VERSION=1.10.1
PEERS_ICEBERG_RUNTIME="$PEERS_MAVEN/org/apache/iceberg/iceberg-spark-runtime-3.5_2.12/$PEERS_ICEBERG_VERSION/iceberg-spark-runtime-3.5_2.12-$PEERS_ICEBERG_VERSION.jar"
PEERS_DELTA_VERSION=3.3.2
PEERS_DELTA_SPARK="$PEERS_MAVEN/io/delta/delta-spark_2.12/$PEERS_DELTA_VERSION/delta-spark_2.12-$PEERS_DELTA_VERSION.jar"
PEERS_DELTA_STORAGE="$PEERS_MAVEN/io/delta/delta-storage/$PEERS_DELTA_VERSION/delta-storage-$PEERS_DELTA_VERSION.jar"
PEERS_TRINO_VERSION=476
PEERS_NESSIE_VERSION=0.99.0
PEERS_NESSIE_RUNNER="$PEERS_MAVEN/org/projectnessie/nessie/nessie-quarkus/$PEERS_NESSIE_VERSION/nessie-quarkus-$PEERS_NESSIE_VERSION-runner.jar"

# The JDBC drivers the client tests run, current releases from Maven Central: pgJDBC, and the
# Flight SQL JDBC driver (one shaded jar; Arrow Java 18.3 is its newest release there).
PEERS_PG_JDBC_VERSION=42.7.14
PEERS_PG_JDBC="$PEERS_MAVEN/org/postgresql/postgresql/$PEERS_PG_JDBC_VERSION/postgresql-$PEERS_PG_JDBC_VERSION.jar"
PEERS_FLIGHT_JDBC_VERSION=18.3.0
PEERS_FLIGHT_JDBC="$PEERS_MAVEN/org/apache/arrow/flight-sql-jdbc-driver/$PEERS_FLIGHT_JDBC_VERSION/flight-sql-jdbc-driver-$PEERS_FLIGHT_JDBC_VERSION.jar"
PEERS_PG_BIN=""
for _d in /usr/lib/postgresql/*/bin; do [ -x "$_d/initdb" ] && PEERS_PG_BIN="$_d"; done
: "${PEERS_PG_BIN:=/usr/lib/postgresql/15/bin}"

# DuckDB's signed 1.5.5 extensions, from the duckdb-extension-* wheels, linked into DuckDB's own
# layout (<dir>/v1.5.5/<platform>/<name>.duckdb_extension) so that they autoload offline.
PEERS_DUCKDB_EXTENSION_DIR="$PEERS_HOME/duckdb-extensions"

# The default Java (17) runs the metastore and the Iceberg REST server; Nessie needs 21 or
# newer, Trino 22 or newer: the newest JDK in /usr/lib/jvm (Temurin 25 here).
PEERS_JAVA="$(command -v java 2>/dev/null || echo java)"
PEERS_JAVA_NEW=""
for _d in /usr/lib/jvm/temurin-2[1-9]* /usr/lib/jvm/java-2[1-9]*; do
  [ -x "$_d/bin/java" ] && PEERS_JAVA_NEW="$_d/bin/java"
done
if [ -z "${JAVA_HOME:-}" ] && [ -x "$PEERS_JAVA" ]; then   # pyspark needs it
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$PEERS_JAVA")")")"
  export JAVA_HOME
fi
# Two busy cores: a small heap and little JIT work start the JVM servers fastest.
PEERS_JAVA_OPTS="${PEERS_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
unset _d

export PEERS_DIR PEERS_HOME PEERS_VENV PEERS_PYTHON PEERS_SITE_PACKAGES PEERS_SPARK_JARS PEERS_MAVEN \
  PEERS_MAVEN_URL PEERS_ICEBERG_VERSION PEERS_ICEBERG_RUNTIME PEERS_DELTA_VERSION PEERS_DELTA_SPARK \
  PEERS_DELTA_STORAGE PEERS_TRINO_VERSION PEERS_NESSIE_VERSION PEERS_NESSIE_RUNNER \
  PEERS_PG_JDBC_VERSION PEERS_PG_JDBC PEERS_FLIGHT_JDBC_VERSION PEERS_FLIGHT_JDBC PEERS_PG_BIN \
  PEERS_DUCKDB_EXTENSION_DIR PEERS_JAVA PEERS_JAVA_NEW PEERS_JAVA_OPTS
