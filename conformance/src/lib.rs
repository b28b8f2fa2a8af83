//! The conformance harness: junction and a real PostgreSQL, both spoken to over the
//! PostgreSQL wire as sqllogictest databases, so that every corpus file is checked against
//! the reference and against each of junction's engines.

pub mod corpus;
pub mod mirror;
pub mod peers;
pub mod wire;
