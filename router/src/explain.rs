//! `EXPLAIN ROUTE`: every configured engine, whether it can run a statement, how it would
//! read each table, and which one runs it.

use junction_engines::tables::{relations, Relation};
use junction_engines::{Explanation, QueryContext};
use sqlparser::ast::Statement;

use crate::{Choice, RouteError, Router};

/// One engine's line of `EXPLAIN ROUTE`.
#[derive(Debug)]
pub struct RouteLine {
    pub engine: &'static str,
    /// The engine the statement would run on.
    pub chosen: bool,
    pub eligible: bool,
    /// Bytes of table data the engine would scan; `None` where the metadata does not say.
    pub estimated_cost: Option<f64>,
    pub reason: String,
    pub table_access: String,
    pub sql: String,
}

impl Router {
    /// How `statement` would be routed for the session `ctx`: one line per configured
    /// engine, eligible ones first, cheapest first, configured order among equals.
    pub async fn explain(
        &self,
        ctx: &QueryContext,
        statement: &Statement,
        choice: Choice<'_>,
    ) -> Result<Vec<RouteLine>, RouteError> {
        let route = self.route(ctx, statement, choice).await?;
        let cost = self.scanned_bytes(ctx, &route.statement).await;
        let mut explained = Vec::with_capacity(self.engines.len());
        for engine in &self.engines {
            let explanation = engine.explain(ctx, &route.statement, &route.types).await;
            explained.push((engine.name(), explanation));
        }
        let first_eligible = explained
            .iter()
            .find(|(_, e)| e.unable.is_none())
            .map(|(name, _)| *name);
        let chosen = match choice.pinned() {
            Some(_) => route.engine.name(),
            None => first_eligible.unwrap_or(route.engine.name()),
        };
        let mut lines: Vec<RouteLine> = explained
            .into_iter()
            .map(|(engine, explanation)| {
                let reason = reason(engine, chosen, choice, first_eligible, &explanation);
                RouteLine {
                    engine,
                    chosen: engine == chosen,
                    eligible: explanation.unable.is_none(),
                    estimated_cost: cost,
                    reason,
                    table_access: explanation.table_access.join("; "),
                    sql: explanation.sql,
                }
            })
            .collect();
        // Stable: engines of equal cost keep the configured order auto chooses by.
        lines.sort_by(|a, b| {
            b.eligible.cmp(&a.eligible).then(
                a.estimated_cost
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.estimated_cost.unwrap_or(f64::INFINITY)),
            )
        });
        Ok(lines)
    }

    /// The bytes of data files the statement's tables hold: what an in-process engine scans
    /// at most, the same for every such engine. System catalogs count as nothing.
    async fn scanned_bytes(&self, ctx: &QueryContext, statement: &Statement) -> Option<f64> {
        let mut bytes = 0u64;
        for relation in relations(statement, &ctx.catalog) {
            if let Relation::Table(name) = relation {
                let handle = name.handle(&ctx.catalogs).await.ok()?;
                bytes += handle.data_bytes().await.ok()??;
            }
        }
        // Exact below 2^53, which no table reaches.
        Some(bytes as f64)
    }
}

/// Why `engine` was or was not chosen.
fn reason(
    engine: &str,
    chosen: &str,
    choice: Choice<'_>,
    first_eligible: Option<&str>,
    explanation: &Explanation,
) -> String {
    let unable = explanation.unable.as_ref().map(ToString::to_string);
    match (choice, unable) {
        (Choice::Session(_), Some(e)) if engine == chosen => {
            format!("pinned by SET junction.engine, but it cannot run the statement: {e}")
        }
        (Choice::Hint(_), Some(e)) if engine == chosen => {
            format!("pinned by /*+ ENGINE({engine}) */, but it cannot run the statement: {e}")
        }
        (Choice::Session(_), None) if engine == chosen => "pinned by SET junction.engine".into(),
        (Choice::Hint(_), None) if engine == chosen => format!("pinned by /*+ ENGINE({engine}) */"),
        (Choice::Auto, Some(e)) if first_eligible.is_none() => {
            format!("no engine can run the statement; {engine}: {e}")
        }
        (Choice::Auto, None) if engine == chosen => {
            "auto: the first eligible engine in the configured order (in-process engines scan the same bytes)"
                .into()
        }
        (_, Some(e)) => e,
        (Choice::Auto, None) => format!("eligible; {chosen} comes first in the configured order"),
        (_, None) => format!("eligible; {chosen} is pinned"),
    }
}
