//! A Project Nessie test server: the read side of Nessie's REST API v2, as
//! projectnessie/nessie's `api/model/src/main/resources/META-INF/openapi.yaml` @ 8fbeb3dc569c
//! models it, with these paths: `GET /config`, `GET /trees`,
//! `GET /trees/{ref}`, `GET /trees/{ref}/entries` (paged with `page-token` as the real server pages, answering
//! `hasMore` and `token`; `content=true` inlines contents) and
//! `GET /trees/{ref}/contents/{key}`, with Nessie's error body (`errorCode`
//! `REFERENCE_NOT_FOUND`, `CONTENT_NOT_FOUND`). `{ref}` is `name`, `name@hash`, `@hash` or
//! `-` (the default branch). The real server is a JVM service that cannot be installed here;
//! tests run against a real one too when `JUNCTION_TEST_NESSIE_URL` names it.
//!
//! Pages hold one entry, so that every listing a client makes goes through paging. Each
//! reference holds one commit: `name@hash` must name that commit's hash.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::http::{bearer_accepted, serve, Serving};

/// What a key holds.
#[derive(Debug, Clone)]
pub enum NessieContent {
    /// `ICEBERG_TABLE`: the metadata file in force.
    Iceberg { metadata_location: String },
    /// `DELTA_LAKE_TABLE`: the newest commit file of its `_delta_log`.
    Delta { last_commit: String },
    /// `NAMESPACE`.
    Namespace,
}

/// A branch or tag, at one commit holding `entries`.
#[derive(Debug, Clone)]
pub struct NessieRef {
    pub name: String,
    pub tag: bool,
    pub hash: String,
    /// Each key's elements and content.
    pub entries: Vec<(Vec<String>, NessieContent)>,
}

struct Served {
    default_branch: String,
    refs: Vec<NessieRef>,
    token: Option<String>,
}

/// The server, on a free loopback port until dropped.
pub struct NessieServer {
    /// The API base, `http://127.0.0.1:PORT/api/v2`.
    pub uri: String,
    _serving: Serving,
}

impl NessieServer {
    /// Serves `refs`; `-` means `default_branch`. With a `token`, every request must carry
    /// it as a bearer token.
    pub async fn start(refs: Vec<NessieRef>, default_branch: &str, token: Option<&str>) -> Self {
        let served = Arc::new(Served {
            default_branch: default_branch.to_owned(),
            refs,
            token: token.map(str::to_owned),
        });
        let api = Router::new()
            .route("/config", get(config))
            .route("/trees", get(references))
            .route("/trees/{reference}", get(reference))
            .route("/trees/{reference}/entries", get(entries))
            .route("/trees/{reference}/contents/{key}", get(content))
            .with_state(served);
        let (uri, serving) = serve("/api/v2", api).await;
        Self {
            uri,
            _serving: serving,
        }
    }
}

/// Nessie's error body.
fn error(status: StatusCode, code: &str, message: String) -> Response {
    let reason = status.canonical_reason().unwrap_or_default();
    (
        status,
        Json(json!({
            "status": status.as_u16(),
            "reason": reason,
            "message": message,
            "errorCode": code,
            "serverStackTrace": null,
        })),
    )
        .into_response()
}

fn denied(served: &Served, headers: &HeaderMap) -> Option<Response> {
    (!bearer_accepted(served.token.as_deref(), headers)).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "a valid bearer token is required".to_owned(),
        )
    })
}

fn reference_json(reference: &NessieRef) -> Value {
    json!({
        "type": if reference.tag { "TAG" } else { "BRANCH" },
        "name": reference.name,
        "hash": reference.hash,
    })
}

/// The answer for a `{ref}` that names no reference.
fn unknown_reference(spec: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "REFERENCE_NOT_FOUND",
        format!("Named reference '{spec}' not found"),
    )
}

/// The reference `{ref}` names.
fn resolve<'a>(served: &'a Served, spec: &str) -> Option<&'a NessieRef> {
    let (name, hash) = match spec.split_once('@') {
        Some((name, hash)) => (name, Some(hash)),
        None => (spec, None),
    };
    let name = if name == "-" {
        served.default_branch.as_str()
    } else {
        name
    };
    let found = served.refs.iter().find(|r| match (name, hash) {
        ("", Some(hash)) => r.hash == hash,
        (name, Some(hash)) => r.name == name && r.hash == hash,
        (name, None) => r.name == name,
    });
    found
}

/// A key as its path segment: elements joined by `.`, a `.` inside one escaped as U+001D.
fn key_path(elements: &[String]) -> String {
    elements
        .iter()
        .map(|e| e.replace('.', "\u{1D}"))
        .collect::<Vec<_>>()
        .join(".")
}

fn content_json(elements: &[String], content: &NessieContent) -> Value {
    let id = format!("id-{}", key_path(elements));
    match content {
        NessieContent::Iceberg { metadata_location } => json!({
            "type": "ICEBERG_TABLE",
            "id": id,
            "metadataLocation": metadata_location,
            "snapshotId": -1,
            "schemaId": 0,
            "specId": 0,
            "sortOrderId": 0,
        }),
        NessieContent::Delta { last_commit } => json!({
            "type": "DELTA_LAKE_TABLE",
            "id": id,
            "metadataLocationHistory": [last_commit],
            "checkpointLocationHistory": [],
            "lastCheckpoint": null,
        }),
        NessieContent::Namespace => json!({
            "type": "NAMESPACE",
            "id": id,
            "elements": elements,
        }),
    }
}

async fn config(State(served): State<Arc<Served>>, headers: HeaderMap) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    Json(json!({
        "defaultBranch": served.default_branch,
        "minSupportedApiVersion": 1,
        "maxSupportedApiVersion": 2,
        "specVersion": "2.0.0",
    }))
    .into_response()
}

async fn references(State(served): State<Arc<Served>>, headers: HeaderMap) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    let references: Vec<Value> = served.refs.iter().map(reference_json).collect();
    Json(json!({"references": references, "hasMore": false, "token": null})).into_response()
}

async fn reference(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Path(spec): Path<String>,
) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    match resolve(&served, &spec) {
        Some(found) => Json(json!({"reference": reference_json(found)})).into_response(),
        None => unknown_reference(&spec),
    }
}

async fn entries(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Path(spec): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    let Some(found) = resolve(&served, &spec) else {
        return unknown_reference(&spec);
    };
    let with_content = params.get("content").is_some_and(|c| c == "true");
    let start: usize = params
        .get("page-token")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = found
        .entries
        .iter()
        .skip(start)
        .take(1)
        .map(|(elements, content)| {
            let full = content_json(elements, content);
            let mut entry = json!({
                "name": {"elements": elements},
                "type": full["type"],
                "contentId": full["id"],
            });
            if with_content {
                entry["content"] = full;
            }
            entry
        })
        .collect();
    let more = start + 1 < found.entries.len();
    Json(json!({
        "entries": page,
        "hasMore": more,
        "token": more.then(|| (start + 1).to_string()),
        "effectiveReference": reference_json(found),
    }))
    .into_response()
}

async fn content(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    Path((spec, key)): Path<(String, String)>,
) -> Response {
    if let Some(denied) = denied(&served, &headers) {
        return denied;
    }
    let Some(found) = resolve(&served, &spec) else {
        return unknown_reference(&spec);
    };
    match found
        .entries
        .iter()
        .find(|(elements, _)| key_path(elements) == key)
    {
        Some((elements, content)) => Json(json!({
            "content": content_json(elements, content),
            "effectiveReference": reference_json(found),
        }))
        .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "CONTENT_NOT_FOUND",
            format!("Could not find content for key '{key}' in reference '{spec}'"),
        ),
    }
}
