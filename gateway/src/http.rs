//! The operators' HTTP listener (`[server] http_addr`): `GET /metrics` in Prometheus' text
//! format, `GET /health` (the process answers) and `GET /ready` (every catalog answers and
//! every engine is up; a JSON body names those that are not).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use junction_engines::Health;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::executor::Executor;
use crate::metrics::Frontend;

/// How long `/ready` waits for a catalog to list its schemas before calling it down.
const CATALOG_CHECK: Duration = Duration::from_secs(2);

/// Prometheus' text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves the listener until `shutdown` fires.
pub async fn serve(listener: TcpListener, executor: Arc<Executor>, shutdown: CancellationToken) {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(executor);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await;
    if let Err(e) = served {
        tracing::error!(error = %e, "the HTTP listener stopped");
    }
}

async fn metrics(State(executor): State<Arc<Executor>>) -> impl IntoResponse {
    let metrics = executor.metrics();
    // What is open now is read from its owners as the scrape happens.
    let sessions = executor.sessions();
    for frontend in [Frontend::Pg, Frontend::Flight] {
        metrics
            .sessions
            .with_label_values(&[frontend.as_str()])
            .set(gauge(sessions.count(frontend)));
    }
    let admission = executor.admission();
    metrics.connections.set(gauge(admission.connections()));
    metrics.running.set(gauge(admission.running()));
    metrics.queued.set(gauge(admission.queued()));
    if let Some(cache) = executor.result_cache() {
        metrics
            .cache_bytes
            .set(i64::try_from(cache.bytes()).unwrap_or(i64::MAX));
        metrics
            .cache_entries
            .set(i64::try_from(cache.entries()).unwrap_or(i64::MAX));
    }
    for engine in executor.router().engines() {
        let up = matches!(engine.health(), Health::Up);
        metrics
            .engine_up
            .with_label_values(&[engine.name()])
            .set(i64::from(up));
    }
    ([(header::CONTENT_TYPE, TEXT_FORMAT)], metrics.render())
}

fn gauge(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn health() -> impl IntoResponse {
    (StatusCode::OK, "ok\n")
}

/// 200 when every catalog answers and every engine is up, else 503; the body says which is
/// which, as JSON.
async fn ready(State(executor): State<Arc<Executor>>) -> impl IntoResponse {
    let mut catalogs = serde_json::Map::new();
    let mut ready = true;
    for catalog in executor.router().catalogs().iter() {
        let state = match tokio::time::timeout(CATALOG_CHECK, catalog.schema_names()).await {
            Ok(Ok(_)) => "ok".to_owned(),
            Ok(Err(e)) => format!("down: {}", crate::redact::redact(e.to_string())),
            Err(_) => format!(
                "down: no answer within {}",
                humantime::format_duration(CATALOG_CHECK)
            ),
        };
        ready &= state == "ok";
        catalogs.insert(catalog.name().to_owned(), state.into());
    }
    let mut engines = serde_json::Map::new();
    for engine in executor.router().engines() {
        let state = match engine.health() {
            Health::Up => "up".to_owned(),
            Health::Down(why) => format!("down: {why}"),
        };
        ready &= state == "up";
        engines.insert(engine.name().to_owned(), state.into());
    }
    let body = serde_json::json!({
        "ready": ready,
        "catalogs": catalogs,
        "engines": engines,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}
