//! The function a statement calls that this session's DataFusion has none of, read from the
//! session's function registries: DataFusion's planner reports it only in words.

use std::ops::ControlFlow;

use datafusion::execution::SessionState;
use sqlparser::ast::{
    Expr, Function, FunctionArguments, ObjectName, Statement, TableFactor, Visit, Visitor,
};

/// Names DataFusion's SQL planner answers itself, without a registered function.
const PLANNED_BY_NAME: [&str; 3] = ["make_map", "map", "unnest"];

/// The first function `statement` calls (as DataFusion will plan it) that no registry of
/// `state` holds.
pub(super) fn first_undefined(state: &SessionState, statement: &Statement) -> Option<String> {
    let mut finder = Undefined { state };
    match statement.visit(&mut finder) {
        ControlFlow::Break(name) => Some(name),
        ControlFlow::Continue(()) => None,
    }
}

struct Undefined<'a> {
    state: &'a SessionState,
}

impl Undefined<'_> {
    fn is_function(&self, name: &str) -> bool {
        PLANNED_BY_NAME.contains(&name)
            || self.state.scalar_functions().contains_key(name)
            || self.state.aggregate_functions().contains_key(name)
            || self.state.window_functions().contains_key(name)
    }
}

impl Visitor for Undefined<'_> {
    type Break = String;

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<String> {
        if let Expr::Function(function) = expr {
            if let Some(name) = called(function).filter(|name| !self.is_function(name)) {
                return ControlFlow::Break(name);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<String> {
        let name = match factor {
            TableFactor::Table {
                name,
                args: Some(_),
                ..
            }
            | TableFactor::Function { name, .. } => Some(name),
            _ => None,
        };
        if let Some(name) = name {
            let name = planned_name(name);
            if name != "unnest" && !self.state.table_functions().contains_key(&name) {
                return ControlFlow::Break(name);
            }
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

    fn undefined(sql: &str) -> Option<String> {
        let state = SessionContext::new().state();
        let statement = junction_transpiler::parse(sql)
            .expect("valid SQL")
            .remove(0);
        first_undefined(&state, &statement)
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
}
