#!/usr/bin/env bash
# Runs every junction test: installs the test peers when missing (PostgreSQL client, pgJDBC,
# Java, the Python clients), then the Rust tests, then the real-client tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=../shared/peers

"$PEERS/install.sh"
. "$PEERS/env.sh"
# DuckDB's ICU extension (time zones) is not among the peers' extensions: add its official
# 1.5.5 build from PyPI to the venv, and link it into the extension directory with the rest.
if ! "$PEERS_PYTHON" -m pip show -q duckdb-extension-icu >/dev/null 2>&1; then
    "$PEERS_PYTHON" -m pip install -q duckdb-extension-icu==1.5.5
    "$PEERS/install.sh"
fi
# The DuckDB tests load the official extension builds from here.
export PEERS_DUCKDB_EXTENSION_DIR
# The conformance corpus starts a real PostgreSQL through the peers' scripts.
export JUNCTION_PEERS="$(cd "$PEERS" && pwd)"
# pytest runs the client tests; the peers' venv already holds the clients themselves.
"$PEERS_PYTHON" -c 'import pytest' 2>/dev/null || "$PEERS_PYTHON" -m pip install -q pytest

cargo build --workspace --all-targets
cargo test --workspace

JUNCTION_BIN="${CARGO_TARGET_DIR:-target}/debug/junction" PEERS_PG_JDBC="$PEERS_PG_JDBC" \
    "$PEERS_PYTHON" -m pytest -q conformance/clients
