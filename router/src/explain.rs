//! `EXPLAIN ROUTE`: every configured engine, whether it can run a statement, how it would
//! read each table, its estimate, and which one runs it: the route's own ranking, so the
//! chosen line is the engine that then runs the statement.

use junction_engines::{Explanation, QueryContext};

use crate::rank::{Basis, Candidate, OverBudget};
use crate::{Choice, Route, Router};

/// One engine's line of `EXPLAIN ROUTE`.
#[derive(Debug)]
pub struct RouteLine {
    pub engine: &'static str,
    /// The engine the statement would run on.
    pub chosen: bool,
    pub eligible: bool,
    /// The engine's expected time in milliseconds; `None` where it cannot read the tables.
    pub estimated_cost: Option<f64>,
    pub reason: String,
    pub table_access: String,
    pub sql: String,
}

impl Router {
    /// How `route` (routed by [`Router::route`] with `choice`, and bound as it would run)
    /// runs for the session `ctx`: one line per configured engine, eligible ones first, in
    /// ranking order (fastest expected first).
    pub async fn explain(
        &self,
        ctx: &QueryContext,
        route: &Route,
        choice: Choice<'_>,
    ) -> Vec<RouteLine> {
        // A pinned route ranks only its engine; the others are shown as auto would rank them.
        let ranking = match choice.pinned() {
            Some(_) => self.ranker.rank(&self.engines, &route.inputs),
            None => route.ranking.clone(),
        };
        let mut explained = Vec::with_capacity(ranking.candidates().len());
        for candidate in ranking.candidates() {
            let explanation = candidate
                .engine
                .explain(ctx, &route.statement, &route.types)
                .await;
            explained.push((candidate, explanation));
        }
        let unable = |name: &str| {
            explained
                .iter()
                .find(|(c, _)| c.name() == name)
                .and_then(|(_, e)| e.unable.as_ref())
        };
        let able = |name: &str| {
            explained
                .iter()
                .any(|(c, e)| c.name() == name && c.eligible() && e.unable.is_none())
        };
        let chosen = match choice.pinned() {
            // The pinned engine, or the first of the others that can answer the metadata it
            // does not serve.
            Some(_) if unable(route.engine().name()).is_some_and(|e| e.is_metadata()) => route
                .ranking
                .candidates()
                .iter()
                .skip(1)
                .find(|c| able(c.name()))
                .map_or(route.engine().name(), |c| c.name()),
            Some(_) => route.engine().name(),
            None => explained
                .iter()
                .find(|(c, e)| c.eligible() && e.unable.is_none())
                .map_or(route.engine().name(), |(c, _)| c.name()),
        };
        let explored = ranking.explored;
        let memory = ranking.memory;
        // A pinned statement that reads only system catalogs runs where they are served, one
        // asking for metadata the pinned engine does not serve where it is answered.
        let served_in_place = route
            .ranking
            .candidates()
            .iter()
            .find(|c| c.name() == chosen)
            .filter(|c| {
                matches!(
                    c.basis,
                    Basis::SystemCatalogs { .. } | Basis::Metadata { .. }
                )
            })
            .map(|c| c.basis.to_string());
        let mut lines: Vec<RouteLine> = explained
            .into_iter()
            .map(|(candidate, explanation)| RouteLine {
                engine: candidate.name(),
                chosen: candidate.name() == chosen,
                eligible: candidate.eligible() && explanation.unable.is_none(),
                estimated_cost: candidate.estimate.map(|d| d.as_secs_f64() * 1e3),
                reason: match &served_in_place {
                    Some(why) if candidate.name() == chosen => why.clone(),
                    _ => reason(candidate, chosen, choice, explored, memory, &explanation),
                },
                table_access: explanation.table_access.join("; "),
                sql: explanation.sql,
            })
            .collect();
        // Stable: within eligible and ineligible, the ranking's order.
        lines.sort_by_key(|line| !line.eligible);
        lines
    }
}

/// Why `candidate` was or was not chosen.
fn reason(
    candidate: &Candidate,
    chosen: &str,
    choice: Choice<'_>,
    explored: bool,
    memory: Option<OverBudget>,
    explanation: &Explanation,
) -> String {
    let engine = candidate.name();
    let sharing = match candidate.sharing {
        0 => String::new(),
        n => format!(
            ", ×{} for {n} statement{} running in process",
            n + 1,
            if n == 1 { "" } else { "s" }
        ),
    };
    let estimate = match candidate.estimate {
        Some(d) => format!(
            "{:.3} ms expected, {}{sharing}",
            d.as_secs_f64() * 1e3,
            candidate.basis
        ),
        None => candidate.basis.to_string(),
    };
    let unable = match (&candidate.basis, &explanation.unable) {
        (Basis::Down(why), _) => Some(format!("{engine} is down: {why}")),
        (_, Some(e)) => Some(e.to_string()),
        (Basis::Unreadable(what), None) => Some(format!("{engine} cannot read {what}")),
        (Basis::Unable(why), None) => Some(format!("{engine} could not run it lately: {why}")),
        (_, None) => None,
    };
    let pinned_by = match choice {
        Choice::Session(_) => Some("SET junction.engine".to_owned()),
        Choice::Hint(_) => Some(format!("/*+ ENGINE({engine}) */")),
        Choice::Auto => None,
    };
    match (pinned_by, unable) {
        (Some(by), Some(e)) if engine == chosen => {
            format!("pinned by {by}, but it cannot run the statement: {e}")
        }
        (Some(by), None) if engine == chosen => format!("pinned by {by}"),
        (Some(_), Some(e)) => e,
        (Some(_), None) => format!("eligible ({estimate}); {chosen} is pinned"),
        (None, Some(e)) if engine == chosen => {
            format!("no engine can run the statement; {engine}: {e}")
        }
        (None, Some(e)) => e,
        (None, None) if engine == chosen && explored => {
            format!("auto: runner-up, run now and then to learn its time ({estimate})")
        }
        (None, None) => match memory {
            Some(memory) if engine == chosen => format!(
                "auto: too big for this machine ({}); runs remote ({estimate})",
                too_big(memory)
            ),
            Some(memory) if !candidate.engine.remote() => format!(
                "eligible ({estimate}); too big for this machine ({})",
                too_big(memory)
            ),
            _ if engine == chosen => format!("auto: lowest estimate ({estimate})"),
            _ => format!("eligible ({estimate}); {chosen} is expected sooner"),
        },
    }
}

fn too_big(memory: OverBudget) -> String {
    format!(
        "a working set of about {} over [router] local_memory {}",
        size(memory.working_set),
        size(memory.local_memory)
    )
}

/// `bytes` in the largest binary unit that keeps a whole part, as PostgreSQL words sizes.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} bytes"),
        _ => format!("{value:.1} {}", UNITS[unit]),
    }
}
