//! A Unity Catalog test server: the read side of the Unity Catalog OSS REST API 2.1, as
//! `../shared/specs/unity-catalog-api-2.1.yaml` publishes it (unitycatalog/unitycatalog
//! `api/all.yaml` @ c9ed6b142f85): `GET /schemas`, `GET /tables` (both paged with
//! `page_token`/`next_page_token`), `GET /tables/{full_name}`, `GET /catalogs/{name}`, and
//! 404 with an `error_code` for what does not exist. The real server is a JVM service that
//! cannot be installed here; tests run against a real one too when
//! `JUNCTION_TEST_UNITY_URL` names it.
//!
//! Pages hold one item, so that every listing a client makes goes through paging.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
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

struct Served {
    catalog: String,
    tables: Vec<UnityTable>,
    token: Option<String>,
}

/// The server, on a free loopback port until dropped.
pub struct UnityServer {
    /// The API base, `http://127.0.0.1:PORT/api/2.1/unity-catalog`.
    pub uri: String,
    _serving: Serving,
}

impl UnityServer {
    /// Serves `tables` as the Unity catalog `catalog`; with a `token`, every request must
    /// carry it as a bearer token.
    pub async fn start(catalog: &str, tables: Vec<UnityTable>, token: Option<&str>) -> Self {
        let served = Arc::new(Served {
            catalog: catalog.to_owned(),
            tables,
            token: token.map(str::to_owned),
        });
        let api = Router::new()
            .route("/catalogs/{name}", get(catalog_info))
            .route("/schemas", get(list_schemas))
            .route("/tables", get(list_tables))
            .route("/tables/{full_name}", get(table_info))
            .with_state(served);
        let (uri, serving) = serve("/api/2.1/unity-catalog", api).await;
        Self {
            uri,
            _serving: serving,
        }
    }
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        Json(json!({"error_code": code, "message": message})),
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

/// One page of `items`: the item at `page_token` (an index) and the next token.
fn page(items: Vec<Value>, params: &HashMap<String, String>) -> (Vec<Value>, Option<String>) {
    let start: usize = params
        .get("page_token")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let next = (start + 1 < items.len()).then(|| (start + 1).to_string());
    (items.into_iter().skip(start).take(1).collect(), next)
}

fn schemas_of(served: &Served) -> Vec<String> {
    let mut schemas: Vec<String> = served.tables.iter().map(|t| t.schema.clone()).collect();
    schemas.sort();
    schemas.dedup();
    schemas
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
        return error(
            StatusCode::NOT_FOUND,
            "CATALOG_NOT_FOUND",
            format!("Catalog not found: {name}"),
        );
    }
    Json(json!({"name": name})).into_response()
}

async fn list_schemas(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    let catalog = params.get("catalog_name").cloned().unwrap_or_default();
    if catalog != served.catalog {
        return error(
            StatusCode::NOT_FOUND,
            "CATALOG_NOT_FOUND",
            format!("Catalog not found: {catalog}"),
        );
    }
    let items = schemas_of(&served)
        .into_iter()
        .map(|schema| {
            json!({"name": schema, "catalog_name": catalog, "full_name": format!("{catalog}.{schema}")})
        })
        .collect();
    let (schemas, next) = page(items, &params);
    Json(json!({"schemas": schemas, "next_page_token": next})).into_response()
}

fn table_json(catalog: &str, table: &UnityTable) -> Value {
    json!({
        "name": table.name,
        "catalog_name": catalog,
        "schema_name": table.schema,
        "table_type": table.table_type,
        "data_source_format": table.format,
        "storage_location": table.storage_location,
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
    if catalog != served.catalog || !schemas_of(&served).contains(&schema) {
        return error(
            StatusCode::NOT_FOUND,
            "SCHEMA_NOT_FOUND",
            format!("Schema not found: {catalog}.{schema}"),
        );
    }
    let items = served
        .tables
        .iter()
        .filter(|t| t.schema == schema)
        .map(|t| table_json(&catalog, t))
        .collect();
    let (tables, next) = page(items, &params);
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
        .find(|t| format!("{}.{}.{}", served.catalog, t.schema, t.name) == full_name);
    match found {
        Some(table) => Json(table_json(&served.catalog, table)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "TABLE_NOT_FOUND",
            format!("Table not found: {full_name}"),
        ),
    }
}
