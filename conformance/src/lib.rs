//! The conformance harness: junction and a real PostgreSQL, both spoken to over the
//! PostgreSQL wire as sqllogictest databases, so that every corpus file is checked against
//! the reference and against each of junction's engines. It also writes the TPC-H tables
//! the corpus and the benchmarks share.

pub mod corpus;
pub mod fuzz;
mod http;
pub mod mirror;
pub mod nessie;
pub mod peers;
pub mod s3_gate;
pub mod tpch;
pub mod unity;
pub mod unity_recorded;
pub mod vending;
pub mod wire;

use std::path::PathBuf;

/// This crate's directory in the clone being tested. Cargo sets `CARGO_MANIFEST_DIR` when it
/// runs a test; the path compiled in is only a fallback, since a target directory shared by
/// several clones may hold a test binary built in another (possibly deleted) clone.
pub fn crate_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
