//! PostgreSQL's words for errors the engines word their own way, where the words need the
//! statement: `function f(integer, unknown) does not exist` names the types of the call's
//! arguments, which only the statement and its tables' types tell.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Statement, TableFactor, Value, Visit, Visitor};

use crate::ast::{arguments, function_name, plain_argument, table_function};
use crate::types::{Scope, SqlType, TypeOracle};

/// PostgreSQL's hint beside an undefined function.
pub const UNDEFINED_FUNCTION_HINT: &str =
    "No function matches the given name and argument types. You might need to add explicit type casts.";

/// `name(types)` of the first call of `function` in `statement`, as PostgreSQL's
/// "function ... does not exist" names it; `None` when the call is not found or an argument's
/// type is not known here (the engine's own message then stands).
pub fn function_signature(
    statement: &Statement,
    function: &str,
    oracle: &dyn TypeOracle,
) -> Option<String> {
    struct Find<'a> {
        name: &'a str,
        found: Option<Vec<Expr>>,
    }
    impl Visitor for Find<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = expr {
                if function_name(f).is_some_and(|n| n.eq_ignore_ascii_case(self.name)) {
                    self.found = Some(arguments(f).cloned().collect());
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }

        /// A function in FROM (`read_csv(...)`), which is a table factor, not an expression.
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            let Some((name, args)) = table_function(factor) else {
                return ControlFlow::Continue(());
            };
            let last = name.0.last().and_then(|part| part.as_ident());
            if last.is_some_and(|n| n.value.eq_ignore_ascii_case(self.name)) {
                self.found = Some(args.iter().filter_map(plain_argument).cloned().collect());
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut find = Find {
        name: function,
        found: None,
    };
    let _ = statement.visit(&mut find);
    let args = find.found?;
    let scope = Scope::of(statement, oracle);
    let types = args
        .iter()
        .map(|arg| argument_type_name(arg, &scope))
        .collect::<Option<Vec<_>>>()?;
    Some(format!("{}({})", function.to_lowercase(), types.join(", ")))
}

/// The type PostgreSQL names for a call's argument `arg` in "function ... does not exist";
/// `None` where it is not known here.
pub(crate) fn argument_type_name(arg: &Expr, scope: &Scope<'_>) -> Option<&'static str> {
    match arg {
        // PostgreSQL resolves a quoted literal or NULL by context; without a function,
        // there is none.
        Expr::Value(v)
            if matches!(
                v.value,
                Value::SingleQuotedString(_) | Value::EscapedStringLiteral(_) | Value::Null
            ) =>
        {
            Some("unknown")
        }
        other => scope.type_of(other).and_then(type_name),
    }
}

/// format_type's name for `ty`, where one type has one name.
fn type_name(ty: SqlType) -> Option<&'static str> {
    Some(match ty {
        SqlType::Bool => "boolean",
        SqlType::Int2 => "smallint",
        SqlType::Int4 => "integer",
        SqlType::Int8 => "bigint",
        SqlType::Float4 => "real",
        SqlType::Float8 => "double precision",
        SqlType::Numeric => "numeric",
        SqlType::Text => "text",
        SqlType::Bytea => "bytea",
        SqlType::Date => "date",
        SqlType::Time => "time without time zone",
        SqlType::Timestamp => "timestamp without time zone",
        SqlType::TimestampTz => "timestamp with time zone",
        SqlType::Interval => "interval",
        // json and jsonb, arrays of any element: not told apart here.
        SqlType::Json | SqlType::Array | SqlType::Other => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TableTypes;

    fn signature(sql: &str, function: &str) -> Option<String> {
        let mut types = TableTypes::default();
        types.insert(
            vec!["silver".into(), "vitals".into()],
            vec![
                ("heart_rate".into(), SqlType::Int4),
                ("recorded_at".into(), SqlType::Timestamp),
            ],
        );
        let statement = crate::parse(sql).expect("valid").remove(0);
        function_signature(&statement, function, &types)
    }

    #[test]
    fn arguments_are_named_by_their_postgresql_types() {
        assert_eq!(
            signature("SELECT nosuch(1)", "nosuch").as_deref(),
            Some("nosuch(integer)")
        );
        assert_eq!(
            signature("SELECT upper(1, 2)", "upper").as_deref(),
            Some("upper(integer, integer)")
        );
        assert_eq!(
            signature(
                "SELECT f(heart_rate, recorded_at, 'x', 2.5, NULL) FROM silver.vitals",
                "F"
            )
            .as_deref(),
            Some("f(integer, timestamp without time zone, unknown, numeric, unknown)")
        );
        assert_eq!(signature("SELECT f()", "f").as_deref(), Some("f()"));
    }

    #[test]
    fn an_argument_of_unknown_type_leaves_the_engine_s_words() {
        assert_eq!(signature("SELECT f(g(1))", "f"), None);
        assert_eq!(signature("SELECT 1", "f"), None);
    }
}
