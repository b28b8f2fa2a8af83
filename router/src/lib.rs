//! The router: resolves names through the catalogs and picks the engine for each statement.
//!
//! A session may pin an engine; otherwise (`auto`) the first configured engine runs the
//! statement, and the others take over when it cannot ([`Router::attempt`]). Name resolution (PostgreSQL's `search_path`) happens here, once, for every
//! engine.

mod explain;
mod names;
mod types;

use std::future::Future;
use std::sync::Arc;

use junction_catalogs::Catalogs;
use junction_engines::{Described, Engine, EngineError, QueryContext};
use junction_transpiler::TableTypes;
use sqlparser::ast::Statement;

pub use explain::RouteLine;
pub use types::table_types;

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

/// A statement ready for an engine: names resolved, engine chosen.
#[derive(Debug)]
pub struct Route {
    pub engine: Arc<dyn Engine>,
    pub statement: Statement,
    /// The column types of the tables the statement reads, for the transpiler.
    pub types: TableTypes,
    /// The session or statement chose the engine; a pinned route never falls back.
    pub pinned: bool,
}

/// What an operation on a route produced, and where.
#[derive(Debug)]
pub struct Ran<T> {
    pub value: T,
    /// The engine that produced it.
    pub engine: &'static str,
    /// Set when the route's own engine failed and `engine` took over: says both and why.
    pub fallback_notice: Option<String>,
}

/// Errors of the router.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("no engine is configured")]
    NoEngine,

    #[error("relation \"{0}\" does not exist")]
    UnknownTable(String),

    #[error("engine \"{wanted}\" is not configured (engines: {available})")]
    UnknownEngine { wanted: String, available: String },
}

impl RouteError {
    /// The SQLSTATE clients see for this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            RouteError::NoEngine => "58000",
            RouteError::UnknownTable(_) => "42P01",
            RouteError::UnknownEngine { .. } => "22023",
        }
    }
}

/// Chooses engines for statements.
#[derive(Debug)]
pub struct Router {
    catalogs: Catalogs,
    engines: Vec<Arc<dyn Engine>>,
}

impl Router {
    pub fn new(catalogs: Catalogs, engines: Vec<Arc<dyn Engine>>) -> Self {
        Self { catalogs, engines }
    }

    /// The configured engines' names, as `SET junction.engine` accepts them.
    pub fn engine_names(&self) -> Vec<&'static str> {
        self.engines.iter().map(|e| e.name()).collect()
    }

    pub fn catalogs(&self) -> &Catalogs {
        &self.catalogs
    }

    /// Runs `op` on `route`'s engine. When that fails before producing anything, for a
    /// reason another engine might not hit (see [`EngineError::is_engine_specific`]), and the
    /// route is not pinned, `op` runs on the other engines in order; the first success wins.
    /// Otherwise the first engine's error stands.
    pub async fn attempt<T, F, Fut>(&self, route: &Route, op: F) -> Result<Ran<T>, EngineError>
    where
        F: Fn(Arc<dyn Engine>) -> Fut,
        Fut: Future<Output = Result<T, EngineError>>,
    {
        let error = match op(Arc::clone(&route.engine)).await {
            Ok(value) => {
                return Ok(Ran {
                    value,
                    engine: route.engine.name(),
                    fallback_notice: None,
                })
            }
            Err(error) => error,
        };
        if route.pinned || !error.is_engine_specific() {
            return Err(error);
        }
        for engine in self.others(&[route.engine.name()]) {
            if let Ok(value) = op(Arc::clone(engine)).await {
                let notice = format!(
                    "{} could not run the statement ({error}); it ran on {}",
                    route.engine.name(),
                    engine.name()
                );
                return Ok(Ran {
                    value,
                    engine: engine.name(),
                    fallback_notice: Some(notice),
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
        if described.parameters.iter().any(Option::is_none) {
            // An engine the statement fell back from has failed to plan it already.
            for other in self.others(&[ran.engine, route.engine.name()]) {
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

    /// The configured engines but those named in `except`, in order.
    fn others<'a>(&'a self, except: &'a [&str]) -> impl Iterator<Item = &'a Arc<dyn Engine>> {
        self.engines
            .iter()
            .filter(move |e| !except.contains(&e.name()))
    }

    /// Resolves `statement`'s table names for the session `ctx` and picks its engine: the
    /// pinned one, else the first.
    pub async fn route(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        choice: Choice<'_>,
    ) -> Result<Route, RouteError> {
        let pinned = choice.pinned();
        let engine = match pinned {
            Some(name) => self
                .engines
                .iter()
                .find(|e| e.name() == name)
                .cloned()
                .ok_or_else(|| RouteError::UnknownEngine {
                    wanted: name.to_owned(),
                    available: self.engine_names().join(", "),
                })?,
            None => self.engines.first().cloned().ok_or(RouteError::NoEngine)?,
        };
        let mut statement = statement.clone();
        if let Some(catalog) = ctx.catalogs.get(&ctx.catalog) {
            names::qualify_unqualified(&mut statement, catalog.as_ref(), &ctx.search_path)
                .await
                .map_err(RouteError::UnknownTable)?;
        }
        junction_transpiler::name_result_columns(&mut statement);
        let types = types::table_types(&ctx.catalogs, &ctx.catalog, &statement).await;
        Ok(Route {
            engine,
            statement,
            types,
            pinned: pinned.is_some(),
        })
    }
}
