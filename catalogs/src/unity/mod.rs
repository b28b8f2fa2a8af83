//! Unity Catalog OSS, through its REST API 2.1 (unitycatalog/unitycatalog `api/all.yaml`
//! @ c9ed6b142f85): the schemas and tables of one
//! Unity catalog as a junction catalog. A table's `data_source_format` and
//! `storage_location` say how to read it; the files are read as the embedded warehouse reads
//! them. For a table in S3, the server is asked for temporary table credentials; where it
//! hands some out, the table is read with them rather than `[storage.s3]`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use crate::http::{Got, JsonClient, Page};
use crate::remote::{CatalogServer, Endpoint, Remote, RemoteCatalog};
use crate::storage::{S3Settings, Storage, TableCredentials};
use crate::table::{FileKind, Location, LocationKind, TableHandle, TableLocation};
use crate::{CatalogError, Result};

/// How to reach a Unity Catalog server, and which of its catalogs to show.
#[derive(Debug, Clone)]
pub struct UnitySettings {
    /// The API's base URI is e.g. `http://127.0.0.1:8080/api/2.1/unity-catalog`.
    pub endpoint: Endpoint,
    /// The Unity catalog this junction catalog shows.
    pub catalog: String,
    /// Whether a table whose temporary credentials the server refuses is read with
    /// `[storage.s3]` instead; otherwise the refusal is the error.
    pub fallback_to_storage: bool,
}

/// One Unity catalog, served by a Unity Catalog server.
pub type UnityCatalog = RemoteCatalog<UnityServer>;

/// How junction asks a Unity Catalog server.
pub struct UnityServer {
    /// The Unity catalog shown.
    catalog: String,
    http: JsonClient,
    /// The views each schema's last listing named.
    views: Mutex<HashMap<String, HashSet<String>>>,
    fallback_to_storage: bool,
}

impl fmt::Debug for UnityServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnityServer")
            .field("catalog", &self.catalog)
            .finish()
    }
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct SchemaPage {
    #[serde(default)]
    schemas: Vec<Named>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct TablePage {
    #[serde(default)]
    tables: Vec<Listed>,
    next_page_token: Option<String>,
}

/// A table as a listing names it.
#[derive(Deserialize)]
struct Listed {
    name: String,
    table_type: Option<String>,
}

#[derive(Deserialize)]
struct TableInfo {
    table_id: Option<String>,
    data_source_format: Option<String>,
    storage_location: Option<String>,
    table_type: Option<String>,
}

/// `TemporaryCredentials`: of the clouds' credentials, junction reads S3's.
#[derive(Deserialize)]
struct TemporaryCredentials {
    aws_temp_credentials: Option<AwsCredentials>,
    /// Milliseconds since the epoch.
    expiration_time: Option<i64>,
}

#[derive(Deserialize)]
struct AwsCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl Page for SchemaPage {
    type Item = Named;

    fn into_parts(self) -> (Vec<Named>, Option<String>) {
        (self.schemas, self.next_page_token)
    }
}

impl Page for TablePage {
    type Item = Listed;

    fn into_parts(self) -> (Vec<Listed>, Option<String>) {
        (self.tables, self.next_page_token)
    }
}

impl RemoteCatalog<UnityServer> {
    /// A catalog named `name` showing the Unity catalog `settings.catalog`. The server is
    /// first asked when a query needs it.
    pub fn new(
        name: impl Into<String>,
        settings: UnitySettings,
        storage: &Storage,
    ) -> Result<Self> {
        let name = name.into();
        let server = UnityServer {
            http: JsonClient::new(&name, &settings.endpoint)?,
            catalog: settings.catalog,
            views: Mutex::default(),
            fallback_to_storage: settings.fallback_to_storage,
        };
        Ok(Self::from_server(
            &name,
            &settings.endpoint,
            storage,
            server,
        ))
    }
}

impl UnityServer {
    /// Every page of a listing; `Ok(None)` when its parent does not exist.
    async fn list<P: Page>(
        &self,
        remote: &Remote,
        what: &str,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Option<Vec<P::Item>>> {
        let listed = self
            .http
            .pages::<P>(remote, what, segments, query, "page_token")
            .await?;
        Ok(listed.found())
    }

    /// The Unity catalog this junction catalog shows is not on the server.
    fn catalog_not_found(&self, remote: &Remote) -> CatalogError {
        CatalogError::RemoteCatalogNotFound {
            catalog: remote.catalog().to_owned(),
            what: format!("Unity catalog \"{}\"", self.catalog),
        }
    }

    /// What a 404 on a table lookup says is missing (the server's `error_code`): the
    /// schema, or the Unity catalog itself, as errors of their own; `None` for the table.
    fn missing(&self, remote: &Remote, schema: &str, body: &[u8]) -> Option<CatalogError> {
        #[derive(Deserialize)]
        struct UnityError {
            error_code: Option<String>,
        }
        let code = serde_json::from_slice::<UnityError>(body)
            .ok()
            .and_then(|e| e.error_code);
        match code.as_deref() {
            Some("SCHEMA_NOT_FOUND") => Some(CatalogError::SchemaNotFound(schema.to_owned())),
            Some("CATALOG_NOT_FOUND") => Some(self.catalog_not_found(remote)),
            _ => None,
        }
    }

    /// The S3 credentials the server hands out for reading the table `id` (`name`), over
    /// `[storage.s3]`. `None` when it offers none: the table is then read with
    /// `[storage.s3]`. A server without credentials for the table's bucket answers with an
    /// error, which is the query's unless the catalog is configured to fall back to
    /// `[storage.s3]` (`fallback_to_storage`): never silently other keys than configured.
    async fn temporary_credentials(
        &self,
        remote: &Remote,
        name: &str,
        id: &str,
    ) -> Result<Option<TableCredentials>> {
        let what = format!("asking for temporary credentials for {name}");
        let request = json!({"table_id": id, "operation": "READ"});
        let answer = self
            .http
            .post::<TemporaryCredentials>(remote, &what, &["temporary-table-credentials"], &request)
            .await;
        let offered = match answer {
            Ok(Got::Found(offered)) => offered,
            Ok(Got::NotFound(_)) => return Ok(None),
            Err(e) if self.fallback_to_storage && remote.storage().s3().is_some() => {
                tracing::warn!(table = name, error = %e, "the server refused credentials: reading with [storage.s3]");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let Some(aws) = offered.aws_temp_credentials else {
            return Ok(None);
        };
        let mut props = HashMap::from([
            ("s3.access-key-id".to_owned(), aws.access_key_id),
            ("s3.secret-access-key".to_owned(), aws.secret_access_key),
        ]);
        if let Some(token) = aws.session_token {
            props.insert("s3.session-token".to_owned(), token);
        }
        Ok(S3Settings::overlaid(remote.storage().s3(), &props)
            .map(|settings| TableCredentials::new(settings, offered.expiration_time)))
    }
}

/// How a table of `format` is read; `is_file` says whether its location is one file (not
/// a folder).
fn location_kind(format: &str, is_file: bool) -> Option<LocationKind> {
    Some(match format.to_ascii_uppercase().as_str() {
        "DELTA" => LocationKind::Delta,
        "ICEBERG" => LocationKind::Iceberg,
        "PARQUET" if is_file => LocationKind::File(FileKind::Parquet),
        "PARQUET" => LocationKind::ParquetDir,
        "CSV" if is_file => LocationKind::File(FileKind::Csv),
        _ => return None,
    })
}

#[async_trait]
impl CatalogServer for UnityServer {
    async fn schema_names(&self, remote: &Remote) -> Result<Vec<String>> {
        let catalog = self.catalog.as_str();
        self.list::<SchemaPage>(
            remote,
            "listing schemas",
            &["schemas"],
            &[("catalog_name", catalog)],
        )
        .await?
        .map(|schemas| schemas.into_iter().map(|s| s.name).collect())
        .ok_or_else(|| self.catalog_not_found(remote))
    }

    async fn table_names(&self, remote: &Remote, schema: &str) -> Result<Vec<String>> {
        let what = format!("listing the tables of \"{schema}\"");
        let query = [
            ("catalog_name", self.catalog.as_str()),
            ("schema_name", schema),
        ];
        let listed = self
            .list::<TablePage>(remote, &what, &["tables"], &query)
            .await?
            .ok_or_else(|| CatalogError::SchemaNotFound(schema.to_owned()))?;
        let views = listed
            .iter()
            .filter(|t| t.table_type.as_deref() == Some("VIEW"))
            .map(|t| t.name.clone())
            .collect();
        self.views
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(schema.to_owned(), views);
        Ok(listed.into_iter().map(|t| t.name).collect())
    }

    fn is_view(&self, schema: &str, table: &str) -> bool {
        self.views
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(schema)
            .is_some_and(|views| views.contains(table))
    }

    async fn table(
        &self,
        remote: &Remote,
        schema: &str,
        table: &str,
        previous: Option<Arc<TableHandle>>,
    ) -> Result<Option<TableHandle>> {
        let what = format!("loading \"{schema}\".\"{table}\"");
        let full_name = format!("{}.{schema}.{table}", self.catalog);
        let info = match self
            .http
            .get::<TableInfo>(remote, &what, &["tables", &full_name], &[])
            .await?
        {
            Got::Found(info) => info,
            Got::NotFound(body) => {
                return match self.missing(remote, schema, &body) {
                    Some(missing) => Err(missing),
                    None => Ok(None),
                }
            }
        };
        let name = format!("{}.{schema}.{table}", remote.catalog());
        if info.table_type.as_deref() == Some("VIEW") {
            return Err(CatalogError::Unsupported(format!(
                "{name} is a Unity Catalog view, which junction does not read"
            )));
        }
        let (Some(format), Some(storage)) = (info.data_source_format, info.storage_location) else {
            return Err(remote.failed(
                &what,
                "the table has no data_source_format or storage_location",
            ));
        };
        let location = Location::readable(&name, &storage)?;
        let credentials = match (&info.table_id, location.is_local()) {
            (Some(id), false) => self.temporary_credentials(remote, &name, id).await?,
            _ => None,
        };
        if let Some(credentials) = &credentials {
            remote.storage().grant(&location, credentials)?;
        }
        let is_file = match format.to_ascii_uppercase().as_str() {
            "PARQUET" | "CSV" => remote.storage().head(&location).await?.is_some(),
            _ => false,
        };
        let kind = location_kind(&format, is_file).ok_or_else(|| {
            CatalogError::Unsupported(format!(
                "table {name} is {format}, which junction does not read"
            ))
        })?;
        let handle = TableLocation::new(schema, table, kind, location, remote.storage())
            .load_current_reusing(previous)
            .await?;
        Ok(Some(handle.with_credentials(credentials)))
    }
}
