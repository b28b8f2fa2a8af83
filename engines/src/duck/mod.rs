//! DuckDB, in process: one database, a pool of connections, each catalog attached as an
//! in-memory database holding one view per table that queries have read.

mod functions;
mod params;
mod pool;
mod s3;
mod stream;
mod views;

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::arrow::datatypes::DataType;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::scalar::ScalarValue;
use duckdb::Connection;
use futures::StreamExt;
use junction_catalogs::{Catalogs, S3Settings, Snapshot, Storage, TableFormat, TableHandle};
use junction_transpiler::{Dialect, TypeOracle};
use sqlparser::ast::{visit_expressions, Expr, Statement, Value};

use crate::tables::{self, Relation, TableName};
use crate::{Described, Engine, EngineError, Explanation, QueryContext, Result};
use pool::Pool;
use views::{ident, Scan};

/// `[engines.duckdb]` of the configuration file.
#[derive(Debug, Clone, Default)]
pub struct DuckDbConfig {
    /// Worker threads of the database; DuckDB's default (one per core) when absent.
    pub threads: Option<u32>,
    /// `memory_limit`, as DuckDB spells it (`4GB`); DuckDB's default when absent.
    pub memory_limit: Option<String>,
    /// Where official extension builds are loaded from; autoinstall stays off regardless.
    pub extension_directory: Option<PathBuf>,
    /// Connections in the pool: queries that can run at once.
    pub connections: Option<usize>,
}

/// DuckDB's table-format extensions that loaded from the configured directory; the tables
/// of a format whose extension did not load are read through file-list views.
#[derive(Debug, Default, Clone, Copy)]
struct Extensions {
    delta: bool,
    iceberg: bool,
    /// httpfs, which reads `s3://`.
    httpfs: bool,
    /// `[storage.s3]` is a secret of the database: S3 tables without credentials of their
    /// own are readable.
    s3: bool,
}

impl Extensions {
    /// Loads what the extension directory offers; a failure (no such file, another DuckDB
    /// version or platform) is logged and leaves the file-list path in place, or S3 tables
    /// to other engines.
    fn load(connection: &Connection, storage: &Storage) -> Self {
        let load = |name: &str, sql: &str| match connection.execute_batch(sql) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(extension = name, error = %e, "DuckDB extension not loaded");
                false
            }
        };
        let httpfs = load("httpfs", "LOAD httpfs");
        // Time zones (`AT TIME ZONE`, timestamptz arithmetic); without ICU those statements
        // answer 0A000 here. ICU sets the database's time zone to the machine's, and
        // sessions here are in UTC.
        load("icu", "LOAD icu; SET GLOBAL TimeZone = 'UTC'");
        Self {
            delta: load("delta", "LOAD delta"),
            // iceberg reads its manifests through avro.
            iceberg: load("iceberg", "LOAD avro; LOAD iceberg"),
            httpfs,
            s3: httpfs
                && storage.s3().is_some_and(|settings| {
                    load("httpfs", &s3::secret(s3::CONFIGURED, settings, None))
                }),
        }
    }
}

/// What a table's view was created from.
#[derive(Debug, Clone, PartialEq)]
struct ViewState {
    snapshot: Snapshot,
    credentials: Option<S3Settings>,
}

/// The DuckDB engine.
#[derive(Debug)]
pub struct DuckDbEngine {
    extensions: Extensions,
    pool: Arc<Pool>,
    /// The snapshot each table's view reads, as created, and the S3 credentials of the table
    /// alone it was given; DuckDB's catalog is shared by every connection. Held while views
    /// are replaced, so that two queries never race on the DDL.
    views: Arc<Mutex<HashMap<TableName, ViewState>>>,
}

impl DuckDbEngine {
    /// DuckDB over `catalogs`, reading S3 through `storage`'s settings where httpfs loads.
    pub fn try_new(catalogs: Catalogs, config: &DuckDbConfig, storage: &Storage) -> Result<Self> {
        let mut duck_config = duckdb::Config::default()
            .enable_autoload_extension(config.extension_directory.is_some())?
            // Nothing may be downloaded at run time; extensions come from the directory only.
            .with("autoinstall_known_extensions", "false")?
            // PostgreSQL's meaning of `/` on integers (truncating division; DuckDB's default
            // is float division) and of ORDER BY without NULLS FIRST/LAST (NULLs last
            // ascending, first descending; DuckDB's default puts them last both ways).
            .with("integer_division", "true")?
            .with("default_null_order", "postgres")?;
        if let Some(threads) = config.threads {
            duck_config = duck_config.threads(i64::from(threads))?;
        }
        if let Some(limit) = &config.memory_limit {
            duck_config = duck_config.max_memory(limit)?;
        }
        if let Some(dir) = &config.extension_directory {
            duck_config = duck_config.with("extension_directory", dir.display().to_string())?;
        }
        let connection = Connection::open_in_memory_with_flags(duck_config)?;
        functions::register(&connection)?;
        for catalog in catalogs.iter() {
            let name = ident(catalog.name());
            connection.execute_batch(&format!("ATTACH ':memory:' AS {name}"))?;
            // Queries run after `USE <catalog>`, so the rules' macros live in each catalog.
            connection.execute_batch(&format!("USE {name}"))?;
            for definition in junction_transpiler::duckdb::MACROS {
                connection.execute_batch(definition)?;
            }
        }
        let extensions = match config.extension_directory {
            Some(_) => Extensions::load(&connection, storage),
            None => Extensions::default(),
        };
        let size = config.connections.unwrap_or(4);
        Ok(Self {
            extensions,
            pool: Arc::new(Pool::new(connection, size)?),
            views: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// DDL that brings the views of `tables` up to their current snapshots, and the
    /// snapshots to record once it ran.
    async fn view_updates(
        &self,
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
            let current = self
                .views
                .lock()
                .is_ok_and(|views| views.get(name) == Some(&state));
            if current {
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

    async fn run(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        sql: String,
        parameters: &[ScalarValue],
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
        let (ddl, updates) = self.view_updates(&ctx.catalogs, &tables).await?;
        let params = parameters
            .iter()
            .map(params::to_duckdb)
            .collect::<Result<Vec<_>>>()?;
        let use_catalog = format!("USE {}", ident(&ctx.catalog));
        let views = Arc::clone(&self.views);
        let setup: stream::Setup = Box::new(move |connection: &Connection| {
            if !ddl.is_empty() {
                let mut views = views.lock().unwrap_or_else(|e| e.into_inner());
                connection.execute_batch(&ddl)?;
                views.extend(updates);
            }
            connection.execute_batch(&use_catalog)?;
            Ok(())
        });
        let connection = self.pool.get().await?;
        stream::run(connection, setup, sql, params).await
    }
}

/// Why DuckDB runs no query on the system catalogs.
const NO_SYSTEM_CATALOGS: &str = "the system catalogs describe junction, not DuckDB";

/// The highest `$n` in `statement`: how many parameters it takes.
fn parameter_count(statement: &Statement) -> usize {
    let mut count = 0;
    let _ = visit_expressions(statement, |expr| {
        if let Expr::Value(v) = expr {
            if let Value::Placeholder(p) = &v.value {
                if let Some(n) = p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
                    count = count.max(n);
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    count
}

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
        let count = parameter_count(statement);
        let sql = format!(
            "SELECT * FROM ({}) AS described LIMIT 0",
            duckdb_sql(statement, types)?
        );
        let mut stream = self
            .run(ctx, statement, sql, &vec![ScalarValue::Null; count])
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
        self.run(ctx, statement, duckdb_sql(statement, types)?, parameters)
            .await
    }
}
