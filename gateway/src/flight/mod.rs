//! The Arrow Flight SQL front end: arrow-flight's `FlightSqlService` over tonic, sharing
//! sessions' settings, routing, transpiler and engines with the pg front end. Results leave
//! as the engines' own Arrow batches, IPC-encoded as they arrive.

mod binding;
mod metadata;
mod prepared;
mod results;
mod service;
mod sessions;
mod status;
mod tickets;
mod wire_types;

use std::sync::Arc;
use std::time::Duration;

use arrow_flight::flight_service_server::FlightServiceServer;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;

use crate::auth::Authenticator;
use crate::executor::Executor;
use service::FlightFrontend;
use sessions::Sessions;
use tickets::Tickets;

/// How long the front end keeps what it hands out.
#[derive(Debug, Clone, Copy)]
pub struct FlightSettings {
    pub ticket_ttl: Duration,
    pub session_idle_timeout: Duration,
    /// How long a bearer token lives at most, however busy its session.
    pub token_lifetime: Duration,
}

impl Default for FlightSettings {
    fn default() -> Self {
        Self {
            ticket_ttl: Duration::from_secs(5 * 60),
            session_idle_timeout: Duration::from_secs(60 * 60),
            token_lifetime: Duration::from_secs(12 * 60 * 60),
        }
    }
}

/// Serves Flight SQL from `listener` until `shutdown` fires.
pub async fn serve(
    listener: TcpListener,
    executor: Arc<Executor>,
    authenticator: Arc<Authenticator>,
    settings: FlightSettings,
    tls: Option<tonic::transport::ServerTlsConfig>,
    shutdown: CancellationToken,
) -> Result<(), String> {
    let catalog = executor
        .router()
        .catalogs()
        .default_catalog()
        .name()
        .to_owned();
    let sessions = Sessions::new(
        authenticator,
        catalog,
        settings.session_idle_timeout,
        settings.token_lifetime,
        Arc::clone(executor.session_defaults()),
    )
    .with_registry(Arc::clone(executor.sessions()));
    let frontend = FlightFrontend::new(executor, sessions, Tickets::new(settings.ticket_ttl));
    let mut server = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        server = server
            .tls_config(tls)
            .map_err(|e| format!("flight: TLS: {e}"))?;
    }
    server
        .add_service(FlightServiceServer::new(frontend).max_decoding_message_size(64 * 1024 * 1024))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown.cancelled())
        .await
        .map_err(|e| format!("flight: {e}"))
}
