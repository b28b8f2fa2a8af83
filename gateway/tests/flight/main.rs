//! The Arrow Flight SQL front end, through arrow-flight's `FlightSqlServiceClient` on a real
//! socket against a running `junction serve` over a small demo warehouse. One test binary;
//! modules by topic. (The ADBC driver's tests are in conformance/clients.)

// The pg tests' server harness; this binary uses only part of it.
#[allow(dead_code)]
#[path = "../pg/server.rs"]
mod server;

mod client;

mod cancel;
mod errors;
mod metadata;
mod prepared;
mod statements;
