//! The router: resolves names through the catalogs and picks the engine for each statement.
//!
//! A session may pin an engine; otherwise (`auto`) the router ranks the engines for each
//! statement ([`rank`]): the cost model's estimate from the bytes the statement scans and its
//! shape, replaced by what the statement's fingerprint took on each engine once it has run.
//! The best runs it; the others, in ranking order, take over when it cannot
//! ([`Router::attempt`]). An engine that is down is not ranked; a statement too big for this
//! machine runs on a remote engine when one can run it. Name resolution (PostgreSQL's
//! `search_path`) happens here, once, for every engine.

mod cost;
mod explain;
mod filters;
mod fingerprint;
mod learned;
mod load;
mod names;
mod rank;
mod shape;
mod types;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use junction_catalogs::{Catalogs, Location, Snapshot};
use junction_engines::tables::{relations, Relation};
use junction_engines::{Described, Engine, EngineError, QueryContext};
use junction_transpiler::TableTypes;
use sqlparser::ast::Statement;

pub use cost::{CalibrationError, CostModel, EngineProfile, Work};
pub use explain::RouteLine;
pub use fingerprint::Fingerprint;
pub use learned::{Learned, Observed, Record};
pub use rank::{Basis, Candidate, Inputs, OverBudget, Ranking};
pub use shape::Shape;
pub use types::table_types;

use crate::load::{Load, Running};
use crate::rank::Ranker;

/// How many (fingerprint, engine) records the router keeps: a few hundred bytes each.
pub const LEARNED_CAPACITY: u64 = 100_000;

/// Who chose a statement's engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice<'a> {
    /// Nobody: the router picks, and falls back when its pick cannot run the statement.
    Auto,
    /// `SET junction.engine`.
    Session(&'a str),
    /// A leading `/*+ ENGINE(name) */`, which overrides the session's pin.
    Hint(&'a str),
}

impl<'a> Choice<'a> {
    /// The choice of a statement with `hint` in a session pinned to `session`.
    pub fn new(hint: Option<&'a str>, session: Option<&'a str>) -> Self {
        match (hint, session) {
            (Some(engine), _) => Choice::Hint(engine),
            (None, Some(engine)) => Choice::Session(engine),
            (None, None) => Choice::Auto,
        }
    }

    /// The engine pinned, if any.
    pub fn pinned(self) -> Option<&'a str> {
        match self {
            Choice::Auto => None,
            Choice::Session(engine) | Choice::Hint(engine) => Some(engine),
        }
    }
}

/// A statement ready for an engine: names resolved, engines ranked.
#[derive(Debug)]
pub struct Route {
    pub statement: Statement,
    /// The column types of the tables the statement reads, for the transpiler.
    pub types: TableTypes,
    /// The session or statement chose the engine; a pinned route never falls back.
    pub pinned: bool,
    pub inputs: Inputs,
    pub ranking: Ranking,
    /// The snapshot of every table the statement reads, as routing resolved them; `None`
    /// when one could not be resolved. With the statement, its parameters and the settings
    /// that change results, they identify its answer (the result cache's key).
    pub snapshots: Option<Vec<(Location, Snapshot)>>,
}

impl Route {
    /// The engine the statement runs on, unless it cannot.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.ranking.first().engine
    }
}

/// What an operation on a route produced, and where.
#[derive(Debug)]
pub struct Ran<T> {
    pub value: T,
    /// The engine that produced it.
    pub engine: &'static str,
    /// Set when the route's own engine failed and `engine` took over: says both and why.
    pub fallback_notice: Option<String>,
    /// Then: the engine that failed, and the SQLSTATE it failed with.
    pub fell_back_from: Option<(&'static str, &'static str)>,
}

/// Records one run of a statement on an engine (see [`Router::observer`]); while it lives,
/// a statement on an in-process engine counts as running on this machine.
#[derive(Debug)]
pub struct Observer {
    learned: Learned,
    fingerprint: Fingerprint,
    engine: &'static str,
    _running: Option<Running>,
}

impl Observer {
    /// The statement took `elapsed` and sent `rows`, to its last row.
    pub fn finish(self, elapsed: Duration, rows: u64) {
        self.learned
            .record(self.fingerprint, self.engine, elapsed, rows);
    }
}

/// Errors of the router.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("no engine is configured")]
    NoEngine,

    #[error("relation \"{0}\" does not exist")]
    UnknownTable(String),

    #[error("catalog \"{0}\" does not exist")]
    UnknownCatalog(String),

    #[error("engine \"{wanted}\" is not configured (engines: {available})")]
    UnknownEngine { wanted: String, available: String },

    /// A table the session's grants do not reach (42501).
    #[error(transparent)]
    Denied(junction_catalogs::CatalogError),
}

impl RouteError {
    /// The SQLSTATE clients see for this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            RouteError::NoEngine => "58000",
            RouteError::UnknownTable(_) => "42P01",
            RouteError::UnknownCatalog(_) => "3D000",
            RouteError::UnknownEngine { .. } => "22023",
            RouteError::Denied(e) => e.sqlstate(),
        }
    }
}

/// Chooses engines for statements.
#[derive(Debug)]
pub struct Router {
    catalogs: Catalogs,
    engines: Vec<Arc<dyn Engine>>,
    ranker: Ranker,
}

impl Router {
    /// A router over `engines` (in the order that breaks ties) with the built-in cost model.
    pub fn new(catalogs: Catalogs, engines: Vec<Arc<dyn Engine>>) -> Self {
        Self {
            catalogs,
            engines,
            ranker: Ranker {
                model: CostModel::default(),
                learned: Learned::new(LEARNED_CAPACITY),
                explore_every: 0,
                local_memory: u64::MAX,
                load: Load::default(),
            },
        }
    }

    /// Estimates from `model` (a calibration) instead of the built-in profiles.
    pub fn with_cost_model(mut self, model: CostModel) -> Self {
        self.ranker.model = model;
        self
    }

    /// Every `every`-th run of a statement goes to the runner-up while that engine has run
    /// it fewer times, so the router learns its time too; 0 (the default) never does.
    pub fn with_exploration(mut self, every: u32) -> Self {
        self.ranker.explore_every = every;
        self
    }

    /// A statement expected to work in more than `bytes` prefers a remote engine that can
    /// run it; without this, no statement is too big for the machine.
    pub fn with_local_memory(mut self, bytes: u64) -> Self {
        self.ranker.local_memory = bytes;
        self
    }

    /// The configured engines, in the order `auto` breaks ties.
    pub fn engines(&self) -> &[Arc<dyn Engine>] {
        &self.engines
    }

    /// The configured engines' names, as `SET junction.engine` accepts them.
    pub fn engine_names(&self) -> Vec<&'static str> {
        self.engines.iter().map(|e| e.name()).collect()
    }

    pub fn catalogs(&self) -> &Catalogs {
        &self.catalogs
    }

    /// Learns into `learned` (shared with whoever shows its figures) instead of a record of
    /// its own.
    pub fn with_learned(mut self, learned: Learned) -> Self {
        self.ranker.learned = learned;
        self
    }

    /// What the router learned per fingerprint and engine: pg_stat_statements' figures.
    pub fn learned(&self) -> &Learned {
        &self.ranker.learned
    }

    /// Runs `op` on `route`'s first engine. When that fails before producing anything, for a
    /// reason another engine might not hit (see [`EngineError::is_engine_specific`]), and the
    /// route is not pinned, `op` runs on the next engines of the ranking that can read the
    /// statement's relations; the first success wins. Otherwise the first engine's error
    /// stands. An engine that failed so is ranked last for the same fingerprint for a while,
    /// so that later runs go straight to one that can.
    pub async fn attempt<T, F, Fut>(&self, route: &Route, op: F) -> Result<Ran<T>, EngineError>
    where
        F: Fn(Arc<dyn Engine>) -> Fut,
        Fut: Future<Output = Result<T, EngineError>>,
    {
        let first = route.engine();
        let error = match op(Arc::clone(first)).await {
            Ok(value) => {
                return Ok(Ran {
                    value,
                    engine: first.name(),
                    fallback_notice: None,
                    fell_back_from: None,
                })
            }
            Err(error) => error,
        };
        // A pinned statement falls back only from a request for metadata its engine does not
        // serve (`pinned_ranking`).
        if (route.pinned && !error.is_metadata()) || !error.is_engine_specific() {
            return Err(error);
        }
        let learned = &self.ranker.learned;
        let fingerprint = route.inputs.fingerprint;
        // What an engine cannot do in this session's settings it may do in another's.
        let record_unable = |engine: &'static str, e: &EngineError| {
            if !e.depends_on_session() {
                learned.record_unable(fingerprint, engine, &e.to_string());
            }
        };
        record_unable(first.name(), &error);
        for candidate in route.ranking.candidates().iter().skip(1) {
            if !candidate.eligible() {
                continue;
            }
            let ran = op(Arc::clone(&candidate.engine)).await;
            if let Err(e) = &ran {
                if e.is_engine_specific() {
                    record_unable(candidate.name(), e);
                }
            }
            if let Ok(value) = ran {
                let notice = format!(
                    "{} could not run the statement ({error}); it ran on {}",
                    first.name(),
                    candidate.name()
                );
                return Ok(Ran {
                    value,
                    engine: candidate.name(),
                    fallback_notice: Some(notice),
                    fell_back_from: Some((first.name(), error.sqlstate())),
                });
            }
        }
        Err(error)
    }

    /// The shape of the routed statement, from the engine that would run it. Parameter types
    /// are PostgreSQL's inference, which an engine may not offer (DuckDB reports none before
    /// values are bound): those it leaves open come from the other engines that can plan it.
    pub async fn describe(
        &self,
        ctx: &QueryContext,
        route: &Route,
    ) -> Result<Described, EngineError> {
        let ran = self
            .attempt(route, |engine| async move {
                engine.describe(ctx, &route.statement, &route.types).await
            })
            .await?;
        let mut described = ran.value;
        // PostgreSQL types a LIMIT or OFFSET count parameter bigint; no engine infers it.
        for number in junction_transpiler::count_parameters(&route.statement) {
            if let Some(slot @ None) = number
                .checked_sub(1)
                .and_then(|i| described.parameters.get_mut(i))
            {
                *slot = Some(arrow::datatypes::DataType::Int64);
            }
        }
        // And a parameter written with a cast the cast's type, whatever an engine inferred.
        for (number, sql_type) in junction_transpiler::cast_parameters(&route.statement) {
            let slot = number
                .checked_sub(1)
                .and_then(|i| described.parameters.get_mut(i));
            if let (Some(slot), Some(data_type)) = (slot, parameter_type(sql_type)) {
                *slot = Some(data_type);
            }
        }
        if described.parameters.iter().any(Option::is_none) {
            // An engine the statement fell back from has failed to plan it already.
            let tried = [ran.engine, route.engine().name()];
            for other in self.engines.iter().filter(|e| !tried.contains(&e.name())) {
                let Ok(theirs) = other.describe(ctx, &route.statement, &route.types).await else {
                    continue;
                };
                for (mine, theirs) in described.parameters.iter_mut().zip(theirs.parameters) {
                    if mine.is_none() {
                        *mine = theirs;
                    }
                }
            }
        }
        Ok(described)
    }

    /// Where to record how long `route`'s statement took on `engine`, from routing to its
    /// last row: the figure the next ranking of the same fingerprint reads. Held by the
    /// result stream, which outlives this call; until it is dropped, a statement on an
    /// in-process engine counts in this machine's load.
    pub fn observer(&self, route: &Route, engine: &'static str) -> Observer {
        let in_process = self
            .engines
            .iter()
            .any(|e| e.name() == engine && !e.remote());
        Observer {
            learned: self.ranker.learned.clone(),
            fingerprint: route.inputs.fingerprint,
            engine,
            _running: in_process.then(|| self.ranker.load.start()),
        }
    }

    /// The ranking `auto` gives a statement with `inputs`: the decision alone, without the
    /// name and table resolution [`Router::route`] does first.
    pub fn rank(&self, inputs: &Inputs) -> Ranking {
        self.ranker.rank(&self.engines, inputs)
    }

    /// The ranking of a statement pinned to `engine`: that engine, then the others for the
    /// metadata it may not serve; unless the statement reads nothing but system catalogs and
    /// `engine` cannot read them. Those describe junction's catalogs, not any engine's data,
    /// so a metadata query (psql's `\dt`, a BI tool's schema browser) answers whatever the
    /// session's engine, from the first engine that serves them.
    fn pinned_ranking(&self, engine: &Arc<dyn Engine>, relations: &[Relation]) -> Ranking {
        let metadata_only =
            !relations.is_empty() && relations.iter().all(|r| matches!(r, Relation::System(_)));
        let unreadable = relations.iter().any(|r| !engine.reads(r));
        if metadata_only && unreadable {
            if let Some(server) = self
                .engines
                .iter()
                .find(|e| relations.iter().all(|r| e.reads(r)))
            {
                return Ranker::only(
                    Arc::clone(server),
                    Basis::SystemCatalogs {
                        pinned: engine.name(),
                    },
                );
            }
        }
        // What the pinned engine refuses as junction's metadata or the session's identity
        // (SQLAlchemy's `select current_schema()` on DuckDB) another engine answers.
        let others = self
            .engines
            .iter()
            .filter(|e| e.name() != engine.name())
            .cloned()
            .collect();
        Ranker::pinned_then(Arc::clone(engine), others)
    }

    /// Resolves `statement`'s table names for the session `ctx`, gathers what ranking needs
    /// (each table resolved once) and ranks the engines: the pinned one first, else all.
    pub async fn route(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        choice: Choice<'_>,
    ) -> Result<Route, RouteError> {
        let original = statement;
        let pinned = match choice.pinned() {
            Some(name) => Some(
                self.engines
                    .iter()
                    .find(|e| e.name() == name)
                    .cloned()
                    .ok_or_else(|| RouteError::UnknownEngine {
                        wanted: name.to_owned(),
                        available: self.engine_names().join(", "),
                    })?,
            ),
            None if self.engines.is_empty() => return Err(RouteError::NoEngine),
            None => None,
        };
        let mut statement = statement.clone();
        if let Some(catalog) = ctx.catalogs.get(&ctx.catalog) {
            names::qualify_unqualified(&mut statement, catalog.as_ref(), &ctx.search_path)
                .await
                .map_err(RouteError::UnknownTable)?;
        }
        junction_transpiler::name_result_columns(&mut statement);
        let tables = types::resolve_tables(&ctx.catalogs, &ctx.catalog, &statement).await?;
        let fingerprint = Fingerprint::of(&statement);
        // pg_stat_statements shows the statement as the client wrote it, not as qualified.
        self.ranker
            .learned
            .note_text(fingerprint, || fingerprint::normalised_text(original));
        let inputs = Inputs {
            fingerprint,
            work: Work {
                tables: tables.tables,
                scan_bytes: tables.scan_bytes,
                shape: Shape::of(&statement),
            },
            relations: relations(&statement, &ctx.catalog),
        };
        let ranking = match &pinned {
            Some(engine) => self.pinned_ranking(engine, &inputs.relations),
            None => self.rank(&inputs),
        };
        Ok(Route {
            statement,
            snapshots: tables.snapshots,
            types: tables.types,
            pinned: pinned.is_some(),
            inputs,
            ranking,
        })
    }
}

/// The Arrow type a parameter cast to `sql_type` is described and decoded as, for the types a
/// client binds as scalars of their own; `None` leaves it to the engines.
fn parameter_type(sql_type: junction_transpiler::SqlType) -> Option<arrow::datatypes::DataType> {
    use arrow::datatypes::{DataType, TimeUnit};
    use junction_transpiler::SqlType;
    Some(match sql_type {
        SqlType::Bool => DataType::Boolean,
        SqlType::Int2 => DataType::Int16,
        SqlType::Int4 => DataType::Int32,
        SqlType::Int8 => DataType::Int64,
        SqlType::Float4 => DataType::Float32,
        SqlType::Float8 => DataType::Float64,
        SqlType::Text => DataType::Utf8,
        SqlType::Date => DataType::Date32,
        SqlType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        SqlType::TimestampTz => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        _ => return None,
    })
}
