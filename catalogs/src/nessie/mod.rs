//! Project Nessie, through its REST API v2 (projectnessie/nessie's
//! `api/model/src/main/resources/META-INF/openapi.yaml` @ 8fbeb3dc569c): the tables of one
//! reference (a branch, a tag, `name@hash` or `@hash`) as a junction catalog.
//!
//! A key's elements before the last are its namespace, which is the schema (deeper levels
//! joined with `.`); keys without a namespace are in schema `public`. Iceberg tables are read
//! at the metadata file the reference records, Delta tables at the commit it records, so
//! every engine sees the table as of that reference.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use moka::future::Cache;
use serde::Deserialize;

use crate::http::{Got, JsonClient, Page};
use crate::remote::{CatalogServer, Endpoint, Remote, RemoteCatalog};
use crate::storage::Storage;
use crate::table::{Location, LocationKind, Snapshot, TableHandle, TableLocation};
use crate::{CatalogError, Result};

/// The reference Nessie's API reads when none is named: the default branch.
const DEFAULT_REFERENCE: &str = "-";

/// The schema of keys without a namespace.
const TOP_LEVEL_SCHEMA: &str = "public";

/// How to reach a Nessie server, and which reference to read.
#[derive(Debug, Clone)]
pub struct NessieSettings {
    /// The API v2 base, e.g. `http://127.0.0.1:19120/api/v2`.
    pub endpoint: Endpoint,
    /// A branch, tag, `name@hash` or `@hash`; the default branch when `None`.
    pub reference: Option<String>,
}

/// A catalog served by a Nessie server, at one reference.
pub type NessieCatalog = RemoteCatalog<NessieServer>;

/// How junction asks a Nessie server, and at which reference.
pub struct NessieServer {
    http: JsonClient,
    reference: String,
    /// The reference's entries, for `metadata_ttl`: the schema listing and every schema's
    /// table listing are read from one fetch of them.
    entries: Cache<(), Arc<Vec<Entry>>>,
}

impl std::fmt::Debug for NessieServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NessieServer")
            .field("reference", &self.reference)
            .finish()
    }
}

impl RemoteCatalog<NessieServer> {
    /// A catalog named `name` on the server `settings` describe. The server is first asked
    /// when a query needs it.
    pub fn new(
        name: impl Into<String>,
        settings: NessieSettings,
        storage: &Storage,
    ) -> Result<Self> {
        let name = name.into();
        let reference = settings
            .reference
            .unwrap_or_else(|| DEFAULT_REFERENCE.to_owned());
        let http = JsonClient::new(&name, &settings.endpoint)?;
        let server = NessieServer::at(http, reference, settings.endpoint.metadata_ttl);
        Ok(Self::from_server(
            &name,
            &settings.endpoint,
            storage,
            server,
        ))
    }
}

#[derive(Deserialize)]
struct Key {
    elements: Vec<String>,
}

#[derive(Deserialize)]
struct Entry {
    name: Key,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntriesPage {
    #[serde(default)]
    entries: Vec<Entry>,
    #[serde(default)]
    has_more: bool,
    token: Option<String>,
}

impl Page for EntriesPage {
    type Item = Entry;

    fn into_parts(self) -> (Vec<Entry>, Option<String>) {
        (self.entries, self.token.filter(|_| self.has_more))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Content {
    #[serde(rename = "type")]
    kind: String,
    metadata_location: Option<String>,
    #[serde(default)]
    metadata_location_history: Vec<String>,
}

#[derive(Deserialize)]
struct ContentResponse {
    content: Content,
}

/// Nessie's error body, for what a 404 says is missing.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NessieError {
    error_code: Option<String>,
}

const TABLE_TYPES: &[&str] = &["ICEBERG_TABLE", "DELTA_LAKE_TABLE"];

/// A key as Nessie's paths spell it: elements joined by `.`, a `.` inside one as U+001D.
fn key_path(elements: &[String]) -> String {
    elements
        .iter()
        .map(|e| e.replace('.', "\u{1D}"))
        .collect::<Vec<_>>()
        .join(".")
}

/// The schema a key's namespace is.
fn schema_of(namespace: &[String]) -> String {
    if namespace.is_empty() {
        TOP_LEVEL_SCHEMA.to_owned()
    } else {
        namespace.join(".")
    }
}

impl NessieServer {
    fn at(http: JsonClient, reference: String, metadata_ttl: Duration) -> Self {
        Self {
            http,
            reference,
            entries: Cache::builder()
                .max_capacity(1)
                .time_to_live(metadata_ttl)
                .build(),
        }
    }

    /// What a 404 means: a reference that does not exist is the user's error, named as such;
    /// anything else is missing content.
    fn not_found(&self, remote: &Remote, body: &[u8]) -> Option<CatalogError> {
        let code = serde_json::from_slice::<NessieError>(body)
            .ok()
            .and_then(|e| e.error_code);
        (code.as_deref() == Some("REFERENCE_NOT_FOUND")).then(|| CatalogError::ReferenceNotFound {
            catalog: remote.catalog().to_owned(),
            reference: self.reference.clone(),
        })
    }

    /// Nessie answers 400 to a reference it cannot parse (`main@xyz`, a timestamp without
    /// its fraction): the user's mistake, said in Nessie's words.
    fn bad_reference(&self, error: CatalogError) -> CatalogError {
        match error {
            CatalogError::Rejected {
                catalog,
                status: 400,
                message,
                ..
            } => CatalogError::BadReference {
                catalog,
                reference: self.reference.clone(),
                message,
            },
            other => other,
        }
    }

    /// The key elements of `schema.table`. A schema is its namespace's elements joined by
    /// `.`, and an element may itself hold a dot (namespace `dot.ns`): for a schema with a dot
    /// the listing says which split is meant, and a table it does not list yet (created since
    /// it was read) is looked up with the schema split at each dot. A schema without one is
    /// its single element, with no listing asked for.
    async fn key_of(&self, remote: &Remote, schema: &str, table: &str) -> Result<Vec<String>> {
        if !schema.contains('.') {
            return Ok(vec![schema.to_owned(), table.to_owned()]);
        }
        let listed = self.entries(remote).await?.iter().find_map(|entry| {
            let (name, namespace) = entry.name.elements.split_last()?;
            (TABLE_TYPES.contains(&entry.kind.as_str())
                && name == table
                && schema_of(namespace) == schema)
                .then(|| entry.name.elements.clone())
        });
        Ok(listed.unwrap_or_else(|| {
            let mut elements: Vec<String> = schema.split('.').map(str::to_owned).collect();
            elements.push(table.to_owned());
            elements
        }))
    }

    /// Every entry of the reference, through all pages; fetched at most once per
    /// `metadata_ttl`.
    async fn entries(&self, remote: &Remote) -> Result<Arc<Vec<Entry>>> {
        if let Some(entries) = self.entries.get(&()).await {
            return Ok(entries);
        }
        let what = format!("listing the entries of reference \"{}\"", self.reference);
        let segments = ["trees", self.reference.as_str(), "entries"];
        let entries = match self
            .http
            .pages::<EntriesPage>(remote, &what, &segments, &[], "page-token")
            .await
            .map_err(|e| self.bad_reference(e))?
        {
            Got::Found(entries) => Arc::new(entries),
            Got::NotFound(body) => {
                return Err(self
                    .not_found(remote, &body)
                    .unwrap_or_else(|| remote.failed(&what, "404 Not Found")))
            }
        };
        self.entries.insert((), Arc::clone(&entries)).await;
        Ok(entries)
    }

    /// The content at `elements`; `Ok(None)` when the reference has no such key.
    async fn content(&self, remote: &Remote, elements: &[String]) -> Result<Option<Content>> {
        let what = format!(
            "reading \"{}\" at reference \"{}\"",
            elements.join("."),
            self.reference
        );
        let key = key_path(elements);
        let segments = ["trees", self.reference.as_str(), "contents", key.as_str()];
        match self
            .http
            .get::<ContentResponse>(remote, &what, &segments, &[])
            .await
            .map_err(|e| self.bad_reference(e))?
        {
            Got::Found(answer) => Ok(Some(answer.content)),
            Got::NotFound(body) => match self.not_found(remote, &body) {
                Some(error) => Err(error),
                None => Ok(None),
            },
        }
    }
}

/// An Iceberg table's root: the folder holding its `metadata/` folder.
fn iceberg_root(metadata: &Location) -> Location {
    metadata.parent().parent()
}

/// A Delta table's root and the version of a commit file (`<root>/_delta_log/<v>.json`).
fn delta_commit(commit: &Location) -> Option<(Location, u64)> {
    let version = commit.file_name().strip_suffix(".json")?.parse().ok()?;
    let log = commit.parent();
    if log.file_name() != "_delta_log" {
        return None;
    }
    Some((log.parent(), version))
}

#[async_trait]
impl CatalogServer for NessieServer {
    async fn schema_names(&self, remote: &Remote) -> Result<Vec<String>> {
        let mut schemas: Vec<String> = self
            .entries(remote)
            .await?
            .iter()
            .filter_map(|entry| {
                let elements = &entry.name.elements;
                match entry.kind.as_str() {
                    "NAMESPACE" => Some(elements.join(".")),
                    kind if TABLE_TYPES.contains(&kind) => {
                        Some(schema_of(&elements[..elements.len().saturating_sub(1)]))
                    }
                    _ => None,
                }
            })
            .collect();
        schemas.sort();
        schemas.dedup();
        Ok(schemas)
    }

    async fn table_names(&self, remote: &Remote, schema: &str) -> Result<Vec<String>> {
        let mut exists = false;
        let mut tables = Vec::new();
        for entry in self.entries(remote).await?.iter() {
            let Some((table, namespace)) = entry.name.elements.split_last() else {
                continue;
            };
            if entry.kind == "NAMESPACE" && entry.name.elements.join(".") == schema {
                exists = true;
            } else if TABLE_TYPES.contains(&entry.kind.as_str()) && schema_of(namespace) == schema {
                exists = true;
                tables.push(table.clone());
            }
        }
        if !exists {
            return Err(CatalogError::SchemaNotFound(schema.to_owned()));
        }
        Ok(tables)
    }

    async fn table(
        &self,
        remote: &Remote,
        schema: &str,
        table: &str,
        previous: Option<Arc<TableHandle>>,
    ) -> Result<Option<TableHandle>> {
        let mut elements = self.key_of(remote, schema, table).await?;
        let mut content = self.content(remote, &elements).await?;
        if content.is_none() && schema == TOP_LEVEL_SCHEMA {
            elements = vec![table.to_owned()];
            content = self.content(remote, &elements).await?;
        }
        let Some(content) = content else {
            return Ok(None);
        };
        let name = format!("{}.{schema}.{table}", remote.catalog());
        let what = format!("reading {name} at reference \"{}\"", self.reference);
        match content.kind.as_str() {
            "ICEBERG_TABLE" => {
                let location = content
                    .metadata_location
                    .ok_or_else(|| remote.failed(&what, "the table has no metadataLocation"))?;
                let metadata = Location::readable(&name, &location)?;
                let root = iceberg_root(&metadata);
                TableLocation::new(schema, table, LocationKind::Iceberg, root, remote.storage())
                    .load_reusing(Snapshot::IcebergMetadata(metadata), previous)
                    .await
                    .map(Some)
            }
            "DELTA_LAKE_TABLE" => {
                let commit = content.metadata_location_history.first().ok_or_else(|| {
                    remote.failed(&what, "the table has no metadataLocationHistory")
                })?;
                let (root, version) = delta_commit(&Location::readable(&name, commit)?)
                    .ok_or_else(|| {
                        remote.failed(
                            &what,
                            format!("{commit} is not a commit file of a _delta_log"),
                        )
                    })?;
                TableLocation::new(schema, table, LocationKind::Delta, root, remote.storage())
                    .load_reusing(Snapshot::DeltaVersion(version), previous)
                    .await
                    .map(Some)
            }
            "NAMESPACE" => Ok(None),
            other => Err(CatalogError::Unsupported(format!(
                "{name} is Nessie content of type {other}, which junction does not read"
            ))),
        }
    }

    fn has_references(&self) -> bool {
        true
    }

    async fn at_reference(&self, _remote: &Remote, reference: &str) -> Option<Self> {
        // A reference's entries are its own: a new cache, not a share of this one.
        let ttl = self.entries.policy().time_to_live().unwrap_or_default();
        Some(Self::at(self.http.clone(), reference.to_owned(), ttl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_escape_dots_inside_elements() {
        let elements = vec!["a.b".to_owned(), "t 1".to_owned()];
        assert_eq!(key_path(&elements), "a\u{1D}b.t 1");
    }

    fn location(path: &str) -> Location {
        Location::parse(path).expect("absolute path")
    }

    #[test]
    fn delta_commit_files() {
        assert_eq!(
            delta_commit(&location("/w/t/_delta_log/00000000000000000003.json")),
            Some((location("/w/t"), 3))
        );
        assert_eq!(delta_commit(&location("/w/t/other/3.json")), None);
        assert_eq!(delta_commit(&location("/w/t/_delta_log/x.json")), None);
    }
}
