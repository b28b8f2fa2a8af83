//! The Flight SQL service: each RPC resolves its session, then answers through the shared
//! executor (statements) or the catalogs (metadata).

use std::sync::Arc;

use arrow::datatypes::Schema;
use arrow_flight::error::FlightError;
use arrow_flight::flight_service_server::FlightService;
use arrow_flight::sql::server::{FlightSqlService, PeekableFlightDataStream};
use arrow_flight::sql::{
    ActionBeginSavepointRequest, ActionBeginSavepointResult, ActionBeginTransactionRequest,
    ActionBeginTransactionResult, ActionCancelQueryRequest, ActionCancelQueryResult,
    ActionClosePreparedStatementRequest, ActionCreatePreparedStatementRequest,
    ActionCreatePreparedStatementResult, ActionEndSavepointRequest, ActionEndTransactionRequest,
    CommandGetCatalogs, CommandGetCrossReference, CommandGetDbSchemas, CommandGetExportedKeys,
    CommandGetImportedKeys, CommandGetPrimaryKeys, CommandGetSqlInfo, CommandGetTableTypes,
    CommandGetTables, CommandGetXdbcTypeInfo, CommandPreparedStatementQuery,
    CommandPreparedStatementUpdate, CommandStatementIngest, CommandStatementQuery,
    CommandStatementSubstraitPlan, CommandStatementUpdate, DoPutPreparedStatementResult,
    ProstMessageExt, SqlInfo, TicketStatementQuery,
};
use arrow_flight::{
    Action, ActionType, CancelFlightInfoRequest, CancelFlightInfoResult, CancelStatus,
    FlightDescriptor, FlightEndpoint, FlightInfo, HandshakeRequest, HandshakeResponse, IpcMessage,
    SchemaAsIpc, Ticket,
};
use bytes::Bytes;
use datafusion::physical_plan::EmptyRecordBatchStream;
use datafusion::scalar::ScalarValue;
use futures::{Stream, TryStreamExt};
use junction_catalogs::Catalogs;
use prost::Message;
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status, Streaming};

use super::binding;
use super::metadata;
use super::prepared::PreparedStatement;
use super::results::{self, FlightDataStream};
use super::sessions::{FlightSession, Resolved, Sessions};
use super::status::{statement_status, to_status};
use super::tickets::{Cancelled, Tickets};
use super::wire_types;
use crate::auth::failed_login;
use crate::command::Command;
use crate::error::GatewayError;
use crate::executor::{Executor, Outcome};
use crate::session::Session;
use crate::stop::Stop;

/// The request header that pins the session's engine, as `SET junction.engine` does.
pub const ENGINE_HEADER: &str = "x-junction-engine";

/// `ActionCancelQueryResult.CancelResult.CANCEL_RESULT_CANCELLED` (arrow-flight does not
/// export the enum).
const CANCEL_RESULT_CANCELLED: i32 = 1;

/// The standard Flight action a client may use instead of Flight SQL's CancelQuery.
const CANCEL_FLIGHT_INFO: &str = "CancelFlightInfo";

/// junction's Flight SQL service.
pub struct FlightFrontend {
    executor: Arc<Executor>,
    sessions: Sessions,
    tickets: Tickets,
}

fn status(e: GatewayError) -> Status {
    to_status(&e)
}

fn ipc_schema(schema: &Schema) -> Result<Bytes, Status> {
    let options = arrow::ipc::writer::IpcWriteOptions::default();
    let IpcMessage(bytes) = SchemaAsIpc::new(schema, &options)
        .try_into()
        .map_err(|e: arrow::error::ArrowError| Status::internal(e.to_string()))?;
    Ok(bytes)
}

/// A FlightInfo whose one endpoint's ticket is `ticket` (on this server).
fn flight_info(
    schema: &Schema,
    ticket: Ticket,
    descriptor: FlightDescriptor,
) -> Result<FlightInfo, Status> {
    Ok(FlightInfo::new()
        .try_with_schema(schema)
        .map_err(|e| Status::internal(e.to_string()))?
        .with_endpoint(FlightEndpoint::new().with_ticket(ticket))
        .with_descriptor(descriptor))
}

fn unsupported(what: &str) -> Status {
    status(GatewayError::Unsupported(format!(
        "{what} (junction is a read-only gateway)"
    )))
}

impl FlightFrontend {
    pub fn new(executor: Arc<Executor>, sessions: Sessions, tickets: Tickets) -> Self {
        Self {
            executor,
            sessions,
            tickets,
        }
    }

    /// The session of `request`, with the engine its `x-junction-engine` header pins.
    async fn session<T>(&self, request: &Request<T>) -> Result<Resolved, Status> {
        let resolved = match self.sessions.resolve(request.metadata()) {
            Ok(resolved) => resolved,
            Err(e) if e.sqlstate().starts_with("28") => return Err(status(failed_login(e).await)),
            Err(e) => return Err(status(e)),
        };
        if let Some(engine) = request.metadata().get(ENGINE_HEADER) {
            let engine = engine.to_str().map_err(|_| {
                status(GatewayError::BadSettingValue {
                    name: ENGINE_HEADER.to_owned(),
                    value: "(not ASCII)".to_owned(),
                    hint: String::new(),
                })
            })?;
            resolved
                .session
                .session
                .set("junction.engine", engine, self.executor.engine_names())
                .map_err(status)?;
        }
        Ok(resolved)
    }

    /// The one statement of `sql`, whose `?` parameter markers are `$1`, `$2`, ..., sent in
    /// `session`.
    async fn one_command(&self, session: &Session, sql: &str) -> Result<Command, Status> {
        session.received(sql);
        let sql = junction_transpiler::number_question_marks(sql)
            .map_err(|e| status(GatewayError::from(e)))?;
        let mut commands = self.executor.parse(&sql).await.map_err(status)?;
        match commands.len() {
            1 => Ok(commands.remove(0)),
            0 => Err(status(GatewayError::StatementCount(
                "the request holds no SQL statement".to_owned(),
            ))),
            n => Err(status(GatewayError::StatementCount(format!(
                "the request holds {n} SQL statements; send one per request"
            )))),
        }
    }

    /// GetFlightInfo for a statement: a ticket for rows, or, for a command that returns
    /// none (SET, RESET), its effect now and a FlightInfo without endpoints.
    async fn statement_info(
        &self,
        session: &Arc<FlightSession>,
        command: Command,
        described: Option<junction_engines::Described>,
        parameters: Vec<ScalarValue>,
        descriptor: FlightDescriptor,
    ) -> Result<FlightInfo, Status> {
        if let Some(described) = described {
            let schema = Arc::clone(&described.schema);
            let ticket = self
                .tickets
                .issue(&session.token, command, parameters, described.schema);
            return flight_info(&schema, ticket, descriptor);
        }
        match self
            .executor
            .execute(Arc::clone(session), command, parameters)
            .await
            .map_err(status)?
        {
            Outcome::Rows { .. } => Err(Status::internal(
                "a command without a result shape returned rows",
            )),
            Outcome::Done { .. } | Outcome::Begin | Outcome::Commit | Outcome::Rollback => {
                FlightInfo::new()
                    .try_with_schema(&Schema::empty())
                    .map(|info| info.with_descriptor(descriptor))
                    .map_err(|e| Status::internal(e.to_string()))
            }
        }
    }

    fn prepared(
        &self,
        session: &FlightSession,
        handle: &Bytes,
    ) -> Result<Arc<PreparedStatement>, Status> {
        session.prepared().get(handle).cloned().ok_or_else(|| {
            status(GatewayError::UnknownHandle(
                "prepared statement does not exist in this session (closed, or made by \
                 another session)"
                    .to_owned(),
            ))
        })
    }

    /// The session of `request` and its catalogs as its user sees them, for a listing.
    async fn session_with_catalogs<T>(
        &self,
        request: &Request<T>,
    ) -> Result<(Resolved, Catalogs), Status> {
        let resolved = self.session(request).await?;
        let catalogs = self
            .executor
            .session_catalogs(&resolved.session.session)
            .await;
        Ok((resolved, catalogs))
    }

    /// A metadata command's FlightInfo: the command itself is the ticket, as it holds
    /// everything DoGet needs and nothing of a session.
    async fn metadata_info(
        &self,
        request: Request<FlightDescriptor>,
        command: &impl ProstMessageExt,
        schema: &Schema,
    ) -> Result<Response<FlightInfo>, Status> {
        let resolved = self.session(&request).await?;
        let ticket = Ticket::new(command.as_any().encode_to_vec());
        let info = flight_info(schema, ticket, request.into_inner())?;
        Ok(respond(&resolved, info))
    }

    /// An empty key listing (lake tables declare no keys), for the session of `request`.
    async fn no_keys<T>(
        &self,
        request: &Request<T>,
        schema: &arrow::datatypes::SchemaRef,
    ) -> Result<Response<FlightDataStream>, Status> {
        let resolved = self.session(request).await?;
        batch_response(&resolved, Ok(metadata::no_keys(schema)))
    }

    /// Cancels what `info`'s tickets stand for, in the session of `request`.
    async fn cancel<T>(&self, request: &Request<T>, info: &FlightInfo) -> Result<(), Status> {
        let resolved = self.session(request).await?;
        match self.tickets.cancel(info, &resolved.session.token) {
            Cancelled::Yes => Ok(()),
            Cancelled::Unknown => Err(status(GatewayError::UnknownHandle(
                "no waiting or running query of this session matches the FlightInfo (it \
                 finished, expired, or belongs to another session)"
                    .to_owned(),
            ))),
        }
    }
}

/// A metadata answer as a one-batch stream.
fn batch_response(
    resolved: &Resolved,
    batch: Result<arrow::array::RecordBatch, GatewayError>,
) -> Result<Response<FlightDataStream>, Status> {
    Ok(respond(
        resolved,
        results::one_batch(batch.map_err(status)?),
    ))
}

/// Tells the client of `response` its session's bearer token.
fn with_token<T>(mut response: Response<T>, token: &str) -> Response<T> {
    // Tokens are URL-safe base64, always a valid header value.
    if let Ok(header) = MetadataValue::try_from(format!("Bearer {token}")) {
        response.metadata_mut().insert("authorization", header);
    }
    response
}

/// `value` as a response that tells a client whose session was just opened its token.
fn respond<T>(resolved: &Resolved, value: T) -> Response<T> {
    let response = Response::new(value);
    if resolved.opened {
        with_token(response, &resolved.session.token)
    } else {
        response
    }
}

#[tonic::async_trait]
impl FlightSqlService for FlightFrontend {
    type FlightService = FlightFrontend;

    async fn do_handshake(
        &self,
        request: Request<Streaming<HandshakeRequest>>,
    ) -> Result<
        Response<std::pin::Pin<Box<dyn Stream<Item = Result<HandshakeResponse, Status>> + Send>>>,
        Status,
    > {
        let resolved = self.session(&request).await?;
        let token = &resolved.session.token;
        let reply = HandshakeResponse {
            protocol_version: 0,
            payload: Bytes::from(token.clone()),
        };
        let stream: std::pin::Pin<
            Box<dyn Stream<Item = Result<HandshakeResponse, Status>> + Send>,
        > = Box::pin(futures::stream::once(async { Ok(reply) }));
        // The handshake always answers with the token, also to a client that had one.
        Ok(with_token(Response::new(stream), token))
    }

    async fn get_flight_info_statement(
        &self,
        query: CommandStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let resolved = self.session(&request).await?;
        let session = &resolved.session;
        let command = self.one_command(&session.session, &query.query).await?;
        let described = self
            .executor
            .describe(Arc::clone(session), &command)
            .await
            .map_err(status)?
            .map(wire_types::classic_described);
        let info = self
            .statement_info(
                session,
                command,
                described,
                Vec::new(),
                request.into_inner(),
            )
            .await?;
        Ok(respond(&resolved, info))
    }

    async fn get_flight_info_substrait_plan(
        &self,
        _query: CommandStatementSubstraitPlan,
        _request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        Err(status(GatewayError::Unsupported(
            "Substrait plans (send SQL)".to_owned(),
        )))
    }

    async fn get_flight_info_prepared_statement(
        &self,
        query: CommandPreparedStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let resolved = self.session(&request).await?;
        let session = &resolved.session;
        let prepared = self.prepared(session, &query.prepared_statement_handle)?;
        let parameters = prepared.parameters().map_err(status)?;
        let info = self
            .statement_info(
                session,
                prepared.command.clone(),
                prepared.described.clone(),
                parameters,
                request.into_inner(),
            )
            .await?;
        Ok(respond(&resolved, info))
    }

    async fn get_flight_info_catalogs(
        &self,
        query: CommandGetCatalogs,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = query.into_builder().schema();
        self.metadata_info(request, &query, &schema).await
    }

    async fn get_flight_info_schemas(
        &self,
        query: CommandGetDbSchemas,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = query.clone().into_builder().schema();
        self.metadata_info(request, &query, &schema).await
    }

    async fn get_flight_info_tables(
        &self,
        query: CommandGetTables,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = query.clone().into_builder().schema();
        self.metadata_info(request, &query, &schema).await
    }

    async fn get_flight_info_table_types(
        &self,
        query: CommandGetTableTypes,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = query.into_builder().schema();
        self.metadata_info(request, &query, &schema).await
    }

    async fn get_flight_info_sql_info(
        &self,
        query: CommandGetSqlInfo,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = metadata::sql_info().map_err(status)?.schema();
        self.metadata_info(request, &query, &schema).await
    }

    async fn get_flight_info_primary_keys(
        &self,
        query: CommandGetPrimaryKeys,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.metadata_info(request, &query, &metadata::PRIMARY_KEYS_SCHEMA)
            .await
    }

    async fn get_flight_info_exported_keys(
        &self,
        query: CommandGetExportedKeys,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.metadata_info(request, &query, &metadata::FOREIGN_KEYS_SCHEMA)
            .await
    }

    async fn get_flight_info_imported_keys(
        &self,
        query: CommandGetImportedKeys,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.metadata_info(request, &query, &metadata::FOREIGN_KEYS_SCHEMA)
            .await
    }

    async fn get_flight_info_cross_reference(
        &self,
        query: CommandGetCrossReference,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.metadata_info(request, &query, &metadata::FOREIGN_KEYS_SCHEMA)
            .await
    }

    async fn get_flight_info_xdbc_type_info(
        &self,
        query: CommandGetXdbcTypeInfo,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let schema = metadata::xdbc_types().map_err(status)?.schema();
        self.metadata_info(request, &query, &schema).await
    }

    async fn do_get_statement(
        &self,
        ticket: TicketStatementQuery,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        let resolved = self.session(&request).await?;
        let session = &resolved.session;
        let redeemed = self
            .tickets
            .redeem(&ticket, &session.token)
            .map_err(status)?;
        let issued = &redeemed.issued;
        // A Flight statement runs in its DoGet: its timeout counts from here to its last batch.
        let stop = Stop::new(issued.cancel.clone());
        let expiry = session
            .session
            .statement_timeout()
            .map(|timeout| stop.watch(std::future::pending(), Some(timeout)));
        // An engine may work before its first batch (DuckDB runs blocking operators before
        // it reports a schema): a cancel drops that work too.
        let outcome = tokio::select! {
            biased;
            e = stop.stopped() => Err(e),
            outcome = self.executor.execute(
                Arc::clone(session),
                issued.command.clone(),
                issued.parameters.clone(),
            ) => outcome,
        };
        let query_id = session.session.activity().query_id();
        let outcome = outcome.map_err(|e| statement_status(&e, query_id))?;
        let running = results::Running {
            stop,
            query_id,
            _expiry: expiry,
            _ticket: Some(redeemed.running),
        };
        let stream = match outcome {
            Outcome::Rows { stream, notices } => {
                for notice in notices {
                    tracing::info!(session = session.session.backend_pid, %notice, "flight query");
                }
                let stream = results::conformed(stream, Arc::clone(&issued.schema));
                results::streaming(stream, running)
            }
            // A statement described as returning rows always does; an empty result keeps
            // the protocol whole if that ever changes.
            _ => results::streaming(
                Box::pin(EmptyRecordBatchStream::new(Arc::new(Schema::empty()))),
                running,
            ),
        };
        Ok(respond(&resolved, stream))
    }

    async fn do_get_catalogs(
        &self,
        _query: CommandGetCatalogs,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        let (resolved, catalogs) = self.session_with_catalogs(&request).await?;
        batch_response(&resolved, metadata::catalogs(&catalogs))
    }

    async fn do_get_schemas(
        &self,
        query: CommandGetDbSchemas,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        let (resolved, catalogs) = self.session_with_catalogs(&request).await?;
        batch_response(&resolved, metadata::db_schemas(&catalogs, query).await)
    }

    async fn do_get_tables(
        &self,
        query: CommandGetTables,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        let (resolved, catalogs) = self.session_with_catalogs(&request).await?;
        batch_response(&resolved, metadata::tables(&catalogs, query).await)
    }

    async fn do_get_table_types(
        &self,
        _query: CommandGetTableTypes,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        let resolved = self.session(&request).await?;
        batch_response(&resolved, metadata::table_types())
    }

    async fn do_get_sql_info(
        &self,
        query: CommandGetSqlInfo,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        let resolved = self.session(&request).await?;
        batch_response(&resolved, metadata::sql_info_batch(query))
    }

    async fn do_get_primary_keys(
        &self,
        _query: CommandGetPrimaryKeys,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        self.no_keys(&request, &metadata::PRIMARY_KEYS_SCHEMA).await
    }

    async fn do_get_exported_keys(
        &self,
        _query: CommandGetExportedKeys,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        self.no_keys(&request, &metadata::FOREIGN_KEYS_SCHEMA).await
    }

    async fn do_get_imported_keys(
        &self,
        _query: CommandGetImportedKeys,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        self.no_keys(&request, &metadata::FOREIGN_KEYS_SCHEMA).await
    }

    async fn do_get_cross_reference(
        &self,
        _query: CommandGetCrossReference,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        self.no_keys(&request, &metadata::FOREIGN_KEYS_SCHEMA).await
    }

    async fn do_get_xdbc_type_info(
        &self,
        query: CommandGetXdbcTypeInfo,
        request: Request<Ticket>,
    ) -> Result<Response<FlightDataStream>, Status> {
        let resolved = self.session(&request).await?;
        batch_response(&resolved, metadata::xdbc_types_batch(query))
    }

    async fn do_put_statement_update(
        &self,
        query: CommandStatementUpdate,
        request: Request<PeekableFlightDataStream>,
    ) -> Result<i64, Status> {
        let resolved = self.session(&request).await?;
        let command = self
            .one_command(&resolved.session.session, &query.query)
            .await?;
        run_update(&self.executor, &resolved.session, command).await
    }

    async fn do_put_statement_ingest(
        &self,
        _query: CommandStatementIngest,
        _request: Request<PeekableFlightDataStream>,
    ) -> Result<i64, Status> {
        Err(status(GatewayError::ReadOnly("bulk ingestion".to_owned())))
    }

    async fn do_put_prepared_statement_query(
        &self,
        query: CommandPreparedStatementQuery,
        request: Request<PeekableFlightDataStream>,
    ) -> Result<DoPutPreparedStatementResult, Status> {
        let resolved = self.session(&request).await?;
        let prepared = self.prepared(&resolved.session, &query.prepared_statement_handle)?;
        let batches = binding::read(request.into_inner().map_err(FlightError::from))
            .await
            .map_err(status)?;
        prepared.bind(&batches).map_err(status)?;
        Ok(DoPutPreparedStatementResult {
            prepared_statement_handle: Some(query.prepared_statement_handle),
        })
    }

    async fn do_put_prepared_statement_update(
        &self,
        query: CommandPreparedStatementUpdate,
        request: Request<PeekableFlightDataStream>,
    ) -> Result<i64, Status> {
        let resolved = self.session(&request).await?;
        let prepared = self.prepared(&resolved.session, &query.prepared_statement_handle)?;
        run_update(&self.executor, &resolved.session, prepared.command.clone()).await
    }

    async fn do_put_substrait_plan(
        &self,
        _query: CommandStatementSubstraitPlan,
        _request: Request<PeekableFlightDataStream>,
    ) -> Result<i64, Status> {
        Err(status(GatewayError::Unsupported(
            "Substrait plans (send SQL)".to_owned(),
        )))
    }

    async fn do_action_create_prepared_statement(
        &self,
        query: ActionCreatePreparedStatementRequest,
        request: Request<Action>,
    ) -> Result<ActionCreatePreparedStatementResult, Status> {
        let resolved = self.session(&request).await?;
        let session = &resolved.session;
        let command = self.one_command(&session.session, &query.query).await?;
        let described = self
            .executor
            .describe(Arc::clone(session), &command)
            .await
            .map_err(status)?
            .map(wire_types::classic_described);
        let prepared = PreparedStatement::new(command, described);
        let result = ActionCreatePreparedStatementResult {
            prepared_statement_handle: Bytes::copy_from_slice(&rand::random::<[u8; 16]>()),
            dataset_schema: ipc_schema(&prepared.dataset_schema())?,
            parameter_schema: ipc_schema(&prepared.parameter_schema())?,
        };
        session
            .prepared()
            .insert(result.prepared_statement_handle.clone(), Arc::new(prepared));
        Ok(result)
    }

    async fn do_action_close_prepared_statement(
        &self,
        query: ActionClosePreparedStatementRequest,
        request: Request<Action>,
    ) -> Result<(), Status> {
        let resolved = self.session(&request).await?;
        let removed = resolved
            .session
            .prepared()
            .remove(&query.prepared_statement_handle);
        match removed {
            Some(_) => Ok(()),
            None => Err(status(GatewayError::UnknownHandle(
                "prepared statement does not exist in this session".to_owned(),
            ))),
        }
    }

    async fn do_action_create_prepared_substrait_plan(
        &self,
        _query: arrow_flight::sql::ActionCreatePreparedSubstraitPlanRequest,
        _request: Request<Action>,
    ) -> Result<ActionCreatePreparedStatementResult, Status> {
        Err(status(GatewayError::Unsupported(
            "Substrait plans (send SQL)".to_owned(),
        )))
    }

    async fn do_action_begin_transaction(
        &self,
        _query: ActionBeginTransactionRequest,
        _request: Request<Action>,
    ) -> Result<ActionBeginTransactionResult, Status> {
        Err(unsupported("the BeginTransaction action"))
    }

    async fn do_action_end_transaction(
        &self,
        _query: ActionEndTransactionRequest,
        _request: Request<Action>,
    ) -> Result<(), Status> {
        Err(unsupported("the EndTransaction action"))
    }

    async fn do_action_begin_savepoint(
        &self,
        _query: ActionBeginSavepointRequest,
        _request: Request<Action>,
    ) -> Result<ActionBeginSavepointResult, Status> {
        Err(unsupported("the BeginSavepoint action"))
    }

    async fn do_action_end_savepoint(
        &self,
        _query: ActionEndSavepointRequest,
        _request: Request<Action>,
    ) -> Result<(), Status> {
        Err(unsupported("the EndSavepoint action"))
    }

    async fn do_action_cancel_query(
        &self,
        query: ActionCancelQueryRequest,
        request: Request<Action>,
    ) -> Result<ActionCancelQueryResult, Status> {
        let info = FlightInfo::decode(query.info).map_err(|e| {
            Status::invalid_argument(format!("CancelQuery: the FlightInfo cannot be read: {e}"))
        })?;
        self.cancel(&request, &info).await?;
        Ok(ActionCancelQueryResult {
            result: CANCEL_RESULT_CANCELLED,
        })
    }

    async fn do_action_fallback(
        &self,
        request: Request<Action>,
    ) -> Result<Response<<Self as FlightService>::DoActionStream>, Status> {
        if request.get_ref().r#type != CANCEL_FLIGHT_INFO {
            return Err(Status::invalid_argument(format!(
                "unknown action \"{}\"",
                request.get_ref().r#type
            )));
        }
        let cancel =
            CancelFlightInfoRequest::decode(request.get_ref().body.clone()).map_err(|e| {
                Status::invalid_argument(format!("CancelFlightInfo: cannot read the request: {e}"))
            })?;
        let info = cancel.info.ok_or_else(|| {
            Status::invalid_argument("CancelFlightInfo: the request has no FlightInfo")
        })?;
        self.cancel(&request, &info).await?;
        let result = CancelFlightInfoResult::new(CancelStatus::Cancelled);
        let body = arrow_flight::Result::new(result.encode_to_vec());
        Ok(Response::new(Box::pin(futures::stream::once(async {
            Ok(body)
        }))))
    }

    async fn list_custom_actions(&self) -> Option<Vec<Result<ActionType, Status>>> {
        Some(vec![Ok(ActionType {
            r#type: CANCEL_FLIGHT_INFO.to_owned(),
            description: "Cancels the query of a FlightInfo.\n
                Request Message: CancelFlightInfoRequest\n
                Response Message: CancelFlightInfoResult"
                .to_owned(),
        })])
    }

    async fn register_sql_info(&self, _id: i32, _result: &SqlInfo) {}
}

/// Runs a command that returns no rows (SET, RESET); 0 rows affected.
async fn run_update(
    executor: &Arc<Executor>,
    session: &Arc<FlightSession>,
    command: Command,
) -> Result<i64, Status> {
    if command.returns_rows() {
        return Err(status(GatewayError::Unsupported(
            "a query sent as an update (send it as CommandStatementQuery)".to_owned(),
        )));
    }
    // Writes fail here as everywhere: the executor answers them 25006.
    executor
        .execute(Arc::clone(session), command, Vec::new())
        .await
        .map_err(status)?;
    Ok(0)
}
