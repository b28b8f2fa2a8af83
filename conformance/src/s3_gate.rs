//! An S3 gate: a reverse proxy in front of the peers' S3 server (moto) that lets through
//! only requests signed with one access key and carrying its session token, as AWS
//! Signature Version 4 puts them (`Authorization: AWS4-HMAC-SHA256 Credential=<key>/...`,
//! `X-Amz-Security-Token`), and refuses the rest with S3's `AccessDenied` error. moto takes
//! any keys; behind the gate, a read succeeds only with the credentials a catalog handed out.
//! Signatures are not checked: a client that signs with the right key id and token is taken
//! at its word.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::http::{serve, Serving};

struct Gate {
    upstream: String,
    access_key_id: String,
    session_token: String,
    http: reqwest::Client,
    admitted: AtomicUsize,
    refused: AtomicUsize,
}

/// The gate, on a free loopback port until dropped.
pub struct S3Gate {
    /// The endpoint clients use instead of the S3 server's, `http://127.0.0.1:PORT`.
    pub uri: String,
    gate: Arc<Gate>,
    _serving: Serving,
}

impl S3Gate {
    /// A gate to the S3 server at `upstream` admitting `access_key_id` with `session_token`.
    pub async fn start(upstream: &str, access_key_id: &str, session_token: &str) -> Self {
        let gate = Arc::new(Gate {
            upstream: upstream.trim_end_matches('/').to_owned(),
            access_key_id: access_key_id.to_owned(),
            session_token: session_token.to_owned(),
            http: reqwest::Client::new(),
            admitted: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
        });
        let app = Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&gate));
        let (uri, serving) = serve("", app).await;
        Self {
            uri,
            gate,
            _serving: serving,
        }
    }

    /// How many requests were let through.
    pub fn admitted(&self) -> usize {
        self.gate.admitted.load(Ordering::Relaxed)
    }

    /// How many requests were refused.
    pub fn refused(&self) -> usize {
        self.gate.refused.load(Ordering::Relaxed)
    }
}

impl Gate {
    /// Whether the request's signing key and session token are the admitted ones.
    fn admits(&self, headers: &HeaderMap) -> bool {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let key = text("authorization")
            .and_then(|auth| auth.split("Credential=").nth(1))
            .and_then(|credential| credential.split('/').next());
        key == Some(self.access_key_id.as_str())
            && text("x-amz-security-token") == Some(self.session_token.as_str())
    }
}

fn access_denied() -> Response {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
                <Message>Access Denied</Message></Error>";
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/xml")],
        body,
    )
        .into_response()
}

async fn forward(State(gate): State<Arc<Gate>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if !gate.admits(&parts.headers) {
        gate.refused.fetch_add(1, Ordering::Relaxed);
        return access_denied();
    }
    gate.admitted.fetch_add(1, Ordering::Relaxed);
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::BAD_REQUEST, "unreadable request body").into_response();
    };
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream = gate
        .http
        .request(parts.method, format!("{}{target}", gate.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if name != header::HOST {
            upstream = upstream.header(name, value);
        }
    }
    let answer = match upstream.send().await {
        Ok(answer) => answer,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let Ok(bytes) = answer.bytes().await else {
        return (StatusCode::BAD_GATEWAY, "upstream body cut short").into_response();
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if name != header::TRANSFER_ENCODING && name != header::CONNECTION {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}
