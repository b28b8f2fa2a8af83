//! The router: resolves names through the catalogs and picks the engine for each statement.
//!
//! DataFusion is the only engine for now, so the choice is trivial; name resolution
//! (PostgreSQL's `search_path`) already happens here, once, for every engine.

mod names;

use std::sync::Arc;

use junction_catalogs::Catalogs;
use junction_engines::{Engine, QueryContext};
use sqlparser::ast::Statement;

/// A statement ready for an engine: names resolved, engine chosen.
#[derive(Debug)]
pub struct Route {
    pub engine: Arc<dyn Engine>,
    pub statement: Statement,
}

/// Errors of the router.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("no engine is configured")]
    NoEngine,

    #[error("relation \"{0}\" does not exist")]
    UnknownTable(String),
}

impl RouteError {
    /// The SQLSTATE clients see for this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            RouteError::NoEngine => "58000",
            RouteError::UnknownTable(_) => "42P01",
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

    /// Resolves `statement`'s table names for the session `ctx` and picks its engine.
    pub async fn route(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
    ) -> Result<Route, RouteError> {
        let engine = self.engines.first().cloned().ok_or(RouteError::NoEngine)?;
        let mut statement = statement.clone();
        if let Some(catalog) = self.catalogs.get(&ctx.catalog) {
            names::qualify_unqualified(&mut statement, catalog.as_ref(), &ctx.search_path)
                .await
                .map_err(RouteError::UnknownTable)?;
        }
        junction_transpiler::name_result_columns(&mut statement);
        Ok(Route { engine, statement })
    }
}
