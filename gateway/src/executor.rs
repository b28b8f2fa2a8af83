//! Runs a session's commands: routes queries to engines and answers the rest itself.
//! Shared by every front end; knows nothing of wire protocols.

use std::sync::Arc;
use std::time::Instant;

use arrow::array::{BooleanArray, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::memory::MemoryStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::scalar::ScalarValue;
use futures::StreamExt;
use junction_catalogs::Catalogs;
use junction_engines::{Described, EngineError, QueryContext};
use junction_router::{Choice, Route, RouteLine, Router};
use junction_transpiler::client_column_name;
use sqlparser::ast::Statement;

use crate::access::Access;
use crate::accounting::{Account, Kind};
use crate::activity::SessionRegistry;
use crate::command::Command;
use crate::compat::CompatibilityParser;
use crate::error::GatewayError;
use crate::limits::{Admission, Limits};
use crate::metrics::{Metrics, Outcome as Ended};
use crate::observed::ObservedStream;
use crate::result_cache::{Key, Reads, ResultCache};
use crate::session::{ServerDefaults, Session, SessionHandle, NESSIE_REF};
use crate::statement_log::StatementLog;
use crate::workers::Spawner;

/// Statements up to this many bytes are parsed on the connection's own thread. Handing a
/// statement to the workers and back costs two thread wake-ups, more than parsing a short
/// one (a dashboard's statements, a pool's `SELECT 1`); a long one could keep the
/// connection's thread from its other sessions, and goes to the workers.
const PARSED_IN_PLACE: usize = 4 * 1024;

/// What a command produced.
pub enum Outcome {
    /// Rows, batch by batch; `notices` tell the client what happened on the way (a fallback
    /// to another engine).
    Rows {
        stream: SendableRecordBatchStream,
        notices: Vec<String>,
    },
    /// A command that returns no rows; `reports` are settings whose new values the client
    /// should be told (ParameterStatus on the pg wire).
    Done {
        tag: &'static str,
        reports: Vec<(String, String)>,
    },
    Begin,
    Commit,
    Rollback,
}

/// Runs commands against the router's engines. Its public calls do their work on the
/// statement workers ([`crate::workers`]), never on the caller's thread, but for the parsing
/// of a short statement ([`PARSED_IN_PLACE`]).
#[derive(Debug)]
pub struct Executor {
    router: Router,
    engine_names: Vec<&'static str>,
    /// sqlparser with PostgreSQL's dialect, plus datafusion-pg-catalog's rewrites where they
    /// are right (see [`CompatibilityParser`]).
    parser: CompatibilityParser,
    workers: Spawner,
    admission: Admission,
    defaults: Arc<ServerDefaults>,
    access: Access,
    /// The open sessions of both front ends.
    sessions: Arc<SessionRegistry>,
    metrics: Metrics,
    log: StatementLog,
    /// Answers kept by the snapshots they read; `None` when `[cache] result_bytes = 0`.
    cache: Option<ResultCache>,
}

impl Executor {
    pub fn new(router: Router, workers: Spawner, limits: Limits) -> Self {
        Self {
            engine_names: router.engine_names(),
            router,
            parser: CompatibilityParser::new(),
            workers,
            defaults: Arc::new(ServerDefaults::new(limits.statement_timeout)),
            admission: Admission::new(limits),
            access: Access::Everything,
            sessions: Arc::default(),
            metrics: Metrics::new(),
            log: StatementLog::default(),
            cache: None,
        }
    }

    /// Keeps answers in `cache`.
    pub fn with_result_cache(mut self, cache: Option<ResultCache>) -> Self {
        self.cache = cache;
        self
    }

    pub fn result_cache(&self) -> Option<&ResultCache> {
        self.cache.as_ref()
    }

    /// Keeps its sessions in `sessions` (which pg_stat_activity shows), counts in `metrics`
    /// and logs statements' ends to `log`.
    pub fn with_monitoring(
        mut self,
        sessions: Arc<SessionRegistry>,
        metrics: Metrics,
        log: StatementLog,
    ) -> Self {
        self.sessions = sessions;
        self.metrics = metrics;
        self.log = log;
        self
    }

    /// The open sessions of both front ends: each registers its sessions here.
    pub fn sessions(&self) -> &Arc<SessionRegistry> {
        &self.sessions
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// What each user may see (`[[grant]]`); everything by default.
    pub fn with_access(mut self, access: Access) -> Self {
        self.access = access;
        self
    }

    /// The settings' defaults every new session starts from.
    pub fn session_defaults(&self) -> &Arc<ServerDefaults> {
        &self.defaults
    }

    /// Who may connect and run now.
    pub fn admission(&self) -> &Admission {
        &self.admission
    }

    /// Parses SQL text into commands, once; none for an empty string or a lone `;`.
    pub async fn parse(self: &Arc<Self>, sql: &str) -> Result<Vec<Command>, GatewayError> {
        if sql.len() <= PARSED_IN_PLACE {
            // A panic must end the statement, not the connection, as on the workers.
            return std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.parse_here(sql)))
                .unwrap_or_else(|payload| Err(crate::workers::panicked(payload)));
        }
        let executor = Arc::clone(self);
        let sql = sql.to_owned();
        self.workers
            .run(async move { executor.parse_here(&sql) })
            .await
    }

    /// The result columns and parameter types of `command`, without running it.
    pub async fn describe<S: SessionHandle>(
        self: &Arc<Self>,
        session: S,
        command: &Command,
    ) -> Result<Option<Described>, GatewayError> {
        let executor = Arc::clone(self);
        let command = command.clone();
        self.workers
            .run(async move { executor.describe_here(session.session(), &command).await })
            .await
    }

    /// Runs `command`; its rows, if any, are computed on the workers as the caller reads
    /// them, and dropping the stream stops that work.
    pub async fn execute<S: SessionHandle + Clone + Unpin>(
        self: &Arc<Self>,
        session: S,
        command: Command,
        parameters: Vec<ScalarValue>,
    ) -> Result<Outcome, GatewayError> {
        self.execute_with(session, command, parameters, Start::AtFirstBatch)
            .await
    }

    /// Runs a cursor's query: as [`Self::execute`], but its engine starts computing only
    /// when the first rows are fetched, as PostgreSQL's DECLARE does.
    pub async fn declare<S: SessionHandle + Clone + Unpin>(
        self: &Arc<Self>,
        session: S,
        query: Statement,
        parameters: Vec<ScalarValue>,
    ) -> Result<Outcome, GatewayError> {
        let command = Command::Query {
            statement: Box::new(query),
            engine: None,
        };
        self.execute_with(session, command, parameters, Start::WhenFetched)
            .await
    }

    async fn execute_with<S: SessionHandle + Clone + Unpin>(
        self: &Arc<Self>,
        session: S,
        command: Command,
        parameters: Vec<ScalarValue>,
        start: Start,
    ) -> Result<Outcome, GatewayError> {
        let kind = match command {
            Command::Query { .. } | Command::Execute { .. } => Kind::Routed,
            _ => Kind::Gateway,
        };
        let account = Account::open(session.clone(), &self.metrics, &self.log, kind);
        let executor = Arc::clone(self);
        let span = account.span().clone();
        let outcome = self
            .workers
            .run(tracing::Instrument::instrument(
                async move {
                    let outcome = executor
                        .execute_here(session.session(), command, parameters, start)
                        .await?;
                    Ok(match outcome {
                        Outcome::Rows { stream, notices } => Outcome::Rows {
                            stream: executor.workers.stream(stream),
                            notices,
                        },
                        other => other,
                    })
                },
                span,
            ))
            .await;
        match outcome {
            Ok(Outcome::Rows { stream, notices }) => Ok(Outcome::Rows {
                stream: account.stream(stream),
                notices,
            }),
            Ok(other) => {
                account.close(Ended::Sqlstate("00000"));
                Ok(other)
            }
            Err(e) => {
                account.close(Ended::Sqlstate(e.sqlstate()));
                Err(e)
            }
        }
    }

    fn parse_here(&self, sql: &str) -> Result<Vec<Command>, GatewayError> {
        junction_transpiler::check_size(sql)?;
        let directed = junction_transpiler::directives(sql)?;
        let moving = crate::command::move_as_fetch(&directed.sql);
        let statements = self
            .parser
            .parse(moving.as_deref().unwrap_or(&directed.sql))
            .map_err(junction_transpiler::syntax_error)?;
        statements
            .iter()
            .try_for_each(junction_transpiler::check_statement)?;
        Ok(statements
            .into_iter()
            .enumerate()
            .map(|(i, mut statement)| {
                junction_transpiler::remove_oid_casts(&mut statement);
                let command = Command::from_statement(statement).directed(directed.of(i));
                if i == 0 && moving.is_some() {
                    command.into_move()
                } else {
                    command
                }
            })
            .collect())
    }

    pub fn router(&self) -> &Router {
        &self.router
    }

    /// The configured engines' names, in the order `auto` tries them.
    pub fn engine_names(&self) -> &[&'static str] {
        &self.engine_names
    }

    /// The catalogs as `session` sees them: read at its reference, through its user's
    /// grants. Statements and listings resolve every name through these.
    pub async fn session_catalogs(&self, session: &Session) -> Catalogs {
        let reference = session.nessie_reference();
        let catalogs = self
            .router
            .catalogs()
            .at_reference(reference.as_deref())
            .await;
        self.access.catalogs(catalogs, &session.user)
    }

    /// What the engines need to know about `session`.
    async fn query_context(&self, session: &Session) -> QueryContext {
        session.query_context(self.session_catalogs(session).await)
    }

    /// `statement` resolved for `session` and routed; `hint` is its own engine pin, which
    /// overrides the session's.
    async fn route(
        &self,
        session: &Session,
        statement: &Statement,
        hint: Option<&str>,
    ) -> Result<(QueryContext, Route), GatewayError> {
        let ctx = self.query_context(session).await;
        let pinned = session.pinned_engine();
        let choice = Choice::new(hint, pinned.as_deref());
        let mut route = self.router.route(&ctx, statement, choice).await?;
        junction_transpiler::bind_session_values(
            &mut route.statement,
            &session.statement_values(),
        )?;
        Ok((ctx, route))
    }

    /// The shape of `statement`'s result, with the column names clients see.
    async fn describe_query(
        &self,
        session: &Session,
        statement: &Statement,
        engine: Option<&str>,
    ) -> Result<Described, GatewayError> {
        let (ctx, route) = self.route(session, statement, engine).await?;
        let mut described = self
            .router
            .describe(&ctx, &route)
            .await
            .map_err(|e| worded(e, &route))?;
        if let Some(schema) = client_schema(&described.schema) {
            described.schema = schema;
        }
        Ok(described)
    }

    /// Whether the result cache holds `route`'s answer (without parameters) for `session`:
    /// the statement would be answered from it.
    fn answer_kept(&self, session: &Session, route: &Route, statement: &Statement) -> bool {
        let Some(cache) = self.cache.as_ref().filter(|_| session.result_cache()) else {
            return false;
        };
        Key::of(route, statement, &[], session).is_some_and(|key| cache.holds(&key))
    }

    /// Runs `statement` on the engine the router picks (or `engine`), falling back as the
    /// ranking allows; its rows stream as the caller reads them.
    async fn run_query(
        &self,
        session: &Session,
        statement: &Statement,
        engine: Option<&str>,
        parameters: &[ScalarValue],
        start: Start,
    ) -> Result<Outcome, GatewayError> {
        if let Some(n) = junction_transpiler::first_unbound_parameter(statement, parameters.len()) {
            return Err(GatewayError::NoParameter(n));
        }
        let slot = self.admission.run().await.inspect_err(|_| {
            self.metrics.refused("queue_timeout");
        })?;
        let started = Instant::now();
        let (mut ctx, route) = self.route(session, statement, engine).await?;
        let route = &route;
        let query_id = route.inputs.fingerprint.query_id();
        session.activity().runs_on(query_id, route.engine().name());
        let cache = self.cache.as_ref().filter(|_| session.result_cache());
        let key = cache.and_then(|_| Key::of(route, statement, parameters, session));
        if let (Some(cache), Some(key)) = (cache, &key) {
            let hit = cache.get(key);
            self.metrics.cache_lookup(hit.is_some());
            if let Some(stream) = hit {
                session.set_last_engine(CACHE);
                let mut activity = session.activity();
                activity.runs_on(query_id, CACHE);
                activity.routed_by(CACHE);
                drop(activity);
                // pg_stat_statements counts every run of the statement, the cache's too.
                let observer = self.router.observer(route, CACHE);
                return Ok(Outcome::Rows {
                    stream: slot.hold(ObservedStream::wrap(stream, observer, started)),
                    notices: Vec::new(),
                });
            }
        }
        let choice = match (engine, route.pinned) {
            (Some(_), _) => "hint",
            (None, true) => "session",
            (None, false) => "auto",
        };
        self.metrics.routed(route.engine().name(), choice);
        session.activity().routed_by(choice);
        // A statement whose answer may be kept runs on catalogs that record what it reads.
        let kept = key.map(|key| (key, Reads::default()));
        if let Some((_, reads)) = &kept {
            ctx.catalogs = reads.recording(&ctx.catalogs);
        }
        let ctx = &ctx;
        let ran = self
            .router
            .attempt(route, |engine| async move {
                let stream = engine
                    .execute(ctx, &route.statement, &route.types, parameters)
                    .await?;
                match start {
                    Start::AtFirstBatch => first_batch_ready(stream).await,
                    Start::WhenFetched => Ok(stream),
                }
            })
            .await;
        let ran = match ran {
            Ok(ran) => ran,
            Err(e) => {
                // The error is the first engine's, which ran the statement as far as it got.
                session.set_last_engine(route.engine().name());
                return Err(worded(e, route));
            }
        };
        session.set_last_engine(ran.engine);
        if let Some((from, reason)) = ran.fell_back_from {
            self.metrics.fell_back(from, ran.engine, reason);
        }
        let observer = self.router.observer(route, ran.engine);
        session.activity().runs_on(query_id, ran.engine);
        let mut stream = client_stream(ran.value);
        if let (Some(cache), Some((key, reads))) = (cache, kept) {
            stream = cache.fill(key, reads, stream);
        }
        Ok(Outcome::Rows {
            stream: slot.hold(ObservedStream::wrap(stream, observer, started)),
            notices: ran.fallback_notice.into_iter().collect(),
        })
    }

    async fn describe_here(
        &self,
        session: &Session,
        command: &Command,
    ) -> Result<Option<Described>, GatewayError> {
        match command {
            Command::Query { statement, engine } => self
                .describe_query(session, statement, engine.as_deref())
                .await
                .map(Some),
            Command::Execute { name, arguments } => {
                let statement = session.prepared_statement(name)?.bind(name, arguments)?;
                self.describe_query(session, &statement, None)
                    .await
                    .map(Some)
            }
            // A DECLARE has no rows; its query's parameters are its own.
            Command::Declare { query, .. } => {
                let described = self.describe_query(session, query, None).await?;
                Ok(Some(Described {
                    schema: Arc::new(Schema::empty()),
                    parameters: described.parameters,
                }))
            }
            Command::Fetch { name, .. } => Ok(Some(Described {
                schema: session.cursor(name)?.schema,
                parameters: Vec::new(),
            })),
            Command::ExplainRoute { .. } => Ok(Some(Described {
                schema: route_schema(),
                parameters: Vec::new(),
            })),
            Command::Show(name) => {
                let column = match name {
                    Some(name) => session.show(name)?.0,
                    None => "name".to_owned(),
                };
                Ok(Some(Described {
                    schema: show_schema(&column, name.is_none()),
                    parameters: Vec::new(),
                }))
            }
            _ => Ok(None),
        }
    }

    async fn execute_here(
        &self,
        session: &Session,
        command: Command,
        parameters: Vec<ScalarValue>,
        start: Start,
    ) -> Result<Outcome, GatewayError> {
        match command {
            Command::Query { statement, engine } => {
                self.run_query(session, &statement, engine.as_deref(), &parameters, start)
                    .await
            }
            Command::Execute { name, arguments } => {
                let statement = session.prepared_statement(&name)?.bind(&name, &arguments)?;
                self.run_query(session, &statement, None, &parameters, start)
                    .await
            }
            Command::ExplainRoute { statement, engine } => {
                let (ctx, route) = self.route(session, &statement, engine.as_deref()).await?;
                let pinned = session.pinned_engine();
                let choice = Choice::new(engine.as_deref(), pinned.as_deref());
                let mut lines = self.router.explain(&ctx, &route, choice).await;
                if self.answer_kept(session, &route, &statement) {
                    lines = answered_from_cache(lines);
                }
                Ok(Outcome::Rows {
                    stream: route_rows(lines)?,
                    notices: Vec::new(),
                })
            }
            Command::Set { name, value } => {
                if name.eq_ignore_ascii_case(NESSIE_REF)
                    && value.is_some()
                    && !self.router.catalogs().have_references()
                {
                    return Err(GatewayError::BadSettingValue {
                        name: NESSIE_REF.to_owned(),
                        value: value.unwrap_or_default(),
                        hint: " (no configured catalog has references: it needs a nessie catalog)"
                            .to_owned(),
                    });
                }
                let reports = match value {
                    Some(value) => session
                        .set(&name, &value, &self.engine_names)?
                        .into_iter()
                        .collect(),
                    None => session.reset(Some(&name))?,
                };
                Ok(Outcome::Done {
                    tag: "SET",
                    reports,
                })
            }
            Command::Reset(name) => Ok(Outcome::Done {
                tag: "RESET",
                reports: session.reset(name.as_deref())?,
            }),
            Command::Discard => {
                session.deallocate(None)?;
                Ok(Outcome::Done {
                    tag: "DISCARD ALL",
                    reports: session.reset(None)?,
                })
            }
            Command::Prepare { name, prepared } => {
                // Planned now, as PostgreSQL plans at PREPARE: a missing table is its error.
                self.describe_query(session, &prepared.statement, None)
                    .await?;
                session.prepare(&name, *prepared)?;
                Ok(Outcome::Done {
                    tag: "PREPARE",
                    reports: Vec::new(),
                })
            }
            Command::Deallocate(name) => {
                session.deallocate(name.as_deref())?;
                Ok(Outcome::Done {
                    tag: if name.is_some() {
                        "DEALLOCATE"
                    } else {
                        "DEALLOCATE ALL"
                    },
                    reports: Vec::new(),
                })
            }
            Command::Show(name) => {
                let (column, rows) = match &name {
                    Some(name) => {
                        let (column, value) = session.show(name)?;
                        (column, vec![(String::new(), value)])
                    }
                    None => ("name".to_owned(), session.show_all()),
                };
                Ok(Outcome::Rows {
                    stream: show_rows(&column, name.is_none(), rows)?,
                    notices: Vec::new(),
                })
            }
            Command::Savepoint(tag) => Ok(Outcome::Done {
                tag,
                reports: Vec::new(),
            }),
            Command::Begin => {
                session.begin_transaction();
                Ok(Outcome::Begin)
            }
            Command::Commit => {
                session.end_transaction();
                Ok(Outcome::Commit)
            }
            Command::Rollback => {
                session.end_transaction();
                Ok(Outcome::Rollback)
            }
            Command::Write(keyword) => Err(GatewayError::ReadOnly(keyword)),
            Command::Unsupported(what) => Err(GatewayError::Unsupported(what)),
            // A cursor's rows wait in a pg connection's portals (pg/cursors.rs).
            Command::Declare { .. }
            | Command::Fetch { .. }
            | Command::Move { .. }
            | Command::Close(_) => Err(GatewayError::Unsupported(
                "a SQL cursor outside the PostgreSQL wire".into(),
            )),
        }
    }
}

/// What `junction.last_engine` and the metrics call an answer the result cache gave.
const CACHE: &str = "cache";

/// An engine's error, in PostgreSQL's words where they need the statement: an undefined
/// function is named with its arguments' types.
fn worded(e: EngineError, route: &Route) -> GatewayError {
    let signature = e.undefined_function().and_then(|name| {
        junction_transpiler::function_signature(&route.statement, &name, &route.types)
    });
    match signature {
        Some(signature) => GatewayError::UndefinedFunction(signature),
        None => GatewayError::Engine(e),
    }
}

/// The result schema with the names clients see, if any differs from the engine's (see
/// [`junction_transpiler::client_column_name`]).
fn client_schema(schema: &SchemaRef) -> Option<SchemaRef> {
    let renamed = |f: &Field| client_column_name(f.name()) != f.name();
    if !schema.fields().iter().any(|f| renamed(f)) {
        return None;
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone().with_name(client_column_name(f.name())))
        .collect();
    Some(Arc::new(Schema::new_with_metadata(
        fields,
        schema.metadata().clone(),
    )))
}

/// `stream` under its client schema; the columns themselves are passed on untouched.
/// When a statement's engine starts computing its rows.
#[derive(Debug, Clone, Copy)]
enum Start {
    /// Before the statement is answered: a failure before any row is sent can still be
    /// handed to another engine.
    AtFirstBatch,
    /// When the first rows are asked for: a cursor's query.
    WhenFetched,
}

/// `stream` once its first batch is computed, or its error. An engine may fail only as it
/// runs (DataFusion's memory pool, a construct it refuses when it builds the physical plan);
/// before any row is sent the router can still run the statement elsewhere.
async fn first_batch_ready(
    mut stream: SendableRecordBatchStream,
) -> Result<SendableRecordBatchStream, EngineError> {
    let schema = stream.schema();
    match stream.next().await {
        None => Ok(stream),
        Some(Err(e)) => Err(EngineError::from(e)),
        Some(Ok(first)) => Ok(Box::pin(RecordBatchStreamAdapter::new(
            schema,
            futures::stream::once(async { Ok(first) }).chain(stream),
        ))),
    }
}

fn client_stream(stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
    let Some(schema) = client_schema(&stream.schema()) else {
        return stream;
    };
    let batch_schema = Arc::clone(&schema);
    Box::pin(RecordBatchStreamAdapter::new(
        schema,
        stream.map(move |batch| {
            batch.and_then(|batch| {
                RecordBatch::try_new(Arc::clone(&batch_schema), batch.columns().to_vec())
                    .map_err(Into::into)
            })
        }),
    ))
}

/// EXPLAIN ROUTE's lines when the result cache holds the answer: the cache answers (and is
/// `junction.last_engine` after), and no engine is chosen; the engines' lines say what each
/// would do once the answer is no longer kept.
fn answered_from_cache(lines: Vec<RouteLine>) -> Vec<RouteLine> {
    let cache = RouteLine {
        engine: CACHE,
        chosen: true,
        eligible: true,
        estimated_cost: None,
        reason: "the result cache holds this statement's answer at the tables' current \
                 snapshots (junction.result_cache)"
            .to_owned(),
        table_access: String::new(),
        sql: String::new(),
    };
    std::iter::once(cache)
        .chain(lines.into_iter().map(|line| RouteLine {
            chosen: false,
            reason: match line.chosen {
                true => format!("chosen when the answer is not kept: {}", line.reason),
                false => line.reason,
            },
            ..line
        }))
        .collect()
}

/// `EXPLAIN ROUTE`'s columns (DESIGN.md, "Session controls").
fn route_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("engine", DataType::Utf8, false),
        Field::new("chosen", DataType::Boolean, false),
        Field::new("eligible", DataType::Boolean, false),
        Field::new("estimated_cost", DataType::Float64, true),
        Field::new("reason", DataType::Utf8, false),
        Field::new("table_access", DataType::Utf8, false),
        Field::new("sql", DataType::Utf8, false),
    ]))
}

fn route_rows(lines: Vec<RouteLine>) -> Result<SendableRecordBatchStream, GatewayError> {
    let schema = route_schema();
    let columns: Vec<arrow::array::ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            lines.iter().map(|l| l.engine),
        )),
        Arc::new(BooleanArray::from_iter(
            lines.iter().map(|l| Some(l.chosen)),
        )),
        Arc::new(BooleanArray::from_iter(
            lines.iter().map(|l| Some(l.eligible)),
        )),
        Arc::new(Float64Array::from_iter(
            lines.iter().map(|l| l.estimated_cost),
        )),
        Arc::new(StringArray::from_iter_values(
            lines.iter().map(|l| &l.reason),
        )),
        Arc::new(StringArray::from_iter_values(
            lines.iter().map(|l| &l.table_access),
        )),
        Arc::new(StringArray::from_iter_values(lines.iter().map(|l| &l.sql))),
    ];
    memory_stream(schema, columns)
}

/// One batch of `columns` as a stream.
fn memory_stream(
    schema: SchemaRef,
    columns: Vec<arrow::array::ArrayRef>,
) -> Result<SendableRecordBatchStream, GatewayError> {
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns)
        .map_err(|e| GatewayError::Engine(datafusion::error::DataFusionError::from(e).into()))?;
    let stream = MemoryStream::try_new(vec![batch], schema, None)
        .map_err(|e| GatewayError::Engine(e.into()))?;
    Ok(Box::pin(stream))
}

/// `SHOW x` has one text column named `x`; `SHOW ALL` has `name` and `setting`.
fn show_schema(column: &str, all: bool) -> SchemaRef {
    let fields = if all {
        vec![
            Field::new("name", DataType::Utf8, false),
            Field::new("setting", DataType::Utf8, false),
        ]
    } else {
        vec![Field::new(column, DataType::Utf8, false)]
    };
    Arc::new(Schema::new(fields))
}

fn show_rows(
    column: &str,
    all: bool,
    rows: Vec<(String, String)>,
) -> Result<SendableRecordBatchStream, GatewayError> {
    let schema = show_schema(column, all);
    let (names, values): (Vec<String>, Vec<String>) = rows.into_iter().unzip();
    let mut columns: Vec<arrow::array::ArrayRef> = Vec::new();
    if all {
        columns.push(Arc::new(StringArray::from(names)));
    }
    columns.push(Arc::new(StringArray::from(values)));
    memory_stream(schema, columns)
}
