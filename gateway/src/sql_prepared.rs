//! SQL-level prepared statements: `PREPARE name [(types)] AS query`, `EXECUTE name [(args)]`,
//! `DEALLOCATE [PREPARE] name | ALL`, kept per session and available on both front ends.
//!
//! EXECUTE runs the query with each `$n` replaced by its argument, cast to the declared type
//! where PREPARE gave one: arguments are constant expressions, so this is the statement
//! PostgreSQL would run with those parameter values.

use std::ops::ControlFlow;

use junction_transpiler::{highest_parameter, parameter_number};
use sqlparser::ast::{visit_expressions_mut, CastKind, DataType, Expr, Statement};

use crate::error::GatewayError;

/// A statement `PREPARE` stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlPrepared {
    pub statement: Statement,
    /// The declared parameter types, `$1` first; may be fewer than the parameters.
    pub types: Vec<DataType>,
}

impl SqlPrepared {
    /// How many parameters EXECUTE must give: the highest `$n`, or the declared types.
    pub fn parameter_count(&self) -> usize {
        highest_parameter(&self.statement).max(self.types.len())
    }

    /// The statement with `arguments` in place of its parameters; PostgreSQL's 42601 when
    /// their number is not the statement's.
    pub fn bind(&self, name: &str, arguments: &[Expr]) -> Result<Statement, GatewayError> {
        let expected = self.parameter_count();
        if arguments.len() != expected {
            return Err(GatewayError::ParameterCount(name.to_owned()));
        }
        let mut statement = self.statement.clone();
        let _ = visit_expressions_mut(&mut statement, |expr| {
            if let Some(n) = parameter_number(expr) {
                // 1 ≤ n ≤ expected: counted above.
                let argument = arguments[n - 1].clone();
                *expr = match self.types.get(n - 1) {
                    Some(data_type) => Expr::Cast {
                        kind: CastKind::Cast,
                        expr: Box::new(Expr::Nested(Box::new(argument))),
                        data_type: data_type.clone(),
                        array: false,
                        format: None,
                    },
                    None => Expr::Nested(Box::new(argument)),
                };
            }
            ControlFlow::<()>::Continue(())
        });
        Ok(statement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(sql: &str, types: Vec<DataType>) -> SqlPrepared {
        SqlPrepared {
            statement: junction_transpiler::parse(sql).expect("valid").remove(0),
            types,
        }
    }

    fn args(sql: &str) -> Vec<Expr> {
        match junction_transpiler::parse(&format!("SELECT {sql}"))
            .expect("valid")
            .remove(0)
        {
            Statement::Query(q) => match *q.body {
                sqlparser::ast::SetExpr::Select(s) => s
                    .projection
                    .into_iter()
                    .map(|item| match item {
                        sqlparser::ast::SelectItem::UnnamedExpr(e) => e,
                        other => panic!("{other:?}"),
                    })
                    .collect(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn arguments_take_the_parameters_places_with_their_declared_types() {
        let p = prepared(
            "SELECT name FROM silver.patients WHERE patient_id = $1 AND ward = $2",
            vec![DataType::Int(None)],
        );
        assert_eq!(p.parameter_count(), 2);
        let bound = p.bind("p", &args("40 + 2, 'ICU'")).expect("two");
        assert_eq!(
            bound.to_string(),
            "SELECT name FROM silver.patients WHERE patient_id = CAST((40 + 2) AS INT) AND ward = ('ICU')"
        );
        let err = p.bind("p", &args("1")).expect_err("one of two");
        assert_eq!(err.sqlstate(), "42601");
        assert_eq!(
            err.to_string(),
            "wrong number of parameters for prepared statement \"p\""
        );
    }
}
