//! An Apache Iceberg REST catalog, through iceberg-catalog-rest (REST catalog spec 0.14.1,
//! as that crate speaks it).
//!
//! Namespaces are schemas: a first-level namespace is a schema, deeper levels join with `.`
//! (`"a.b"`), as DESIGN.md's names say. Every call to the server is bounded by the catalog's
//! `timeout`, and what it answered is kept for `metadata_ttl`, so that pg_catalog and `\dt`
//! do not ask the server for every table on every query.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use iceberg::io::LocalFsStorageFactory;
use iceberg::{Catalog as _, CatalogBuilder, ErrorKind, NamespaceIdent, TableIdent};
use iceberg_catalog_rest::{RestCatalog, RestCatalogBuilder};

use crate::remote::{Endpoint, Remote};
use crate::table::TableHandle;
use crate::{Catalog, CatalogError, Result};

/// How to reach an Iceberg REST catalog.
#[derive(Debug, Clone)]
pub struct RestSettings {
    pub endpoint: Endpoint,
    /// The warehouse the server should serve, where it serves several.
    pub warehouse: Option<String>,
}

/// A catalog served by an Iceberg REST server.
pub struct IcebergRestCatalog {
    name: String,
    settings: RestSettings,
    client: RestCatalog,
    remote: Remote,
}

impl fmt::Debug for IcebergRestCatalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IcebergRestCatalog")
            .field("name", &self.name)
            .field("settings", &self.settings)
            .finish()
    }
}

impl IcebergRestCatalog {
    /// A catalog named `name` on the server `settings` describe. The server is first asked
    /// when a query needs it, so a server that is down does not stop junction from starting.
    pub async fn new(name: impl Into<String>, settings: RestSettings) -> Result<Self> {
        let name = name.into();
        let endpoint = &settings.endpoint;
        let mut props = HashMap::from([("uri".to_owned(), endpoint.uri.clone())]);
        if let Some(warehouse) = &settings.warehouse {
            props.insert("warehouse".to_owned(), warehouse.clone());
        }
        if let Some(token) = &endpoint.token {
            props.insert("token".to_owned(), token.clone());
        }
        // Local files only for now: S3 locations are refused when a table is loaded.
        let client = RestCatalogBuilder::default()
            .with_storage_factory(Arc::new(LocalFsStorageFactory))
            .load(name.clone(), props)
            .await
            .map_err(|e| CatalogError::Unavailable {
                catalog: name.clone(),
                message: e.to_string(),
            })?;
        Ok(Self {
            remote: Remote::new(&name, endpoint),
            name,
            settings,
            client,
        })
    }

    async fn load_schema_names(&self) -> Result<Vec<String>> {
        let what = "listing namespaces";
        let namespaces = self
            .remote
            .call(what, self.client.list_namespaces(None))
            .await?
            .map_err(|e| self.remote.failed(what, e))?;
        Ok(namespaces.iter().map(|n| n.join(".")).collect())
    }

    async fn load_table_names(&self, schema: &str) -> Result<Vec<String>> {
        let what = format!("listing the tables of \"{schema}\"");
        let tables = match self
            .remote
            .call(&what, self.client.list_tables(&namespace(schema)))
            .await?
        {
            Ok(tables) => tables,
            Err(e) if e.kind() == ErrorKind::NamespaceNotFound => {
                return Err(CatalogError::SchemaNotFound(schema.to_owned()))
            }
            Err(e) => return Err(self.remote.failed(&what, e)),
        };
        Ok(tables.into_iter().map(|t| t.name).collect())
    }

    async fn load_table(&self, schema: &str, table: &str) -> Result<Option<TableHandle>> {
        let what = format!("loading \"{schema}\".\"{table}\"");
        let ident = TableIdent::new(namespace(schema), table.to_owned());
        let loaded = match self
            .remote
            .call(&what, self.client.load_table(&ident))
            .await?
        {
            Ok(loaded) => loaded,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::TableNotFound | ErrorKind::NamespaceNotFound
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(self.remote.failed(&what, e)),
        };
        let name = format!("{}.{schema}.{table}", self.name);
        TableHandle::iceberg(name, loaded).await.map(Some)
    }
}

/// The namespace a schema name stands for: its `.`-separated levels.
fn namespace(schema: &str) -> NamespaceIdent {
    NamespaceIdent::from_vec(schema.split('.').map(str::to_owned).collect())
        .unwrap_or_else(|_| NamespaceIdent::new(schema.to_owned()))
}

#[async_trait]
impl Catalog for IcebergRestCatalog {
    fn name(&self) -> &str {
        &self.name
    }

    async fn schema_names(&self) -> Result<Vec<String>> {
        self.remote.listing(None, self.load_schema_names()).await
    }

    async fn table_names(&self, schema: &str) -> Result<Vec<String>> {
        self.remote
            .listing(Some(schema), self.load_table_names(schema))
            .await
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<Arc<TableHandle>>> {
        self.remote
            .table(schema, table, self.load_table(schema, table))
            .await
    }

    async fn known_columns(&self, schema: &str, table: &str) -> Option<SchemaRef> {
        self.remote.known_columns(schema, table).await
    }
}
