//! Set-returning functions in FROM: PostgreSQL names the column of `generate_series(...) AS
//! g` (or `unnest(...) AS g`) after the alias, or after the function without one. DuckDB
//! makes `g` the whole row, DataFusion names the column `value`; an explicit column alias
//! says what PostgreSQL means to both.

use sqlparser::ast::{
    DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, Query, SelectItem,
    SetExpr, Statement, TableAlias, TableAliasColumnDef, TableFactor, TimezoneInfo, Value,
};

use crate::ast::{call, cast_in_place, function_name, plain_argument, string_literal, take};
use crate::relations::fold;
use crate::types::{is_int4_literal, Scope, SqlType};
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
/// in DuckDB and DataFusion: it is unnested there, also under a cast, an operator or a
/// function (`generate_series(...)::text`, `generate_series(...) + interval '1 hour'`).
pub fn projected_series(query: &mut Query) {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    for item in &mut select.projection {
        let (SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) = item else {
            continue;
        };
        unnest_series(expr);
    }
}

fn unnest_series(expr: &mut Expr) {
    match expr {
        Expr::Cast { expr: inner, .. }
        | Expr::Nested(inner)
        | Expr::UnaryOp { expr: inner, .. } => {
            unnest_series(inner);
        }
        Expr::BinaryOp { left, right, .. } => {
            unnest_series(left);
            unnest_series(right);
        }
        Expr::Function(function)
            if function_name(function)
                .is_some_and(|n| n.eq_ignore_ascii_case("generate_series"))
                && function.over.is_none() =>
        {
            let int4 =
                matches!(&function.args, FunctionArguments::List(list) if int4_series(&list.args));
            let series = crate::ast::take(expr);
            *expr = call("unnest", series);
            if int4 {
                cast_in_place(expr, DataType::Integer(None));
            }
        }
        // A function of a series' values (`upper(generate_series(...)::text)`, or the
        // printing function a cast to text became), not one already unnested.
        Expr::Function(function)
            if !function_name(function).is_some_and(|n| n.eq_ignore_ascii_case("unnest"))
                && function.over.is_none() =>
        {
            for argument in crate::ast::arguments_mut(function) {
                unnest_series(argument);
            }
        }
        _ => {}
    }
}

/// `generate_series` over dates or timestamps, in FROM or a select list, as PostgreSQL
/// resolves it: dates step as timestamptz (its preferred type among the two series it has,
/// or as timestamp beside a timestamp bound), and an untyped step is an interval. The
/// engines would step dates as dates and refuse the text. Read before the arguments'
/// own rules run, so that they apply to what this adds.
pub fn temporal_series(args: &mut [FunctionArg], scope: &Scope<'_>) {
    let [start, stop, step] = args else {
        return;
    };
    let (Some(start), Some(stop), Some(step)) =
        (unnamed_mut(start), unnamed_mut(stop), unnamed_mut(step))
    else {
        return;
    };
    let bounds = [scope.type_of(start), scope.type_of(stop)];
    let temporal = |t: &Option<SqlType>| {
        matches!(
            t,
            Some(SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz)
        )
    };
    if !bounds.iter().any(temporal) {
        return;
    }
    if string_literal(step).is_some() {
        *step = crate::ast::interval_of(take(step));
    }
    let zone = if bounds.contains(&Some(SqlType::Timestamp))
        && !bounds.contains(&Some(SqlType::TimestampTz))
    {
        TimezoneInfo::None
    } else {
        TimezoneInfo::WithTimeZone
    };
    for (bound, bound_type) in [start, stop].into_iter().zip(bounds) {
        if bound_type == Some(SqlType::Date) {
            cast_in_place(bound, DataType::Timestamp(None, zone));
        }
    }
}

fn unnamed_mut(argument: &mut FunctionArg) -> Option<&mut Expr> {
    match argument {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
        _ => None,
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
