//! Connection startup: TLS as `[server] tls_required` says, SCRAM-SHA-256 when there are
//! `[[user]]` entries ([`crate::auth::Authenticator`] decides; no password otherwise), the
//! database name selects the catalog, and the server announces its identity.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::auth::{
    finish_authentication, protocol_negotiation, save_startup_parameters_to_metadata,
    ServerParameterProvider, StartupHandler,
};
use pgwire::api::{ClientInfo, PgWireConnectionState, METADATA_DATABASE, METADATA_USER};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::startup::{Authentication, SecretKey};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};

use super::handler::to_pg_fatal;
use super::handler::PgHandler;
use crate::activity::Origin;
use crate::auth::{failed_login, ScramExchange};
use crate::error::GatewayError;
use crate::metrics::Frontend;
use crate::session::{next_backend_pid, split_list, Session};

/// Startup parameters a client may send that are settings (`options=-c x=y` included).
fn startup_settings(metadata: &HashMap<String, String>) -> Vec<(String, String)> {
    let mut settings: Vec<(String, String)> = metadata
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "user" | "database" | "options" | "replication"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(options) = metadata.get("options") {
        let mut words = options.split_whitespace();
        while let Some(word) = words.next() {
            let assignment = match word {
                "-c" => words.next(),
                w => w.strip_prefix("-c").or_else(|| w.strip_prefix("--")),
            };
            if let Some((k, v)) = assignment.and_then(|a| a.split_once('=')) {
                settings.push((k.replace('-', "_"), v.to_owned()));
            }
        }
    }
    settings
}

struct SessionParameters(Vec<(String, String)>);

impl ServerParameterProvider for SessionParameters {
    fn server_parameters<C: ClientInfo>(&self, _client: &C) -> Option<HashMap<String, String>> {
        Some(self.0.iter().cloned().collect())
    }
}

/// A pg login between its startup message and the end of its SCRAM exchange. The user and
/// the transport are the connection's own, read from it at each step.
enum Login {
    /// SASL mechanisms offered; the client-first message is next.
    Offered,
    /// Server-first sent; the client-final message is next.
    Challenged(Box<ScramExchange>),
}

/// The connection's login in progress (a session extension: one per connection).
struct PendingLogin(std::sync::Mutex<Option<Login>>);

impl PendingLogin {
    fn take(&self) -> Option<Login> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn set(&self, login: Login) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(login);
    }
}

#[async_trait]
impl StartupHandler for PgHandler {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                // Counted from here, as PostgreSQL counts backends: a CancelRequest's
                // connection, which never starts up, takes no place.
                let place = self.executor().admission().connect().map_err(|e| {
                    self.executor().metrics().refused("max_connections");
                    to_pg_fatal(&e)
                })?;
                client.session_extensions().insert(place);
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                let user = login_user(client);
                let secure = client.is_secure();
                let database = client.metadata().get(METADATA_DATABASE).cloned();
                self.authenticator()
                    .admit_transport(
                        secure,
                        &client.socket_addr().ip().to_string(),
                        &user,
                        database.as_deref().unwrap_or(&user),
                    )
                    .map_err(|e| to_pg_fatal(&e))?;
                if !self.authenticator().requires_password() {
                    self.authenticator()
                        .authenticate(&user, None)
                        .map_err(|e| to_pg_fatal(&e))?;
                    return self.open_session(client, user).await;
                }
                let mechanisms = self.authenticator().mechanisms(secure);
                client
                    .session_extensions()
                    .insert(PendingLogin(std::sync::Mutex::new(Some(Login::Offered))));
                client.set_state(PgWireConnectionState::AuthenticationInProgress);
                client
                    .send(PgWireBackendMessage::Authentication(Authentication::SASL(
                        mechanisms,
                    )))
                    .await?;
                Ok(())
            }
            PgWireFrontendMessage::PasswordMessageFamily(message) => {
                let pending = client.session_extensions().get::<PendingLogin>();
                let fail = |e: GatewayError| async move { to_pg_fatal(&failed_login(e).await) };
                match pending.as_deref().and_then(PendingLogin::take) {
                    Some(Login::Offered) => {
                        let first = message.into_sasl_initial_response()?;
                        let started = self.authenticator().start_scram(
                            &login_user(client),
                            client.is_secure(),
                            &first.auth_method,
                            first.data.as_deref().unwrap_or_default(),
                        );
                        let (exchange, server_first) = match started {
                            Ok(started) => started,
                            Err(e) => return Err(fail(e).await),
                        };
                        if let Some(pending) = &pending {
                            pending.set(Login::Challenged(Box::new(exchange)));
                        }
                        client
                            .send(PgWireBackendMessage::Authentication(
                                Authentication::SASLContinue(server_first.into()),
                            ))
                            .await?;
                        Ok(())
                    }
                    Some(Login::Challenged(exchange)) => {
                        let last = message.into_sasl_response()?;
                        let server_final = match exchange.finish(&last.data) {
                            Ok(server_final) => server_final,
                            Err(e) => return Err(fail(e).await),
                        };
                        client
                            .feed(PgWireBackendMessage::Authentication(
                                Authentication::SASLFinal(server_final.into()),
                            ))
                            .await?;
                        let user = login_user(client);
                        self.open_session(client, user).await
                    }
                    None => Err(to_pg_fatal(&GatewayError::AuthProtocol(
                        "unexpected password message: no authentication is in progress".to_owned(),
                    ))),
                }
            }
            _ => Ok(()),
        }
    }
}

/// The user a connection named in its startup message.
fn login_user<C: ClientInfo>(client: &C) -> String {
    client
        .metadata()
        .get(METADATA_USER)
        .cloned()
        .unwrap_or_else(|| "junction".to_owned())
}

impl PgHandler {
    /// The authenticated connection's session: its catalog from the database name, its
    /// startup settings, its cancel key; then AuthenticationOk and ReadyForQuery.
    async fn open_session<C>(&self, client: &mut C, user: String) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let database = client.metadata().get(METADATA_DATABASE).cloned();
        let catalogs = self.executor().router().catalogs();
        let catalog = catalogs.for_database(database.as_deref()).name().to_owned();

        let pid = next_backend_pid();
        let secret = SecretKey::I32(rand::random::<i32>());
        client.set_pid_and_secret_key(pid, secret.clone());

        let defaults = Arc::clone(self.executor().session_defaults());
        let origin = Origin::new(Frontend::Pg, Some(client.socket_addr()));
        let mut session = Session::new(origin, user, catalog, pid, defaults);
        if let Some(ended) = self.sockets().ender(&client.socket_addr()) {
            session = session.ending_with(ended);
        }
        let session = Arc::new(session);
        self.executor().sessions().register(&session);
        for (name, value) in startup_settings(client.metadata()) {
            // Unknown startup settings are ignored rather than fatal: drivers send
            // options of newer servers.
            let value = if name == "search_path" {
                split_list(&value).join(", ")
            } else {
                value
            };
            if let Err(e) = session.set(&name, &value, self.executor().engine_names()) {
                tracing::debug!(%name, error = %e, "startup setting ignored");
            }
        }
        if let Some(socket) = self.sockets().get(&client.socket_addr()) {
            client.session_extensions().insert(socket);
        }
        let guard = self.cancel_registry().register(pid, &secret, &session);
        client.session_extensions().insert(guard);
        let parameters = SessionParameters(session.reported_settings());
        client.session_extensions().insert(session);
        finish_authentication(client, &parameters).await
    }
}
