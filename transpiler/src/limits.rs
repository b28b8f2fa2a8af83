//! How big a statement junction takes on: bounds checked on the text and its tokens, before
//! anything recurses over the statement.
//!
//! A flat chain (`1+1+...`, `a = 1 OR a = 2 OR ...`, `UNION ALL` of many branches) parses
//! without recursion, but into a tree as deep as the chain is long, and every later pass
//! (rewrites, planning, even dropping it) recurses that deep. Counting the operators bounds
//! that depth, and nesting is bounded directly; past either bound the statement is refused
//! with PostgreSQL's 54001 rather than risking the stack of the thread that analyses it.
//!
//! A long but flat statement costs memory instead: every token becomes an AST node, a
//! logical plan expression and, in a select list, a field of every schema on the way (about
//! 2 KB a column; a 10-million-column select list once took the server past 24 GB). So the
//! text, its tokens and its select lists are bounded too.

use std::ops::ControlFlow;

use sqlparser::ast::{visit_expressions, Expr, Statement, Value};
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

/// The longest request text. PostgreSQL takes up to 1 GB; junction tokenizes, parses and
/// plans the text into several representations, each many times its size (a 50 MB
/// literal once peaked at over 1 GB), so it stops far earlier.
pub const MAX_BYTES: usize = 16 << 20;

/// The most tokens (words, literals, punctuation) one request may hold: a 100,000-item IN
/// list is about 200,000.
pub const MAX_TOKENS: usize = 1_000_000;

/// PostgreSQL's bound on a select list (MaxTupleAttributeNumber).
pub const MAX_SELECT_ITEMS: usize = 1_664;

/// The most parameters a statement may take: the protocol's Bind message counts them in 16
/// bits. Later passes size their parameter lists by the highest `$n`, so a larger number
/// would ask them for any amount of memory.
pub const MAX_PARAMETERS: u64 = 65_535;

/// Refuses a statement with a parameter numbered past [`MAX_PARAMETERS`] (54000).
pub fn check_parameters(statement: &Statement) -> Result<(), TranspileError> {
    let found = visit_expressions(statement, |expr| {
        if let Expr::Value(value) = expr {
            if let Value::Placeholder(p) = &value.value {
                if let Some(digits) = p.strip_prefix('$') {
                    // Too many digits for a u64 is past the bound as well.
                    let number = digits.parse::<u64>().unwrap_or(u64::MAX);
                    if number > MAX_PARAMETERS {
                        return ControlFlow::Break(p.clone());
                    }
                }
            }
        }
        ControlFlow::Continue(())
    });
    match found {
        ControlFlow::Break(parameter) => Err(TranspileError::TooLarge(format!(
            "parameter {parameter} is out of range: a statement takes at most {MAX_PARAMETERS} parameters"
        ))),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Refuses `sql` past any bound: its length, its tokens, its operators, its nesting or the
/// width of a select list. Text that does not tokenize is left for the parser to report.
pub fn check_size(sql: &str) -> Result<(), TranspileError> {
    if sql.len() > MAX_BYTES {
        return Err(TranspileError::TooLarge(format!(
            "statement is too large: {} bytes (at most {MAX_BYTES})",
            sql.len()
        )));
    }
    // Too short to pass any bound (an operator takes two bytes with its operand, a level
    // of nesting and a select item one): most statements skip a second tokenization.
    if sql.len() <= MAX_NESTING.min(2 * MAX_OPERATORS).min(MAX_SELECT_ITEMS) {
        return Ok(());
    }
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return Ok(());
    };
    let mut counted = 0usize;
    let mut operators = 0usize;
    let mut depth = 0usize;
    // Per nesting level, the items of the select list being read there, if any.
    let mut select_items: Vec<Option<usize>> = vec![None];
    for token in &tokens {
        match token {
            Token::Whitespace(_) => continue,
            Token::LParen | Token::LBracket | Token::LBrace => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(TranspileError::TooComplex(format!(
                        "statement is too complex: nesting deeper than {MAX_NESTING} levels"
                    )));
                }
                select_items.push(None);
            }
            Token::RParen | Token::RBracket | Token::RBrace if depth > 0 => {
                depth -= 1;
                select_items.pop();
            }
            Token::Comma => {
                if let Some(Some(items)) = select_items.last_mut() {
                    *items += 1;
                    if *items > MAX_SELECT_ITEMS {
                        return Err(TranspileError::TooManyColumns(format!(
                            "target lists can have at most {MAX_SELECT_ITEMS} entries"
                        )));
                    }
                }
            }
            Token::Word(word) if word.keyword == Keyword::SELECT => {
                if let Some(level) = select_items.last_mut() {
                    *level = Some(1);
                }
            }
            Token::Word(word) if ends_select_list(word.keyword) => {
                if let Some(level) = select_items.last_mut() {
                    *level = None;
                }
            }
            _ => {}
        }
        if is_operator(token) {
            operators += 1;
        }
        counted += 1;
        if counted > MAX_TOKENS {
            return Err(TranspileError::TooComplex(format!(
                "statement is too complex: more than {MAX_TOKENS} tokens"
            )));
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

/// Whether `keyword` ends the select list it follows.
fn ends_select_list(keyword: Keyword) -> bool {
    matches!(
        keyword,
        Keyword::FROM
            | Keyword::INTO
            | Keyword::WHERE
            | Keyword::GROUP
            | Keyword::HAVING
            | Keyword::WINDOW
            | Keyword::ORDER
            | Keyword::LIMIT
            | Keyword::OFFSET
            | Keyword::FETCH
            | Keyword::FOR
            | Keyword::UNION
            | Keyword::INTERSECT
            | Keyword::EXCEPT
    )
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
    fn parameters_past_65535_are_refused_with_54000() {
        for sql in [
            "SELECT $65536",
            "SELECT 1 FROM t WHERE a = $1 LIMIT $100000000000",
            "SELECT $99999999999999999999999",
        ] {
            let err = crate::parse(sql).unwrap_err();
            assert_eq!(err.sqlstate(), "54000", "{sql}");
            assert!(
                err.to_string().contains("at most 65535 parameters"),
                "{err}"
            );
        }
        assert!(crate::parse("SELECT $65535, $1").is_ok());
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
    fn long_statements_are_refused() {
        let huge = format!("SELECT '{}'", "a".repeat(MAX_BYTES));
        assert_eq!(check_size(&huge).unwrap_err().sqlstate(), "54000");
        let items = vec!["1"; MAX_TOKENS / 2 + 1].join(",");
        let tokens = format!("SELECT 1 WHERE 1 IN ({items})");
        assert_eq!(check_size(&tokens).unwrap_err().sqlstate(), "54001");
    }

    #[test]
    fn select_lists_are_bounded_as_postgresql_bounds_them() {
        let columns = |n: usize| vec!["1"; n].join(", ");
        let err = check_size(&format!("SELECT {}", columns(MAX_SELECT_ITEMS + 1))).unwrap_err();
        assert_eq!(err.sqlstate(), "54011");
        assert_eq!(
            err.to_string(),
            "target lists can have at most 1664 entries"
        );
        // A subquery's select list counts on its own; commas inside calls do not count.
        let nested = format!(
            "SELECT (SELECT {}), coalesce({}) FROM t WHERE x IN ({})",
            columns(MAX_SELECT_ITEMS),
            columns(MAX_SELECT_ITEMS),
            columns(5_000)
        );
        check_size(&nested).unwrap();
        check_size(&format!("SELECT {}", columns(MAX_SELECT_ITEMS))).unwrap();
        // The list after FROM is not a select list.
        let from = format!("SELECT 1 FROM {}", vec!["t"; 3_000].join(", "));
        check_size(&from).unwrap();
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
