//! The one walk that applies a dialect's rules to a statement, bottom-up: each query after
//! its parts, each table factor, each expression after its children. The rules themselves
//! live with their dialect ([`crate::datafusion`], [`crate::duckdb`]) or with what they
//! share.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, FunctionArguments, Ident, Query, Statement, TableFactor, VisitMut, VisitorMut,
};

use crate::types::{Scope, TypeOracle};
use crate::{
    datafusion, decimal_branches, duckdb, ordered_input, result_intervals, set_returning, trino,
    Dialect, TranspileError,
};

struct Rules<'a> {
    dialect: Dialect,
    scope: Scope<'a>,
}

impl VisitorMut for Rules<'_> {
    type Break = TranspileError;

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<TranspileError> {
        self.scope.enter(query);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<TranspileError> {
        let done = match self.dialect {
            Dialect::DataFusion => {
                // Its derived tables are done: an order hoisted from one is hoisted on.
                ordered_input::hoist_derived_order(query);
                ordered_input::keep_derived_order(query);
                set_returning::projected_series(query);
                datafusion::query_rules(query, &self.scope)
            }
            Dialect::Trino => trino::query_rules(query),
            _ => {
                ordered_input::keep_derived_order(query);
                set_returning::projected_series(query);
                if self.dialect == Dialect::DuckDb {
                    decimal_branches::unified_columns(query.body.as_mut(), &self.scope);
                }
                Ok(())
            }
        };
        into_flow(done)
    }

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<TranspileError> {
        if let Err(e) = set_returning::zero_step(factor) {
            return ControlFlow::Break(e);
        }
        match self.dialect {
            Dialect::Trino => into_flow(trino::table_factor(factor)),
            Dialect::DuckDb => {
                if let Err(e) = duckdb::table_function(factor, &self.scope) {
                    return ControlFlow::Break(e);
                }
                set_returning::name_column(factor);
                ControlFlow::Continue(())
            }
            _ => {
                if self.dialect == Dialect::DataFusion {
                    datafusion::series_timestamps(factor);
                    datafusion::information_schema_views(factor);
                }
                set_returning::name_column(factor);
                ControlFlow::Continue(())
            }
        }
    }

    /// Rules that read a table factor as written, before its parts are rewritten.
    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<TranspileError> {
        if matches!(self.dialect, Dialect::DataFusion | Dialect::DuckDb) {
            if let TableFactor::Table {
                name,
                args: Some(args),
                ..
            } = factor
            {
                if is_series(name.0.last().and_then(|p| p.as_ident())) {
                    set_returning::temporal_series(&mut args.args, &self.scope);
                }
            }
        }
        ControlFlow::Continue(())
    }

    /// Rules that read an expression as written, before its parts are rewritten.
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<TranspileError> {
        if self.dialect == Dialect::DataFusion {
            datafusion::pg_typeof_name(expr);
        }
        if matches!(self.dialect, Dialect::DataFusion | Dialect::DuckDb) {
            crate::shared::filtered_arguments(expr);
            crate::shared::untyped_temporal_operand(expr, &self.scope);
            crate::shared::pattern_substring(expr);
            crate::equivalents::zoned_truncation(expr);
            if let Expr::Function(function) = expr {
                if is_series(function.name.0.last().and_then(|p| p.as_ident())) {
                    if let FunctionArguments::List(list) = &mut function.args {
                        set_returning::temporal_series(&mut list.args, &self.scope);
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<TranspileError> {
        let done = match self.dialect {
            Dialect::DataFusion => datafusion::expression_rules(expr, &self.scope),
            Dialect::DuckDb => duckdb::expression_rules(expr, &self.scope),
            Dialect::Trino => trino::expression_rules(expr, &self.scope),
            _ => Ok(()),
        };
        into_flow(done)
    }
}

fn is_series(name: Option<&Ident>) -> bool {
    name.is_some_and(|n| n.value.eq_ignore_ascii_case("generate_series"))
}

fn into_flow(result: Result<(), TranspileError>) -> ControlFlow<TranspileError> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => ControlFlow::Break(e),
    }
}

/// Rewrites `statement` in place for `dialect` (DataFusion, DuckDB or Trino), with column
/// types from `types`.
pub(crate) fn rewrite(
    statement: &mut Statement,
    dialect: Dialect,
    types: &dyn TypeOracle,
) -> Result<(), TranspileError> {
    let mut scope = Scope::new(types);
    if let (Dialect::DuckDb, Statement::Query(query)) = (dialect, &mut *statement) {
        // Entered once: the walk's own entering of it is then a no-op.
        scope.enter(query);
        result_intervals::check_result_intervals(query, &scope);
    }
    if let ControlFlow::Break(e) = statement.visit(&mut Rules { dialect, scope }) {
        return Err(e);
    }
    if dialect == Dialect::Trino {
        trino::spell(statement)?;
    }
    Ok(())
}
