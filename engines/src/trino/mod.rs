//! Trino, the remote engine: statements rendered in Trino's dialect with each table named in
//! the Trino catalog that reads the same tables, sent over Trino's client protocol, and the
//! result streamed back page by page as Arrow batches.

mod decode;
mod error;
mod health;
mod params;
mod protocol;

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion::arrow::datatypes::Schema;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::scalar::ScalarValue;
use futures::{stream, StreamExt};
use junction_transpiler::{Dialect, TypeOracle};
use sqlparser::ast::{visit_relations_mut, Ident, ObjectName, ObjectNamePart, Statement};

pub use error::TrinoError;
use health::Monitor;
pub use protocol::Credentials;
use protocol::{Client, QueryResults, Session};

use crate::tables::{self, Relation};
use crate::{Described, Engine, EngineError, Explanation, Health, QueryContext, Result};

/// `[engines.trino]`.
#[derive(Debug, Clone)]
pub struct TrinoConfig {
    /// `http://host:port` of the coordinator.
    pub url: String,
    /// The Trino user queries run as, unless `impersonate`.
    pub user: String,
    /// Run each query as the session's own user.
    pub impersonate: bool,
    pub credentials: Credentials,
    /// junction catalog → the Trino catalog that reads the same tables.
    pub catalogs: BTreeMap<String, String>,
    /// How often the coordinator's health is checked.
    pub health_interval: Duration,
    /// Bytes one query may hold in the cluster (`[limits] query_memory`).
    pub query_memory: Option<u64>,
}

#[derive(Debug)]
pub struct TrinoEngine {
    client: Arc<Client>,
    user: String,
    impersonate: bool,
    catalogs: BTreeMap<String, String>,
    health: Monitor,
    query_memory: Option<u64>,
}

impl TrinoEngine {
    pub fn try_new(config: TrinoConfig) -> Result<Self> {
        if config.url.starts_with("https://") {
            return Err(EngineError::Unsupported(format!(
                "trino over https ({}) is not supported yet",
                config.url
            )));
        }
        if !matches!(config.credentials, Credentials::None) {
            // Trino takes credentials only over TLS.
            return Err(EngineError::Unsupported(
                "trino credentials need https, which is not supported yet".to_owned(),
            ));
        }
        let client =
            Arc::new(Client::new(&config.url, config.credentials).map_err(EngineError::Trino)?);
        Ok(Self {
            health: Monitor::start(Arc::clone(&client), config.health_interval),
            client,
            user: config.user,
            impersonate: config.impersonate,
            catalogs: config.catalogs,
            query_memory: config.query_memory,
        })
    }

    fn user<'a>(&'a self, ctx: &'a QueryContext) -> &'a str {
        if self.impersonate {
            &ctx.user
        } else {
            &self.user
        }
    }

    /// `statement` in Trino's dialect, each table named in its Trino catalog.
    fn sql(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
    ) -> Result<String> {
        let mut statement = statement.clone();
        let mut unmapped = None;
        let _ = visit_relations_mut(&mut statement, |name: &mut ObjectName| {
            let parts: Vec<String> = name
                .0
                .iter()
                .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                .collect();
            if let Relation::Table(table) = tables::relation(&parts, &ctx.catalog) {
                match self.catalogs.get(&table.catalog) {
                    Some(trino) => {
                        name.0 = [trino, &table.schema, &table.table]
                            .into_iter()
                            .map(|part| ObjectNamePart::Identifier(Ident::with_quote('"', part)))
                            .collect();
                    }
                    None => unmapped = Some(table.to_string()),
                }
            }
            ControlFlow::<()>::Continue(())
        });
        if let Some(table) = unmapped {
            return Err(EngineError::Unsupported(format!(
                "trino reads no catalog for {table} (see [engines.trino] catalogs)"
            )));
        }
        Ok(junction_transpiler::render(
            &statement,
            Dialect::Trino,
            types,
        )?)
    }

    /// Starts `sql` and follows it until Trino knows its columns (or it ends).
    async fn start(&self, ctx: &QueryContext, sql: &str) -> Result<(QueryResults, Cancel)> {
        let user = self.user(ctx);
        let session = Session {
            user,
            time_zone: "UTC",
            query_max_memory: self.query_memory,
        };
        let mut page = self
            .client
            .submit(sql, &session)
            .await
            .map_err(|e| self.failed(e))?;
        let mut cancel = Cancel {
            client: Arc::clone(&self.client),
            user: user.to_owned(),
            next_uri: page.next_uri.clone(),
        };
        loop {
            if let Some(error) = page.error.take() {
                cancel.next_uri = None;
                return Err(self.failed(query_error(error)));
            }
            let Some(next) = page.next_uri.clone().filter(|_| page.columns.is_none()) else {
                return Ok((page, cancel));
            };
            page = self
                .client
                .follow(&next, user)
                .await
                .map_err(|e| self.failed(e))?;
            cancel.next_uri = page.next_uri.clone();
        }
    }

    /// `error` as the engine's; one that says the coordinator cannot take queries (it did
    /// not answer, answered garbage, is starting or has no workers) also marks it down, so
    /// that `auto` sends it nothing more until a health check finds it up.
    fn failed(&self, error: TrinoError) -> EngineError {
        if error.sqlstate() == "58000" {
            self.health.down(error.to_string());
        }
        EngineError::Trino(error)
    }
}

fn query_error(error: protocol::QueryError) -> TrinoError {
    TrinoError::Query {
        name: error.error_name.unwrap_or_default(),
        message: error.message,
    }
}

/// Deletes the query when its result is dropped before its end (the client cancelled,
/// went away or timed out).
#[derive(Debug)]
struct Cancel {
    client: Arc<Client>,
    user: String,
    next_uri: Option<String>,
}

impl Drop for Cancel {
    fn drop(&mut self) {
        if let Some(uri) = self.next_uri.take() {
            self.client.cancel(uri, &self.user);
        }
    }
}

/// The rest of a query's pages, as the stream's state; `cancel` knows the next page's URI.
struct Pages {
    cancel: Cancel,
    schema: Arc<Schema>,
    pending: Option<Vec<Vec<serde_json::Value>>>,
}

async fn next_batch(
    mut pages: Pages,
) -> Option<(
    std::result::Result<datafusion::arrow::record_batch::RecordBatch, DataFusionError>,
    Pages,
)> {
    let fail = |e: EngineError| DataFusionError::External(Box::new(e));
    loop {
        if let Some(rows) = pages.pending.take().filter(|rows| !rows.is_empty()) {
            let batch =
                decode::batch(&pages.schema, &rows).map_err(|e| fail(EngineError::Trino(e)));
            return Some((batch, pages));
        }
        let next = pages.cancel.next_uri.clone()?;
        let page = match pages.cancel.client.follow(&next, &pages.cancel.user).await {
            Ok(page) => page,
            Err(e) => return Some((Err(fail(EngineError::Trino(e))), pages)),
        };
        pages.cancel.next_uri = page.next_uri;
        if let Some(error) = page.error {
            pages.cancel.next_uri = None;
            return Some((Err(fail(EngineError::Trino(query_error(error)))), pages));
        }
        pages.pending = page.data;
    }
}

#[async_trait]
impl Engine for TrinoEngine {
    fn name(&self) -> &'static str {
        "trino"
    }

    fn remote(&self) -> bool {
        true
    }

    fn health(&self) -> Health {
        self.health.get()
    }

    fn reads(&self, relation: &Relation) -> bool {
        match relation {
            Relation::Table(table) => self.catalogs.contains_key(&table.catalog),
            // Trino serves its own system tables, not junction's pg_catalog.
            Relation::System(_) => false,
        }
    }

    async fn describe(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
    ) -> Result<Described> {
        // Each parameter as NULL: only where none can reach a result column.
        let parameters = junction_transpiler::highest_parameter(statement);
        params::check_placement(statement)?;
        let statement = &params::bind(statement, &[])?;
        let sql = self.sql(ctx, statement, types)?;
        // The columns without the rows: Trino answers them before it runs anything.
        let (page, _cancel) = self
            .start(ctx, &format!("SELECT * FROM ({sql}) AS t LIMIT 0"))
            .await?;
        let schema = match page.columns {
            Some(columns) => decode::schema(&columns).map_err(EngineError::Trino)?,
            None => Arc::new(Schema::empty()),
        };
        // Trino infers no parameter types: the router asks the other engines.
        Ok(Described {
            schema,
            parameters: vec![None; parameters],
        })
    }

    async fn explain(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
    ) -> Explanation {
        let table_access = tables::relations(statement, &ctx.catalog)
            .into_iter()
            .map(|relation| match &relation {
                Relation::Table(t) => match self.catalogs.get(&t.catalog) {
                    Some(trino) => format!("{}.{}: trino catalog {trino}", t.schema, t.table),
                    None => format!("{}.{}: no trino catalog", t.schema, t.table),
                },
                Relation::System(name) => format!("{name}: not on trino"),
            })
            .collect();
        match params::check_placement(statement).and_then(|()| self.sql(ctx, statement, types)) {
            Ok(sql) => Explanation {
                table_access,
                sql,
                unable: None,
            },
            Err(e) => Explanation {
                table_access,
                sql: String::new(),
                unable: Some(e),
            },
        }
    }

    async fn execute(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
        parameters: &[ScalarValue],
    ) -> Result<SendableRecordBatchStream> {
        params::check_placement(statement)?;
        let bound;
        let statement = if junction_transpiler::highest_parameter(statement) > 0 {
            bound = params::bind(statement, parameters)?;
            &bound
        } else {
            statement
        };
        let sql = self.sql(ctx, statement, types)?;
        let (page, cancel) = self.start(ctx, &sql).await?;
        let schema = match &page.columns {
            Some(columns) => decode::schema(columns).map_err(EngineError::Trino)?,
            None => Arc::new(Schema::empty()),
        };
        let pages = Pages {
            cancel,
            schema: Arc::clone(&schema),
            pending: page.data,
        };
        let batches = stream::unfold(pages, next_batch).boxed();
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }
}
