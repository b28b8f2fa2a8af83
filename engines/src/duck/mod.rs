//! DuckDB, in process: a pool of databases, in each every catalog attached as an in-memory
//! database holding one view per table that queries on it have read.

pub(crate) mod error;
mod functions;
mod instance;
mod params;
mod pool;
mod s3;
mod stream;
mod views;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::DataType;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::scalar::ScalarValue;
use futures::StreamExt;
use junction_catalogs::{Catalogs, Snapshot, Storage, TableFormat, TableHandle};
use junction_transpiler::{Dialect, TypeOracle};
use sqlparser::ast::Statement;

use crate::tables::{self, Relation, TableName};
use crate::{Described, Engine, EngineError, Explanation, QueryContext, Result};
use instance::{Extensions, Instance, ViewState};
use pool::Pool;
use views::{ident, Scan};

/// `[engines.duckdb]` of the configuration file, with `[limits] query_memory`.
#[derive(Debug, Clone, Default)]
pub struct DuckDbConfig {
    /// Worker threads of each instance; DuckDB's default (one per core) when absent.
    pub threads: Option<u32>,
    /// Bytes all of DuckDB's statements together may hold, shared out between the pool's
    /// instances; each instance has DuckDB's default when absent.
    pub memory_limit: Option<u64>,
    /// Bytes one statement may hold (`[limits] query_memory`).
    pub query_memory: Option<u64>,
    /// Where official extension builds are loaded from; autoinstall stays off regardless.
    pub extension_directory: Option<PathBuf>,
    /// Instances in the pool: queries that can run at once.
    pub connections: Option<usize>,
}

/// The DuckDB engine.
#[derive(Debug)]
pub struct DuckDbEngine {
    extensions: Extensions,
    pool: Arc<Pool<Instance>>,
}

impl DuckDbEngine {
    /// DuckDB over `catalogs`, reading S3 through `storage`'s settings where httpfs loads.
    pub fn try_new(catalogs: Catalogs, config: &DuckDbConfig, storage: &Storage) -> Result<Self> {
        let size = config.connections.unwrap_or(4).max(1);
        let memory = instance::memory_per_instance(config, size);
        let mut instances = Vec::with_capacity(size);
        let mut extensions = None;
        for index in 0..size {
            let (instance, loaded) = Instance::open(&catalogs, config, storage, memory, index)?;
            // The same directory gives every instance the same extensions; were one to
            // differ, a view another instance could read might not be readable here.
            if extensions.is_some_and(|first| first != loaded) {
                return Err(EngineError::Unavailable(format!(
                    "duckdb: instance {index} loaded other extensions than the first ({loaded:?})"
                )));
            }
            extensions = Some(loaded);
            instances.push(instance);
        }
        Ok(Self {
            extensions: extensions.unwrap_or_default(),
            pool: Arc::new(Pool::new(instances)),
        })
    }

    /// DDL that brings the views of `tables` up to their current snapshots, and the
    /// snapshots to record once it ran.
    async fn view_updates(
        &self,
        views: &HashMap<TableName, ViewState>,
        catalogs: &Catalogs,
        tables: &[TableName],
    ) -> Result<(String, Vec<(TableName, ViewState)>)> {
        let mut ddl = String::new();
        let mut updates = Vec::new();
        for name in tables {
            let handle = name.handle(catalogs).await?;
            let state = ViewState {
                snapshot: handle.snapshot().clone(),
                credentials: handle.credentials().cloned(),
            };
            if views.get(name) == Some(&state) {
                continue;
            }
            let scan = self.scan(&handle).await?;
            let query = views::view_query(&handle.schema(), &scan).map_err(|reason| {
                EngineError::Unsupported(format!(
                    "duckdb cannot read table {}.{}: {reason}",
                    name.schema, name.table
                ))
            })?;
            if let Some(credentials) = &state.credentials {
                // Scoped to the table: DuckDB uses the secret of the longest matching scope.
                let scope = handle.location().to_string();
                ddl.push_str(&s3::secret(
                    &s3::table_secret_name(name),
                    credentials,
                    Some(&scope),
                ));
                ddl.push_str(";\n");
            }
            let schema = format!("{}.{}", ident(&name.catalog), ident(&name.schema));
            ddl.push_str(&format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}; CREATE OR REPLACE VIEW {schema}.{} AS {query};\n",
                ident(&name.table)
            ));
            updates.push((name.clone(), state));
        }
        Ok((ddl, updates))
    }

    /// How a view reads `handle`'s snapshot: through DuckDB's own extension for the format
    /// where it loaded, else over the data files.
    async fn scan(&self, handle: &TableHandle) -> Result<Scan> {
        let readable =
            self.extensions.httpfs && (self.extensions.s3 || handle.credentials().is_some());
        if !handle.location().is_local() && !readable {
            return Err(EngineError::Unsupported(format!(
                "duckdb cannot read {}: {}",
                handle.location(),
                s3::UNREADABLE
            )));
        }
        Ok(match (handle.format(), handle.snapshot()) {
            (TableFormat::Delta, _) if self.extensions.delta => {
                Scan::DeltaExtension(handle.location().clone())
            }
            (TableFormat::Iceberg, Snapshot::IcebergMetadata(metadata))
                if self.extensions.iceberg =>
            {
                Scan::IcebergExtension(metadata.clone())
            }
            _ => Scan::Files(handle.data_files().await?),
        })
    }

    /// Runs `sql` (`statement` in DuckDB's dialect) in the session `ctx`, in `time_zone` (see
    /// [`Self::time_zone`]; UTC when `None`).
    async fn run(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        sql: String,
        parameters: &[ScalarValue],
        time_zone: Option<&'static str>,
    ) -> Result<SendableRecordBatchStream> {
        let tables = tables::relations(statement, &ctx.catalog)
            .into_iter()
            .map(|relation| match relation {
                Relation::Table(name) => Ok(name),
                Relation::System(name) => Err(EngineError::Unsupported(format!(
                    "duckdb does not serve {name}: {NO_SYSTEM_CATALOGS}"
                ))),
            })
            .collect::<Result<Vec<_>>>()?;
        if ctx.catalogs.get(&ctx.catalog).is_none() {
            return Err(EngineError::CatalogNotFound(ctx.catalog.clone()));
        }
        // The views are the instance's own: take it first.
        let instance = self.pool.get().await?;
        let (ddl, updates) = self
            .view_updates(&instance.views, &ctx.catalogs, &tables)
            .await?;
        let params = parameters
            .iter()
            .map(params::to_duckdb)
            .collect::<Result<Vec<_>>>()?;
        let catalog = ctx.catalog.clone();
        // A zone DuckDB cannot take leaves it in UTC; statements that would read it are
        // refused before (see `execute`). Without ICU there is no zone to set.
        let time_zone = self.extensions.icu.then(|| time_zone.unwrap_or("UTC"));
        let setup: stream::Setup = Box::new(move |instance: &mut Instance| {
            if let Some(time_zone) =
                time_zone.filter(|zone| instance.time_zone_in_use.as_deref() != Some(*zone))
            {
                instance.time_zone_in_use = None;
                instance
                    .connection
                    .execute_batch(&format!("SET TimeZone = '{time_zone}'"))?;
                instance.time_zone_in_use = Some(time_zone.to_owned());
            }
            if !ddl.is_empty() {
                instance.connection.execute_batch(&ddl)?;
                instance.views.extend(updates);
            }
            if instance.catalog_in_use.as_deref() != Some(catalog.as_str()) {
                // Forgotten first: a `USE` that fails leaves the current catalog unknown.
                instance.catalog_in_use = None;
                instance
                    .connection
                    .execute_batch(&format!("USE {}", ident(&catalog)))?;
                instance.catalog_in_use = Some(catalog);
            }
            Ok(())
        });
        stream::run(instance, setup, sql, params).await
    }

    /// The session's time zone as ICU reads it, when it is not UTC and ICU is loaded: the
    /// IANA name PostgreSQL also knows it by.
    fn time_zone(&self, ctx: &QueryContext) -> Option<&'static str> {
        let zone = ctx.local_time_zone()?;
        if !self.extensions.icu {
            return None;
        }
        let zone = chrono_tz::Tz::from_str_insensitive(zone).ok()?;
        Some(zone.name())
    }
}

/// Refuses `statement` when it reads a timestamptz as a wall-clock time in a session whose
/// zone DuckDB cannot take (no ICU, or a zone ICU does not name): its answer would be UTC's.
fn refuse_local_time(
    ctx: &QueryContext,
    statement: &Statement,
    types: &dyn TypeOracle,
) -> Result<()> {
    let Some(zone) = ctx.local_time_zone() else {
        return Ok(());
    };
    match junction_transpiler::local_time_use(statement, types) {
        Some(what) => Err(EngineError::UnsupportedInSession(format!(
            "{what} in the session's time zone ({zone}) is not supported by duckdb, \
             which computes it in UTC"
        ))),
        None => Ok(()),
    }
}

/// Why DuckDB runs no query on the system catalogs.
const NO_SYSTEM_CATALOGS: &str = "the system catalogs describe junction, not DuckDB";

/// `statement` in DuckDB's dialect, rewritten to answer as PostgreSQL does.
fn duckdb_sql(statement: &Statement, types: &dyn TypeOracle) -> Result<String> {
    Ok(junction_transpiler::render(
        statement,
        Dialect::DuckDb,
        types,
    )?)
}

#[async_trait]
impl Engine for DuckDbEngine {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn reads(&self, relation: &Relation) -> bool {
        matches!(relation, Relation::Table(_))
    }

    async fn describe(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
    ) -> Result<Described> {
        // DuckDB reports result types only for a statement that ran; with no rows asked for
        // it plans and stops. Parameters bind as NULL: their types are DuckDB's to infer.
        let count = junction_transpiler::highest_parameter(statement);
        let sql = format!(
            "SELECT * FROM ({}) AS described LIMIT 0",
            duckdb_sql(statement, types)?
        );
        let mut stream = self
            .run(
                ctx,
                statement,
                sql,
                &vec![ScalarValue::Null; count],
                self.time_zone(ctx),
            )
            .await?;
        let schema = stream.schema();
        while let Some(batch) = stream.next().await {
            batch?;
        }
        Ok(Described {
            schema,
            parameters: vec![None::<DataType>; count],
        })
    }

    async fn explain(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
    ) -> Explanation {
        let system = format!("not served ({NO_SYSTEM_CATALOGS})");
        let table_access = tables::access(
            &ctx.catalogs,
            statement,
            &ctx.catalog,
            &system,
            |handle| async move {
                match self.scan(&handle).await {
                    Ok(scan) => views::access(&handle.schema(), &scan),
                    Err(e) => format!("unavailable ({e})"),
                }
            },
        )
        .await;
        let (sql, unable) = match duckdb_sql(statement, types) {
            Ok(sql) => (sql, self.describe(ctx, statement, types).await.err()),
            Err(e) => (statement.to_string(), Some(e)),
        };
        Explanation {
            table_access,
            sql,
            unable,
        }
    }

    async fn execute(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        types: &dyn TypeOracle,
        parameters: &[ScalarValue],
    ) -> Result<SendableRecordBatchStream> {
        let time_zone = self.time_zone(ctx);
        if time_zone.is_none() {
            refuse_local_time(ctx, statement, types)?;
        }
        if let Some((inlined, parameters)) = params::inline_lists(statement, parameters)? {
            let sql = duckdb_sql(&inlined, types)?;
            return self.run(ctx, statement, sql, &parameters, time_zone).await;
        }
        let sql = duckdb_sql(statement, types)?;
        self.run(ctx, statement, sql, parameters, time_zone).await
    }
}
