//! An Apache Iceberg REST catalog, through iceberg-catalog-rest (REST catalog spec 0.14.1,
//! as that crate speaks it).
//!
//! Namespaces are schemas: a first-level namespace is a schema, deeper levels join with `.`
//! (`"a.b"`), as DESIGN.md's names say. Every call to the server is bounded by the catalog's
//! `timeout`, and what it answered is kept for `metadata_ttl`, so that pg_catalog and `\dt`
//! do not ask the server for every table on every query.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use iceberg::io::LocalFsStorageFactory;
use iceberg::{Catalog as _, CatalogBuilder, ErrorKind, NamespaceIdent, TableIdent};
use iceberg_catalog_rest::{RestCatalog, RestCatalogBuilder};
use moka::future::Cache;

use crate::table::TableHandle;
use crate::{Catalog, CatalogError, Result};

/// How to reach an Iceberg REST catalog.
#[derive(Clone)]
pub struct RestSettings {
    /// The server's base URI, e.g. `http://127.0.0.1:8181`.
    pub uri: String,
    /// The warehouse the server should serve, where it serves several.
    pub warehouse: Option<String>,
    /// A bearer token sent with every request.
    pub token: Option<String>,
    /// The longest any call to the server may take.
    pub timeout: Duration,
    /// How long listings and loaded tables are reused before the server is asked again.
    pub metadata_ttl: Duration,
}

impl fmt::Debug for RestSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the token.
        f.debug_struct("RestSettings")
            .field("uri", &self.uri)
            .field("warehouse", &self.warehouse)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("metadata_ttl", &self.metadata_ttl)
            .finish()
    }
}

/// A catalog served by an Iceberg REST server.
pub struct IcebergRestCatalog {
    name: String,
    settings: RestSettings,
    client: RestCatalog,
    /// Schema names (key `None`) and table names of a schema, with when they were fetched;
    /// kept past `metadata_ttl`, so that listings outlive an outage of the server.
    listings: Cache<Option<String>, Arc<Fetched<Vec<String>>>>,
    /// Loaded tables, reloaded after `metadata_ttl`.
    handles: Cache<(String, String), Arc<TableHandle>>,
    /// The columns of every table loaded, for pg_catalog while the server is unreachable.
    columns: Cache<(String, String), SchemaRef>,
}

/// A value the server gave, and when.
struct Fetched<T> {
    value: T,
    at: Instant,
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
        let mut props = HashMap::from([("uri".to_owned(), settings.uri.clone())]);
        if let Some(warehouse) = &settings.warehouse {
            props.insert("warehouse".to_owned(), warehouse.clone());
        }
        if let Some(token) = &settings.token {
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
        let ttl = settings.metadata_ttl;
        Ok(Self {
            listings: Cache::new(1024),
            handles: cache(16 * 1024, ttl),
            columns: Cache::new(16 * 1024),
            name,
            settings,
            client,
        })
    }

    /// Runs one call to the server within the catalog's timeout.
    async fn call<T>(
        &self,
        what: &str,
        call: impl Future<Output = iceberg::Result<T>>,
    ) -> Result<iceberg::Result<T>> {
        tokio::time::timeout(self.settings.timeout, call)
            .await
            .map_err(|_| CatalogError::Unavailable {
                catalog: self.name.clone(),
                message: format!(
                    "{what}: no answer from {} within {:?}",
                    self.settings.uri, self.settings.timeout
                ),
            })
    }

    /// An error of the server (or of reaching it), naming the catalog and what was asked.
    fn failed(&self, what: &str, error: iceberg::Error) -> CatalogError {
        CatalogError::Unavailable {
            catalog: self.name.clone(),
            message: format!("{what} at {}: {error}", self.settings.uri),
        }
    }

    /// A listing younger than `metadata_ttl`, else a new one from the server; when the
    /// server cannot be reached, the last one it gave.
    async fn listing(
        &self,
        schema: Option<&str>,
        load: impl Future<Output = Result<Arc<Vec<String>>>>,
    ) -> Result<Vec<String>> {
        let key = schema.map(str::to_owned);
        let cached = self.listings.get(&key).await;
        if let Some(fetched) = &cached {
            if fetched.at.elapsed() < self.settings.metadata_ttl {
                return Ok(fetched.value.clone());
            }
        }
        match load.await {
            Ok(names) => {
                let fetched = Fetched {
                    value: names.as_ref().clone(),
                    at: Instant::now(),
                };
                self.listings.insert(key, Arc::new(fetched)).await;
                Ok(names.as_ref().clone())
            }
            Err(e @ CatalogError::Unavailable { .. }) => match cached {
                Some(stale) => {
                    tracing::warn!(catalog = %self.name, error = %e, "listing from cached metadata");
                    Ok(stale.value.clone())
                }
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    async fn load_schema_names(&self) -> Result<Arc<Vec<String>>> {
        let namespaces = self
            .call("listing namespaces", self.client.list_namespaces(None))
            .await?
            .map_err(|e| self.failed("listing namespaces", e))?;
        let mut names: Vec<String> = namespaces.iter().map(|n| n.join(".")).collect();
        names.sort();
        Ok(Arc::new(names))
    }

    async fn load_table_names(&self, schema: &str) -> Result<Arc<Vec<String>>> {
        let what = format!("listing the tables of \"{schema}\"");
        let tables = match self
            .call(&what, self.client.list_tables(&namespace(schema)))
            .await?
        {
            Ok(tables) => tables,
            Err(e) if e.kind() == ErrorKind::NamespaceNotFound => {
                return Err(CatalogError::SchemaNotFound(schema.to_owned()))
            }
            Err(e) => return Err(self.failed(&what, e)),
        };
        let mut names: Vec<String> = tables.into_iter().map(|t| t.name).collect();
        names.sort();
        Ok(Arc::new(names))
    }

    async fn load_table(&self, schema: &str, table: &str) -> Result<Option<Arc<TableHandle>>> {
        let what = format!("loading \"{schema}\".\"{table}\"");
        let ident = TableIdent::new(namespace(schema), table.to_owned());
        let loaded = match self.call(&what, self.client.load_table(&ident)).await? {
            Ok(loaded) => loaded,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::TableNotFound | ErrorKind::NamespaceNotFound
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(self.failed(&what, e)),
        };
        let name = format!("{}.{schema}.{table}", self.name);
        TableHandle::iceberg(name, loaded)
            .await
            .map(|h| Some(Arc::new(h)))
    }
}

fn cache<K, V>(capacity: u64, ttl: Duration) -> Cache<K, V>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(capacity)
        .time_to_live(ttl)
        .build()
}

/// The namespace a schema name stands for: its `.`-separated levels.
fn namespace(schema: &str) -> NamespaceIdent {
    NamespaceIdent::from_vec(schema.split('.').map(str::to_owned).collect())
        .unwrap_or_else(|_| NamespaceIdent::new(schema.to_owned()))
}

/// A local path for a `file:` location (`file:/a`, `file:///a`) or a plain path; `None` for
/// any other scheme.
pub(crate) fn local_path(location: &str) -> Option<PathBuf> {
    match url::Url::parse(location) {
        Ok(url) if url.scheme() == "file" => url.to_file_path().ok(),
        Ok(_) => None,
        Err(_) => Some(PathBuf::from(location)),
    }
}

#[async_trait]
impl Catalog for IcebergRestCatalog {
    fn name(&self) -> &str {
        &self.name
    }

    async fn schema_names(&self) -> Result<Vec<String>> {
        self.listing(None, self.load_schema_names()).await
    }

    async fn table_names(&self, schema: &str) -> Result<Vec<String>> {
        self.listing(Some(schema), self.load_table_names(schema))
            .await
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<Arc<TableHandle>>> {
        let key = (schema.to_owned(), table.to_owned());
        if let Some(handle) = self.handles.get(&key).await {
            return Ok(Some(handle));
        }
        // A missing table is not cached: it may be created at any moment.
        let handle = self.load_table(schema, table).await?;
        if let Some(handle) = &handle {
            self.columns.insert(key.clone(), handle.schema()).await;
            self.handles.insert(key, Arc::clone(handle)).await;
        }
        Ok(handle)
    }

    async fn known_columns(&self, schema: &str, table: &str) -> Option<SchemaRef> {
        self.columns
            .get(&(schema.to_owned(), table.to_owned()))
            .await
    }
}
