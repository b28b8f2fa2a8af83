//! How big a statement junction takes on: a bound checked on the tokens, before anything
//! recurses over the statement.
//!
//! A flat chain (`1+1+...`, `a = 1 OR a = 2 OR ...`, `UNION ALL` of many branches) parses
//! without recursion, but into a tree as deep as the chain is long, and every later pass
//! (rewrites, planning, even dropping it) recurses that deep. Counting the operators bounds
//! that depth, and nesting is bounded directly; past either bound the statement is refused
//! with PostgreSQL's 54001 rather than risking the stack of the thread that analyses it.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::TranspileError;

/// The most binary operators (and set operations) one request may hold. The engines' own
/// planners are quadratic or worse in a chain's length (DuckDB's foldability checks,
/// DataFusion's names of nested calls): a few hundred terms already plan for seconds.
pub const MAX_OPERATORS: usize = 1_000;

/// The deepest nesting of parentheses and brackets.
pub const MAX_NESTING: usize = 500;

/// Refuses `sql` when its operators or nesting exceed the bounds. Text that does not
/// tokenize is left for the parser to report.
pub fn check_size(sql: &str) -> Result<(), TranspileError> {
    // Too short to pass either bound (an operator takes two bytes with its operand, a level
    // of nesting one): most statements skip a second tokenization.
    if sql.len() <= MAX_NESTING.min(2 * MAX_OPERATORS) {
        return Ok(());
    }
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return Ok(());
    };
    let mut operators = 0usize;
    let mut depth = 0usize;
    for token in &tokens {
        match token {
            Token::LParen | Token::LBracket | Token::LBrace => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(TranspileError::TooComplex(format!(
                        "statement is too complex: nesting deeper than {MAX_NESTING} levels"
                    )));
                }
            }
            Token::RParen | Token::RBracket | Token::RBrace => depth = depth.saturating_sub(1),
            t if is_operator(t) => operators += 1,
            _ => {}
        }
    }
    if operators > MAX_OPERATORS {
        return Err(TranspileError::TooComplex(format!(
            "statement is too complex: {operators} operators (at most {MAX_OPERATORS}); \
             split it, or use an IN list or a join"
        )));
    }
    Ok(())
}

/// Whether `token` joins two operands into a deeper tree.
fn is_operator(token: &Token) -> bool {
    match token {
        Token::Word(word) => matches!(
            word.keyword,
            Keyword::AND | Keyword::OR | Keyword::UNION | Keyword::INTERSECT | Keyword::EXCEPT
        ),
        Token::Plus
        | Token::Minus
        | Token::Mul
        | Token::Div
        | Token::Mod
        | Token::StringConcat
        | Token::Eq
        | Token::DoubleEq
        | Token::Neq
        | Token::Lt
        | Token::Gt
        | Token::LtEq
        | Token::GtEq
        | Token::Spaceship
        | Token::Caret
        | Token::Pipe
        | Token::Ampersand
        | Token::ShiftLeft
        | Token::ShiftRight
        | Token::DoubleColon
        | Token::Arrow
        | Token::LongArrow
        | Token::HashArrow
        | Token::HashLongArrow
        | Token::Tilde
        | Token::TildeAsterisk
        | Token::ExclamationMarkTilde
        | Token::ExclamationMarkTildeAsterisk => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(op: &str, terms: usize) -> String {
        let terms: Vec<String> = (0..terms).map(|i| i.to_string()).collect();
        format!("SELECT {}", terms.join(op))
    }

    #[test]
    fn wide_chains_are_refused_with_54001() {
        for op in ["+", " OR 1 = ", " || ", "::int + "] {
            let err = check_size(&chain(op, MAX_OPERATORS + 2)).unwrap_err();
            assert_eq!(err.sqlstate(), "54001", "{op}");
        }
        let unions = vec!["SELECT 1"; MAX_OPERATORS + 2].join(" UNION ALL ");
        assert_eq!(check_size(&unions).unwrap_err().sqlstate(), "54001");
    }

    #[test]
    fn deep_nesting_is_refused_with_54001() {
        let deep = format!(
            "SELECT {}1{}",
            "array[".repeat(MAX_NESTING + 1),
            "]".repeat(MAX_NESTING + 1)
        );
        assert_eq!(check_size(&deep).unwrap_err().sqlstate(), "54001");
    }

    #[test]
    fn big_but_flat_statements_pass() {
        check_size(&chain("+", MAX_OPERATORS)).unwrap();
        // An IN list is a list, not a chain, however long.
        let items: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
        check_size(&format!("SELECT 1 WHERE 1 IN ({})", items.join(", "))).unwrap();
        // Operators in strings and comments do not count.
        check_size(&format!(
            "SELECT '{}' -- {}",
            "+".repeat(50_000),
            "+".repeat(50_000)
        ))
        .unwrap();
    }
}
