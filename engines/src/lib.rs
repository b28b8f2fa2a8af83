//! Query engines behind one [`Engine`] trait: DataFusion and DuckDB in process; a remote
//! engine (Trino) joins behind the same trait.

pub mod array_text;
mod bytea_formats;
pub mod catalog_types;
mod df;
mod duck;
mod error;
pub mod interval_text;
mod jsonb_text;
mod number_format;
mod numeric;
mod numeric_power;
pub mod pg_text;
pub mod regtype;
mod server;
mod sql_error;
pub mod tables;
mod text;
mod trino;

use std::fmt::Debug;

use arrow_schema::extension::EXTENSION_TYPE_NAME_KEY;
use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, SchemaRef};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::scalar::ScalarValue;
use junction_catalogs::Catalogs;
use junction_transpiler::TypeOracle;
use sqlparser::ast::Statement;

pub use df::{DataFusionEngine, Relief, JSON_EXTENSION, PG_EXPANDARRAY_FUNCTION};
pub use duck::{DuckDbConfig, DuckDbEngine};
pub use error::{EngineError, Result};
pub use server::{
    timestamptz_columns, BackendActivity, BackendSignal, NoServer, ServerViews, SignalRefused,
    StatementStats, SERVER_TABLES,
};
pub use sql_error::SqlError;
pub use trino::{Credentials as TrinoCredentials, TrinoConfig, TrinoEngine, TrinoError};

/// `field` tagged with the Arrow extension `name`: how json and regtype results tell the
/// front ends their PostgreSQL type.
pub(crate) fn with_extension(field: Field, name: &str) -> Field {
    let mut metadata = field.metadata().clone();
    metadata.insert(EXTENSION_TYPE_NAME_KEY.to_owned(), name.to_owned());
    field.with_metadata(metadata)
}

/// What an engine needs to know about the session a statement runs in.
#[derive(Debug, Clone)]
pub struct QueryContext {
    /// The current catalog (the database the client connected to).
    pub catalog: String,
    /// Schemas searched for unqualified names, in order; `$user` already substituted.
    pub search_path: Vec<String>,
    /// The connected user.
    pub user: String,
    /// The id clients see as `pg_backend_pid()`.
    pub backend_pid: i32,
    /// The catalogs as this session sees them: those with references (Nessie) read at the
    /// session's `junction.nessie_ref`. Statements resolve every table name through these.
    pub catalogs: Catalogs,
    /// The session's settings, as `SHOW ALL` lists them: what pg_settings shows beside the
    /// server's own.
    pub settings: Vec<SessionSetting>,
}

impl QueryContext {
    /// The session's `TimeZone`, when it is not UTC all year: where a `timestamptz` read as a
    /// wall-clock time differs from UTC's reading.
    pub fn local_time_zone(&self) -> Option<&str> {
        self.settings
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case("TimeZone"))
            .map(|s| s.value.as_str())
            .filter(|zone| !junction_transpiler::is_utc(zone))
    }
}

/// One of a session's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSetting {
    pub name: String,
    pub value: String,
    /// The value it has until set; `None` for a custom (`x.y`) setting, which has none.
    pub default: Option<String>,
}

/// A statement's shape, known before it runs.
#[derive(Debug, Clone)]
pub struct Described {
    /// Result columns (empty for statements that return no rows).
    pub schema: SchemaRef,
    /// Parameter types by position (`$1` first); `None` where the engine cannot infer one.
    pub parameters: Vec<Option<DataType>>,
}

/// How an engine would run a statement, found without running it (`EXPLAIN ROUTE`).
#[derive(Debug)]
pub struct Explanation {
    /// How each relation the statement reads is read there, one `schema.table: <how>` each.
    pub table_access: Vec<String>,
    /// The SQL the engine would run.
    pub sql: String,
    /// Why the engine cannot run the statement; `None` when it plans it.
    pub unable: Option<EngineError>,
}

/// Whether an engine can take statements now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Up,
    /// It cannot, and why, naming where it was looked for.
    Down(String),
}

/// An engine that runs SQL statements and streams Arrow record batches back.
#[async_trait]
pub trait Engine: Send + Sync + Debug {
    /// The name users pin with `SET junction.engine`.
    fn name(&self) -> &'static str;

    /// Whether the engine runs on other machines, with memory of its own: work too big for
    /// this machine prefers it.
    fn remote(&self) -> bool {
        false
    }

    /// Whether it can take statements now, as last checked: `auto` sends none to an engine
    /// that is down. An in-process engine is up while junction is.
    fn health(&self) -> Health {
        Health::Up
    }

    /// Whether this engine can read `relation` at all: the router ranks an engine that
    /// cannot below every one that can, without planning the statement there.
    fn reads(&self, _relation: &tables::Relation) -> bool {
        true
    }

    /// The result columns and parameter types of `statement`, without running it. `types`
    /// knows the column types of the tables the statement reads, for the transpiler.
    async fn describe(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
    ) -> Result<Described>;

    /// How this engine would run `statement`, and whether it can, from planning it.
    async fn explain(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
    ) -> Explanation;

    /// Runs `statement` with `parameters` bound to `$1..`; rows arrive batch by batch.
    async fn execute(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
        parameters: &[ScalarValue],
    ) -> Result<SendableRecordBatchStream>;
}
