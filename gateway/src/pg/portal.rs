//! Execute without a row limit, streamed.
//!
//! pgwire 0.40's `Portal::fetch` gathers every row of an Execute whose row limit is 0 into
//! a Vec before sending the first, so a large result through the extended protocol (what
//! JDBC, asyncpg and psycopg use) would sit whole in the server's memory. Such Executes are
//! answered here instead, row by row as the engine produces them; Executes with a limit keep
//! pgwire's path, which holds at most that many rows.

use std::fmt::Debug;

use futures::{Sink, SinkExt};
use pgwire::api::portal::{Portal, PortalExecutionState};
use pgwire::api::query::{send_query_response, ExtendedQueryHandler};
use pgwire::api::results::Response;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState, DEFAULT_NAME};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::extendedquery::Execute;
use pgwire::messages::PgWireBackendMessage;

use super::handler::{PgHandler, Prepared};

/// Whether running `statement` yields rows, and nothing else happens when it runs: only
/// those may be answered outside pgwire's own Execute path.
fn returns_rows(statement: &Prepared) -> bool {
    matches!(statement, Prepared::Command { command, .. } if command.returns_rows())
}

/// Answers `message` if it is an Execute without a row limit of a query portal; returns
/// `false` when pgwire's own path should answer it.
pub async fn execute_streaming<C>(
    handler: &PgHandler,
    client: &mut C,
    message: &Execute,
) -> PgWireResult<bool>
where
    C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::PortalStore: PortalStore<Statement = Prepared>,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    if message.max_rows != 0 || !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
        return Ok(false);
    }
    let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
    let Some(portal) = client.portal_store().get_portal(name) else {
        return Ok(false);
    };
    let state = portal.state();
    let mut state = state.lock().await;
    // Whatever happens next, this Execute leaves the portal finished.
    let response = match std::mem::replace(&mut *state, PortalExecutionState::Finished) {
        PortalExecutionState::Suspended(response) => Some(response),
        PortalExecutionState::Initial if returns_rows(&portal.statement.statement) => None,
        other => {
            *state = other;
            return Ok(false);
        }
    };

    client.set_state(PgWireConnectionState::QueryInProgress);
    let result = match response {
        Some(response) => send_query_response(client, response, false).await,
        None => run(handler, client, &portal).await,
    };
    client.set_state(PgWireConnectionState::ReadyForQuery);
    result.map(|()| true)
}

/// Runs a fresh query portal and streams its rows, or sends its error.
async fn run<C>(handler: &PgHandler, client: &mut C, portal: &Portal<Prepared>) -> PgWireResult<()>
where
    C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::PortalStore: PortalStore<Statement = Prepared>,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    match handler.do_query(client, portal, 0).await? {
        Response::Query(response) => send_query_response(client, response, false).await,
        Response::Error(error) => {
            client
                .send(PgWireBackendMessage::ErrorResponse((*error).into()))
                .await?;
            let status = client.transaction_status().to_error_state();
            client.set_transaction_status(status);
            Ok(())
        }
        // A row-returning command answers with rows or an error; anything else is a bug.
        _ => Err(PgWireError::ApiError(
            "a query portal answered with neither rows nor an error".into(),
        )),
    }
}
