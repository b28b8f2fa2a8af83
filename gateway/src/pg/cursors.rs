//! SQL cursors: `DECLARE`, `FETCH`, `CLOSE` (psycopg's named cursors, SQLAlchemy's
//! `stream_results`, pandas' `chunksize` over them).
//!
//! A cursor's query runs at DECLARE and its engine stream waits in the session's cursor; a
//! portal of the cursor's name is kept as well, as in PostgreSQL, so that the protocol's
//! Describe of it (psycopg asks it after DECLARE) finds it. Each FETCH pulls only the rows it
//! asks for from the stream and encodes them in the format it asks for (text, or binary for a
//! `BINARY` cursor read by a simple query and for psycopg's binary cursors); FETCH ALL passes
//! the rest of the stream on as it comes. The cursor holds its engine stream until CLOSE, the
//! end of its transaction (unless `WITH HOLD`) or of the connection, and dropping it stops the
//! engine's work.
//!
//! A FETCH is a statement: a cancel request or its `statement_timeout` stops the cursor's
//! query (57014), and a FETCH that failed closes its cursor, whose later FETCHes answer 34000
//! (PostgreSQL aborts the transaction instead; either way no later FETCH answers rows as if
//! none were lost).
//!
//! `MOVE` pulls the rows a FETCH would and drops them, counting. Left out: SCROLL cursors,
//! backward fetches and moves (0A000).

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::scalar::ScalarValue;
use futures::{Sink, StreamExt};
use junction_engines::Described;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::results::{Response, Tag};
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
use crate::session::{Cursor, CursorRows, Session};
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
    /// `DECLARE name CURSOR FOR query`: runs the query and keeps its stream in the session's
    /// cursor, beside a portal of its name for Describe.
    pub(super) async fn declare<C>(
        &self,
        client: &mut C,
        session: &Arc<Session>,
        (name, query, hold, binary): (String, Statement, bool, bool),
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
        session.open_cursor(
            &name,
            Cursor {
                hold,
                binary,
                schema,
                // The cursor's rows are pulled by later statements, each FETCH watching for
                // its own cancel and timeout (see `fetch`).
                stop: Stop::new(CancellationToken::new()),
                rows: Arc::new(tokio::sync::Mutex::new(CursorRows {
                    pending: None,
                    stream: Some(stream),
                })),
            },
        )?;
        portals.put_portal(Arc::new(portal));
        Ok(Response::Execution(Tag::new("DECLARE CURSOR")))
    }
}

/// Pulls up to `wanted` rows of `rows` and hands each batch of them to `each`; fewer at the
/// end of the cursor's query.
async fn pull_rows(
    rows: &mut CursorRows,
    wanted: usize,
    stop: &Stop,
    mut each: impl FnMut(RecordBatch),
) -> Result<(), GatewayError> {
    let mut left = wanted;
    while left > 0 {
        let batch = match rows.pending.take() {
            Some(batch) => batch,
            None => {
                let Some(stream) = rows.stream.as_mut() else {
                    break;
                };
                let next = tokio::select! {
                    biased;
                    e = stop.stopped() => return Err(e),
                    next = stream.next() => next,
                };
                match next {
                    Some(Ok(batch)) => batch,
                    Some(Err(e)) => return Err(crate::workers::stream_error(e)),
                    None => {
                        rows.stream = None;
                        break;
                    }
                }
            }
        };
        if batch.num_rows() > left {
            rows.pending = Some(batch.slice(left, batch.num_rows() - left));
            each(batch.slice(0, left));
            left = 0;
        } else {
            left -= batch.num_rows();
            each(batch);
        }
    }
    Ok(())
}

/// Closes the cursor `name` after its query failed: no later FETCH may answer rows as if
/// none were lost.
fn close_failed<C>(client: &C, session: &Session, name: &str)
where
    C: ClientPortalStore,
    C::PortalStore: PortalStore,
{
    drop_portals(
        client,
        &session.close_cursors(Some(name)).unwrap_or_default(),
    );
}

/// `FETCH count FROM name`: the next `count` rows of the cursor, or all that are left,
/// streamed as they come. An error of the cursor's query (a row it cannot compute) comes
/// back with its own SQLSTATE.
pub async fn fetch<C>(
    client: &C,
    session: &Session,
    name: &str,
    count: FetchCount,
    format: Option<&Format>,
) -> PgWireResult<Response>
where
    C: ClientPortalStore,
    C::PortalStore: PortalStore,
{
    let cursor = session.cursor(name).map_err(|e| to_pg_error(&e))?;
    // A simple query's FETCH reads a BINARY cursor in binary; the extended protocol's asks
    // for its format in Bind, whatever the cursor.
    let format = match format {
        Some(format) => format.clone(),
        None if cursor.binary => Format::UnifiedBinary,
        None => Format::UnifiedText,
    };
    let watch = cursor.stop.watch(
        session.start_statement().cancelled_owned(),
        session.statement_timeout(),
    );
    let batches: SendableRecordBatchStream = {
        let mut rows = cursor.rows.lock().await;
        match count {
            FetchCount::Rows(n) => {
                let mut taken = Vec::new();
                if let Err(e) = pull_rows(&mut rows, n, &cursor.stop, |b| taken.push(b)).await {
                    drop(rows);
                    close_failed(client, session, name);
                    return Err(to_pg_error(&e));
                }
                Box::pin(RecordBatchStreamAdapter::new(
                    Arc::clone(&cursor.schema),
                    futures::stream::iter(
                        taken
                            .into_iter()
                            .map(Ok::<_, datafusion::error::DataFusionError>),
                    ),
                ))
            }
            FetchCount::All => {
                let pending = futures::stream::iter(
                    rows.pending
                        .take()
                        .map(Ok::<_, datafusion::error::DataFusionError>),
                );
                let rest: futures::stream::BoxStream<'static, _> = match rows.stream.take() {
                    Some(stream) => Box::pin(stream),
                    None => Box::pin(futures::stream::empty()),
                };
                // The rest streams after this returns: the watch goes with it.
                let rest = rest.map(move |batch| {
                    let _watching = &watch;
                    batch
                });
                Box::pin(RecordBatchStreamAdapter::new(
                    Arc::clone(&cursor.schema),
                    pending.chain(rest),
                ))
            }
        }
    };
    let style = rows::TextStyle {
        extra_float_digits: session.extra_float_digits(),
        time_zone: session.time_zone(),
    };
    let mut response = rows::response(
        batches,
        &format,
        style,
        cursor.stop.clone(),
        CancellationToken::new().drop_guard(),
        session.activity().query_id(),
    )?;
    response.set_command_tag("FETCH");
    Ok(Response::Query(response))
}

/// `MOVE count FROM name`: the next `count` rows of the cursor, or all that are left, pulled
/// from the engine and dropped, never encoded; the tag says how many there were.
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
    let cursor = session.cursor(name).map_err(|e| to_pg_error(&e))?;
    let _watching = cursor.stop.watch(
        session.start_statement().cancelled_owned(),
        session.statement_timeout(),
    );
    let wanted = match count {
        FetchCount::Rows(n) => n,
        FetchCount::All => usize::MAX,
    };
    let mut moved = 0;
    let pulled = {
        let mut rows = cursor.rows.lock().await;
        pull_rows(&mut rows, wanted, &cursor.stop, |b| moved += b.num_rows()).await
    };
    if let Err(e) = pulled {
        close_failed(client, session, name);
        return Err(to_pg_error(&e));
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
