//! Rules that make DataFusion answer what PostgreSQL answers. DataFusion plans the AST
//! itself, so these rewrite the statement it is handed:
//!
//! - [`fetch_to_limit`]: `FETCH FIRST n ROWS ONLY` (SQL:2008, which PostgreSQL takes) is
//!   `LIMIT n`; DataFusion's planner knows only the latter.
//! - [`pg_typed_ranking`]: PostgreSQL's ranking window functions are int8 (ntile int4),
//!   DataFusion's UInt64 (which the pg wire can only send as numeric).

use std::ops::ControlFlow;

use sqlparser::ast::{DataType, Expr, LimitClause, Query, Statement, Value, VisitMut, VisitorMut};

use crate::ast::{cast_in_place, function_name};
use crate::TranspileError;

/// Applies every rule to `statement`, in one bottom-up walk.
pub fn apply(statement: &mut Statement) -> Result<(), TranspileError> {
    struct Rules;

    impl VisitorMut for Rules {
        type Break = TranspileError;

        fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<TranspileError> {
            match fetch_to_limit(query) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => ControlFlow::Break(e),
            }
        }

        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<TranspileError> {
            pg_typed_ranking(expr);
            ControlFlow::Continue(())
        }
    }

    match statement.visit(&mut Rules) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
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

#[cfg(test)]
mod tests {
    use crate::{render, Dialect};

    fn datafusion(sql: &str) -> Result<String, crate::TranspileError> {
        let statement = crate::parse(sql).expect("parses").remove(0);
        render(&statement, Dialect::DataFusion)
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
