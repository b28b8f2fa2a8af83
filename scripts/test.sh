#!/usr/bin/env bash
# Runs every junction test. First installs what the tests need when it is missing (PostgreSQL,
# pgJDBC, Java, the Python clients and writers, DuckDB's extensions, the JVM servers' jars:
# scripts/peers/install.sh), then the Rust tests, then the real-client tests, then a minute of
# each fuzz target (scripts/fuzz.sh installs cargo-fuzz from crates.io when it is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/peers/install.sh
. scripts/peers/env.sh
export JUNCTION_PEERS="$PEERS_DIR"

cargo build --workspace --all-targets
cargo test --workspace
# The patched pgwire's and sqlparser's own unit tests (vendor/*/JUNCTION.md), outside the
# workspace.
cargo test --manifest-path vendor/pgwire/Cargo.toml --lib
cargo test --manifest-path vendor/sqlparser/Cargo.toml --lib

JUNCTION_BIN="${CARGO_TARGET_DIR:-target}/debug/junction" "$PEERS_PYTHON" -m pytest -q conformance/clients

# Each fuzz target for a minute from its committed corpus (fuzz/README.md).
scripts/fuzz.sh 60
