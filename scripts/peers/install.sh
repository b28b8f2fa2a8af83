#!/usr/bin/env bash
# Puts the test peers' software in place; a second run finds everything and changes nothing.
#   scripts/peers/install.sh              # into $JUNCTION_PEERS_HOME (default ~/.cache/junction/peers)
#   scripts/peers/install.sh --refreeze   # and rewrite constraints.txt from the resulting venv
# What: Debian's PostgreSQL server and client and a Java when none is there; pgJDBC and the Flight
# SQL JDBC driver from Maven Central; a Python venv
# from requirements.txt under constraints.txt; DuckDB's extensions linked where DuckDB looks for
# them; the Iceberg Spark runtime and delta-spark from Maven Central. nessie.sh fetches Nessie
# on its first start.
set -euo pipefail
PEER=install
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REFREEZE=0
[ "${1:-}" = --refreeze ] && REFREEZE=1

mkdir -p "$PEERS_HOME"
exec 9>>"$PEERS_HOME/.install.lock"
flock 9   # two test runs on one machine install one after the other

# Debian packages, with `apt-get update` only when the lists are missing or too old to serve them.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for pkg in postgresql postgresql-client; do installed "$pkg" || missing+=("$pkg"); done
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v openssl >/dev/null || missing+=(openssl)   # the TLS tests' certificates
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  say "apt-get install ${missing[*]}"
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null ||
     ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  . "$PEERS_DIR/env.sh"
fi
[ -x "$PEERS_PG_BIN/initdb" ] || die "no initdb in $PEERS_PG_BIN"
# The JDBC drivers the client tests run.
maven_jar "org.postgresql:postgresql:$PEERS_PG_JDBC_VERSION" >/dev/null
maven_jar "org.apache.arrow:flight-sql-jdbc-driver:$PEERS_FLIGHT_JDBC_VERSION" >/dev/null

# The venv, rebuilt when the pins or the Python change.
want="$(cat "$PEERS_DIR/requirements.txt" "$PEERS_DIR/constraints.txt" 2>/dev/null | sha256sum | cut -c1-16) $(python3 -V)"
if [ "$(cat "$PEERS_VENV/.installed" 2>/dev/null)" != "$want" ] || [ $REFREEZE = 1 ]; then
  [ -x "$PEERS_PYTHON" ] && [ "$("$PEERS_PYTHON" -V)" = "$(python3 -V)" ] || {
    rm -rf "$PEERS_VENV"
    python3 -m venv "$PEERS_VENV"
  }
  say "pip install -r requirements.txt (a minute or two the first time)"
  constraints=()
  [ $REFREEZE = 0 ] && [ -f "$PEERS_DIR/constraints.txt" ] && constraints=(-c "$PEERS_DIR/constraints.txt")
  "$PEERS_VENV/bin/pip" install -q --disable-pip-version-check --no-input \
    -r "$PEERS_DIR/requirements.txt" "${constraints[@]}"
  if [ $REFREEZE = 1 ]; then
    { echo "# Every pin under requirements.txt; written by install.sh --refreeze."
      "$PEERS_VENV/bin/pip" freeze --disable-pip-version-check; } >"$PEERS_DIR/constraints.txt"
    want="$(cat "$PEERS_DIR/requirements.txt" "$PEERS_DIR/constraints.txt" | sha256sum | cut -c1-16) $(python3 -V)"
  fi
  echo "$want" >"$PEERS_VENV/.installed"
  . "$PEERS_DIR/env.sh"
fi

# DuckDB's extensions, linked into the layout DuckDB searches, for the platform DuckDB reports.
"$PEERS_PYTHON" - "$PEERS_SITE_PACKAGES" "$PEERS_DUCKDB_EXTENSION_DIR" <<'PY'
import duckdb, pathlib, sys
site, root = map(pathlib.Path, sys.argv[1:])
platform = duckdb.sql("PRAGMA platform").fetchone()[0]
for ext in site.glob("duckdb_extension_*/extensions/v*/*.duckdb_extension"):
    link = root / ext.parent.name / platform / ext.name
    if not (link.is_symlink() and link.resolve() == ext.resolve()):
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(ext)
PY

# Spark's Iceberg runtime (Spark's Iceberg tables, and the Iceberg REST server runs on it) and
# delta-spark (Spark's Delta tables with deletion vectors and column mapping).
maven_jar "org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:$PEERS_ICEBERG_VERSION" >/dev/null
maven_jar "io.delta:delta-spark_2.12:$PEERS_DELTA_VERSION" >/dev/null
maven_jar "io.delta:delta-storage:$PEERS_DELTA_VERSION" >/dev/null

say "ready in $PEERS_HOME"
