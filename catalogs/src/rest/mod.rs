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

use async_trait::async_trait;
use iceberg::table::Table;
use iceberg::{Catalog as _, CatalogBuilder, ErrorKind, NamespaceIdent, TableIdent};
use iceberg_catalog_rest::{RestCatalog, RestCatalogBuilder};
use iceberg_storage_opendal::OpenDalResolvingStorageFactory;

use crate::http::{url_of, Got, JsonClient};
use crate::remote::{CatalogServer, Endpoint, Remote, RemoteCatalog};
use crate::storage::{S3Settings, Storage, TableCredentials};
use crate::table::{Location, TableHandle};
use crate::{CatalogError, Result};

/// How to reach an Iceberg REST catalog.
#[derive(Clone)]
pub struct RestSettings {
    pub endpoint: Endpoint,
    /// The warehouse the server should serve, where it serves several.
    pub warehouse: Option<String>,
    /// OAuth2 client credentials, `client_id:client_secret`, exchanged at the server's
    /// `v1/oauth/tokens` for the bearer token every request then carries.
    pub credential: Option<String>,
    /// The OAuth2 scope asked for with `credential` (the client's default: `catalog`).
    pub scope: Option<String>,
}

impl fmt::Debug for RestSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the client secret.
        f.debug_struct("RestSettings")
            .field("endpoint", &self.endpoint)
            .field("warehouse", &self.warehouse)
            .field(
                "credential",
                &self.credential.as_ref().map(|_| "<redacted>"),
            )
            .field("scope", &self.scope)
            .finish()
    }
}

/// A catalog served by an Iceberg REST server.
pub type IcebergRestCatalog = RemoteCatalog<RestServer>;

/// How junction asks an Iceberg REST server.
pub struct RestServer {
    settings: RestSettings,
    client: RestCatalog,
    /// Where a configured URI ends in `/iceberg` (or `/iceberg/<ref>`), the layout of
    /// Project Nessie's Iceberg REST endpoint: that `/iceberg`. A Nessie server there reads
    /// reference `r` at `/iceberg/r`, so `junction.nessie_ref` applies to the catalog.
    nessie_base: Option<String>,
}

impl fmt::Debug for RestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestServer")
            .field("warehouse", &self.settings.warehouse)
            .finish()
    }
}

impl RemoteCatalog<RestServer> {
    /// A catalog named `name` on the server `settings` describe. The server is first asked
    /// when a query needs it, so a server that is down does not stop junction from starting.
    pub async fn new(
        name: impl Into<String>,
        settings: RestSettings,
        storage: &Storage,
    ) -> Result<Self> {
        let name = name.into();
        let endpoint = settings.endpoint.clone();
        let server = RestServer::connect(&name, settings).await?;
        Ok(Self::from_server(&name, &endpoint, storage, server))
    }
}

impl RestServer {
    async fn connect(name: &str, settings: RestSettings) -> Result<Self> {
        let endpoint = &settings.endpoint;
        let mut props = HashMap::from([("uri".to_owned(), endpoint.uri.clone())]);
        if let Some(warehouse) = &settings.warehouse {
            props.insert("warehouse".to_owned(), warehouse.clone());
        }
        let optional = [
            ("token", &endpoint.token),
            ("credential", &settings.credential),
            ("scope", &settings.scope),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                props.insert(key.to_owned(), value.clone());
            }
        }
        // Ask for credentials of each table's own (REST spec: X-Iceberg-Access-Delegation);
        // a server without them ignores the header. `[storage.s3]` is not given to the client
        // here: it would override what the server hands out (see `with_storage`).
        props.insert(
            "header.X-Iceberg-Access-Delegation".to_owned(),
            "vended-credentials".to_owned(),
        );
        let client = RestCatalogBuilder::default()
            .with_storage_factory(Arc::new(OpenDalResolvingStorageFactory::new()))
            .load(name.to_owned(), props)
            .await
            .map_err(|e| CatalogError::Unavailable {
                catalog: name.to_owned(),
                message: e.to_string(),
            })?;
        Ok(RestServer {
            nessie_base: nessie_base(&endpoint.uri),
            settings,
            client,
        })
    }

    /// Whether the server says it is Nessie (`nessie.is-nessie-catalog` in its config). A
    /// server that does not answer is taken at its word of layout: reading it at the
    /// reference then fails with that server's error, never silently at another reference.
    async fn is_nessie(&self, remote: &Remote) -> bool {
        #[derive(serde::Deserialize)]
        struct Config {
            #[serde(default)]
            overrides: HashMap<String, String>,
            #[serde(default)]
            defaults: HashMap<String, String>,
        }
        let Ok(http) = JsonClient::new(remote.catalog(), remote.endpoint()) else {
            return true;
        };
        match http
            .get::<Config>(remote, "reading its config", &["v1", "config"], &[])
            .await
        {
            Ok(Got::Found(config)) => {
                let flag = "nessie.is-nessie-catalog";
                config
                    .overrides
                    .get(flag)
                    .or_else(|| config.defaults.get(flag))
                    .is_some_and(|v| v == "true")
            }
            Ok(Got::NotFound(_)) => false,
            Err(_) => true,
        }
    }
}

/// The `/iceberg` base of a URI laid out as Nessie's Iceberg REST endpoint.
fn nessie_base(uri: &str) -> Option<String> {
    let trimmed = uri.trim_end_matches('/');
    if trimmed.ends_with("/iceberg") {
        return Some(trimmed.to_owned());
    }
    let (parent, _reference) = trimmed.rsplit_once('/')?;
    parent.ends_with("/iceberg").then(|| parent.to_owned())
}

#[async_trait]
impl CatalogServer for RestServer {
    async fn schema_names(&self, remote: &Remote) -> Result<Vec<String>> {
        let what = "listing namespaces";
        let namespaces = remote.ask(what, self.client.list_namespaces(None)).await?;
        Ok(namespaces.iter().map(|n| n.join(".")).collect())
    }

    async fn table_names(&self, remote: &Remote, schema: &str) -> Result<Vec<String>> {
        let what = format!("listing the tables of \"{schema}\"");
        let tables = match remote
            .call(&what, self.client.list_tables(&namespace(schema)))
            .await?
        {
            Ok(tables) => tables,
            Err(e) if e.kind() == ErrorKind::NamespaceNotFound => {
                return Err(CatalogError::SchemaNotFound(schema.to_owned()))
            }
            Err(e) => return Err(remote.failed(&what, e)),
        };
        Ok(tables.into_iter().map(|t| t.name).collect())
    }

    async fn table(
        &self,
        remote: &Remote,
        schema: &str,
        table: &str,
        previous: Option<Arc<TableHandle>>,
    ) -> Result<Option<TableHandle>> {
        let what = format!("loading \"{schema}\".\"{table}\"");
        let ident = TableIdent::new(namespace(schema), table.to_owned());
        let loaded = match remote.call(&what, self.client.load_table(&ident)).await? {
            Ok(loaded) => loaded,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::TableNotFound | ErrorKind::NamespaceNotFound
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(remote.failed(&what, e)),
        };
        let name = format!("{}.{schema}.{table}", remote.catalog());
        let (loaded, credentials) =
            with_storage(loaded, remote.storage()).map_err(|source| CatalogError::Iceberg {
                table: name.clone(),
                location: remote.endpoint().uri.clone(),
                source: Box::new(source),
            })?;
        TableHandle::iceberg(name, loaded, credentials, previous)
            .await
            .map(Some)
    }

    fn has_references(&self) -> bool {
        self.nessie_base.is_some()
    }

    async fn at_reference(&self, remote: &Remote, reference: &str) -> Option<Self> {
        let base = self.nessie_base.as_deref()?;
        if !self.is_nessie(remote).await {
            return None;
        }
        let uri = url_of(base, &[reference]).ok()?.to_string();
        let mut settings = self.settings.clone();
        settings.endpoint.uri = uri;
        match RestServer::connect(remote.catalog(), settings).await {
            Ok(server) => Some(server),
            Err(e) => {
                tracing::warn!(catalog = remote.catalog(), error = %e, "reading at {reference}");
                None
            }
        }
    }
}

/// `table` reading S3 with what the server said for it (its config and the table's, where
/// vended credentials are) over `[storage.s3]`, and those settings when the server said any.
/// A table on local disk is left as loaded.
fn with_storage(
    table: Table,
    storage: &Storage,
) -> iceberg::Result<(Table, Option<TableCredentials>)> {
    let on_s3 = table
        .metadata_location()
        .and_then(Location::parse)
        .is_some_and(|location| !location.is_local());
    if !on_s3 {
        return Ok((table, None));
    }
    let props = table.file_io().config().props().clone();
    let vended = S3Settings::overlaid(storage.s3(), &props);
    let Some(settings) = vended.as_ref().or(storage.s3()) else {
        // Neither the server nor the configuration says how to reach S3: reading fails,
        // naming the file, as the client would.
        return Ok((table, None));
    };
    let file_io = Storage::s3_file_io(settings, &props);
    let mut builder = Table::builder()
        .identifier(table.identifier().clone())
        .metadata(table.metadata_ref())
        .file_io(file_io)
        .runtime(iceberg::Runtime::try_current()?);
    if let Some(location) = table.metadata_location() {
        builder = builder.metadata_location(location);
    }
    // The Iceberg FileIO property for when vended credentials expire.
    let expires_at_ms = props
        .get("s3.session-token-expires-at-ms")
        .and_then(|ms| ms.parse().ok());
    let credentials = vended.map(|settings| TableCredentials::new(settings, expires_at_ms));
    Ok((builder.build()?, credentials))
}

/// The namespace a schema name stands for: its `.`-separated levels.
fn namespace(schema: &str) -> NamespaceIdent {
    NamespaceIdent::from_vec(schema.split('.').map(str::to_owned).collect())
        .unwrap_or_else(|_| NamespaceIdent::new(schema.to_owned()))
}

#[cfg(test)]
mod nessie_layout {
    use super::nessie_base;

    #[test]
    fn nessies_iceberg_endpoint_with_or_without_a_reference() {
        let base = Some("http://h:19120/iceberg".to_owned());
        assert_eq!(nessie_base("http://h:19120/iceberg"), base);
        assert_eq!(nessie_base("http://h:19120/iceberg/"), base);
        assert_eq!(nessie_base("http://h:19120/iceberg/dev"), base);
        assert_eq!(nessie_base("http://h:8181"), None);
        assert_eq!(nessie_base("http://h:8181/api/catalog"), None);
    }
}
