//! A differential query fuzzer: random PostgreSQL queries over the demo warehouse, each run
//! on a real PostgreSQL and through junction, any difference reported with a minimised
//! reproducer (in the spirit of SQLancer's and sqlsmith's differential testing).

mod generate;
mod minimize;
mod query;
mod run;
mod schema;

pub use generate::Generator;
pub use minimize::minimize;
pub use query::{Expr, Kind, Select};
pub use run::{compare, run, values_match, Outcome, Verdict};
