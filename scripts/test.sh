#!/usr/bin/env bash
# Runs every junction test. First installs what the tests need when it is missing (PostgreSQL,
# pgJDBC, Java, the Python clients and writers, DuckDB's extensions, the JVM servers' jars:
# scripts/peers/install.sh), then the Rust tests, then the real-client tests.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/peers/install.sh
. scripts/peers/env.sh
export JUNCTION_PEERS="$PEERS_DIR"

cargo build --workspace --all-targets
cargo test --workspace
# The patched pgwire's own unit tests (vendor/pgwire/JUNCTION.md), outside the workspace.
cargo test --manifest-path vendor/pgwire/Cargo.toml --lib

JUNCTION_BIN="${CARGO_TARGET_DIR:-target}/debug/junction" "$PEERS_PYTHON" -m pytest -q conformance/clients
