//! pg_catalog for each junction catalog, from datafusion-pg-catalog, fed with that catalog's
//! metadata only: PostgreSQL's pg_catalog describes the current database, not the server.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::SchemaProvider;
use datafusion::datasource::TableType;
use datafusion::error::DataFusionError;
use datafusion_pg_catalog::pg_catalog::catalog_info::CatalogInfo;
use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_pg_catalog::pg_catalog::{PgCatalogSchemaProvider, PgCatalogStaticTables};
use junction_catalogs::{Catalog, Catalogs};
use junction_transpiler::SYSTEM_SCHEMAS;

use super::pg_attribute::WireTypedSchema;
use crate::{EngineError, Result};

/// Metadata of one catalog, as datafusion-pg-catalog asks for it.
#[derive(Debug, Clone)]
struct CurrentCatalogInfo {
    /// All catalogs: pg_database lists every one (`\l`).
    catalogs: Catalogs,
    current: Arc<dyn Catalog>,
}

fn external(e: junction_catalogs::CatalogError) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

#[async_trait]
impl CatalogInfo for CurrentCatalogInfo {
    async fn catalog_names(&self) -> Result<Vec<String>, DataFusionError> {
        Ok(self.catalogs.names().map(str::to_owned).collect())
    }

    async fn schema_names(&self, catalog: &str) -> Result<Option<Vec<String>>, DataFusionError> {
        if catalog != self.current.name() {
            return Ok(Some(Vec::new()));
        }
        let mut names: Vec<String> = SYSTEM_SCHEMAS.iter().map(|s| s.to_string()).collect();
        names.extend(self.current.schema_names().await.map_err(external)?);
        Ok(Some(names))
    }

    async fn table_names(
        &self,
        catalog: &str,
        schema: &str,
    ) -> Result<Option<Vec<String>>, DataFusionError> {
        if catalog != self.current.name() || SYSTEM_SCHEMAS.contains(&schema) {
            return Ok(Some(Vec::new()));
        }
        Ok(Some(
            self.current.table_names(schema).await.map_err(external)?,
        ))
    }

    async fn table_schema(
        &self,
        catalog: &str,
        schema: &str,
        table: &str,
    ) -> Result<Option<SchemaRef>, DataFusionError> {
        if catalog != self.current.name() {
            return Ok(None);
        }
        match self.current.table(schema, table).await {
            Ok(handle) => Ok(handle.map(|h| h.schema())),
            // One unreadable table must not hide every other from `\dt`; it is left out of
            // the listing and reports its error when queried.
            Err(e) => {
                let known = self.current.known_columns(schema, table).await;
                if known.is_none() {
                    tracing::warn!(%catalog, %schema, %table, error = %e, "table left out of pg_catalog");
                }
                Ok(known)
            }
        }
    }

    async fn table_type(
        &self,
        _catalog: &str,
        _schema: &str,
        _table: &str,
    ) -> Result<Option<TableType>, DataFusionError> {
        Ok(Some(TableType::Base))
    }
}

/// A pg_catalog schema provider for each configured catalog, by catalog name.
pub fn for_each_catalog(
    catalogs: &Catalogs,
    static_tables: &Arc<PgCatalogStaticTables>,
) -> Result<HashMap<String, Arc<dyn SchemaProvider>>> {
    catalogs
        .iter()
        .map(|catalog| {
            let info = CurrentCatalogInfo {
                catalogs: catalogs.clone(),
                current: Arc::clone(catalog),
            };
            let provider = PgCatalogSchemaProvider::try_new(
                info.clone(),
                Arc::clone(static_tables),
                EmptyContextProvider,
            )
            .map_err(EngineError::from)?;
            let provider = WireTypedSchema::new(Arc::new(provider), info);
            Ok((
                catalog.name().to_owned(),
                Arc::new(provider) as Arc<dyn SchemaProvider>,
            ))
        })
        .collect()
}
