//! The PostgreSQL wire front end (pgwire), with Arrow-to-pg encoding by arrow-pg.

mod binary_rows;
mod cancel;
mod client_socket;
mod cursors;
mod handler;
mod numeric_wire;
mod portal;
mod rows;
mod startup;
mod text;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;

use pgwire::api::PgWireServerHandlers;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::auth::Authenticator;
use crate::executor::Executor;
pub use binary_rows::OutOfRange;
pub use cancel::CancelRegistry;
use handler::PgHandler;

/// Everything one pg connection needs.
struct PgFrontend {
    handler: Arc<PgHandler>,
    cancel: Arc<CancelRegistry>,
}

impl PgWireServerHandlers for PgFrontend {
    fn simple_query_handler(&self) -> Arc<impl pgwire::api::query::SimpleQueryHandler> {
        Arc::clone(&self.handler)
    }

    fn extended_query_handler(&self) -> Arc<impl pgwire::api::query::ExtendedQueryHandler> {
        Arc::clone(&self.handler)
    }

    fn startup_handler(&self) -> Arc<impl pgwire::api::auth::StartupHandler> {
        Arc::clone(&self.handler)
    }

    fn cancel_handler(&self) -> Arc<impl pgwire::api::cancel::CancelHandler> {
        Arc::clone(&self.cancel)
    }
}

/// Serves pg connections from `listener` until `shutdown` fires.
pub async fn serve(
    listener: TcpListener,
    executor: Arc<Executor>,
    authenticator: Arc<Authenticator>,
    tls: Option<pgwire::tokio::TlsAcceptor>,
    shutdown: CancellationToken,
) {
    let cancel = Arc::new(CancelRegistry::default());
    let sockets = Arc::new(client_socket::Sockets::default());
    let frontend = Arc::new(PgFrontend {
        handler: Arc::new(PgHandler::new(
            executor,
            authenticator,
            Arc::clone(&cancel),
            Arc::clone(&sockets),
        )),
        cancel,
    });
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((socket, peer)) => {
                let frontend = Arc::clone(&frontend);
                let sockets = Arc::clone(&sockets);
                let ended = sockets.insert(peer, std::os::fd::AsRawFd::as_raw_fd(&socket));
                // The last word is written to the raw socket: not where TLS may be spoken.
                let last_word = match tls {
                    Some(_) => None,
                    None => client_socket::LastWord::of(&socket),
                };
                let tls = tls.clone();
                tokio::spawn(async move {
                    let served =
                        AssertUnwindSafe(pgwire::tokio::process_socket(socket, tls, frontend))
                            .catch_unwind();
                    let served = tokio::select! {
                        served = served => served,
                        // pg_terminate_backend: the session's statement has stopped; the
                        // client hears why as its connection closes.
                        () = ended.cancelled() => {
                            if let Some(last_word) = last_word {
                                last_word.terminated();
                            }
                            sockets.remove(&peer);
                            return;
                        }
                    };
                    // A broken connection ends only itself.
                    match served {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "pg connection ended with an error");
                        }
                        // vendor/pgwire answers a malformed message with 08P01 itself; a
                        // panic still possible in pgwire or a handler ends this connection
                        // only, and the client hears why rather than a silent close.
                        Err(_) => {
                            tracing::warn!(%peer, "a malformed message ended a pg connection");
                            if let Some(last_word) = last_word {
                                last_word.protocol_violation();
                            }
                        }
                    }
                    sockets.remove(&peer);
                });
            }
            Err(e) => tracing::warn!(error = %e, "accepting a pg connection failed"),
        }
    }
}
