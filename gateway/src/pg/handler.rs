//! Simple and extended query protocol handlers.

use std::fmt::Debug;
use std::sync::Arc;

use arrow_pg::datatypes::df::deserialize_parameters;
use arrow_pg::datatypes::into_pg_type;
use async_trait::async_trait;
use futures::{Sink, SinkExt};
use junction_engines::Described;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{FieldInfo, Response, Tag};
use pgwire::api::stmt::QueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::extendedquery::Execute;
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;
use tokio_util::sync::CancellationToken;

use super::cancel::CancelRegistry;
use super::client_socket::{ClientSocket, Sockets};
use super::cursors;
use super::portal;
use super::rows;
use crate::auth::Authenticator;
use crate::command::Command;
use crate::error::GatewayError;
use crate::executor::{Executor, Outcome};
use crate::session::Session;
use crate::stop::Stop;

/// A pg ErrorResponse for `e`, with its SQLSTATE.
pub fn to_pg_error(e: &GatewayError) -> PgWireError {
    statement_error(e, None)
}

/// A pg ErrorResponse for `e`, raised by the statement fingerprinted `query_id` once it was
/// routed.
pub fn statement_error(e: &GatewayError, query_id: Option<i64>) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(e, query_id)))
}

/// A FATAL ErrorResponse for `e`: the connection ends (a refused login).
pub fn to_pg_fatal(e: &GatewayError) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".to_owned(),
        e.sqlstate().to_owned(),
        e.client_message(),
    )))
}

/// Handles every pg connection's queries; per-connection state is the [`Session`] kept in
/// the connection's extensions.
#[derive(Debug)]
pub struct PgHandler {
    executor: Arc<Executor>,
    authenticator: Arc<Authenticator>,
    cancel: Arc<CancelRegistry>,
    parser: Arc<StatementParser>,
    sockets: Arc<Sockets>,
}

impl PgHandler {
    pub fn new(
        executor: Arc<Executor>,
        authenticator: Arc<Authenticator>,
        cancel: Arc<CancelRegistry>,
        sockets: Arc<Sockets>,
    ) -> Self {
        let parser = Arc::new(StatementParser {
            executor: Arc::clone(&executor),
        });
        Self {
            executor,
            authenticator,
            cancel,
            parser,
            sockets,
        }
    }

    /// The sockets of live connections, by peer address.
    pub fn sockets(&self) -> &Sockets {
        &self.sockets
    }

    pub fn authenticator(&self) -> &Authenticator {
        &self.authenticator
    }

    pub fn executor(&self) -> &Arc<Executor> {
        &self.executor
    }

    pub fn cancel_registry(&self) -> &Arc<CancelRegistry> {
        &self.cancel
    }

    /// Runs `command` and turns its outcome into a pg response, sending ParameterStatus
    /// for settings the client must hear about. `stopped` is the token of the message the
    /// command came in, which a cancel request fires; `format` is Bind's result format, `None`
    /// for a simple query.
    async fn respond<C>(
        &self,
        client: &mut C,
        session: &Arc<Session>,
        command: Command,
        stopped: CancellationToken,
        parameters: Vec<datafusion::scalar::ScalarValue>,
        format: Option<&Format>,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send,
        C::PortalStore: PortalStore,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let failed = |e: GatewayError| {
            Response::Error(Box::new(error_info(&e, session.activity().query_id())))
        };
        let command = match command {
            Command::Declare {
                name,
                query,
                hold,
                binary,
            } => {
                let declared = self
                    .declare(client, session, (name, *query, hold, binary), parameters)
                    .await;
                return Ok(declared.unwrap_or_else(failed));
            }
            Command::Fetch { name, count } => {
                return match cursors::fetch(client, session, &name, count, format).await {
                    Err(PgWireError::UserError(error)) => Ok(Response::Error(error)),
                    fetched => fetched,
                };
            }
            Command::Move { name, count } => {
                return match cursors::skip(client, session, &name, count).await {
                    Err(PgWireError::UserError(error)) => Ok(Response::Error(error)),
                    moved => moved,
                };
            }
            Command::Close(name) => {
                return Ok(cursors::close(client, session, name.as_deref()).unwrap_or_else(failed))
            }
            other => other,
        };
        let stop = Stop::new(stopped);
        let socket = client
            .session_extensions()
            .get::<ClientSocket>()
            .map(|s| *s);
        let timeout = session.statement_timeout();
        // A client that hangs up stops its statement as a cancel does, and its timeout (also
        // while the client is slow to read the rows); the watch ends with the statement (its
        // rows sent, or its error).
        let gone = async move {
            match socket {
                Some(socket) => socket.closed().await,
                None => std::future::pending().await,
            }
        };
        let watching = stop.watch(gone, timeout);
        // An engine may work before its first batch (DuckDB runs blocking operators before
        // it reports a schema): a cancel drops that work too.
        let outcome = tokio::select! {
            biased;
            e = stop.stopped() => Err(e),
            outcome = self.executor.execute(Arc::clone(session), command, parameters) => outcome,
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(e) => return Ok(failed(e)),
        };
        let query_id = session.activity().query_id();
        Ok(match outcome {
            Outcome::Rows { stream, notices } => {
                for notice in notices {
                    let info = ErrorInfo::new("NOTICE".to_owned(), "01000".to_owned(), notice);
                    client
                        .send(PgWireBackendMessage::NoticeResponse(info.into()))
                        .await?;
                }
                let style = rows::TextStyle {
                    extra_float_digits: session.extra_float_digits(),
                    time_zone: session.time_zone(),
                };
                Response::Query(rows::response(
                    stream,
                    format.unwrap_or(&Format::UnifiedText),
                    style,
                    stop,
                    watching,
                    query_id,
                )?)
            }
            Outcome::Done { tag, reports } => {
                for (name, value) in reports {
                    client
                        .send(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                            name, value,
                        )))
                        .await?;
                }
                Response::Execution(Tag::new(tag))
            }
            Outcome::Begin => Response::TransactionStart(Tag::new("BEGIN")),
            Outcome::Commit | Outcome::Rollback => {
                // Cursors without WITH HOLD end with their transaction.
                cursors::drop_portals(client, &session.end_transaction_cursors());
                let tag = if matches!(outcome, Outcome::Commit) {
                    "COMMIT"
                } else {
                    "ROLLBACK"
                };
                Response::TransactionEnd(Tag::new(tag))
            }
        })
    }
}

/// `e` as an ErrorResponse. The DETAIL of an error from a routed statement names its query
/// id, the one pg_stat_activity, pg_stat_statements and the statement's log line carry, so
/// that an operator can find what a user reports (junction's own errors have no other DETAIL).
fn error_info(e: &GatewayError, query_id: Option<i64>) -> ErrorInfo {
    let mut info = ErrorInfo::new(
        "ERROR".to_owned(),
        e.sqlstate().to_owned(),
        e.client_message(),
    );
    info.hint = e.hint().map(str::to_owned);
    info.detail = query_id.map(|id| format!("query id {id}"));
    info
}

fn session_of<C: ClientInfo>(client: &C) -> PgWireResult<Arc<Session>> {
    client
        .session_extensions()
        .get::<Arc<Session>>()
        .map(|s| Arc::clone(&*s))
        .ok_or_else(|| {
            PgWireError::UserError(Box::new(ErrorInfo::new(
                "FATAL".to_owned(),
                "08P01".to_owned(),
                "query before startup completed".to_owned(),
            )))
        })
}

#[async_trait]
impl SimpleQueryHandler for PgHandler {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = session_of(client)?;
        // A cancel applies from the moment the message is read, as in PostgreSQL: parsing
        // waits for a worker, and under load a cancel sent 100 ms after its statement could
        // otherwise land before the statement started, and be lost. (Before pg_stat_activity
        // shows the text, so a cancel sent on seeing it applies.)
        let stopped = session.start_statement();
        session.received(query);
        let commands = match self.executor.parse(query).await {
            Ok(commands) => commands,
            Err(e) => return Ok(vec![Response::Error(Box::new(error_info(&e, None)))]),
        };
        if commands.is_empty() {
            return Ok(vec![Response::EmptyQuery]);
        }
        let mut responses = Vec::with_capacity(commands.len());
        for command in commands {
            let response = self
                .respond(client, &session, command, stopped.clone(), Vec::new(), None)
                .await?;
            // PostgreSQL stops a multi-statement query at its first error.
            let failed = matches!(response, Response::Error(_));
            responses.push(response);
            if failed {
                break;
            }
        }
        Ok(responses)
    }
}

/// A statement prepared by Parse: its command and, for queries, its shape.
#[derive(Debug, Clone)]
pub enum Prepared {
    Empty,
    Command {
        command: Command,
        described: Option<Described>,
        /// The text the client sent, for pg_stat_activity.
        sql: Arc<str>,
    },
}

/// Parses and describes statements for the extended protocol.
#[derive(Debug)]
pub struct StatementParser {
    executor: Arc<Executor>,
}

impl StatementParser {
    /// `sql` parsed into one command and described.
    async fn prepare(&self, session: &Arc<Session>, sql: &str) -> PgWireResult<Prepared> {
        let mut commands = self
            .executor
            .parse(sql)
            .await
            .map_err(|e| to_pg_error(&e))?;
        let command = match commands.len() {
            0 => return Ok(Prepared::Empty),
            1 => commands.remove(0),
            _ => {
                return Err(PgWireError::UserError(Box::new(ErrorInfo::new(
                    "ERROR".to_owned(),
                    "42601".to_owned(),
                    "cannot insert multiple commands into a prepared statement".to_owned(),
                ))))
            }
        };
        let described = self
            .executor
            .describe(Arc::clone(session), &command)
            .await
            .map_err(|e| to_pg_error(&e))?;
        Ok(Prepared::Command {
            command,
            described,
            sql: Arc::from(sql),
        })
    }
}

#[async_trait]
impl QueryParser for StatementParser {
    type Statement = Prepared;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Prepared>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let session = session_of(client)?;
        // A cancel applies while the statement is parsed and described (which waits for a
        // worker and resolves its tables), as PostgreSQL's does while it processes a Parse.
        let stop = Stop::new(session.start_statement());
        session.received(sql);
        tokio::select! {
            biased;
            e = stop.stopped() => Err(to_pg_error(&e)),
            prepared = self.prepare(&session, sql) => prepared,
        }
    }

    fn get_parameter_types(&self, statement: &Prepared) -> PgWireResult<Vec<Type>> {
        let Prepared::Command {
            described: Some(described),
            ..
        } = statement
        else {
            return Ok(Vec::new());
        };
        described
            .parameters
            .iter()
            .map(|p| match p {
                Some(ty) => into_pg_type(ty),
                // PostgreSQL resolves a parameter no context types as text.
                None => Ok(Type::TEXT),
            })
            .collect()
    }

    fn get_result_schema(
        &self,
        statement: &Prepared,
        format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        match statement {
            Prepared::Command {
                described: Some(described),
                ..
            } => rows::fields(&described.schema, format.unwrap_or(&Format::UnifiedText)),
            _ => Ok(Vec::new()),
        }
    }
}

#[async_trait]
impl ExtendedQueryHandler for PgHandler {
    type Statement = Prepared;
    type QueryParser = StatementParser;

    fn query_parser(&self) -> Arc<StatementParser> {
        Arc::clone(&self.parser)
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if portal::execute_streaming(self, client, &message).await? {
            return Ok(());
        }
        self._on_execute(client, message).await
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Prepared>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = session_of(client)?;
        let Prepared::Command {
            command,
            described,
            sql,
        } = &portal.statement.statement
        else {
            return Ok(Response::EmptyQuery);
        };
        let stopped = session.start_statement();
        session.received(sql);
        let parameters = match described {
            Some(described) => {
                let types: Vec<_> = described.parameters.iter().map(Option::as_ref).collect();
                let values = deserialize_parameters(portal, &types)?;
                match values {
                    datafusion::common::ParamValues::List(values) => {
                        values.into_iter().map(|v| v.value).collect()
                    }
                    datafusion::common::ParamValues::Map(_) => Vec::new(),
                }
            }
            None => Vec::new(),
        };
        self.respond(
            client,
            &session,
            command.clone(),
            stopped,
            parameters,
            Some(&portal.result_column_format),
        )
        .await
    }
}
