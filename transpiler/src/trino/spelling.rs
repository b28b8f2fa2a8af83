//! The last step: what Trino spells otherwise, everywhere in the statement, including the
//! expressions the rules built (types and `::` casts, `trunc`, `array_length`, NULL order).

use std::ops::ControlFlow;

use sqlparser::ast::{
    ArrayElemTypeDef, CastKind, DataType, ExactNumberInfo, Expr, FunctionArgumentClause,
    FunctionArguments, OrderByExpr, OrderByKind, Query, Statement, TimezoneInfo, Value, VisitMut,
    VisitorMut,
};

use crate::ast::{arguments, call, function_name, rename, take_arguments};
use crate::result_types::numeric;
use crate::types::SqlType;
use crate::TranspileError;

use super::unsupported;

fn into_flow(result: Result<(), TranspileError>) -> ControlFlow<TranspileError> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => ControlFlow::Break(e),
    }
}

/// Renames what Trino spells otherwise, everywhere in `statement`: types and `::` casts,
/// functions the rules produced under PostgreSQL's names, and NULL ordering.
pub(crate) fn spell(statement: &mut Statement) -> Result<(), TranspileError> {
    struct Spelling;
    impl VisitorMut for Spelling {
        type Break = TranspileError;

        fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<TranspileError> {
            if let Some(order_by) = &mut query.order_by {
                if let OrderByKind::Expressions(exprs) = &mut order_by.kind {
                    nulls_as_postgres(exprs);
                }
            }
            ControlFlow::Continue(())
        }

        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<TranspileError> {
            into_flow(spell_expr(expr))
        }
    }
    match statement.visit(&mut Spelling) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

fn spell_expr(expr: &mut Expr) -> Result<(), TranspileError> {
    match expr {
        Expr::Cast {
            kind, data_type, ..
        } => {
            if *kind == CastKind::DoubleColon {
                *kind = CastKind::Cast;
            }
            *data_type = trino_type(data_type)?;
        }
        Expr::Function(function) => {
            if let Some(sqlparser::ast::WindowType::WindowSpec(spec)) = &mut function.over {
                nulls_as_postgres(&mut spec.order_by);
            }
            nulls_as_postgres(&mut function.within_group);
            if let FunctionArguments::List(list) = &mut function.args {
                for clause in &mut list.clauses {
                    if let FunctionArgumentClause::OrderBy(by) = clause {
                        nulls_as_postgres(by);
                    }
                }
            }
            let name = function_name(function).map(str::to_ascii_lowercase);
            match name.as_deref() {
                Some("trunc") => rename(function, "truncate"),
                Some("array_length") => {
                    let dimension = arguments(function).nth(1).and_then(string_or_number);
                    if dimension.as_deref() != Some("1") {
                        return Err(unsupported("array_length of a dimension other than 1"));
                    }
                    if let Some([array, _]) = take_arguments(function) {
                        *function = match call("cardinality", array) {
                            Expr::Function(f) => f,
                            _ => return Ok(()),
                        };
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}

fn string_or_number(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// PostgreSQL sorts NULLs first when descending; Trino last in both directions.
fn nulls_as_postgres(order: &mut [OrderByExpr]) {
    for item in order {
        if item.options.asc == Some(false) && item.options.nulls_first.is_none() {
            item.options.nulls_first = Some(true);
        }
    }
}

/// A PostgreSQL type as Trino names it; PostgreSQL's timestamps have microseconds, Trino's
/// plain TIMESTAMP milliseconds.
fn trino_type(data_type: &DataType) -> Result<DataType, TranspileError> {
    use SqlType::*;
    Ok(match data_type {
        DataType::Varchar(_)
        | DataType::CharacterVarying(_)
        | DataType::Char(_)
        | DataType::Character(_) => data_type.clone(),
        DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => match info {
            ExactNumberInfo::None => numeric(10),
            ExactNumberInfo::Precision(p) if *p <= 38 => {
                DataType::Decimal(ExactNumberInfo::PrecisionAndScale(*p, 0))
            }
            ExactNumberInfo::PrecisionAndScale(p, s) if *p <= 38 => {
                DataType::Decimal(ExactNumberInfo::PrecisionAndScale(*p, *s))
            }
            _ => {
                return Err(unsupported(format!(
                    "the type {data_type} (precision above 38)"
                )))
            }
        },
        DataType::Array(element) => {
            let inner = match element {
                ArrayElemTypeDef::SquareBracket(inner, _)
                | ArrayElemTypeDef::AngleBracket(inner)
                | ArrayElemTypeDef::Parenthesis(inner) => trino_type(inner)?,
                ArrayElemTypeDef::None => return Err(unsupported("an array without element type")),
            };
            DataType::Array(ArrayElemTypeDef::Parenthesis(Box::new(inner)))
        }
        other => match SqlType::of(other) {
            Bool => DataType::Boolean,
            Int2 => DataType::SmallInt(None),
            Int4 => DataType::Integer(None),
            Int8 => DataType::BigInt(None),
            Float4 => DataType::Real,
            Float8 => DataType::Double(ExactNumberInfo::None),
            Text => DataType::Varchar(None),
            Bytea => DataType::Varbinary(None),
            Date => DataType::Date,
            Time => DataType::Time(Some(6), TimezoneInfo::None),
            Timestamp => DataType::Timestamp(Some(6), TimezoneInfo::None),
            TimestampTz => DataType::Timestamp(Some(6), TimezoneInfo::WithTimeZone),
            Json => DataType::JSON,
            Numeric | Interval | Array | Other => {
                return Err(unsupported(format!("the type {other}")));
            }
        },
    })
}
