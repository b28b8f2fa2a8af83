//! A Unity Catalog test server: the read side of the Unity Catalog OSS REST API 2.1, as
//! unitycatalog/unitycatalog's `api/all.yaml` @ c9ed6b142f85 publishes it: `GET /schemas`, `GET /tables` (both paged with
//! `page_token`/`next_page_token`), `GET /tables/{full_name}`, `GET /catalogs/{name}`,
//! `POST /temporary-table-credentials`, and 404 with an `error_code` for what does not exist. The real server is a JVM service that
//! cannot be installed here; tests run against a real one too when
//! `JUNCTION_TEST_UNITY_URL` names it.
//!
//! Pages hold one item, so that every listing a client makes goes through paging.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::http::{bearer_accepted, serve, Serving};

/// One table the server lists.
#[derive(Debug, Clone)]
pub struct UnityTable {
    pub schema: String,
    pub name: String,
    /// `DELTA`, `PARQUET`, `CSV`, `JSON`, ...
    pub format: String,
    /// A `file://` URI.
    pub storage_location: String,
    /// `EXTERNAL`, `MANAGED` or `VIEW`.
    pub table_type: String,
}

/// Temporary table credentials the server hands out for the tables in one S3 bucket, as a
/// Unity Catalog server configured with that bucket's keys does; for tables elsewhere it
/// answers that it has no configuration.
#[derive(Debug, Clone)]
pub struct TemporaryCredentials {
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// How long after it is handed out a credential expires.
    pub lifetime: Duration,
}

struct Served {
    catalog: String,
    /// Sorted by name, as the real server lists them.
    schemas: Vec<String>,
    tables: Vec<UnityTable>,
    token: Option<String>,
    credentials: Option<TemporaryCredentials>,
    /// How many times temporary credentials were asked for.
    credential_requests: Mutex<usize>,
}

/// The server, on a free loopback port until dropped.
pub struct UnityServer {
    /// The API base, `http://127.0.0.1:PORT/api/2.1/unity-catalog`.
    pub uri: String,
    served: Arc<Served>,
    _serving: Serving,
}

impl UnityServer {
    /// Serves `tables` as the Unity catalog `catalog`; with a `token`, every request must
    /// carry it as a bearer token.
    pub async fn start(catalog: &str, tables: Vec<UnityTable>, token: Option<&str>) -> Self {
        Self::start_with_credentials(catalog, tables, token, None).await
    }

    /// [`UnityServer::start`], handing out `credentials` for the tables in their bucket.
    pub async fn start_with_credentials(
        catalog: &str,
        tables: Vec<UnityTable>,
        token: Option<&str>,
        credentials: Option<TemporaryCredentials>,
    ) -> Self {
        let mut schemas: Vec<String> = tables.iter().map(|t| t.schema.clone()).collect();
        schemas.sort();
        schemas.dedup();
        Self::serve(Served {
            catalog: catalog.to_owned(),
            schemas,
            tables,
            token: token.map(str::to_owned),
            credentials,
            credential_requests: Mutex::new(0),
        })
        .await
    }

    /// Serves `schemas` (some may hold no table) and `tables` as the Unity catalog
    /// `catalog`, without authentication or credentials.
    pub async fn start_holding(catalog: &str, schemas: &[&str], tables: Vec<UnityTable>) -> Self {
        let mut schemas: Vec<String> = schemas.iter().map(|s| (*s).to_owned()).collect();
        schemas.sort();
        Self::serve(Served {
            catalog: catalog.to_owned(),
            schemas,
            tables,
            token: None,
            credentials: None,
            credential_requests: Mutex::new(0),
        })
        .await
    }

    async fn serve(served: Served) -> Self {
        let served = Arc::new(served);
        let api = Router::new()
            .route("/catalogs", get(list_catalogs))
            .route("/catalogs/{name}", get(catalog_info))
            .route("/schemas", get(list_schemas))
            .route("/schemas/{full_name}", get(schema_info))
            .route("/tables", get(list_tables))
            .route("/tables/{full_name}", get(table_info))
            .route(
                "/temporary-table-credentials",
                post(temporary_table_credentials),
            )
            .with_state(Arc::clone(&served));
        let (uri, serving) = serve("/api/2.1/unity-catalog", api).await;
        Self {
            uri,
            served,
            _serving: serving,
        }
    }

    /// How many times temporary credentials were asked for.
    pub fn credential_requests(&self) -> usize {
        *self
            .served
            .credential_requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

/// An error as the real server's body has it (conformance/data/unity-recorded/).
fn error(status: StatusCode, code: &str, message: String) -> Response {
    let details = json!([{"reason": code, "@type": "google.rpc.ErrorInfo"}]);
    (
        status,
        Json(json!({"error_code": code, "details": details, "message": message})),
    )
        .into_response()
}

/// The spec's bearer authentication, when the server was given a token: the answer to a
/// request without it.
fn denied(served: &Served, headers: &HeaderMap) -> Option<Response> {
    (!bearer_accepted(served.token.as_deref(), headers)).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "a valid bearer token is required".to_owned(),
        )
    })
}

/// One page of `items` (sorted by name), as the real server pages: the items after the name
/// `page_token` holds; without `max_results` (or with 0) all of them and no token, else that
/// many, with the page's last name as the token, so that a final empty page ends the listing.
/// A bad `max_results` is the message of an INVALID_ARGUMENT.
fn page(
    items: Vec<Value>,
    params: &HashMap<String, String>,
) -> Result<(Vec<Value>, Option<String>), String> {
    let max: i64 = match params.get("max_results") {
        None => 0,
        Some(max) => max
            .parse()
            .map_err(|_| format!("Invalid max_results: {max}"))?,
    };
    let Ok(max) = usize::try_from(max) else {
        return Err("maxResults must be greater than or equal to 0".to_owned());
    };
    let after = params.get("page_token").map(String::as_str).unwrap_or("");
    let rest = items
        .into_iter()
        .filter(|item| item["name"].as_str().is_some_and(|name| name > after));
    if max == 0 {
        return Ok((rest.collect(), None));
    }
    let page: Vec<Value> = rest.take(max).collect();
    let next = page
        .last()
        .and_then(|item| item["name"].as_str())
        .map(str::to_owned);
    Ok((page, next))
}

fn catalog_not_found(name: &str) -> Response {
    let message = format!("Catalog not found: {name}");
    error(StatusCode::NOT_FOUND, "CATALOG_NOT_FOUND", message)
}

fn schema_not_found(catalog: &str, schema: &str) -> Response {
    let message = format!("Schema not found: {catalog}.{schema}");
    error(StatusCode::NOT_FOUND, "SCHEMA_NOT_FOUND", message)
}

async fn list_catalogs(State(served): State<Arc<Served>>, headers: HeaderMap) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    Json(json!({"catalogs": [{"name": served.catalog}], "next_page_token": null})).into_response()
}

async fn schema_info(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Path(full_name): Path<String>,
) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    let Some((catalog, schema)) = full_name.split_once('.') else {
        let message = format!("Invalid schema name: {full_name}");
        return error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message);
    };
    if catalog != served.catalog {
        return catalog_not_found(catalog);
    }
    if !served.schemas.iter().any(|s| s == schema) {
        return schema_not_found(catalog, schema);
    }
    let schema = json!({
        "name": schema,
        "catalog_name": catalog,
        "full_name": full_name,
        "storage_location": null,
    });
    Json(schema).into_response()
}

async fn catalog_info(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    if name != served.catalog {
        return catalog_not_found(&name);
    }
    Json(json!({"name": name, "storage_location": null})).into_response()
}

async fn list_schemas(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    let Some(catalog) = params.get("catalog_name").cloned() else {
        let message = "Mandatory parameter/header is missing: catalog_name".to_owned();
        return error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message);
    };
    if catalog != served.catalog {
        return catalog_not_found(&catalog);
    }
    let items = served
        .schemas
        .iter()
        .map(|schema| {
            json!({"name": schema, "catalog_name": catalog, "full_name": format!("{catalog}.{schema}")})
        })
        .collect();
    let (schemas, next) = match page(items, &params) {
        Ok(page) => page,
        Err(message) => return error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message),
    };
    Json(json!({"schemas": schemas, "next_page_token": next})).into_response()
}

/// A table's id: the spec's ids are UUIDs; this server numbers its tables.
fn table_id(index: usize) -> String {
    format!("00000000-0000-4000-8000-{index:012}")
}

fn table_json(catalog: &str, index: usize, table: &UnityTable) -> Value {
    // The real server keeps neither a format nor a location for a view, and keeps a
    // location as a URI without a trailing slash.
    let view = table.table_type == "VIEW";
    let location = normalized(&table.storage_location);
    json!({
        "name": table.name,
        "catalog_name": catalog,
        "schema_name": table.schema,
        "table_type": table.table_type,
        "data_source_format": (!view).then_some(&table.format),
        "storage_location": (!view).then_some(location),
        "table_id": table_id(index),
        "columns": [],
    })
}

async fn list_tables(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    let catalog = params.get("catalog_name").cloned().unwrap_or_default();
    let schema = params.get("schema_name").cloned().unwrap_or_default();
    if catalog != served.catalog {
        return catalog_not_found(&catalog);
    }
    if !served.schemas.contains(&schema) {
        return schema_not_found(&catalog, &schema);
    }
    let mut items: Vec<Value> = served
        .tables
        .iter()
        .enumerate()
        .filter(|(_, t)| t.schema == schema)
        .map(|(index, t)| table_json(&catalog, index, t))
        .collect();
    items.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let (tables, next) = match page(items, &params) {
        Ok(page) => page,
        Err(message) => return error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message),
    };
    Json(json!({"tables": tables, "next_page_token": next})).into_response()
}

async fn table_info(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Path(full_name): Path<String>,
) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    let found = served
        .tables
        .iter()
        .enumerate()
        .find(|(_, t)| format!("{}.{}.{}", served.catalog, t.schema, t.name) == full_name);
    if let Some((index, table)) = found {
        return Json(table_json(&served.catalog, index, table)).into_response();
    }
    // What is missing, as the real server says it: the catalog, the schema, or the table.
    let parts: Vec<&str> = full_name.splitn(3, '.').collect();
    match parts[..] {
        [catalog, _, _] if catalog != served.catalog => catalog_not_found(catalog),
        [catalog, schema, _] if !served.schemas.iter().any(|s| s == schema) => {
            schema_not_found(catalog, schema)
        }
        [_, _, _] => error(
            StatusCode::NOT_FOUND,
            "TABLE_NOT_FOUND",
            format!("Table not found: {full_name}"),
        ),
        _ => error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            format!("Invalid table name: {full_name}"),
        ),
    }
}

/// A location as the real server stores it: a path as a `file:///` URI, `file:/x` as
/// `file:///x`, no trailing slash.
fn normalized(location: &str) -> String {
    let location = location.trim_end_matches('/');
    if let Some(path) = location.strip_prefix("file:") {
        format!("file:///{}", path.trim_start_matches('/'))
    } else if location.starts_with('/') {
        format!("file://{location}")
    } else {
        location.to_owned()
    }
}

/// The bucket of an `s3://` (or `s3a://`) location.
fn bucket_of(location: &str) -> Option<&str> {
    let (scheme, rest) = location.split_once("://")?;
    scheme.starts_with("s3").then(|| rest.split('/').next())?
}

async fn temporary_table_credentials(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Json(request): Json<Value>,
) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    *served
        .credential_requests
        .lock()
        .unwrap_or_else(|e| e.into_inner()) += 1;
    let operation = request["operation"].as_str().unwrap_or_default();
    if !matches!(operation, "READ" | "READ_WRITE") {
        let message = format!("Unsupported table operation: {operation}");
        return error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message);
    }
    let id = request["table_id"].as_str().unwrap_or_default();
    let found = served
        .tables
        .iter()
        .enumerate()
        .find(|(i, _)| table_id(*i) == id);
    let Some((_, table)) = found else {
        let message = format!("Table not found: {id}");
        return error(StatusCode::NOT_FOUND, "TABLE_NOT_FOUND", message);
    };
    let credentials = served
        .credentials
        .as_ref()
        .filter(|c| bucket_of(&table.storage_location) == Some(c.bucket.as_str()));
    let Some(credentials) = credentials else {
        let message = "S3 bucket configuration not found.".to_owned();
        return error(StatusCode::BAD_REQUEST, "FAILED_PRECONDITION", message);
    };
    let expires = SystemTime::now() + credentials.lifetime;
    let expiration_ms = expires
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Json(json!({
        "aws_temp_credentials": {
            "access_key_id": credentials.access_key_id,
            "secret_access_key": credentials.secret_access_key,
            "session_token": credentials.session_token,
        },
        "expiration_time": expiration_ms,
        "url": table.storage_location,
    }))
    .into_response()
}
