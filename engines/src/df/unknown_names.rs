//! The names a statement uses that this session's DataFusion does not know: a system relation
//! (pg_catalog, information_schema) it does not serve, a function none of its registries
//! holds. Found by the session's schema providers and function registries, where
//! DataFusion's planner reports them only in words; warehouse tables the router has found.

use std::ops::ControlFlow;

use datafusion::execution::SessionState;
use datafusion::sql::TableReference;
use junction_transpiler::{table_name_parts, SYSTEM_SCHEMAS};
use sqlparser::ast::{
    Expr, Function, FunctionArguments, ObjectName, Statement, TableFactor, Visit, Visitor,
};

use crate::EngineError;

/// Names DataFusion's SQL planner answers itself, without a registered function.
const PLANNED_BY_NAME: [&str; 3] = ["make_map", "map", "unnest"];

/// What `statement` (as DataFusion will plan it) names that `state` does not know, as the
/// error to report if planning fails: a missing system relation before a missing function,
/// each the first written.
pub(super) fn unknown_name(state: &SessionState, statement: &Statement) -> Option<EngineError> {
    let mut finder = Unknown {
        state,
        function: None,
    };
    match statement.visit(&mut finder) {
        ControlFlow::Break(relation) => Some(EngineError::UnknownTable(relation)),
        ControlFlow::Continue(()) => finder.function.map(EngineError::UndefinedFunction),
    }
}

struct Unknown<'a> {
    state: &'a SessionState,
    /// The first function no registry holds.
    function: Option<String>,
}

impl Unknown<'_> {
    fn is_function(&self, name: &str) -> bool {
        PLANNED_BY_NAME.contains(&name)
            || self.state.scalar_functions().contains_key(name)
            || self.state.aggregate_functions().contains_key(name)
            || self.state.window_functions().contains_key(name)
    }

    /// `schema.table` when `parts` name a system relation this session does not serve.
    fn missing_system_relation(&self, parts: &[String]) -> Option<String> {
        let (reference, schema, table) = match parts {
            [schema, table] => (
                TableReference::partial(schema.as_str(), table.as_str()),
                schema,
                table,
            ),
            [catalog, schema, table] => (
                TableReference::full(catalog.as_str(), schema.as_str(), table.as_str()),
                schema,
                table,
            ),
            _ => return None,
        };
        if !SYSTEM_SCHEMAS.contains(&schema.as_str()) {
            return None;
        }
        let served = self
            .state
            .schema_for_ref(reference)
            .is_ok_and(|provider| provider.table_exist(table));
        (!served).then(|| format!("{schema}.{table}"))
    }
}

impl Visitor for Unknown<'_> {
    type Break = String;

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<String> {
        if let Expr::Function(function) = expr {
            if self.function.is_none() {
                self.function = called(function).filter(|name| !self.is_function(name));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<String> {
        if let Some(parts) = table_name_parts(factor) {
            return match self.missing_system_relation(&parts) {
                Some(relation) => ControlFlow::Break(relation),
                None => ControlFlow::Continue(()),
            };
        }
        let function = match factor {
            TableFactor::Table {
                name,
                args: Some(_),
                ..
            }
            | TableFactor::Function { name, .. } => Some(planned_name(name)),
            _ => None,
        };
        if self.function.is_none() {
            self.function = function.filter(|name| {
                name != "unnest" && !self.state.table_functions().contains_key(name)
            });
        }
        ControlFlow::Continue(())
    }
}

/// The name DataFusion looks `function` up by; none for a call without parentheses
/// (`current_user`), which it may read as a column.
fn called(function: &Function) -> Option<String> {
    if matches!(function.args, FunctionArguments::None) {
        return None;
    }
    Some(planned_name(&function.name))
}

/// DataFusion folds a one-part name as it folds identifiers and keeps a qualified one as
/// written.
fn planned_name(name: &ObjectName) -> String {
    match name.0.as_slice() {
        [part] => match part.as_ident() {
            Some(ident) if ident.quote_style.is_some() => ident.value.clone(),
            Some(ident) => ident.value.to_lowercase(),
            None => name.to_string(),
        },
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::SessionContext;

    use super::*;

    fn unknown(sql: &str) -> Option<EngineError> {
        let state = SessionContext::new_with_config(
            datafusion::prelude::SessionConfig::new().with_information_schema(true),
        )
        .state();
        let statement = junction_transpiler::parse(sql)
            .expect("valid SQL")
            .remove(0);
        unknown_name(&state, &statement)
    }

    fn undefined(sql: &str) -> Option<String> {
        match unknown(sql) {
            Some(EngineError::UndefinedFunction(name)) => Some(name),
            _ => None,
        }
    }

    #[test]
    fn names_the_first_function_no_registry_holds() {
        assert_eq!(
            undefined("SELECT abs(1), nosuch(2), other(3)").as_deref(),
            Some("nosuch")
        );
        assert_eq!(undefined("SELECT NoSuch(1)").as_deref(), Some("nosuch"));
        assert_eq!(
            undefined("SELECT * FROM generate_nosuch(1)").as_deref(),
            Some("generate_nosuch")
        );
        assert_eq!(
            undefined("SELECT * FROM t, LATERAL read_text(t.name)").as_deref(),
            Some("read_text")
        );
    }

    #[test]
    fn knows_every_kind_of_function_and_the_planners_own() {
        for sql in [
            "SELECT abs(1), count(*), sum(1), row_number() OVER (), ntile(2) OVER ()",
            "SELECT unnest([1, 2]), make_map('a', 1), current_date",
            "SELECT * FROM generate_series(1, 3)",
            "SELECT * FROM unnest([1, 2])",
        ] {
            assert_eq!(undefined(sql), None, "{sql}");
        }
    }

    #[test]
    fn names_a_system_relation_the_session_does_not_serve_before_a_function() {
        let relation = |sql: &str| match unknown(sql) {
            Some(EngineError::UnknownTable(name)) => Some(name),
            _ => None,
        };
        assert_eq!(
            relation("SELECT nosuch(1) FROM information_schema.nosuch").as_deref(),
            Some("information_schema.nosuch")
        );
        assert_eq!(relation("SELECT * FROM information_schema.tables"), None);
        assert_eq!(relation("SELECT * FROM silver.nosuch"), None);
    }
}
