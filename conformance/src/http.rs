//! What the test servers share of HTTP.

use axum::http::HeaderMap;
use axum::Router;
use tokio::task::JoinHandle;

/// A test server's task, stopped when dropped.
pub(crate) struct Serving(JoinHandle<()>);

impl Drop for Serving {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves `api` under `base` (`/api/v2`, or `""` for the root) on a free loopback port: the
/// URI of `base`, and the task serving it.
pub(crate) async fn serve(base: &str, api: Router) -> (String, Serving) {
    let app = if base.is_empty() {
        api
    } else {
        Router::new().nest(base, api)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let address = listener.local_addr().expect("local address");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}{base}"), Serving(task))
}

/// Whether a request passes bearer authentication: with no `expected` token, every request
/// does; else it must carry `Authorization: Bearer <expected>`.
pub(crate) fn bearer_accepted(expected: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(expected) = expected else {
        return true;
    };
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        == Some(expected)
}
