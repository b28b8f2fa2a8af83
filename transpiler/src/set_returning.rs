//! Set-returning functions in FROM: PostgreSQL names the column of `generate_series(...) AS
//! g` (or `unnest(...) AS g`) after the alias, or after the function without one. DuckDB
//! makes `g` the whole row, DataFusion names the column `value`; an explicit column alias
//! says what PostgreSQL means to both.

use sqlparser::ast::{
    DataType, Expr, Ident, Query, SelectItem, SetExpr, Statement, TableAlias, TableAliasColumnDef,
    TableFactor,
};

use crate::ast::{call, cast_in_place, function_name};
use crate::relations::fold;
use crate::types::{arguments, literal_type, SqlType};

/// Whether every argument of `generate_series` is an int4 literal: PostgreSQL's series is
/// int4 then, the engines' BIGINT.
fn int4_series(args: &[Expr]) -> bool {
    args.iter().all(|arg| {
        let arg = match arg {
            Expr::UnaryOp { expr, .. } => expr.as_ref(),
            arg => arg,
        };
        matches!(arg, Expr::Value(v) if literal_type(&v.value) == Some(SqlType::Int4))
    })
}

/// `generate_series(...)` in a query's select list is a set of rows in PostgreSQL, a list
/// in DuckDB and DataFusion: it is unnested there.
pub fn projected_series(query: &mut Query) {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    for item in &mut select.projection {
        let (SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) = item else {
            continue;
        };
        let Expr::Function(function) = expr else {
            continue;
        };
        if !function_name(function).is_some_and(|n| n.eq_ignore_ascii_case("generate_series"))
            || function.over.is_some()
        {
            continue;
        }
        let int4 = int4_series(&arguments(function).cloned().collect::<Vec<_>>());
        let series = crate::ast::take(expr);
        *expr = call("unnest", series);
        if int4 {
            cast_in_place(expr, DataType::Integer(None));
        }
    }
}

/// Gives a single-column table function in FROM the column name PostgreSQL gives it.
pub fn name_column(factor: &mut TableFactor) {
    let mut int4 = false;
    let (alias, function) = match factor {
        TableFactor::Table {
            name,
            args: Some(args),
            alias,
            ..
        } => {
            let function = name.0.last().and_then(|p| p.as_ident()).map(fold);
            match function.as_deref() {
                Some("generate_series") => {
                    let values: Vec<Expr> = args
                        .args
                        .iter()
                        .filter_map(|a| match a {
                            sqlparser::ast::FunctionArg::Unnamed(
                                sqlparser::ast::FunctionArgExpr::Expr(e),
                            ) => Some(e.clone()),
                            _ => None,
                        })
                        .collect();
                    int4 = values.len() == args.args.len() && int4_series(&values);
                    (alias, "generate_series")
                }
                _ => return,
            }
        }
        TableFactor::UNNEST {
            alias, array_exprs, ..
        } if array_exprs.len() == 1 => (alias, "unnest"),
        _ => return,
    };
    match alias {
        Some(alias) if alias.columns.is_empty() => {
            let column = alias.name.clone();
            alias.columns = vec![TableAliasColumnDef {
                name: column,
                data_type: None,
            }];
        }
        Some(_) => {}
        None => {
            *alias = Some(TableAlias {
                explicit: true,
                name: Ident::new(function),
                columns: vec![TableAliasColumnDef::from_name(function)],
            });
        }
    }
    if int4 {
        int4_column(factor);
    }
}

/// `generate_series(1, 5) AS g(x)` as `(SELECT CAST(x AS INTEGER) AS x FROM
/// generate_series(1, 5) AS g(x)) AS g`.
fn int4_column(factor: &mut TableFactor) {
    let TableFactor::Table {
        alias: Some(alias), ..
    } = &*factor
    else {
        return;
    };
    let [column] = alias.columns.as_slice() else {
        return;
    };
    let sql = format!(
        "SELECT CAST({column} AS INTEGER) AS {column} FROM {factor}",
        column = column.name
    );
    let Ok(Some(Statement::Query(subquery))) =
        crate::parse(&sql).map(|mut statements| statements.pop())
    else {
        return;
    };
    *factor = TableFactor::Derived {
        lateral: false,
        subquery,
        alias: Some(TableAlias {
            explicit: true,
            name: alias.name.clone(),
            columns: vec![],
        }),
        sample: None,
    };
}
