//! SQL cursors: `DECLARE`, `FETCH`, `CLOSE` (psycopg's named cursors, SQLAlchemy's
//! `stream_results`, pandas' `chunksize` over them).
//!
//! A cursor is a portal, as in PostgreSQL: its query runs at DECLARE and its rows wait in the
//! connection's portal store, in a cursor portal started with the query's response, so that
//! the protocol's Describe of the cursor's name (psycopg asks it after DECLARE) finds it and
//! each FETCH pulls only the rows it asks for from the engine's stream. FETCH ALL passes the
//! rest of the stream on as it comes. The cursor holds its engine stream until CLOSE, the end
//! of its transaction (unless `WITH HOLD`) or of the connection, and dropping it stops the
//! engine's work.
//!
//! A FETCH is a statement: a cancel request or its `statement_timeout` stops the cursor's
//! query (57014), and a FETCH that failed closes its cursor, whose later FETCHes answer 34000
//! (PostgreSQL aborts the transaction instead; either way no later FETCH answers rows as if
//! none were lost).
//!
//! `MOVE` pulls the rows a FETCH would and drops them, counting. Left out: SCROLL and
//! BINARY cursors, backward fetches and moves (0A000).

use std::sync::Arc;

use datafusion::scalar::ScalarValue;
use futures::{Sink, StreamExt};
use junction_engines::Described;
use pgwire::api::portal::{Format, Portal, PortalExecutionState};
use pgwire::api::results::{QueryResponse, Response, Tag};
use pgwire::api::stmt::StoredStatement;
use pgwire::api::store::{MemPortalStore, PortalStore};
use pgwire::api::{ClientInfo, ClientPortalStore};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use sqlparser::ast::Statement;
use tokio_util::sync::CancellationToken;

use super::handler::{to_pg_error, PgHandler, Prepared};
use super::rows;
use crate::command::{Command, FetchCount};
use crate::error::GatewayError;
use crate::executor::Outcome;
use crate::session::{Cursor, Session};
use crate::stop::Stop;

/// The connection's portals, where cursors' rows wait.
fn portals<C>(client: &C) -> Result<&MemPortalStore<Prepared>, GatewayError>
where
    C: ClientPortalStore,
    C::PortalStore: PortalStore,
{
    client
        .portal_store()
        .as_any()
        .downcast_ref::<MemPortalStore<Prepared>>()
        .ok_or_else(|| GatewayError::Unsupported("a SQL cursor on this connection".into()))
}

/// Drops the portals of cursors the session closed.
pub fn drop_portals<C>(client: &C, names: &[String])
where
    C: ClientPortalStore,
    C::PortalStore: PortalStore,
{
    if let Ok(portals) = portals(client) {
        for name in names {
            portals.rm_portal(name);
        }
    }
}

impl PgHandler {
    /// `DECLARE name CURSOR FOR query`: runs the query and keeps its rows in a portal.
    pub(super) async fn declare<C>(
        &self,
        client: &mut C,
        session: &Arc<Session>,
        (name, query, hold): (String, Statement, bool),
        parameters: Vec<ScalarValue>,
    ) -> Result<Response, GatewayError>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send,
        C::PortalStore: PortalStore,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !hold && !session.in_transaction() {
            return Err(GatewayError::NoTransactionBlock);
        }
        if session.cursor(&name).is_ok() {
            return Err(GatewayError::DuplicateCursor(name));
        }
        let portals = portals(client)?;
        let stop = Stop::new(session.start_statement());
        let outcome = tokio::select! {
            biased;
            e = stop.stopped() => Err(e),
            outcome = self.executor().declare(Arc::clone(session), query, parameters) => outcome,
        }?;
        let Outcome::Rows { stream, .. } = outcome else {
            return Err(GatewayError::Unsupported(
                "a cursor over a statement without rows".into(),
            ));
        };
        let schema = stream.schema();
        let style = rows::TextStyle {
            extra_float_digits: session.extra_float_digits(),
            time_zone: session.time_zone(),
        };
        // The cursor's rows are pulled by later statements, each FETCH watching for its own
        // cancel and timeout (see `fetch`).
        let cursor_stop = Stop::new(CancellationToken::new());
        let response = rows::response(
            stream,
            &Format::UnifiedText,
            style,
            cursor_stop.clone(),
            CancellationToken::new().drop_guard(),
            session.activity().query_id(),
        )
        .map_err(|e| GatewayError::Unsupported(format!("a cursor's rows: {e}")))?;
        let fetch_all = Prepared::Command {
            command: Command::Fetch {
                name: name.clone(),
                count: FetchCount::All,
            },
            described: Some(Described {
                schema: Arc::clone(&schema),
                parameters: Vec::new(),
            }),
            sql: Arc::from(format!("FETCH ALL IN {name}")),
        };
        let portal = Portal::new_cursor(
            name.clone(),
            Arc::new(StoredStatement::new(name.clone(), fetch_all, Vec::new())),
        );
        portal.start(response).await;
        session.open_cursor(
            &name,
            Cursor {
                hold,
                schema,
                stop: cursor_stop,
            },
        )?;
        portals.put_portal(Arc::new(portal));
        Ok(Response::Execution(Tag::new("DECLARE CURSOR")))
    }
}

/// `FETCH count FROM name`: the next `count` rows of the cursor, or all that are left,
/// streamed as they come. An error of the cursor's query (a row it cannot compute) comes
/// back with its own SQLSTATE.
pub async fn fetch<C>(
    client: &C,
    session: &Session,
    name: &str,
    count: FetchCount,
    format: &Format,
) -> PgWireResult<Response>
where
    C: ClientPortalStore,
    C::PortalStore: PortalStore,
{
    let cursor = session.cursor(name).map_err(|e| to_pg_error(&e))?;
    let binary = match format {
        Format::UnifiedText => false,
        Format::UnifiedBinary => true,
        Format::Individual(codes) => codes.iter().any(|c| *c != 0),
    };
    if binary {
        return Err(to_pg_error(&GatewayError::Unsupported(
            "binary results from a cursor (its rows are text)".into(),
        )));
    }
    let portal = portals(client)
        .map_err(|e| to_pg_error(&e))?
        .get_portal(name)
        .ok_or_else(|| to_pg_error(&GatewayError::UnknownCursor(name.to_owned())))?;
    let fields = Arc::new(rows::fields(&cursor.schema, &Format::UnifiedText)?);
    let watch = cursor.stop.watch(
        session.start_statement().cancelled_owned(),
        session.statement_timeout(),
    );
    let rest = match count {
        FetchCount::All => {
            let state = portal.state();
            let mut state = state.lock().await;
            match std::mem::replace(&mut *state, PortalExecutionState::Finished) {
                PortalExecutionState::Suspended(mut response) => {
                    // The rest streams after this returns: the watch goes with it.
                    let rows = std::mem::replace(
                        &mut response.data_rows,
                        Box::pin(futures::stream::empty()),
                    );
                    response.data_rows = Box::pin(rows.map(move |row| {
                        let _watching = &watch;
                        row
                    }));
                    Some(response)
                }
                _ => None,
            }
        }
        FetchCount::Rows(n) => match portal.fetch(n).await {
            Ok(fetched) => Some(fetched.response),
            Err(e) => {
                drop_portals(
                    client,
                    &session.close_cursors(Some(name)).unwrap_or_default(),
                );
                return Err(e);
            }
        },
    };
    let mut response = match rest {
        // A finished cursor answers no rows, under its own columns.
        Some(response) if !response.row_schema.is_empty() => response,
        _ => QueryResponse::new(fields, futures::stream::empty()),
    };
    response.set_command_tag("FETCH");
    Ok(Response::Query(response))
}

/// `MOVE count FROM name`: the next `count` rows of the cursor, or all that are left, pulled
/// from the engine and dropped; the tag says how many there were.
pub async fn skip<C>(
    client: &C,
    session: &Session,
    name: &str,
    count: FetchCount,
) -> PgWireResult<Response>
where
    C: ClientPortalStore,
    C::PortalStore: PortalStore,
{
    let response = fetch(client, session, name, count, &Format::UnifiedText).await?;
    let Response::Query(mut response) = response else {
        return Ok(Response::Execution(Tag::new("MOVE").with_rows(0)));
    };
    let mut moved = 0;
    while let Some(row) = response.data_rows.next().await {
        if let Err(e) = row {
            // As a failed FETCH does, the failure closes the cursor.
            drop_portals(
                client,
                &session.close_cursors(Some(name)).unwrap_or_default(),
            );
            return Err(e);
        }
        moved += 1;
    }
    Ok(Response::Execution(Tag::new("MOVE").with_rows(moved)))
}

/// `CLOSE name` or `CLOSE ALL`.
pub fn close<C>(client: &C, session: &Session, name: Option<&str>) -> Result<Response, GatewayError>
where
    C: ClientPortalStore,
    C::PortalStore: PortalStore,
{
    let closed = session.close_cursors(name)?;
    drop_portals(client, &closed);
    Ok(Response::Execution(Tag::new(match name {
        Some(_) => "CLOSE CURSOR",
        None => "CLOSE CURSOR ALL",
    })))
}
