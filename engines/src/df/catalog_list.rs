//! junction's catalogs as DataFusion sees them during one query.

use std::any::Any;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, CatalogProviderList, SchemaProvider, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result as DFResult};
use junction_catalogs::{Catalog, Catalogs};
use sqlparser::ast::{visit_relations, ObjectNamePart, Statement};

use super::pg_catalog::PgCatalogMap;
use crate::server::ServerViews;
use crate::{Result, SessionSetting};

/// Whether `statement` reads `information_schema`, whose listings need every table name of
/// the current catalog up front (DataFusion asks for them synchronously).
pub fn mentions_information_schema(statement: &Statement) -> bool {
    let found = visit_relations(statement, |name| {
        let first = name.0.first().and_then(ObjectNamePart::as_ident);
        let second = name.0.get(1).and_then(ObjectNamePart::as_ident);
        let is_info = |i: Option<&sqlparser::ast::Ident>| {
            i.is_some_and(|i| i.value.eq_ignore_ascii_case("information_schema"))
        };
        if is_info(first) || is_info(second) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    found.is_break()
}

/// The catalogs of one query: every configured catalog is reachable by name, and only the
/// current one lists its schemas and tables (information_schema describes the current
/// database only, as in PostgreSQL).
#[derive(Debug)]
pub struct QueryCatalogList {
    catalogs: Catalogs,
    pg_catalogs: Arc<PgCatalogMap>,
    /// The session's settings, for pg_settings.
    settings: Arc<Vec<SessionSetting>>,
    /// The server's sessions and statements, and the session's user who looks at them.
    server: Arc<dyn ServerViews>,
    user: Arc<str>,
    current: String,
    /// Schema name -> table names of the current catalog, when the query needs listings.
    listing: Option<Arc<HashMap<String, Vec<String>>>>,
}

impl QueryCatalogList {
    pub async fn new(
        catalogs: Catalogs,
        pg_catalogs: Arc<PgCatalogMap>,
        settings: Vec<SessionSetting>,
        (server, user): (Arc<dyn ServerViews>, &str),
        current: &str,
        with_listing: bool,
    ) -> Result<Self> {
        let listing = match (with_listing, catalogs.get(current)) {
            (true, Some(catalog)) => {
                let mut listing = HashMap::new();
                for schema in catalog.schema_names().await? {
                    let tables = catalog.table_names(&schema).await?;
                    listing.insert(schema, tables);
                }
                Some(Arc::new(listing))
            }
            _ => None,
        };
        Ok(Self {
            catalogs,
            pg_catalogs,
            settings: Arc::new(settings),
            server,
            user: Arc::from(user),
            current: current.to_owned(),
            listing,
        })
    }
}

impl CatalogProviderList for QueryCatalogList {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn register_catalog(
        &self,
        _name: String,
        _catalog: Arc<dyn CatalogProvider>,
    ) -> Option<Arc<dyn CatalogProvider>> {
        // Catalogs come from configuration; junction is read-only.
        None
    }

    fn catalog_names(&self) -> Vec<String> {
        self.catalogs.names().map(str::to_owned).collect()
    }

    fn catalog(&self, name: &str) -> Option<Arc<dyn CatalogProvider>> {
        let catalog = self.catalogs.get(name)?;
        let listing = if name == self.current {
            self.listing.clone()
        } else {
            None
        };
        Some(Arc::new(JunctionCatalog {
            catalog: Arc::clone(catalog),
            pg_catalog: self.pg_catalogs.get(name).map(|inner| {
                Arc::new(SessionPgCatalog {
                    inner: Arc::clone(inner),
                    settings: Arc::clone(&self.settings),
                    server: Arc::clone(&self.server),
                    user: Arc::clone(&self.user),
                }) as Arc<dyn SchemaProvider>
            }),
            listing,
        }))
    }
}

#[derive(Debug)]
struct JunctionCatalog {
    catalog: Arc<dyn Catalog>,
    pg_catalog: Option<Arc<dyn SchemaProvider>>,
    listing: Option<Arc<HashMap<String, Vec<String>>>>,
}

impl CatalogProvider for JunctionCatalog {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .listing
            .as_ref()
            .map(|l| l.keys().cloned().collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        if name == "pg_catalog" {
            return self.pg_catalog.clone();
        }
        // Existence is checked when a table is asked for, so that a missing schema reports
        // "schema does not exist" rather than a missing table.
        let tables = self
            .listing
            .as_ref()
            .and_then(|l| l.get(name).cloned())
            .unwrap_or_default();
        Some(Arc::new(JunctionSchema {
            catalog: Arc::clone(&self.catalog),
            schema: name.to_owned(),
            tables,
        }))
    }
}

/// A catalog's pg_catalog as one session sees it: its pg_settings lists the session's
/// settings, pg_stat_activity and pg_stat_statements the server's sessions and statements.
#[derive(Debug)]
struct SessionPgCatalog {
    inner: Arc<dyn SchemaProvider>,
    settings: Arc<Vec<SessionSetting>>,
    server: Arc<dyn ServerViews>,
    user: Arc<str>,
}

#[async_trait]
impl SchemaProvider for SessionPgCatalog {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn table_names(&self) -> Vec<String> {
        let mut names = self.inner.table_names();
        names.extend(
            super::server_views::TABLES
                .iter()
                .filter(|t| !names.iter().any(|n| n == *t))
                .map(|t| t.to_string())
                .collect::<Vec<_>>(),
        );
        names
    }

    async fn table(&self, name: &str) -> DFResult<Option<Arc<dyn TableProvider>>> {
        if name == "pg_settings" {
            return super::pg_settings::pg_settings(&self.settings).map(Some);
        }
        if let Some(table) = super::server_views::table(name, self.server.as_ref(), &self.user)? {
            return Ok(Some(table));
        }
        self.inner.table(name).await
    }

    fn table_exist(&self, name: &str) -> bool {
        super::server_views::TABLES.contains(&name) || self.inner.table_exist(name)
    }
}

#[derive(Debug)]
struct JunctionSchema {
    catalog: Arc<dyn Catalog>,
    schema: String,
    tables: Vec<String>,
}

#[async_trait]
impl SchemaProvider for JunctionSchema {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn table_names(&self) -> Vec<String> {
        self.tables.clone()
    }

    async fn table(&self, name: &str) -> DFResult<Option<Arc<dyn TableProvider>>> {
        match self.catalog.table(&self.schema, name).await {
            Ok(handle) => Ok(handle.map(|h| h.provider())),
            Err(e) => Err(DataFusionError::External(Box::new(e))),
        }
    }

    fn table_exist(&self, name: &str) -> bool {
        self.tables.iter().any(|t| t == name)
    }

    /// Listed tables answer without a load, so that information_schema.tables lists a
    /// remote catalog's tables while it is unreachable: a view where the listing said so,
    /// else a base table.
    async fn table_type(&self, name: &str) -> DFResult<Option<TableType>> {
        if self.table_exist(name) {
            return Ok(Some(if self.catalog.is_view(&self.schema, name) {
                TableType::View
            } else {
                TableType::Base
            }));
        }
        Ok(self.table(name).await?.map(|t| t.table_type()))
    }
}
