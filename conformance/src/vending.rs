//! An Iceberg REST catalog test server that vends credentials: the read side of the Apache
//! Iceberg REST catalog OpenAPI (apache/iceberg `open-api/rest-catalog-open-api.yaml`, spec
//! 0.14.1 as iceberg-catalog-rest 0.10 speaks it): `GET /v1/config`, `GET /v1/namespaces`,
//! `GET /v1/namespaces/{namespace}/tables` and `GET /v1/namespaces/{namespace}/tables/{table}`,
//! whose `LoadTableResult.config` carries the table's S3 settings and credentials
//! (`s3.endpoint`, `s3.access-key-id`, ...) when the client asked for them with
//! `X-Iceberg-Access-Delegation: vended-credentials`, as the spec says.
//!
//! The peers' REST server (Apache Iceberg's own handlers) vends nothing and reads no S3;
//! this one serves tables written to S3 by pyiceberg.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::http::{serve, Serving};

/// One table the server serves: its namespace and name, the metadata file in force and that
/// file's JSON.
#[derive(Debug, Clone)]
pub struct VendedTable {
    pub namespace: String,
    pub name: String,
    pub metadata_location: String,
    pub metadata: Value,
}

struct Served {
    tables: Vec<VendedTable>,
    /// What `LoadTableResult.config` holds for a client that asked for vended credentials.
    credentials: HashMap<String, String>,
    /// How many table loads asked for vended credentials.
    asked: Mutex<usize>,
}

/// The server, on a free loopback port until dropped.
pub struct VendingRestServer {
    /// The catalog URI, `http://127.0.0.1:PORT` (the client appends `/v1/...`).
    pub uri: String,
    served: Arc<Served>,
    _serving: Serving,
}

impl VendingRestServer {
    /// Serves `tables`, vending `credentials` (iceberg FileIO properties) with each.
    pub async fn start(tables: Vec<VendedTable>, credentials: HashMap<String, String>) -> Self {
        let served = Arc::new(Served {
            tables,
            credentials,
            asked: Mutex::new(0),
        });
        let api = Router::new()
            .route("/config", get(config))
            .route("/namespaces", get(namespaces))
            .route("/namespaces/{namespace}/tables", get(list_tables))
            .route("/namespaces/{namespace}/tables/{table}", get(load_table))
            .with_state(Arc::clone(&served));
        let (uri, serving) = serve("/v1", api).await;
        Self {
            uri: uri.trim_end_matches("/v1").to_owned(),
            served,
            _serving: serving,
        }
    }

    /// How many table loads asked for vended credentials.
    pub fn vending_requests(&self) -> usize {
        *self.served.asked.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn not_found(kind: &str, message: String) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "code": 404}});
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

async fn config() -> Json<Value> {
    Json(json!({"defaults": {}, "overrides": {}}))
}

async fn namespaces(State(served): State<Arc<Served>>) -> Json<Value> {
    let mut names: Vec<&str> = served.tables.iter().map(|t| t.namespace.as_str()).collect();
    names.sort();
    names.dedup();
    let namespaces: Vec<Value> = names.into_iter().map(|n| json!([n])).collect();
    Json(json!({ "namespaces": namespaces }))
}

async fn list_tables(State(served): State<Arc<Served>>, Path(namespace): Path<String>) -> Response {
    let identifiers: Vec<Value> = served
        .tables
        .iter()
        .filter(|t| t.namespace == namespace)
        .map(|t| json!({"namespace": [t.namespace], "name": t.name}))
        .collect();
    if identifiers.is_empty() {
        let message = format!("Namespace does not exist: {namespace}");
        return not_found("NoSuchNamespaceException", message);
    }
    Json(json!({ "identifiers": identifiers })).into_response()
}

async fn load_table(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    let Some(table) = served
        .tables
        .iter()
        .find(|t| t.namespace == namespace && t.name == name)
    else {
        let message = format!("Table does not exist: {namespace}.{name}");
        return not_found("NoSuchTableException", message);
    };
    let vend = headers
        .get("x-iceberg-access-delegation")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|m| m.trim() == "vended-credentials"));
    let config = if vend {
        *served.asked.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        served.credentials.clone()
    } else {
        HashMap::new()
    };
    Json(json!({
        "metadata-location": table.metadata_location,
        "metadata": table.metadata,
        "config": config,
    }))
    .into_response()
}
