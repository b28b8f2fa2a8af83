//! What every catalog behind a server shares: each call bounded by the catalog's `timeout`
//! and failing as [`CatalogError::Unavailable`] naming the catalog, listings reused for
//! `metadata_ttl` and kept past it for when the server is unreachable, loaded tables reused
//! for `metadata_ttl` (and past it, when the server still names the same snapshot), and the
//! columns of every table loaded remembered for pg_catalog.
//!
//! A [`CatalogServer`] says how to ask one kind of server; [`RemoteCatalog`] wraps it with
//! all of the above.

use std::fmt::{self, Display};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use moka::future::Cache;

use crate::storage::Storage;
use crate::table::TableHandle;
use crate::{Catalog, CatalogError, Result};

/// How to ask one kind of catalog server for listings and tables. Each method asks the
/// server (through [`Remote::call`]); caching is [`RemoteCatalog`]'s.
#[async_trait]
pub trait CatalogServer: Send + Sync + fmt::Debug + 'static {
    async fn schema_names(&self, remote: &Remote) -> Result<Vec<String>>;

    /// [`CatalogError::SchemaNotFound`] when the schema does not exist.
    async fn table_names(&self, remote: &Remote, schema: &str) -> Result<Vec<String>>;

    /// `Ok(None)` when the table (or its schema) does not exist. `previous` is the handle
    /// loaded last time, whose provider and metadata are reused when the table is still at
    /// its snapshot.
    async fn table(
        &self,
        remote: &Remote,
        schema: &str,
        table: &str,
        previous: Option<Arc<TableHandle>>,
    ) -> Result<Option<TableHandle>>;

    /// The same server read at another reference (branch, tag, commit); `None` for servers
    /// without references.
    async fn at_reference(&self, _remote: &Remote, _reference: &str) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }

    /// Whether [`CatalogServer::at_reference`] reads other references.
    fn has_references(&self) -> bool {
        false
    }

    /// Whether the last listing of `schema` named `table` a view.
    fn is_view(&self, _schema: &str, _table: &str) -> bool {
        false
    }
}

/// A catalog served by a server of kind `S`, with timeouts and cached metadata.
pub struct RemoteCatalog<S> {
    server: S,
    remote: Remote,
    /// This catalog at the references sessions asked for, each with caches of its own.
    references: Cache<String, Arc<RemoteCatalog<S>>>,
}

impl<S: CatalogServer> RemoteCatalog<S> {
    pub(crate) fn from_server(
        name: &str,
        endpoint: &Endpoint,
        storage: &Storage,
        server: S,
    ) -> Self {
        Self {
            server,
            remote: Remote::new(name, endpoint, storage),
            references: Cache::builder()
                .max_capacity(64)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for RemoteCatalog<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteCatalog")
            .field("name", &self.remote.catalog)
            .field("endpoint", &self.remote.endpoint)
            .field("server", &self.server)
            .finish()
    }
}

#[async_trait]
impl<S: CatalogServer> Catalog for RemoteCatalog<S> {
    fn name(&self) -> &str {
        &self.remote.catalog
    }

    async fn schema_names(&self) -> Result<Vec<String>> {
        let load = self.server.schema_names(&self.remote);
        self.remote.listing(None, load).await
    }

    async fn table_names(&self, schema: &str) -> Result<Vec<String>> {
        let load = self.server.table_names(&self.remote, schema);
        self.remote.listing(Some(schema), load).await
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<Arc<TableHandle>>> {
        let load = |previous| self.server.table(&self.remote, schema, table, previous);
        self.remote.table(schema, table, load).await
    }

    async fn known_columns(&self, schema: &str, table: &str) -> Option<SchemaRef> {
        self.remote.known_columns(schema, table).await
    }

    fn has_references(&self) -> bool {
        self.server.has_references()
    }

    fn is_view(&self, schema: &str, table: &str) -> bool {
        self.server.is_view(schema, table)
    }

    async fn at_reference(&self, reference: &str) -> Option<Arc<dyn Catalog>> {
        if let Some(known) = self.references.get(reference).await {
            return Some(known);
        }
        let server = self.server.at_reference(&self.remote, reference).await?;
        let catalog = Arc::new(Self::from_server(
            &self.remote.catalog,
            &self.remote.endpoint,
            &self.remote.storage,
            server,
        ));
        self.references
            .insert(reference.to_owned(), Arc::clone(&catalog))
            .await;
        Some(catalog)
    }
}

/// Where a catalog's server is, how to prove who asks, and how long to wait for it.
#[derive(Clone)]
pub struct Endpoint {
    /// The server's base URI.
    pub uri: String,
    /// A bearer token sent with every request.
    pub token: Option<String>,
    /// The longest any call to the server may take.
    pub timeout: Duration,
    /// How long listings and loaded tables are reused before the server is asked again.
    pub metadata_ttl: Duration,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the token.
        f.debug_struct("Endpoint")
            .field("uri", &self.uri)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("metadata_ttl", &self.metadata_ttl)
            .finish()
    }
}

/// A listing the server gave, and when.
struct Fetched {
    names: Vec<String>,
    at: Instant,
}

/// A table loaded, and when.
struct Loaded {
    handle: Arc<TableHandle>,
    at: Instant,
}

/// A catalog's server as every call to it sees it: its name and endpoint, the caches, and
/// whether it lately let a call time out.
pub struct Remote {
    catalog: String,
    endpoint: Endpoint,
    /// What the tables' files are read through.
    storage: Storage,
    /// Schema names (key `None`) and the table names of a schema.
    listings: Cache<Option<String>, Arc<Fetched>>,
    handles: Cache<(String, String), Arc<Loaded>>,
    /// Lookups that found no table, or failed, for `metadata_ttl`: a statement resolves
    /// its tables more than once (routing, then the engine), and a missing one must cost
    /// the server one request, as a found one does.
    misses: Cache<(String, String), Option<Arc<CatalogError>>>,
    columns: Cache<(String, String), SchemaRef>,
    /// When the server last let a call time out, and what was said: for `metadata_ttl`
    /// after that, calls fail at once, so that the several lookups of one query (and the
    /// queries that follow) do not each wait out the timeout.
    silent_since: Mutex<Option<(Instant, String)>>,
}

impl Remote {
    fn new(catalog: &str, endpoint: &Endpoint, storage: &Storage) -> Self {
        Self {
            catalog: catalog.to_owned(),
            endpoint: endpoint.clone(),
            storage: storage.clone(),
            listings: Cache::new(1024),
            handles: Cache::new(16 * 1024),
            misses: Cache::builder()
                .max_capacity(16 * 1024)
                .time_to_live(endpoint.metadata_ttl)
                .build(),
            columns: Cache::new(16 * 1024),
            silent_since: Mutex::new(None),
        }
    }

    /// The name of the catalog, as clients see it.
    pub fn catalog(&self) -> &str {
        &self.catalog
    }

    /// The endpoint's settings.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// What the catalog's table files are read through.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// An error of the server, or of reaching it, naming the catalog and what was asked.
    pub fn failed(&self, what: &str, error: impl Display) -> CatalogError {
        self.unavailable(self.message(what, error))
    }

    fn unavailable(&self, message: String) -> CatalogError {
        CatalogError::Unavailable {
            catalog: self.catalog.clone(),
            message,
        }
    }

    fn message(&self, what: &str, error: impl Display) -> String {
        format!("{what} at {}: {error}", self.endpoint.uri)
    }

    /// Runs one call to the server within the catalog's timeout; while a timed-out call is
    /// recent, fails at once with what that call said.
    pub async fn call<T>(&self, what: &str, call: impl Future<Output = T>) -> Result<T> {
        if let Some(message) = self.recently_silent() {
            return Err(self.unavailable(message));
        }
        match tokio::time::timeout(self.endpoint.timeout, call).await {
            Ok(answer) => {
                self.remember_silence(None);
                Ok(answer)
            }
            Err(_) => {
                let waited = format!("no answer within {:?}", self.endpoint.timeout);
                let message = self.message(what, waited);
                self.remember_silence(Some(message.clone()));
                Err(self.unavailable(message))
            }
        }
    }

    /// [`Remote::call`] for calls whose own failure (a refused connection, a protocol error)
    /// means the server cannot be asked: that failure is 58000 too.
    pub async fn ask<T, E: Display>(
        &self,
        what: &str,
        call: impl Future<Output = std::result::Result<T, E>>,
    ) -> Result<T> {
        self.call(what, call)
            .await?
            .map_err(|e| self.failed(what, e))
    }

    fn recently_silent(&self) -> Option<String> {
        let silent = self.silent_since.lock().ok()?;
        match &*silent {
            Some((since, message)) if since.elapsed() < self.endpoint.metadata_ttl => {
                Some(message.clone())
            }
            _ => None,
        }
    }

    fn remember_silence(&self, message: Option<String>) {
        if let Ok(mut silent) = self.silent_since.lock() {
            *silent = message.map(|message| (Instant::now(), message));
        }
    }

    /// A listing younger than `metadata_ttl`, else a new one from `load`; when the server
    /// cannot be reached, the last one it gave.
    async fn listing(
        &self,
        schema: Option<&str>,
        load: impl Future<Output = Result<Vec<String>>>,
    ) -> Result<Vec<String>> {
        let key = schema.map(str::to_owned);
        let cached = self.listings.get(&key).await;
        if let Some(fetched) = &cached {
            if fetched.at.elapsed() < self.endpoint.metadata_ttl {
                return Ok(fetched.names.clone());
            }
        }
        match load.await {
            Ok(mut names) => {
                names.sort();
                let fetched = Fetched {
                    names: names.clone(),
                    at: Instant::now(),
                };
                self.listings.insert(key, Arc::new(fetched)).await;
                Ok(names)
            }
            Err(e @ CatalogError::Unavailable { .. }) => match cached {
                Some(stale) => {
                    tracing::warn!(catalog = %self.catalog, error = %e, "listing from cached metadata");
                    Ok(stale.names.clone())
                }
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// The table loaded less than `metadata_ttl` ago (with credentials, if any, not about to
    /// expire), else loaded by `load`, which is given the handle loaded before. A missing
    /// table is forgotten: it may be created at any moment.
    async fn table<F>(
        &self,
        schema: &str,
        table: &str,
        load: impl FnOnce(Option<Arc<TableHandle>>) -> F,
    ) -> Result<Option<Arc<TableHandle>>>
    where
        F: Future<Output = Result<Option<TableHandle>>>,
    {
        let key = (schema.to_owned(), table.to_owned());
        if let Some(miss) = self.misses.get(&key).await {
            return match miss {
                None => Ok(None),
                Some(error) => Err(CatalogError::Repeated(error)),
            };
        }
        let previous = self.handles.get(&key).await;
        if let Some(loaded) = &previous {
            let fresh = loaded.at.elapsed() < self.endpoint.metadata_ttl;
            if fresh && !loaded.handle.credentials_expiring() {
                return Ok(Some(Arc::clone(&loaded.handle)));
            }
        }
        let loaded = load(previous.map(|loaded| Arc::clone(&loaded.handle))).await;
        let handle = match loaded {
            Ok(Some(handle)) => handle,
            Ok(None) => {
                self.handles.invalidate(&key).await;
                self.misses.insert(key, None).await;
                return Ok(None);
            }
            Err(error) => {
                let error = Arc::new(error);
                self.misses.insert(key, Some(Arc::clone(&error))).await;
                return Err(CatalogError::Repeated(error));
            }
        };
        let handle = Arc::new(handle);
        self.columns.insert(key.clone(), handle.schema()).await;
        let loaded = Loaded {
            handle: Arc::clone(&handle),
            at: Instant::now(),
        };
        self.handles.insert(key, Arc::new(loaded)).await;
        Ok(Some(handle))
    }

    /// The columns of a table as last loaded.
    async fn known_columns(&self, schema: &str, table: &str) -> Option<SchemaRef> {
        self.columns
            .get(&(schema.to_owned(), table.to_owned()))
            .await
    }
}
