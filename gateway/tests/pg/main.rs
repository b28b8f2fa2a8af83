//! The PostgreSQL wire front end, through real clients on a real socket against a running
//! `junction serve` over a small demo warehouse. One test binary; modules by topic.

mod server;

mod cancel;
mod duckdb;
mod errors;
mod extended;
mod freshness;
mod isolation;
mod limits;
mod protocol;
mod routing;
mod simple;
mod types;
