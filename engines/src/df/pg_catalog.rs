//! pg_catalog for each junction catalog, from datafusion-pg-catalog, fed with that catalog's
//! metadata only: PostgreSQL's pg_catalog describes the current database, not the server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::SchemaProvider;
use datafusion::datasource::TableType;
use datafusion::error::DataFusionError;
use datafusion_pg_catalog::pg_catalog::catalog_info::CatalogInfo;
use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_pg_catalog::pg_catalog::{PgCatalogSchemaProvider, PgCatalogStaticTables};
use junction_catalogs::{Catalog, Catalogs, Grants};
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
        schema: &str,
        table: &str,
    ) -> Result<Option<TableType>, DataFusionError> {
        Ok(Some(if self.current.is_view(schema, table) {
            TableType::View
        } else {
            TableType::Base
        }))
    }
}

/// pg_catalog schema providers by catalog name.
pub type PgCatalogMap = HashMap<String, Arc<dyn SchemaProvider>>;

/// The pg_catalog of every catalog: built once for the catalogs as configured, and once for
/// each way sessions see them otherwise: at a reference of catalogs with references (Nessie),
/// since `\dt` there must list that reference's tables, and through a user's grants, since
/// `\dt` must list only what the user may read. Each is kept, so that OIDs stay stable
/// across queries.
pub struct PgCatalogs {
    static_tables: Arc<PgCatalogStaticTables>,
    configured: Arc<PgCatalogMap>,
    others: Mutex<HashMap<View, Arc<PgCatalogMap>>>,
}

/// A way of seeing the catalogs other than as configured.
#[derive(Debug, PartialEq, Eq, Hash)]
struct View {
    reference: Option<String>,
    grants: Option<Arc<Grants>>,
}

impl std::fmt::Debug for PgCatalogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgCatalogs")
            .field("catalogs", &self.configured.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl PgCatalogs {
    /// How many other views' pg_catalogs are kept; past that they are built anew.
    const VIEWS_KEPT: usize = 64;

    pub fn new(catalogs: &Catalogs, static_tables: Arc<PgCatalogStaticTables>) -> Result<Self> {
        let configured = catalogs
            .iter()
            .map(|catalog| provider(catalogs, catalog, &static_tables))
            .collect::<Result<PgCatalogMap>>()?;
        Ok(Self {
            static_tables,
            configured: Arc::new(configured),
            others: Mutex::new(HashMap::new()),
        })
    }

    /// The pg_catalog of each of `catalogs`, as a session sees them.
    pub fn for_catalogs(&self, catalogs: &Catalogs) -> Result<Arc<PgCatalogMap>> {
        let view = View {
            reference: catalogs.reference().map(str::to_owned),
            grants: catalogs.grants().cloned(),
        };
        if view.reference.is_none() && view.grants.is_none() {
            return Ok(Arc::clone(&self.configured));
        }
        let mut kept = self.others.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(map) = kept.get(&view) {
            return Ok(Arc::clone(map));
        }
        let mut map = PgCatalogMap::new();
        for catalog in catalogs.iter() {
            let (name, schema) = match self.configured.get(catalog.name()) {
                // Only a catalog with references differs at one, and grants change them all.
                Some(schema) if view.grants.is_none() && !catalog.has_references() => {
                    (catalog.name().to_owned(), Arc::clone(schema))
                }
                _ => provider(catalogs, catalog, &self.static_tables)?,
            };
            map.insert(name, schema);
        }
        if kept.len() >= Self::VIEWS_KEPT {
            kept.clear();
        }
        let map = Arc::new(map);
        kept.insert(view, Arc::clone(&map));
        Ok(map)
    }
}

/// The pg_catalog of `catalog`, one of `catalogs`, by its name.
fn provider(
    catalogs: &Catalogs,
    catalog: &Arc<dyn Catalog>,
    static_tables: &Arc<PgCatalogStaticTables>,
) -> Result<(String, Arc<dyn SchemaProvider>)> {
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
}
