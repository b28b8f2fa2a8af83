//! Rules that make DataFusion answer what PostgreSQL answers. DataFusion plans the AST
//! itself, so these rewrite the statement it is handed:
//!
//! - [`fetch_to_limit`]: `FETCH FIRST n ROWS ONLY` (SQL:2008, which PostgreSQL takes) is
//!   `LIMIT n`; DataFusion's planner knows only the latter.
//! - [`pg_typed_ranking`]: PostgreSQL's ranking window functions are int8 (ntile int4),
//!   DataFusion's UInt64 (which the pg wire can only send as numeric).
//! - [`int4_literals`]: PostgreSQL reads `7` as int4, DataFusion as Int64, so `int4 / 7`
//!   would be int8.
//! - [`casts`]: a float cast to an integer rounds half to even in PostgreSQL, a numeric
//!   half away from zero (DataFusion truncates both); timestamps as text read
//!   `2026-01-01 10:00:00.8`, not ISO 8601's `T` nor a padded fraction.
//! - [`like_escape`]: DataFusion takes no escape character but the backslash.
//! - [`function_names`]: PostgreSQL's names and operators DataFusion spells otherwise.
//! - [`cte_columns`]: DataFusion ignores a CTE's column list in recursive CTEs.
//! - [`null_safe_filter`]: DataFusion's grouped aggregates count rows whose `FILTER`
//!   condition is NULL.
//! - [`scalar_subqueries`]: DataFusion checks no scalar subquery for its one row.
//! - [`temporal`], [`exact_rounding`], [`json_operators`]: date arithmetic, rounding of
//!   numerics and JSON operators as PostgreSQL types and spells them.
//!
//! The rules shared with other dialects (result types, formats, patterns) run here too.

use sqlparser::ast::{
    ArrayElemTypeDef, BinaryOperator, DataType, DateTimeField, Expr, FunctionArgumentClause,
    FunctionArguments, Ident, LimitClause, Query, SelectItem, SetExpr, Statement, TableAlias,
    TableFactor, UnaryOperator, Value,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::ast::{
    arguments, arguments_mut, binary, call, call_with, case_when, cast_in_place, concatenation,
    function_name, is_call_to, is_grouped, is_plain_cast, number, path_steps, push_argument,
    rename, string, string_literal, string_value, take, take_arguments,
};
use crate::types::{is_int4_literal, literal_type, Scope, SqlType};
use crate::{result_types, shared, Dialect, TranspileError};

/// The query rules, for a query whose parts are done.
pub(crate) fn query_rules(query: &mut Query, scope: &Scope<'_>) -> Result<(), TranspileError> {
    cte_columns(query);
    grouping_ordinals(query.body.as_mut());
    int4_projections(query.body.as_mut());
    json_values_nulls(query.body.as_mut(), scope);
    set_operation_types(query.body.as_mut(), scope);
    having_without_grouping(query.body.as_mut());
    crate::cast_names::distinct_cast_names(query);
    fetch_to_limit(query)
}

/// The expression rules, for an expression whose children are done.
pub(crate) fn expression_rules(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
    shared::name_cast(expr, scope, Dialect::DataFusion);
    if let Some(array) = crate::array_of_subquery(expr) {
        *expr = array;
    }
    scalar_subqueries(expr)?;
    shared::exponent_literal(expr);
    shared::int4_hex(expr, scope);
    shared::overlay(expr, |_| {});
    empty_search_replace(expr);
    epoch_timestamp(expr, scope);
    function_names(expr);
    // Before the rules that copy or move a FILTER into other calls.
    null_safe_filter(expr);
    int4_literals(expr);
    crate::equivalents::apply(expr, scope, Dialect::DataFusion);
    shared::apply(expr, scope, Dialect::DataFusion)?;
    casts(expr, scope);
    checked_negation(expr, scope);
    temporal(expr, scope);
    shared::timestamp_seconds(expr, scope);
    microsecond_timestamps(expr);
    json_operators(expr);
    exact_rounding(expr, scope);
    result_types::exact_average(expr, scope, |sum, count| {
        call_with("pg_numeric_divide", vec![sum, count])
    });
    result_types::apply(expr, scope);
    pg_typed_ranking(expr);
    percentile_disc(expr);
    mode(expr);
    json_aggregates(expr, scope);
    like_escape(expr)
}

/// `to_timestamp(seconds)` in microseconds, PostgreSQL's unit: DataFusion's counts
/// nanoseconds, whose range ends in 1677 and 2262, and answered those bounds (or a wrapped
/// value) for a time outside them (`to_timestamp(1e10)` is 2286-11-20 in PostgreSQL). Seconds
/// are float8 in PostgreSQL, rounded to the microsecond half to even (`rint`); integers are
/// exact.
fn epoch_timestamp(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::Function(function) = expr else {
        return;
    };
    if !is_call_to(function, &["to_timestamp"]) {
        return;
    }
    let Some([seconds]) = take_arguments(function) else {
        return;
    };
    let micros = if scope.type_of(&seconds).is_some_and(SqlType::is_integer) {
        let mut seconds = seconds;
        cast_in_place(&mut seconds, DataType::BigInt(None));
        binary(seconds, BinaryOperator::Multiply, number(1_000_000))
    } else {
        let mut seconds = seconds;
        cast_in_place(&mut seconds, DataType::DoublePrecision);
        let product = binary(seconds, BinaryOperator::Multiply, number("1000000.0"));
        let mut micros = result_types::half_even(product);
        cast_in_place(&mut micros, DataType::BigInt(None));
        micros
    };
    *expr = call("to_timestamp_micros", micros);
}

/// `replace(s, '', t)` is `s` in PostgreSQL; DataFusion puts `t` between every character
/// (`replace('abc', '', 'x')` was `xaxbxcx`). A search that is not a non-empty constant is
/// tested per row (NULLs still give NULL: `replace` is strict).
fn empty_search_replace(expr: &mut Expr) {
    let Some((text, unchanged)) = empty_search(expr) else {
        return;
    };
    let replaced = take(expr);
    *expr = case_when(unchanged, text, Some(replaced));
}

/// For a `replace(s, f, t)` whose `f` may be empty: `s`, and the test that `f` is empty and
/// `t` not NULL.
fn empty_search(expr: &Expr) -> Option<(Expr, Expr)> {
    let Expr::Function(function) = expr else {
        return None;
    };
    if !is_call_to(function, &["replace"]) {
        return None;
    }
    let [text, search, replacement] = arguments(function).collect::<Vec<_>>()[..] else {
        return None;
    };
    if string_literal(search).is_some_and(|s| !s.is_empty()) {
        return None;
    }
    let unchanged = binary(
        binary(search.clone(), BinaryOperator::Eq, string("")),
        BinaryOperator::And,
        Expr::IsNotNull(Box::new(replacement.clone())),
    );
    Some((text.clone(), unchanged))
}

/// `-x` of an integer as `0 - x` in `x`'s type, which DataFusion computes with junction's
/// checked subtraction: its own negation wraps (`-x` of the smallest int4 stayed negative,
/// where PostgreSQL says 22003). A negative constant is left as written; a negated interval
/// literal is put in parentheses.
fn checked_negation(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::UnaryOp {
        op: UnaryOperator::Minus,
        expr: operand,
    } = expr
    else {
        return;
    };
    if matches!(operand.as_ref(), Expr::Value(_)) {
        return;
    }
    if matches!(operand.as_ref(), Expr::Interval(_)) {
        // DataFusion's planner writes the sign into the literal's text, so `-interval '1 day
        // 2 hours'` was `-1 days +02:00:00`; in parentheses it negates every field.
        let literal = take(operand);
        **operand = Expr::Nested(Box::new(literal));
        return;
    }
    let zero_type = match scope.type_of(operand) {
        Some(SqlType::Int2) => DataType::SmallInt(None),
        Some(SqlType::Int4) => DataType::Integer(None),
        Some(SqlType::Int8) => DataType::BigInt(None),
        _ => return,
    };
    let mut zero = number(0);
    cast_in_place(&mut zero, zero_type);
    let negated = binary(zero, BinaryOperator::Minus, take(operand));
    *expr = Expr::Nested(Box::new(negated));
}

/// The aggregate (engines/src/df/scalar_subquery.rs) that gives a scalar subquery's one value,
/// NULL for no row and an error for two.
const SCALAR_SUBQUERY: &str = "junction_scalar_subquery";

/// Set-returning functions, which make rows of a select list's one row.
const SET_RETURNING: [&str; 4] = [
    "generate_series",
    "unnest",
    "regexp_matches",
    "json_array_elements",
];

/// Whether `query` yields exactly one row whatever its tables hold: an aggregate without
/// GROUP BY, HAVING, LIMIT, OFFSET or a set-returning call.
fn always_one_row(query: &Query) -> bool {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return false;
    };
    if is_grouped(select)
        || select.having.is_some()
        || query.limit_clause.is_some()
        || query.fetch.is_some()
        || select.projection.len() != 1
    {
        return false;
    }
    let calls = Calls::in_(&select.projection);
    calls.aggregate && !calls.set_returning
}

/// What the calls in an expression do that changes how many rows a select list makes.
#[derive(Default)]
struct Calls {
    /// An aggregate outside a window.
    aggregate: bool,
    set_returning: bool,
    window: bool,
    subquery: bool,
}

impl Calls {
    fn in_<V: sqlparser::ast::Visit>(node: &V) -> Self {
        let mut calls = Calls::default();
        let _ = sqlparser::ast::visit_expressions(node, |e| {
            match e {
                Expr::Function(f) => {
                    let name = function_name(f).map(str::to_ascii_lowercase);
                    let is = |names: &[&str]| name.as_deref().is_some_and(|n| names.contains(&n));
                    calls.aggregate |= f.over.is_none() && is(&crate::AGGREGATES);
                    calls.set_returning |= is(&SET_RETURNING);
                    calls.window |= f.over.is_some();
                }
                Expr::Subquery(_) => calls.subquery = true,
                _ => {}
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        calls
    }
}

/// A scalar subquery that may yield no row or several, made one that yields its one value,
/// NULL for none and an error for several: DataFusion 53 joins a scalar subquery in, so two
/// rows would repeat the outer row (PostgreSQL: 21000) and none under a `SELECT` without
/// `FROM` would leave no row (PostgreSQL: NULL).
///
/// A plain `SELECT e FROM ... WHERE ...` becomes `SELECT junction_scalar_subquery(e) FROM ...`,
/// an aggregate DataFusion decorrelates as it does `max(e)`. Any other shape is wrapped whole,
/// `(SELECT junction_scalar_subquery(v) FROM (subquery) AS junction_subquery(v))`, which
/// DataFusion plans only without outer references: correlated, it is refused (0A000), and
/// `auto` runs the statement on DuckDB.
pub fn scalar_subqueries(expr: &mut Expr) -> Result<(), TranspileError> {
    let Expr::Subquery(query) = expr else {
        return Ok(());
    };
    if always_one_row(query) || aggregate_in_place(query) {
        return Ok(());
    }
    if refers_outside(query) {
        return Err(TranspileError::Unsupported(
            "a correlated scalar subquery with GROUP BY, DISTINCT, LIMIT or a set operation \
             is not supported by datafusion"
                .to_owned(),
        ));
    }
    let wrapper = format!(
        "SELECT {SCALAR_SUBQUERY}(junction_subquery.v) FROM (SELECT 1) AS junction_subquery(v)"
    );
    let Ok(Some(Statement::Query(mut outer))) =
        Parser::parse_sql(&PostgreSqlDialect {}, &wrapper).map(|mut s| s.pop())
    else {
        return Ok(());
    };
    let SetExpr::Select(select) = outer.body.as_mut() else {
        return Ok(());
    };
    let Some(TableFactor::Derived { subquery, .. }) =
        select.from.first_mut().map(|t| &mut t.relation)
    else {
        return Ok(());
    };
    std::mem::swap(subquery, query);
    *query = outer;
    Ok(())
}

/// Makes a plain `SELECT e FROM ... WHERE ...` (no grouping, DISTINCT, window, limit or
/// set-returning call) `SELECT junction_scalar_subquery(e) ...`; whether it was one. Its
/// ORDER BY, meaningless without a limit, goes.
fn aggregate_in_place(query: &mut Query) -> bool {
    if query.limit_clause.is_some() || query.fetch.is_some() || query.with.is_some() {
        return false;
    }
    let SetExpr::Select(select) = query.body.as_mut() else {
        return false;
    };
    if is_grouped(select)
        || select.having.is_some()
        || select.distinct.is_some()
        || !select.named_window.is_empty()
        || select.qualify.is_some()
    {
        return false;
    }
    let [SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }] =
        select.projection.as_mut_slice()
    else {
        return false;
    };
    // Its own subqueries are done; one inside an aggregate's argument is not planned.
    let calls = Calls::in_(&*e);
    if calls.aggregate || calls.set_returning || calls.window || calls.subquery {
        return false;
    }
    *e = call(SCALAR_SUBQUERY, take(e));
    query.order_by = None;
    true
}

/// Whether `query` names a relation it does not bring itself (`p.ward` of an outer `p`): a
/// correlated subquery. Unqualified columns are taken as its own.
fn refers_outside(query: &Query) -> bool {
    use sqlparser::ast::{Visit, Visitor};
    struct Names(std::collections::HashSet<String>);
    impl Visitor for Names {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> std::ops::ControlFlow<()> {
            let alias = match factor {
                TableFactor::Table { alias, name, .. } => alias
                    .as_ref()
                    .map(|a| crate::relations::fold(&a.name))
                    .or_else(|| {
                        name.0
                            .last()
                            .and_then(|p| p.as_ident())
                            .map(crate::relations::fold)
                    }),
                TableFactor::Derived { alias, .. }
                | TableFactor::UNNEST { alias, .. }
                | TableFactor::Function { alias, .. }
                | TableFactor::TableFunction { alias, .. }
                | TableFactor::NestedJoin { alias, .. } => {
                    alias.as_ref().map(|a| crate::relations::fold(&a.name))
                }
                _ => None,
            };
            self.0.extend(alias);
            std::ops::ControlFlow::Continue(())
        }
        fn pre_visit_query(&mut self, query: &Query) -> std::ops::ControlFlow<()> {
            if let Some(with) = &query.with {
                self.0.extend(
                    with.cte_tables
                        .iter()
                        .map(|c| crate::relations::fold(&c.alias.name)),
                );
            }
            std::ops::ControlFlow::Continue(())
        }
    }
    let mut names = Names(std::collections::HashSet::new());
    let _ = query.visit(&mut names);
    let mut outside = false;
    let _ = sqlparser::ast::visit_expressions(query, |e| {
        if let Expr::CompoundIdentifier(parts) = e {
            if let [.., relation, _] = parts.as_slice() {
                outside |= !names.0.contains(&crate::relations::fold(relation));
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    outside
}

/// An aggregate's `FILTER (WHERE c)` as `FILTER (WHERE (c) IS TRUE)`. DataFusion's grouped
/// accumulators read only the values of the filter mask, not its validity, so a row where
/// `c` is NULL could count (`count(*) FILTER (WHERE x > 100)` with x NULL counted rows that
/// PostgreSQL leaves out); `IS TRUE` is never NULL.
pub fn null_safe_filter(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    if let Some(filter) = &mut function.filter {
        if !matches!(filter.as_ref(), Expr::IsTrue(_)) {
            let condition = take(filter);
            **filter = Expr::IsTrue(Box::new(Expr::Nested(Box::new(condition))));
        }
    }
}

fn int4_in_place(expr: &mut Expr) {
    if is_int4_literal(expr) {
        cast_in_place(expr, DataType::Integer(None));
    }
}

/// Integer literals where their type reaches the result (operands of arithmetic, branches
/// of CASE and COALESCE-like functions, array elements) are cast to int4. Elsewhere (LIMIT,
/// ORDER BY positions, function arguments such as `round(x, 2)`) they stay as written.
pub fn int4_literals(expr: &mut Expr) {
    match expr {
        Expr::BinaryOp { left, op, right }
            if crate::ast::is_arithmetic(op)
                || matches!(
                    op,
                    BinaryOperator::BitwiseAnd
                        | BinaryOperator::BitwiseOr
                        | BinaryOperator::PGBitwiseXor
                        | BinaryOperator::PGBitwiseShiftLeft
                        | BinaryOperator::PGBitwiseShiftRight
                ) =>
        {
            int4_in_place(left);
            int4_in_place(right);
        }
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            for when in conditions {
                int4_in_place(&mut when.result);
            }
            if let Some(e) = else_result {
                int4_in_place(e);
            }
        }
        Expr::Array(array) => array.elem.iter_mut().for_each(int4_in_place),
        Expr::Function(f)
            if is_call_to(
                f,
                &[
                    "coalesce",
                    "nullif",
                    "greatest",
                    "least",
                    "min",
                    "max",
                    "abs",
                    "lag",
                    "lead",
                    "first_value",
                    "last_value",
                    "nth_value",
                ],
            ) =>
        {
            arguments_mut(f).for_each(int4_in_place);
        }
        _ => {}
    }
}

/// The select-list expressions of a simple select, to retype.
fn projection_mut(body: &mut SetExpr) -> Option<Vec<&mut Expr>> {
    match body {
        SetExpr::Select(select) => Some(
            select
                .projection
                .iter_mut()
                .map(|item| match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        Some(e)
                    }
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?,
        ),
        _ => None,
    }
}

/// The columns of a UNION, INTERSECT or EXCEPT of numbers of different types take the
/// common type PostgreSQL resolves (int4 and numeric is numeric); DataFusion's INTERSECT
/// and EXCEPT keep the left side's.
fn set_operation_types(body: &mut SetExpr, scope: &Scope<'_>) {
    let SetExpr::SetOperation { left, right, .. } = body else {
        return;
    };
    let (Some(mut l), Some(mut r)) = (projection_mut(left), projection_mut(right)) else {
        return;
    };
    for (a, b) in l.iter_mut().zip(r.iter_mut()) {
        let (Some(ta), Some(tb)) = (scope.type_of(a), scope.type_of(b)) else {
            continue;
        };
        if ta == tb {
            continue;
        }
        let numbers = [ta, tb]
            .iter()
            .all(|t| t.is_integer() || t.is_float() || *t == SqlType::Numeric);
        if !numbers {
            continue;
        }
        let (common, data_type) = if ta.is_float() || tb.is_float() {
            (SqlType::Float8, DataType::DoublePrecision)
        } else if ta == SqlType::Numeric || tb == SqlType::Numeric {
            (
                SqlType::Numeric,
                DataType::Numeric(sqlparser::ast::ExactNumberInfo::None),
            )
        } else {
            (SqlType::Int8, DataType::BigInt(None))
        };
        // Only the side of the other type: a numeric keeps its own digits.
        for (side, t) in [(a, ta), (b, tb)] {
            if t != common {
                cast_in_place(side, data_type.clone());
            }
        }
    }
}

/// Select-list positions inside `ROLLUP`, `CUBE` and `GROUPING SETS` (`GROUP BY ROLLUP
/// (1, 2)`) are the select list's expressions, as PostgreSQL reads them; DataFusion resolves
/// positions only as whole GROUP BY items, and took these for constants (42803).
fn grouping_ordinals(body: &mut SetExpr) {
    let SetExpr::Select(select) = body else {
        return;
    };
    let sqlparser::ast::GroupByExpr::Expressions(items, _) = &mut select.group_by else {
        return;
    };
    let projection = &select.projection;
    let position = |e: &Expr| -> Option<Expr> {
        let Expr::Value(v) = e else {
            return None;
        };
        let Value::Number(n, _) = &v.value else {
            return None;
        };
        let index = n.parse::<usize>().ok()?.checked_sub(1)?;
        match projection.get(index)? {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                Some(expr.clone())
            }
            _ => None,
        }
    };
    for item in items.iter_mut() {
        let (Expr::Rollup(sets) | Expr::Cube(sets) | Expr::GroupingSets(sets)) = item else {
            continue;
        };
        for element in sets.iter_mut().flatten() {
            if let Some(expr) = position(element) {
                *element = expr;
            }
        }
    }
}

/// `SELECT ... HAVING c` without GROUP BY is one group of all rows in PostgreSQL (one row
/// when `c` holds, even over no rows); DataFusion plans it only as an aggregate query, so
/// the condition gains an aggregate: `coalesce((c), count(*) < 0)`, which holds exactly when
/// `c` does. One expression rather than `c AND ...`: DataFusion pushes an aggregate-free
/// conjunct such as `NULL` below the aggregate, where it empties the input and the global
/// aggregate still answers its one row.
fn having_without_grouping(body: &mut SetExpr) {
    let SetExpr::Select(select) = body else {
        return;
    };
    if is_grouped(select) {
        return;
    }
    let Some(having) = &mut select.having else {
        return;
    };
    let count = Expr::Function(sqlparser::ast::Function {
        args: FunctionArguments::List(sqlparser::ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![sqlparser::ast::FunctionArg::Unnamed(
                sqlparser::ast::FunctionArgExpr::Wildcard,
            )],
            clauses: vec![],
        }),
        ..match call("count", number(0)) {
            Expr::Function(f) => f,
            _ => return,
        }
    });
    let condition = take(having);
    *having = call_with(
        "coalesce",
        vec![
            Expr::Nested(Box::new(condition)),
            binary(count, BinaryOperator::Lt, number(0)),
        ],
    );
}

/// The int4 literals a query's result columns are (`SELECT 1`, `VALUES (1, 2)`).
fn int4_projections(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            for item in &mut select.projection {
                if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item
                {
                    int4_in_place(e);
                }
            }
        }
        SetExpr::SetOperation { left, right, .. } => {
            int4_projections(left);
            int4_projections(right);
        }
        SetExpr::Values(values) => values.rows.iter_mut().flatten().for_each(int4_in_place),
        _ => {}
    }
}

/// A bare NULL in a VALUES column of json as json: DataFusion refuses a column whose rows
/// disagree on its type's tag ("Inconsistent metadata across values list").
fn json_values_nulls(body: &mut SetExpr, scope: &Scope<'_>) {
    let SetExpr::Values(values) = body else {
        return;
    };
    let width = values.rows.first().map_or(0, Vec::len);
    for column in 0..width {
        let json = values
            .rows
            .iter()
            .any(|row| row.get(column).and_then(|e| scope.type_of(e)) == Some(SqlType::Json));
        if !json {
            continue;
        }
        for cell in values.rows.iter_mut().filter_map(|row| row.get_mut(column)) {
            if matches!(cell, Expr::Value(v) if v.value == Value::Null) {
                *cell = call(JSON_FUNCTION, take(cell));
            }
        }
    }
}

/// Casts as PostgreSQL performs them: a float cast to an integer rounds half to even and a
/// numeric half away from zero (DataFusion would truncate both); a timestamp cast to text
/// is PostgreSQL's text (a space before the time, a fraction only as long as it is).
pub fn casts(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::Cast {
        kind,
        expr: inner,
        data_type,
        ..
    } = expr
    else {
        return;
    };
    if !is_plain_cast(kind) {
        return;
    }
    // json to text: DataFusion holds json as text tagged json ([`JSON_FUNCTION`],
    // `json_build_object`), and a cast between equal Arrow types keeps the tag, so
    // `'{}'::json::text` was described as json. `||` makes a new, untagged value.
    let to_text = matches!(
        data_type,
        DataType::Text | DataType::Varchar(None) | DataType::CharacterVarying(None)
    );
    if to_text
        && matches!(inner.as_ref(), Expr::Function(f)
            if is_call_to(f, &[JSON_FUNCTION, "json_build_object"]))
    {
        let text = binary(take(inner), BinaryOperator::StringConcat, string(""));
        *expr = Expr::Nested(Box::new(text));
        return;
    }
    let (target, source) = (SqlType::of(data_type), scope.type_of(inner));
    if target == SqlType::Interval {
        if let Some(text) = string_literal(inner).and_then(interval_clock_units) {
            **inner = string(&text);
        }
    }
    if target.is_float() {
        // `1e308::float8`: DataFusion reads the literal as a decimal first, which cannot hold
        // such an exponent; the text reads straight into a float.
        if let Expr::Value(v) = inner.as_ref() {
            if let Value::Number(n, _) = &v.value {
                if n.contains(['e', 'E']) {
                    **inner = string(n);
                }
            }
        }
    }
    match source {
        Some(SqlType::Numeric) if target.is_integer() => **inner = call("round", take(inner)),
        // Dates too: DataFusion writes a year past 9999 with a sign (`+64997-11-11`).
        Some(SqlType::Timestamp | SqlType::TimestampTz | SqlType::Date)
            if target == SqlType::Text =>
        {
            *expr = call(crate::shared::TIMESTAMP_TEXT, take(inner));
        }
        _ => {}
    }
}

/// Timestamps in microseconds, PostgreSQL's resolution and range (4713 BC to 294276 AD):
/// DataFusion reads a plain `TIMESTAMP` as nanoseconds, whose 64 bits end in 2262 (a date
/// past it wrapped around; a NULL date's unused value could overflow the conversion).
pub fn microsecond_timestamps(expr: &mut Expr) {
    let data_type = match expr {
        Expr::Cast { data_type, .. } => data_type,
        Expr::TypedString(typed) => &mut typed.data_type,
        _ => return,
    };
    match data_type {
        DataType::Timestamp(precision @ None, _) => *precision = Some(6),
        DataType::Custom(name, modifiers)
            if modifiers.is_empty() && name.to_string().eq_ignore_ascii_case("timestamptz") =>
        {
            *data_type = DataType::Timestamp(Some(6), sqlparser::ast::TimezoneInfo::WithTimeZone);
        }
        _ => {}
    }
}

/// `generate_series(ts, ts, interval)` in FROM: DataFusion's takes nanosecond timestamps
/// only, so its arguments keep that unit (see [`microsecond_timestamps`]).
pub fn series_timestamps(factor: &mut sqlparser::ast::TableFactor) {
    let sqlparser::ast::TableFactor::Table {
        name,
        args: Some(args),
        ..
    } = factor
    else {
        return;
    };
    let series = name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .is_some_and(|f| f.value.eq_ignore_ascii_case("generate_series"));
    if !series {
        return;
    }
    for arg in &mut args.args {
        let sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e)) = arg
        else {
            continue;
        };
        let data_type = match e {
            Expr::Cast { data_type, .. } => data_type,
            Expr::TypedString(typed) => &mut typed.data_type,
            _ => continue,
        };
        if let DataType::Timestamp(precision @ Some(6), _) = data_type {
            *precision = Some(9);
        }
    }
}

/// Date and time arithmetic as PostgreSQL types it: `date + interval` is a timestamp,
/// `isodow` counts Monday as 1.
pub fn temporal(expr: &mut Expr, scope: &Scope<'_>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Plus | BinaryOperator::Minus,
            right,
        } => {
            let (l, r) = (scope.type_of(left), scope.type_of(right));
            let timestamp = DataType::Timestamp(Some(6), sqlparser::ast::TimezoneInfo::None);
            match (l, r) {
                (Some(SqlType::Date), Some(SqlType::Interval)) => cast_in_place(left, timestamp),
                (Some(SqlType::Interval), Some(SqlType::Date)) => cast_in_place(right, timestamp),
                _ => {}
            }
        }
        Expr::Interval(interval) => {
            if let Some(text) = string_literal(&interval.value).and_then(interval_clock_units) {
                *interval.value = string(&text);
            }
        }
        Expr::AtTimeZone {
            timestamp,
            time_zone,
        } => {
            // DataFusion reads AT TIME ZONE as relabelling the zone; junction's timezone()
            // converts as PostgreSQL does.
            *expr = call_with("timezone", vec![take(time_zone), take(timestamp)]);
        }
        Expr::Extract {
            field: field @ (DateTimeField::Epoch | DateTimeField::Quarter),
            expr: interval,
            ..
        } if scope.type_of(interval) == Some(SqlType::Interval) => {
            let scale = result_types::extract_scale(field);
            *expr = interval_part(field, interval);
            cast_in_place(expr, result_types::extracted(scale));
        }
        Expr::Function(function) if is_call_to(function, &["date_part"]) => {
            let field = match arguments(function).next().and_then(string_literal) {
                Some(f) if f.eq_ignore_ascii_case("epoch") => DateTimeField::Epoch,
                Some(f) if f.eq_ignore_ascii_case("quarter") => DateTimeField::Quarter,
                _ => return,
            };
            let Some(interval) = arguments(function)
                .nth(1)
                .filter(|e| scope.type_of(e) == Some(SqlType::Interval))
            else {
                return;
            };
            *expr = interval_part(&field, interval);
            cast_in_place(expr, DataType::DoublePrecision);
        }
        Expr::Extract {
            field: sqlparser::ast::DateTimeField::Isodow,
            ..
        } => {
            let isodow = take(expr);
            let mut shifted =
                Expr::Nested(Box::new(binary(isodow, BinaryOperator::Plus, number(1))));
            cast_in_place(&mut shifted, result_types::numeric(0));
            *expr = shifted;
        }
        _ => {}
    }
}

/// `extract(epoch|quarter FROM interval)` as PostgreSQL computes it. DataFusion counts a
/// year as 12 months of 30 days, PostgreSQL as 365.25 days (5.25 days more per whole year);
/// DataFusion has no quarter of an interval: the months past whole years in quarters, the
/// integer division truncating as PostgreSQL's does.
fn interval_part(field: &DateTimeField, interval: &Expr) -> Expr {
    let part = |field: DateTimeField| Expr::Extract {
        field,
        syntax: sqlparser::ast::ExtractSyntax::From,
        expr: Box::new(interval.clone()),
    };
    let value = if *field == DateTimeField::Epoch {
        binary(
            part(DateTimeField::Epoch),
            BinaryOperator::Plus,
            binary(
                part(DateTimeField::Year),
                BinaryOperator::Multiply,
                number(453_600),
            ),
        )
    } else {
        let mut months = part(DateTimeField::Month);
        cast_in_place(&mut months, DataType::Int(None));
        binary(
            binary(months, BinaryOperator::Divide, number(3)),
            BinaryOperator::Plus,
            number(1),
        )
    };
    Expr::Nested(Box::new(value))
}

/// PostgreSQL's interval text with its clock part (`1 day 04:05:06.5`) in units DataFusion
/// reads (`1 day 4 hours 5 minutes 6.5 seconds`); `None` when there is no clock part.
fn interval_clock_units(text: &str) -> Option<String> {
    let mut changed = false;
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| match clock_units(word) {
            Some(units) => {
                changed = true;
                units
            }
            None => word.to_owned(),
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// `[-]HH:MM[:SS[.f]]` as `H hours M minutes S seconds`, each with the sign.
fn clock_units(word: &str) -> Option<String> {
    let (sign, clock) = match word.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", word.strip_prefix('+').unwrap_or(word)),
    };
    let mut parts = clock.split(':');
    let (hours, minutes, seconds) = (parts.next()?, parts.next()?, parts.next().unwrap_or("0"));
    if parts.next().is_some() {
        return None;
    }
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let fraction_ok = match seconds.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(seconds),
    };
    if !(digits(hours) && digits(minutes) && fraction_ok) {
        return None;
    }
    Some(format!(
        "{sign}{hours} hours {sign}{minutes} minutes {sign}{seconds} seconds"
    ))
}

/// `'2026-01-01 10:00'` is `'2026-01-01 10:00:00'`: DataFusion wants the seconds.
/// `round`, `trunc`, `ceil` and `floor` of a numeric are junction's exact functions
/// (`pg_numeric_round(x, n)`): DataFusion's go through a float.
pub fn exact_rounding(expr: &mut Expr, scope: &Scope<'_>) {
    let replacement = match expr {
        Expr::Function(f) if is_call_to(f, &["trunc", "ceil", "ceiling", "floor", "round"]) => {
            let name = match function_name(f).map(str::to_ascii_lowercase).as_deref() {
                Some("trunc") => "pg_numeric_trunc",
                Some("round") => "pg_numeric_round",
                Some("floor") => "pg_numeric_floor",
                _ => "pg_numeric_ceil",
            };
            let args: Vec<Expr> = arguments(f).cloned().collect();
            let numeric = args.first().and_then(|x| scope.type_of(x)) == Some(SqlType::Numeric);
            let digits_ok = match args.get(1) {
                None => true,
                // A constant count only: it decides the result's scale.
                Some(n) => crate::types::is_int4_literal(n),
            };
            let takes_digits = matches!(name, "pg_numeric_trunc" | "pg_numeric_round");
            (numeric && digits_ok && (args.len() == 1 || takes_digits) && args.len() <= 2)
                .then(|| call_with(name, args))
        }
        Expr::Ceil { expr: x, .. } if scope.type_of(x) == Some(SqlType::Numeric) => {
            Some(call("pg_numeric_ceil", take(x)))
        }
        Expr::Floor { expr: x, .. } if scope.type_of(x) == Some(SqlType::Numeric) => {
            Some(call("pg_numeric_floor", take(x)))
        }
        _ => None,
    };
    if let Some(replacement) = replacement {
        *expr = replacement;
    }
}

/// The function junction's DataFusion engine registers to check text as JSON and type it
/// json.
pub const JSON_FUNCTION: &str = "junction_json";

/// [`JSON_FUNCTION`] for casts to jsonb: the text as jsonb prints it.
pub const JSONB_FUNCTION: &str = "junction_jsonb";

/// junction's `jsonb || jsonb`, on DataFusion and DuckDB.
pub const JSONB_CONCAT: &str = "junction_jsonb_concat";

/// JSON values are text to DataFusion: a cast to json or jsonb checks the text and types it
/// json ([`JSON_FUNCTION`]), and the operators are datafusion-functions-json's: `->>` and
/// `#>>` are `json_as_text`, `->` and `#>` `json_get_json` (typed json), with a `#>` path's
/// steps as separate keys and indexes.
pub fn json_operators(expr: &mut Expr) {
    match expr {
        Expr::Cast {
            expr: inner,
            data_type: DataType::JSON,
            ..
        } => *expr = call(JSON_FUNCTION, take(inner)),
        Expr::Cast {
            expr: inner,
            data_type: DataType::JSONB,
            ..
        } => *expr = call(JSONB_FUNCTION, take(inner)),
        Expr::TypedString(typed) if matches!(typed.data_type, DataType::JSON | DataType::JSONB) => {
            let function = if typed.data_type == DataType::JSON {
                JSON_FUNCTION
            } else {
                JSONB_FUNCTION
            };
            *expr = call(function, Expr::Value(typed.value.clone()));
        }
        Expr::BinaryOp { left, op, right } => {
            let function = match op {
                BinaryOperator::LongArrow | BinaryOperator::HashLongArrow => "json_as_text",
                BinaryOperator::Arrow | BinaryOperator::HashArrow => "json_get_json",
                _ => return,
            };
            let path = matches!(
                op,
                BinaryOperator::HashArrow | BinaryOperator::HashLongArrow
            );
            let mut args = vec![take(left)];
            if path {
                let Some(steps) = string_literal(right).and_then(path_steps) else {
                    return;
                };
                // Indexes as numbers, keys as strings.
                args.extend(steps.into_iter().map(|step| match step.parse::<i64>() {
                    Ok(index) => number(index),
                    Err(_) => string(step),
                }));
            } else {
                args.push(take(right));
            }
            *expr = call_with(function, args);
            if function == "json_get_json" {
                *expr = call(JSON_FUNCTION, take(expr));
            }
        }
        _ => {}
    }
}

/// PostgreSQL spellings DataFusion knows by another name: `a ^ b` is `power(a, b)`,
/// `mod(a, b)` is `a % b`, `variance` is `var_samp`, `log(x)` is `log10(x)` (DataFusion's
/// one-argument `log` divides natural logarithms, a digit off: `log(4)` 0.6020599913279623).
pub fn function_names(expr: &mut Expr) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::PGExp,
            right,
        } => {
            *expr = call_with("power", vec![take(left), take(right)]);
        }
        Expr::Function(f) if is_call_to(f, &["variance"]) => rename(f, "var_samp"),
        Expr::Function(f) if is_call_to(f, &["log"]) && arguments(f).count() == 1 => {
            rename(f, "log10");
        }
        Expr::Function(f) if is_call_to(f, &["sign"]) => rename(f, "signum"),
        Expr::Function(f) if is_call_to(f, &["array_dims"]) => {
            // PostgreSQL's text of the bounds (`[1:2][1:3]`), NULL for an empty array;
            // DataFusion's array_dims is the list of lengths (`[2, 3]`).
            if let Some([array]) = take_arguments(f) {
                let lengths = call_with(
                    "array_to_string",
                    vec![call("array_dims", array.clone()), string("][1:")],
                );
                let bounds = concatenation(vec![string("[1:"), lengths, string("]")]);
                let filled = binary(call("cardinality", array), BinaryOperator::Gt, number(0));
                *expr = case_when(filled, bounds, None);
            }
        }
        Expr::Function(f) if is_call_to(f, &["mod"]) => {
            if let Some([a, b]) = take_arguments(f) {
                let mut modulo = binary(a, BinaryOperator::Modulo, b);
                int4_literals(&mut modulo);
                *expr = Expr::Nested(Box::new(modulo));
            }
        }
        _ => {}
    }
}

/// The function junction's DataFusion engine registers to name a column's type as
/// information_schema does (`integer`), from DataFusion's Arrow type name (`Int32`).
pub const SQL_TYPE_NAME_FUNCTION: &str = "junction_sql_type_name";

/// Only the current database's rows, as in PostgreSQL: DataFusion's information_schema lists
/// every catalog's.
const CURRENT_CATALOG_ONLY: &str = "table_catalog = current_database()";

/// `information_schema.columns` and `.tables` as PostgreSQL shows them, over DataFusion's:
/// the current database's rows only; in `columns`, positions count from 1 (DataFusion's from
/// 0) and `data_type` is the SQL type name, not the Arrow one; in `tables`, no
/// `df_settings` (DataFusion's own view, which PostgreSQL has not). The table becomes a
/// derived table of the same name and columns, so every reference to it reads the same.
pub fn information_schema_views(factor: &mut TableFactor) {
    let TableFactor::Table {
        name, alias, args, ..
    } = factor
    else {
        return;
    };
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|part| part.as_ident().map(|i| i.value.to_lowercase()))
        .collect();
    let view = match parts.as_slice() {
        [schema, view] | [_, schema, view] if schema == "information_schema" => view.clone(),
        _ => return,
    };
    if args.is_some() {
        return;
    }
    let sql = match view.as_str() {
        "columns" => format!(
            "SELECT table_catalog, table_schema, table_name, column_name, \
             CAST(ordinal_position + 1 AS INT) AS ordinal_position, column_default, is_nullable, \
             {SQL_TYPE_NAME_FUNCTION}(data_type) AS data_type, character_maximum_length, \
             character_octet_length, numeric_precision, numeric_precision_radix, numeric_scale, \
             datetime_precision, interval_type FROM {name} WHERE {CURRENT_CATALOG_ONLY}"
        ),
        "tables" => format!(
            "SELECT table_catalog, table_schema, table_name, table_type FROM {name} \
             WHERE {CURRENT_CATALOG_ONLY} \
             AND NOT (table_schema = 'information_schema' AND table_name = 'df_settings')"
        ),
        _ => return,
    };
    let Ok(mut statements) = Parser::parse_sql(&PostgreSqlDialect {}, &sql) else {
        return;
    };
    let Some(Statement::Query(subquery)) = statements.pop() else {
        return;
    };
    let alias = alias.take().unwrap_or_else(|| TableAlias {
        name: Ident::new(view),
        columns: Vec::new(),
        explicit: true,
    });
    *factor = TableFactor::Derived {
        lateral: false,
        subquery,
        alias: Some(alias),
        sample: None,
    };
}

/// The function junction's DataFusion engine registers to rewrite a LIKE pattern known only
/// at run time (see [`like_pattern_with_backslash`]).
pub const LIKE_ESCAPE_FUNCTION: &str = "junction_like_escape";

/// `LIKE p ESCAPE 'c'`: the pattern is rewritten to escape with the backslash, the only
/// escape character DataFusion takes; a literal pattern here, any other by
/// [`LIKE_ESCAPE_FUNCTION`] as the rows arrive.
pub fn like_escape(expr: &mut Expr) -> Result<(), TranspileError> {
    let (Expr::Like {
        pattern,
        escape_char,
        ..
    }
    | Expr::ILike {
        pattern,
        escape_char,
        ..
    }) = expr
    else {
        return Ok(());
    };
    let Some(escape_text) = escape_char.as_ref().and_then(string_value) else {
        return Ok(());
    };
    let mut chars = escape_text.chars();
    let escape = match (chars.next(), chars.next()) {
        (Some('\\'), None) => return Ok(()),
        (Some(c), None) => Some(c),
        (None, _) => None,
        _ => {
            return Err(TranspileError::Syntax(
                "invalid escape string: escape string must be empty or one character".to_owned(),
            ))
        }
    };
    match string_literal(pattern) {
        Some(text) => {
            let Some(rewritten) = like_pattern_with_backslash(text, escape) else {
                return Err(TranspileError::Syntax(
                    "LIKE pattern must not end with escape character".to_owned(),
                ));
            };
            **pattern = string(&rewritten);
        }
        None => {
            let computed = take(pattern.as_mut());
            **pattern = call_with(LIKE_ESCAPE_FUNCTION, vec![computed, string(escape_text)]);
        }
    }
    *escape_char = None;
    Ok(())
}

/// `pattern`, escaping with `escape` (none: nothing is escaped), rewritten to escape with the
/// backslash; `None` when it ends with the escape character.
pub fn like_pattern_with_backslash(pattern: &str, escape: Option<char>) -> Option<String> {
    let mut rewritten = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if Some(c) == escape {
            rewritten.push('\\');
            rewritten.push(chars.next()?);
        } else if c == '\\' {
            rewritten.push_str("\\\\");
        } else {
            rewritten.push(c);
        }
    }
    Some(rewritten)
}

/// `WITH r(a, b) AS (SELECT x, y ...)`: the column names move into the CTE's first SELECT
/// as aliases, which DataFusion honours also where the CTE refers to itself.
pub fn cte_columns(query: &mut Query) {
    let Some(with) = &mut query.with else {
        return;
    };
    for cte in &mut with.cte_tables {
        if cte.alias.columns.is_empty() {
            continue;
        }
        let mut body = cte.query.body.as_mut();
        let select = loop {
            match body {
                SetExpr::Select(select) => break Some(select),
                SetExpr::SetOperation { left, .. } => body = left.as_mut(),
                _ => break None,
            }
        };
        let Some(select) = select else { continue };
        if select.projection.len() != cte.alias.columns.len()
            || select.projection.iter().any(|item| {
                !matches!(
                    item,
                    SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAlias { .. }
                )
            })
        {
            continue;
        }
        for (item, column) in select.projection.iter_mut().zip(&cte.alias.columns) {
            let expr = match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => take(e),
                _ => continue,
            };
            *item = SelectItem::ExprWithAlias {
                expr,
                alias: column.name.clone(),
            };
        }
        cte.alias.columns.clear();
    }
}

/// The type PostgreSQL gives the ranking window function `name`, where DataFusion's is UInt64.
fn ranking_type(name: &str) -> Option<DataType> {
    match name.to_ascii_lowercase().as_str() {
        "row_number" | "rank" | "dense_rank" => Some(DataType::BigInt(None)),
        "ntile" => Some(DataType::Integer(None)),
        _ => None,
    }
}

/// A ranking window function is cast to PostgreSQL's type. Result columns keep their names:
/// the router has already named every result column as PostgreSQL does.
pub fn pg_typed_ranking(expr: &mut Expr) {
    let pg_type = match expr {
        Expr::Function(f) if f.over.is_some() => function_name(f).and_then(ranking_type),
        _ => None,
    };
    if let Some(data_type) = pg_type {
        cast_in_place(expr, data_type);
    }
}

/// An ordered-set aggregate's non-NULL values in its WITHIN GROUP order, with its own
/// FILTER: `array_agg(x ORDER BY x) FILTER (WHERE x IS NOT NULL)`. `None` (and the call
/// untouched) unless it is `name(...) WITHIN GROUP (ORDER BY x)` outside a window.
fn ordered_values(function: &mut sqlparser::ast::Function, name: &str) -> Option<Expr> {
    if !is_call_to(function, &[name]) || function.within_group.len() != 1 || function.over.is_some()
    {
        return None;
    }
    let order = function.within_group.remove(0);
    let not_null = Expr::IsNotNull(Box::new(order.expr.clone()));
    let filter = match function.filter.take() {
        Some(given) => binary(Expr::Nested(given), BinaryOperator::And, not_null),
        None => not_null,
    };
    let Expr::Function(mut values) = call("array_agg", order.expr.clone()) else {
        return None;
    };
    if let FunctionArguments::List(list) = &mut values.args {
        list.clauses
            .push(FunctionArgumentClause::OrderBy(vec![order]));
    }
    values.filter = Some(Box::new(filter));
    Some(Expr::Function(values))
}

/// `percentile_disc(f) WITHIN GROUP (ORDER BY x)`, which DataFusion lacks, as PostgreSQL
/// computes it: of the n ordered non-null values, the one at position ceil(f * n) in float8
/// arithmetic (at least 1),
/// `array_element(array_agg(x ORDER BY x) FILTER (WHERE x IS NOT NULL), greatest(...))`.
pub fn percentile_disc(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    if arguments(function).count() != 1 {
        return;
    }
    let Some(fraction) = arguments(function).next().cloned() else {
        return;
    };
    let Some(values) = ordered_values(function, "percentile_disc") else {
        return;
    };
    let mut fraction = Expr::Nested(Box::new(fraction));
    cast_in_place(&mut fraction, DataType::DoublePrecision);
    let mut count = call("cardinality", values.clone());
    cast_in_place(&mut count, DataType::DoublePrecision);
    let mut position = call_with(
        "greatest",
        vec![
            call("ceil", binary(fraction, BinaryOperator::Multiply, count)),
            number(1),
        ],
    );
    cast_in_place(&mut position, DataType::BigInt(None));
    *expr = call_with("array_element", vec![values, position]);
}

/// junction's functions (engines/src/df/json_functions.rs) that write a list gathered by
/// `array_agg` as PostgreSQL's JSON aggregates write their values.
pub const JSON_AGG: &str = "junction_json_agg";
pub const JSONB_AGG: &str = "junction_jsonb_agg";
pub const JSON_OBJECT_AGG: &str = "junction_json_object_agg";
pub const JSONB_OBJECT_AGG: &str = "junction_jsonb_object_agg";

/// `json_agg(x ...)`, `jsonb_agg`, `json_object_agg(k, v ...)` and `jsonb_object_agg`, which
/// DataFusion lacks, as junction's list writers over `array_agg` of the values (of
/// key/value records for the object forms), which keeps the call's DISTINCT, ORDER BY and
/// FILTER and gives NULL for no rows, as PostgreSQL's aggregates do. Window forms are left
/// to fail.
pub fn json_aggregates(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::Function(function) = expr else {
        return;
    };
    if function.over.is_some() || !function.within_group.is_empty() {
        return;
    }
    let Some(name) = function_name(function).map(str::to_ascii_lowercase) else {
        return;
    };
    let writer = match name.as_str() {
        "json_agg" => JSON_AGG,
        "jsonb_agg" => JSONB_AGG,
        "json_object_agg" => JSON_OBJECT_AGG,
        "jsonb_object_agg" => JSONB_OBJECT_AGG,
        _ => return,
    };
    // array_agg's list forgets that its values are json (a field's tag), so the writer is
    // told: json values are written as they are, not as strings.
    let json_values = match writer {
        JSON_OBJECT_AGG | JSONB_OBJECT_AGG => arguments(function).nth(1),
        _ => arguments(function).next(),
    }
    .is_some_and(|value| scope.type_of(value) == Some(SqlType::Json));
    if writer == JSON_OBJECT_AGG || writer == JSONB_OBJECT_AGG {
        let Some([key, value]) = take_arguments(function) else {
            return;
        };
        let record = call_with(
            "named_struct",
            vec![string("key"), key, string("value"), value],
        );
        if let FunctionArguments::List(list) = &mut function.args {
            list.args.clear();
        }
        push_argument(function, record);
    } else if arguments(function).count() != 1 {
        return;
    }
    rename(function, "array_agg");
    let values = take(expr);
    *expr = if json_values {
        call_with(writer, vec![values, string(JSON_VALUES)])
    } else {
        call(writer, values)
    };
}

/// The second argument of a JSON aggregate's writer saying its values are json.
pub const JSON_VALUES: &str = "json";

/// `mode() WITHIN GROUP (ORDER BY x)`, which DataFusion lacks: the most frequent of the
/// ordered non-NULL values, the first in that order among equals (junction's junction_mode).
pub fn mode(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    if arguments(function).count() != 0 {
        return;
    }
    if let Some(values) = ordered_values(function, "mode") {
        *expr = call("junction_mode", values);
    }
}

/// The query's `FETCH FIRST n ROWS ONLY` becomes `LIMIT n` (an `OFFSET` stays); `WITH TIES`
/// and `PERCENT`, which have no LIMIT form, are 0A000.
pub fn fetch_to_limit(query: &mut Query) -> Result<(), TranspileError> {
    let Some(fetch) = query.fetch.take() else {
        return Ok(());
    };
    if fetch.with_ties || fetch.percent {
        let what = if fetch.with_ties {
            "WITH TIES"
        } else {
            "PERCENT"
        };
        return Err(TranspileError::Unsupported(format!(
            "FETCH FIRST ... {what} is not supported by datafusion"
        )));
    }
    // `FETCH FIRST ROW ONLY` fetches one.
    let quantity = fetch
        .quantity
        .unwrap_or_else(|| Expr::value(Value::Number("1".to_owned(), false)));
    match &mut query.limit_clause {
        None => {
            query.limit_clause = Some(LimitClause::LimitOffset {
                limit: Some(quantity),
                offset: None,
                limit_by: vec![],
            });
        }
        Some(LimitClause::LimitOffset {
            limit: limit @ None,
            ..
        }) => *limit = Some(quantity),
        // PostgreSQL rejects LIMIT together with FETCH.
        Some(_) => {
            return Err(TranspileError::Syntax(
                "syntax error: LIMIT and FETCH FIRST in one query".to_owned(),
            ))
        }
    }
    Ok(())
}

/// `pg_typeof(e)` where DataFusion's type of `e` does not say PostgreSQL's: an untyped
/// literal is `unknown` (DataFusion reads it as text), a cast to `varchar`, `char`, `json`
/// or `jsonb` is that type (DataFusion holds them as text). The name goes to junction's
/// pg_typeof as a second argument; other arguments are named from their Arrow type there.
/// A rule on the call as written, before the other rules rewrite the casts it reads.
pub fn pg_typeof_name(expr: &mut Expr) {
    if let Expr::Function(function) = expr {
        if is_call_to(function, &["pg_typeof"]) && arguments(function).count() == 1 {
            let name = arguments(function).next().and_then(declared_type_name);
            if let Some(name) = name {
                push_argument(function, string(&name));
            }
        }
    }
}

/// The PostgreSQL type name of `expr` where its form says it and DataFusion's type would not.
fn declared_type_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Nested(inner) => declared_type_name(inner),
        Expr::Value(v) if v.value == Value::Null || string_value(&v.value).is_some() => {
            Some("unknown".to_owned())
        }
        // DataFusion reads every integer literal as Int64.
        Expr::Value(v) => number_type_name(&v.value),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            Expr::Value(v) => match &v.value {
                Value::Number(n, long) => number_type_name(&Value::Number(format!("-{n}"), *long)),
                _ => None,
            },
            _ => None,
        },
        Expr::Cast {
            kind, data_type, ..
        } if is_plain_cast(kind) => text_type_name(data_type),
        _ => None,
    }
}

/// The type name of a number literal, as PostgreSQL types it.
fn number_type_name(value: &Value) -> Option<String> {
    let name = match literal_type(value)? {
        SqlType::Int4 => "integer",
        SqlType::Int8 => "bigint",
        SqlType::Numeric => "numeric",
        _ => return None,
    };
    Some(name.to_owned())
}

/// The name of a type DataFusion holds as text.
fn text_type_name(data_type: &DataType) -> Option<String> {
    match data_type {
        DataType::Varchar(_) | DataType::CharacterVarying(_) | DataType::CharVarying(_) => {
            Some("character varying".to_owned())
        }
        DataType::Char(_) | DataType::Character(_) => Some("character".to_owned()),
        DataType::JSON => Some("json".to_owned()),
        DataType::JSONB => Some("jsonb".to_owned()),
        DataType::Array(
            ArrayElemTypeDef::SquareBracket(element, _) | ArrayElemTypeDef::AngleBracket(element),
        ) => text_type_name(element).map(|name| format!("{name}[]")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::{render, Dialect};

    fn datafusion(sql: &str) -> Result<String, crate::TranspileError> {
        let statement = crate::parse(sql).expect("parses").remove(0);
        render(&statement, Dialect::DataFusion, &crate::NoTypes)
    }

    #[test]
    fn integer_negation_is_a_checked_subtraction() {
        assert_eq!(
            datafusion("SELECT -(x::int), -x, -1, -(x::smallint), -(x::float8) FROM t")
                .expect("renders"),
            ("SELECT (CAST(0 AS INTEGER) - (x::INT)), -x, CAST(-1 AS INTEGER), \
                (CAST(0 AS SMALLINT) - (x::SMALLINT)), -(x::FLOAT8) FROM t")
        );
    }

    #[test]
    fn an_empty_search_replaces_nothing() {
        assert_eq!(
            datafusion("SELECT replace(a, 'b', 'c'), replace(a, b, 'c') FROM t").expect("renders"),
            "SELECT replace(a, 'b', 'c'), CASE WHEN b = '' AND 'c' IS NOT NULL THEN a \
             ELSE replace(a, b, 'c') END FROM t"
        );
    }

    #[test]
    fn int4_hex_is_32_bits() {
        assert_eq!(
            datafusion("SELECT to_hex(x::int), to_hex(255), to_hex(x::int8) FROM t").expect("renders"),
            "SELECT to_hex(CAST(x::INT AS BIGINT) & 4294967295), to_hex(255), to_hex(x::INT8) FROM t"
        );
    }

    #[test]
    fn epoch_seconds_are_counted_in_microseconds() {
        assert_eq!(
            datafusion(
                "SELECT to_timestamp(x::int), to_timestamp('2026-01-01', 'YYYY-MM-DD') FROM t"
            )
            .expect("renders"),
            "SELECT to_timestamp_micros(CAST(x::INT AS BIGINT) * 1000000), \
             CAST(to_timestamp('2026-01-01', '%Y-%m-%d') AS TIMESTAMP(6) WITH TIME ZONE) FROM t"
        );
    }

    #[test]
    fn numbers_with_exponents_are_written_out() {
        assert_eq!(
            datafusion("SELECT 1e3, 2.5E3, 1.50e1, 1.5e-3, -1e10, 1e-1, 0.5e0, 1e308 FROM t")
                .expect("renders"),
            "SELECT CAST(1000 AS DECIMAL(4,0)), CAST(2500 AS DECIMAL(4,0)), 15.0, 0.0015, \
             -CAST(10000000000 AS DECIMAL(11,0)), 0.1, 0.5, 1e308 FROM t"
        );
    }

    #[test]
    fn one_argument_log_is_log10() {
        assert_eq!(
            datafusion("SELECT log(x), log(2, x) FROM t").expect("renders"),
            "SELECT log10(x), log(2, x) FROM t"
        );
    }

    #[test]
    fn fetch_first_becomes_limit() {
        let cases = [
            (
                "SELECT a FROM t ORDER BY a FETCH FIRST 4 ROWS ONLY",
                "SELECT a FROM t ORDER BY a LIMIT 4",
            ),
            (
                "SELECT a FROM t OFFSET 2 ROWS FETCH NEXT 3 ROWS ONLY",
                "SELECT a FROM t LIMIT 3 OFFSET 2 ROWS",
            ),
            (
                "SELECT a FROM t FETCH FIRST ROW ONLY",
                "SELECT a FROM t LIMIT 1",
            ),
            (
                "SELECT * FROM (SELECT a FROM t FETCH FIRST 2 ROWS ONLY) AS s",
                "SELECT * FROM (SELECT a FROM t LIMIT 2) AS s",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(datafusion(input).expect(input), expected);
        }
    }

    #[test]
    fn with_ties_is_0a000() {
        let err = datafusion("SELECT a FROM t ORDER BY a FETCH FIRST 2 ROWS WITH TIES")
            .expect_err("no LIMIT form");
        assert_eq!(err.sqlstate(), "0A000");
        assert!(err.to_string().contains("WITH TIES"), "{err}");
    }

    #[test]
    fn rankings_have_postgresqls_types() {
        assert_eq!(
            datafusion(
                "SELECT row_number() OVER (ORDER BY a) AS row_number, rank() OVER w, \
                 ntile(3) OVER w, count(*) OVER () FROM t WINDOW w AS (ORDER BY b)"
            )
            .expect("renders"),
            "SELECT CAST(row_number() OVER (ORDER BY a) AS BIGINT) AS row_number, \
             CAST(rank() OVER w AS BIGINT), CAST(ntile(3) OVER w AS INTEGER), count(*) OVER () \
             FROM t WINDOW w AS (ORDER BY b)"
        );
    }

    #[test]
    fn queries_without_fetch_are_untouched() {
        assert_eq!(
            datafusion("SELECT a FROM t LIMIT 5").expect("renders"),
            "SELECT a FROM t LIMIT 5"
        );
    }
}
