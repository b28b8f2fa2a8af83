//! Unity Catalog OSS, through its REST API 2.1 (`../shared/specs/unity-catalog-api-2.1.yaml`,
//! unitycatalog/unitycatalog `api/all.yaml` @ c9ed6b142f85): the schemas and tables of one
//! Unity catalog as a junction catalog. A table's `data_source_format` and
//! `storage_location` say how to read it; the files are read as the embedded warehouse reads
//! them.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::remote::{Endpoint, Remote};
use crate::table::{local_path, FileKind, LocationKind, TableHandle, TableLocation};
use crate::{Catalog, CatalogError, Result};

/// How to reach a Unity Catalog server, and which of its catalogs to show.
#[derive(Debug, Clone)]
pub struct UnitySettings {
    /// The API's base URI is e.g. `http://127.0.0.1:8080/api/2.1/unity-catalog`.
    pub endpoint: Endpoint,
    /// The Unity catalog this junction catalog shows.
    pub catalog: String,
}

/// One Unity catalog, served by a Unity Catalog server.
pub struct UnityCatalog {
    name: String,
    settings: UnitySettings,
    http: reqwest::Client,
    remote: Remote,
}

impl fmt::Debug for UnityCatalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnityCatalog")
            .field("name", &self.name)
            .field("settings", &self.settings)
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
    tables: Vec<Named>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct TableInfo {
    data_source_format: Option<String>,
    storage_location: Option<String>,
    table_type: Option<String>,
}

/// A page of a listing: its names and the token of the next page.
trait Page: DeserializeOwned {
    fn into_parts(self) -> (Vec<Named>, Option<String>);
}

impl Page for SchemaPage {
    fn into_parts(self) -> (Vec<Named>, Option<String>) {
        (self.schemas, self.next_page_token)
    }
}

impl Page for TablePage {
    fn into_parts(self) -> (Vec<Named>, Option<String>) {
        (self.tables, self.next_page_token)
    }
}

impl UnityCatalog {
    /// A catalog named `name` showing the Unity catalog `settings.catalog`. The server is
    /// first asked when a query needs it.
    pub fn new(name: impl Into<String>, settings: UnitySettings) -> Result<Self> {
        let name = name.into();
        let http = reqwest::Client::builder()
            .timeout(settings.endpoint.timeout)
            .build()
            .map_err(|e| CatalogError::Unavailable {
                catalog: name.clone(),
                message: format!("HTTP client: {e}"),
            })?;
        Ok(Self {
            remote: Remote::new(&name, &settings.endpoint),
            name,
            settings,
            http,
        })
    }

    /// GET `path` with `query`; `Ok(None)` for 404.
    async fn get<T: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Option<T>> {
        let url = format!(
            "{}/{path}",
            self.settings.endpoint.uri.trim_end_matches('/')
        );
        let mut request = self.http.get(&url).query(query);
        if let Some(token) = &self.settings.endpoint.token {
            request = request.bearer_auth(token);
        }
        let response = self
            .remote
            .call(what, request.send())
            .await?
            .map_err(|e| self.remote.failed(what, e))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = self
            .remote
            .call(what, response.bytes())
            .await?
            .map_err(|e| self.remote.failed(what, e))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            return Err(self.remote.failed(what, format!("{status}: {text}")));
        }
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| self.remote.failed(what, format!("unreadable answer: {e}")))
    }

    /// Every page of a listing; `Ok(None)` when its parent does not exist.
    async fn list<P: Page>(
        &self,
        what: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Option<Vec<String>>> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = query.to_vec();
            if let Some(token) = &token {
                query.push(("page_token", token));
            }
            let Some(page) = self.get::<P>(what, path, &query).await? else {
                return Ok(None);
            };
            let (page, next) = page.into_parts();
            names.extend(page.into_iter().map(|n| n.name));
            match next.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(Some(names)),
            }
        }
    }

    async fn load_schema_names(&self) -> Result<Vec<String>> {
        let catalog = self.settings.catalog.as_str();
        self.list::<SchemaPage>("listing schemas", "schemas", &[("catalog_name", catalog)])
            .await?
            .ok_or_else(|| {
                self.remote
                    .failed("listing schemas", format!("no Unity catalog \"{catalog}\""))
            })
    }

    async fn load_table_names(&self, schema: &str) -> Result<Vec<String>> {
        let what = format!("listing the tables of \"{schema}\"");
        let query = [
            ("catalog_name", self.settings.catalog.as_str()),
            ("schema_name", schema),
        ];
        self.list::<TablePage>(&what, "tables", &query)
            .await?
            .ok_or_else(|| CatalogError::SchemaNotFound(schema.to_owned()))
    }

    async fn load_table(&self, schema: &str, table: &str) -> Result<Option<TableHandle>> {
        let what = format!("loading \"{schema}\".\"{table}\"");
        let full_name = format!("{}.{schema}.{table}", self.settings.catalog);
        let Some(info) = self
            .get::<TableInfo>(&what, &format!("tables/{full_name}"), &[])
            .await?
        else {
            return Ok(None);
        };
        let name = format!("{}.{schema}.{table}", self.name);
        if info.table_type.as_deref() == Some("VIEW") {
            return Err(CatalogError::Unsupported(format!(
                "{name} is a Unity Catalog view, which junction does not read"
            )));
        }
        let (Some(format), Some(storage)) = (info.data_source_format, info.storage_location) else {
            return Err(self.remote.failed(
                &what,
                "the table has no data_source_format or storage_location",
            ));
        };
        let path = local_path(&storage).ok_or_else(|| {
            CatalogError::Unsupported(format!(
                "table {name} is stored at {storage}: only local files are supported yet"
            ))
        })?;
        let kind = location_kind(&format, &path).ok_or_else(|| {
            CatalogError::Unsupported(format!(
                "table {name} is {format}, which junction does not read"
            ))
        })?;
        let location = TableLocation {
            schema_name: schema.to_owned(),
            table_name: table.to_owned(),
            kind,
            path,
        };
        let snapshot = location.current_snapshot()?;
        location.load(snapshot).await.map(Some)
    }
}

/// How a table of `format` stored at `path` is read.
fn location_kind(format: &str, path: &Path) -> Option<LocationKind> {
    Some(match format.to_ascii_uppercase().as_str() {
        "DELTA" => LocationKind::Delta,
        "ICEBERG" => LocationKind::Iceberg,
        "PARQUET" if path.is_file() => LocationKind::File(FileKind::Parquet),
        "PARQUET" => LocationKind::ParquetDir,
        "CSV" if path.is_file() => LocationKind::File(FileKind::Csv),
        _ => return None,
    })
}

#[async_trait]
impl Catalog for UnityCatalog {
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
