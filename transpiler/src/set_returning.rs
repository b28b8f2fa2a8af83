//! Set-returning functions in FROM: PostgreSQL names the column of `generate_series(...) AS
//! g` (or `unnest(...) AS g`) after the alias, or after the function without one. DuckDB
//! makes `g` the whole row, DataFusion names the column `value`; an explicit column alias
//! says what PostgreSQL means to both.

use sqlparser::ast::{
    DataType, Expr, FunctionArg, FunctionArguments, Ident, Query, SelectItem, SetExpr, Statement,
    TableAlias, TableAliasColumnDef, TableFactor, Value,
};

use crate::ast::{call, cast_in_place, function_name, plain_argument};
use crate::relations::fold;
use crate::types::{is_int4_literal, SqlType};
use crate::TranspileError;

/// Whether every argument of `generate_series` is an int4 literal or a cast to int2 or int4:
/// PostgreSQL's series is int4 then, the engines' BIGINT.
fn int4_series(args: &[FunctionArg]) -> bool {
    args.iter()
        .all(|arg| plain_argument(arg).is_some_and(is_int4_argument))
}

fn is_int4_argument(expr: &Expr) -> bool {
    match expr {
        Expr::Cast { data_type, .. } => {
            matches!(SqlType::of(data_type), SqlType::Int2 | SqlType::Int4)
        }
        Expr::Nested(inner) => is_int4_argument(inner),
        other => is_int4_literal(other),
    }
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
        let int4 =
            matches!(&function.args, FunctionArguments::List(list) if int4_series(&list.args));
        let series = crate::ast::take(expr);
        *expr = call("unnest", series);
        if int4 {
            cast_in_place(expr, DataType::Integer(None));
        }
    }
}

/// `generate_series(a, b, 0)` in FROM: PostgreSQL's 22023, where DataFusion's planner and
/// DuckDB each word their own error (a syntax error's code on DataFusion). A step that is no
/// constant is the engines' to check: neither takes one in FROM.
pub fn zero_step(factor: &TableFactor) -> Result<(), TranspileError> {
    let Some((name, [_, _, step])) = crate::ast::table_function(factor) else {
        return Ok(());
    };
    let series = name.0.last().and_then(|p| p.as_ident()).map(fold);
    let zero = matches!(plain_argument(step), Some(Expr::Value(v))
        if matches!(&v.value, Value::Number(n, _) if n.parse::<f64>().is_ok_and(|n| n == 0.0)));
    if series.as_deref() == Some("generate_series") && zero {
        return Err(TranspileError::InvalidParameter(
            "step size cannot equal zero".to_owned(),
        ));
    }
    Ok(())
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
                    int4 = int4_series(&args.args);
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
