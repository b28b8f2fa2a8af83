//! DuckDB gives the branches of a CASE, COALESCE, GREATEST or LEAST, and each column of a
//! set operation or VALUES list, one decimal type; where the widest integer part and the
//! largest scale need more than its 38 digits, it keeps the integer part and drops digits
//! after the point. junction holds PostgreSQL's numeric as DECIMAL(38, s), so `CASE WHEN c
//! THEN 0.5 ELSE sum(x::int8) END` answered 1 and `SELECT round(2.5, 0) UNION ALL SELECT
//! 0.125` answered 0 for the second row.
//!
//! Where the scale of every branch is known (constants, casts, integers, sums, junction's
//! quotients), the branches of different scales are cast to DECIMAL(38, s) with the largest:
//! one type that DuckDB needs not widen. A branch of unknown scale leaves the expression to
//! DuckDB, since a cast to a smaller scale would drop its digits instead.

use sqlparser::ast::{
    BinaryOperator, DataType, ExactNumberInfo, Expr, SelectItem, SetExpr, UnaryOperator, Value,
};

use crate::ast::{arguments, arguments_mut, cast_in_place, function_name};
use crate::result_types::{numeric, DIVISION_SCALE};
use crate::types::{Scope, SqlType};

/// DuckDB's widest decimal.
const DIGITS: i64 = 38;

/// DuckDB's `DECIMAL` written without precision and scale: DECIMAL(18,3).
const DEFAULT_DECIMAL: Digits = Digits {
    whole: 15,
    scale: 3,
};

/// What a branch adds to the common type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Branch {
    /// NULL: nothing.
    Null,
    /// A decimal or integer with at most these digits.
    Known(Digits),
    /// Anything else (unknown, a float, text): the branches are left alone.
    Unknown,
}

/// Digits before and after the point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Digits {
    whole: i64,
    scale: i64,
}

/// The branches of `expr`, if it is a CASE, COALESCE, GREATEST or LEAST, in one decimal type.
pub(crate) fn unified_branches(expr: &mut Expr, scope: &Scope<'_>) {
    let branches: Vec<&mut Expr> = match expr {
        Expr::Case {
            conditions,
            else_result,
            ..
        } => conditions
            .iter_mut()
            .map(|when| &mut when.result)
            .chain(else_result.as_deref_mut())
            .collect(),
        Expr::Function(function)
            if function_name(function).is_some_and(|name| {
                ["coalesce", "greatest", "least"]
                    .iter()
                    .any(|n| name.eq_ignore_ascii_case(n))
            }) =>
        {
            arguments_mut(function).collect()
        }
        _ => return,
    };
    unify(branches, scope);
}

/// Each column of `body`, if it is a set operation or VALUES list, in one decimal type.
pub(crate) fn unified_columns(body: &mut SetExpr, scope: &Scope<'_>) {
    if !matches!(body, SetExpr::SetOperation { .. } | SetExpr::Values(_)) {
        return;
    }
    let mut rows = Vec::new();
    if !collect_rows(body, &mut rows) {
        return;
    }
    let width = rows.first().map_or(0, Vec::len);
    if rows.iter().any(|row| row.len() != width) {
        return;
    }
    let mut columns: Vec<Vec<&mut Expr>> = (0..width).map(|_| Vec::new()).collect();
    for row in rows {
        for (column, expr) in columns.iter_mut().zip(row) {
            column.push(expr);
        }
    }
    for column in columns {
        unify(column, scope);
    }
}

/// The rows of a set operation's branches or a VALUES list; false where a branch is not a
/// plain list of expressions (`*`, a nested query).
fn collect_rows<'a>(body: &'a mut SetExpr, rows: &mut Vec<Vec<&'a mut Expr>>) -> bool {
    match body {
        SetExpr::Select(select) => {
            let mut row = Vec::with_capacity(select.projection.len());
            for item in &mut select.projection {
                match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        row.push(e);
                    }
                    _ => return false,
                }
            }
            rows.push(row);
            true
        }
        SetExpr::Values(values) => {
            rows.extend(values.rows.iter_mut().map(|row| row.iter_mut().collect()));
            true
        }
        SetExpr::SetOperation { left, right, .. } => {
            collect_rows(left, rows) && collect_rows(right, rows)
        }
        _ => false,
    }
}

/// Casts `branches` to DECIMAL(38, s) with their largest scale where DuckDB's own common
/// type would need more than 38 digits.
fn unify(branches: Vec<&mut Expr>, scope: &Scope<'_>) {
    let mut kinds = Vec::with_capacity(branches.len());
    let (mut whole, mut scale, mut low) = (0, 0, i64::MAX);
    for b in &branches {
        let kind = branch(b, scope);
        match kind {
            Branch::Unknown => return,
            Branch::Known(d) => {
                whole = whole.max(d.whole);
                scale = scale.max(d.scale);
                low = low.min(d.scale);
            }
            Branch::Null => {}
        }
        kinds.push(kind);
    }
    // No two scales, or DuckDB's common type fits: DuckDB keeps every digit itself.
    if low >= scale || whole + scale <= DIGITS {
        return;
    }
    for (branch, kind) in branches.into_iter().zip(kinds) {
        if kind != Branch::Null {
            cast_in_place(branch, numeric(scale));
        }
    }
}

/// The digits DuckDB gives `expr`, where junction knows them.
fn branch(expr: &Expr, scope: &Scope<'_>) -> Branch {
    let known = |whole: i64, scale: i64| Branch::Known(Digits { whole, scale });
    let count = |digits: &str| i64::try_from(digits.len()).unwrap_or(DIGITS);
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Null => Branch::Null,
            Value::Number(n, _) if !n.contains(['e', 'E']) => {
                let (whole, fraction) = n.split_once('.').unwrap_or((n, ""));
                known(
                    count(whole.trim_start_matches(['-', '+'])).max(1),
                    count(fraction),
                )
            }
            _ => Branch::Unknown,
        },
        Expr::Cast { data_type, .. } => match data_type {
            DataType::Decimal(info) | DataType::Numeric(info) | DataType::Dec(info) => match info {
                ExactNumberInfo::PrecisionAndScale(p, s) => {
                    let p = i64::try_from(*p).unwrap_or(DIGITS);
                    known(p - s, *s)
                }
                ExactNumberInfo::Precision(p) => known(i64::try_from(*p).unwrap_or(DIGITS), 0),
                ExactNumberInfo::None => Branch::Known(DEFAULT_DECIMAL),
            },
            other => integer(SqlType::of(other)),
        },
        Expr::Nested(inner)
        | Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr: inner,
        } => branch(inner, scope),
        Expr::BinaryOp { left, op, right } => {
            match (op, branch(left, scope), branch(right, scope)) {
                (_, Branch::Null, _) | (_, _, Branch::Null) => Branch::Null,
                (
                    BinaryOperator::Plus | BinaryOperator::Minus,
                    Branch::Known(l),
                    Branch::Known(r),
                ) => known(l.whole.max(r.whole) + 1, l.scale.max(r.scale)),
                (BinaryOperator::Multiply, Branch::Known(l), Branch::Known(r)) => {
                    known(l.whole + r.whole, l.scale + r.scale)
                }
                _ => Branch::Unknown,
            }
        }
        Expr::Function(function) => {
            let name = function_name(function).map(str::to_ascii_lowercase);
            let first = || arguments(function).next().map(|a| branch(a, scope));
            match name.as_deref() {
                // DuckDB sums a decimal in its widest decimal of the same scale.
                Some("sum") => match first() {
                    Some(Branch::Known(d)) => known(DIGITS - d.scale, d.scale),
                    other => other.unwrap_or(Branch::Unknown),
                },
                Some("min" | "max" | "abs") => first().unwrap_or(Branch::Unknown),
                Some(crate::duckdb::NUMERIC_DIVIDE) => {
                    known(DIGITS - DIVISION_SCALE, DIVISION_SCALE)
                }
                _ => scope.type_of(expr).map_or(Branch::Unknown, integer),
            }
        }
        _ => scope.type_of(expr).map_or(Branch::Unknown, integer),
    }
}

/// An integer type's digits (none after the point); other types are not decimals.
fn integer(sql_type: SqlType) -> Branch {
    let whole = match sql_type {
        SqlType::Int2 => 5,
        SqlType::Int4 => 10,
        SqlType::Int8 => 19,
        _ => return Branch::Unknown,
    };
    Branch::Known(Digits { whole, scale: 0 })
}

#[cfg(test)]
mod tests {
    use crate::duckdb::tests::duckdb;

    #[test]
    fn branches_of_known_scales_share_the_largest() {
        assert_eq!(
            duckdb("SELECT CASE WHEN a THEN 0.5 ELSE CAST(b AS DECIMAL(38,0)) END FROM t"),
            "SELECT CASE WHEN a THEN CAST(0.5 AS DECIMAL(38,1)) \
             ELSE CAST(CAST(b AS DECIMAL(38,0)) AS DECIMAL(38,1)) END FROM t"
        );
        assert_eq!(
            duckdb("SELECT coalesce(1.25, CAST(x AS DECIMAL(38,0))) FROM t"),
            "SELECT coalesce(CAST(1.25 AS DECIMAL(38,2)), \
             CAST(CAST(x AS DECIMAL(38,0)) AS DECIMAL(38,2))) FROM t"
        );
        assert_eq!(
            duckdb("SELECT CAST(2.5 AS DECIMAL(38,0)) AS a UNION ALL SELECT 0.125"),
            "SELECT CAST(CAST(2.5 AS DECIMAL(38,0)) AS DECIMAL(38,3)) AS a \
             UNION ALL SELECT CAST(0.125 AS DECIMAL(38,3))"
        );
        assert_eq!(
            duckdb("VALUES (CAST(2.5 AS DECIMAL(38,0))), (0.125)"),
            "VALUES (CAST(CAST(2.5 AS DECIMAL(38,0)) AS DECIMAL(38,3))), \
             (CAST(0.125 AS DECIMAL(38,3)))"
        );
    }

    #[test]
    fn branches_of_one_scale_or_an_unknown_one_are_left() {
        for sql in [
            "SELECT CASE WHEN a THEN 0.5 ELSE 1.5 END FROM t",
            "SELECT CASE WHEN a THEN 1 ELSE 0.5 END FROM t",
            "SELECT CASE WHEN a THEN 0.5 ELSE b END FROM t",
            "SELECT coalesce(x, 0.25) FROM t",
            "SELECT 1.5 UNION ALL SELECT * FROM t",
        ] {
            assert_eq!(duckdb(sql), sql);
        }
    }
}
