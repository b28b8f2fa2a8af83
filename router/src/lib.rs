//! The router: resolves names through the catalogs and picks the engine for each statement.
//!
//! A session may pin an engine; otherwise (`auto`) the first configured engine runs the
//! statement. Name resolution (PostgreSQL's `search_path`) happens here, once, for every
//! engine.

mod names;

use std::sync::Arc;

use junction_catalogs::Catalogs;
use junction_engines::{Described, Engine, EngineError, QueryContext};
use sqlparser::ast::Statement;

/// A statement ready for an engine: names resolved, engine chosen.
#[derive(Debug)]
pub struct Route {
    pub engine: Arc<dyn Engine>,
    pub statement: Statement,
    /// The session or statement chose the engine; a pinned route never falls back.
    pub pinned: bool,
}

impl Route {
    /// The same statement on `engine`, as a fallback.
    pub fn on(&self, engine: Arc<dyn Engine>) -> Route {
        Route {
            engine,
            statement: self.statement.clone(),
            pinned: self.pinned,
        }
    }
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

    /// The engines to try, in order, after `route`'s engine failed with `error` before any
    /// row was produced: none for a pinned route, or for an error every engine would hit
    /// (a missing table, a syntax error, bad data); otherwise the other engines.
    pub fn fallbacks(&self, route: &Route, error: &EngineError) -> Vec<Arc<dyn Engine>> {
        if route.pinned || !error.is_engine_specific() {
            return Vec::new();
        }
        self.engines
            .iter()
            .filter(|e| e.name() != route.engine.name())
            .cloned()
            .collect()
    }

    /// The shape of the routed statement. Parameter types are PostgreSQL's inference, which
    /// an engine may not offer (DuckDB reports none before values are bound): those it
    /// leaves open are taken from the other engines, where one can plan the statement.
    pub async fn describe(
        &self,
        ctx: &QueryContext,
        route: &Route,
    ) -> Result<Described, EngineError> {
        let mut described = route.engine.describe(ctx, &route.statement).await?;
        if described.parameters.iter().any(Option::is_none) {
            for other in self
                .engines
                .iter()
                .filter(|e| e.name() != route.engine.name())
            {
                let Ok(theirs) = other.describe(ctx, &route.statement).await else {
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

    /// Resolves `statement`'s table names for the session `ctx` and picks its engine: the
    /// `pinned` one, else the first.
    pub async fn route(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        pinned: Option<&str>,
    ) -> Result<Route, RouteError> {
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
        if let Some(catalog) = self.catalogs.get(&ctx.catalog) {
            names::qualify_unqualified(&mut statement, catalog.as_ref(), &ctx.search_path)
                .await
                .map_err(RouteError::UnknownTable)?;
        }
        junction_transpiler::name_result_columns(&mut statement);
        Ok(Route {
            engine,
            statement,
            pinned: pinned.is_some(),
        })
    }
}
