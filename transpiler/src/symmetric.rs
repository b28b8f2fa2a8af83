//! `x BETWEEN SYMMETRIC a AND b`, which sqlparser does not read.
//!
//! Before parsing, the lower bound is wrapped in a marker call, `BETWEEN SYMMETRIC a AND b`
//! becoming `BETWEEN junction_symmetric(a) AND b` (and `ASYMMETRIC`, PostgreSQL's spelling
//! of the default, is dropped). The lower bound is exactly the tokens up to the `AND` that
//! closes it, the first one outside parentheses and CASE: BETWEEN's bounds bind tighter than
//! AND. After parsing, the marked BETWEEN is written as PostgreSQL's parser writes it:
//! `x BETWEEN a AND b OR x BETWEEN b AND a`.

use std::borrow::Cow;
use std::ops::ControlFlow;

use sqlparser::ast::{visit_expressions_mut, BinaryOperator, Expr, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::ast::{binary, function_name, not, take_arguments};

/// The marker call around a symmetric BETWEEN's lower bound.
const MARKER: &str = "junction_symmetric";

/// `sql` with each `BETWEEN SYMMETRIC`'s lower bound marked; untouched without one.
pub(crate) fn mark(sql: &str) -> Cow<'_, str> {
    if !contains_ignore_case(sql, "symmetric") {
        return Cow::Borrowed(sql);
    }
    // Without unescaping, each token prints as it was written.
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .with_unescape(false)
        .tokenize()
    else {
        // The parser reports the error.
        return Cow::Borrowed(sql);
    };
    let keyword = |t: &Token| match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    };
    let mut out = String::with_capacity(sql.len() + 32);
    let mut changed = false;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        out.push_str(&token.to_string());
        i += 1;
        if keyword(token) != Some(Keyword::BETWEEN) {
            continue;
        }
        // The next word after BETWEEN, past whitespace.
        let mut j = i;
        while matches!(tokens.get(j), Some(Token::Whitespace(_))) {
            j += 1;
        }
        match tokens.get(j).and_then(keyword) {
            Some(Keyword::ASYMMETRIC) => {
                changed = true;
                i = j + 1;
            }
            Some(Keyword::SYMMETRIC) => {
                let Some(end) = closing_and(&tokens, j + 1) else {
                    continue;
                };
                changed = true;
                out.push(' ');
                out.push_str(MARKER);
                out.push('(');
                for t in &tokens[j + 1..end] {
                    out.push_str(&t.to_string());
                }
                out.push_str(") ");
                i = end;
            }
            _ => {}
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(sql)
    }
}

/// The index of the AND that ends a bound starting at `start`: the first at nesting depth 0.
fn closing_and(tokens: &[Token], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(start) {
        match token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.checked_sub(1)?,
            Token::Word(w) if w.quote_style.is_none() => match w.keyword {
                Keyword::CASE => depth += 1,
                Keyword::END => depth = depth.checked_sub(1)?,
                Keyword::AND if depth == 0 => return Some(i),
                _ => {}
            },
            Token::SemiColon => return None,
            _ => {}
        }
    }
    None
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Rewrites every marked BETWEEN in `statement` into its two-way form.
pub(crate) fn expand(statement: &mut Statement) {
    let _ = visit_expressions_mut(statement, |expr| {
        let Expr::Between {
            expr: value,
            negated,
            low,
            high,
        } = expr
        else {
            return ControlFlow::<()>::Continue(());
        };
        let Expr::Function(marker) = low.as_mut() else {
            return ControlFlow::Continue(());
        };
        if function_name(marker).is_none_or(|n| n != MARKER) {
            return ControlFlow::Continue(());
        }
        let Some([low]) = take_arguments(marker) else {
            return ControlFlow::Continue(());
        };
        let between = |low: &Expr, high: &Expr| Expr::Between {
            expr: value.clone(),
            negated: false,
            low: Box::new(low.clone()),
            high: Box::new(high.clone()),
        };
        let either = Expr::Nested(Box::new(binary(
            between(&low, high),
            BinaryOperator::Or,
            between(high, &low),
        )));
        *expr = if *negated { not(either) } else { either };
        ControlFlow::Continue(())
    });
}

#[cfg(test)]
mod tests {
    use crate::parse;

    fn parsed(sql: &str) -> String {
        parse(sql).expect("parses").remove(0).to_string()
    }

    #[test]
    fn symmetric_between_tries_both_orders() {
        assert_eq!(
            parsed("SELECT x BETWEEN SYMMETRIC 10 AND 1 FROM t"),
            "SELECT (x BETWEEN 10 AND 1 OR x BETWEEN 1 AND 10) FROM t"
        );
        assert_eq!(
            parsed("SELECT * FROM t WHERE x NOT BETWEEN SYMMETRIC (a + 1) AND b AND y > 0"),
            "SELECT * FROM t WHERE NOT (x BETWEEN (a + 1) AND b OR x BETWEEN b AND (a + 1)) AND y > 0"
        );
        assert_eq!(
            parsed("SELECT x BETWEEN SYMMETRIC CASE WHEN a AND b THEN 1 END AND 2 FROM t"),
            "SELECT (x BETWEEN CASE WHEN a AND b THEN 1 END AND 2 OR x BETWEEN 2 AND CASE WHEN a AND b THEN 1 END) FROM t"
        );
    }

    #[test]
    fn asymmetric_is_the_default() {
        assert_eq!(
            parsed("SELECT x BETWEEN ASYMMETRIC 1 AND 2 FROM t"),
            "SELECT x BETWEEN 1 AND 2 FROM t"
        );
    }

    #[test]
    fn literals_survive_the_marking() {
        assert_eq!(
            parsed("SELECT 'it''s' FROM t WHERE x BETWEEN SYMMETRIC 'b''' AND 'a'"),
            "SELECT 'it''s' FROM t WHERE (x BETWEEN 'b''' AND 'a' OR x BETWEEN 'a' AND 'b''')"
        );
    }

    #[test]
    fn the_word_elsewhere_is_left_alone() {
        assert_eq!(
            parsed("SELECT 'between symmetric' AS symmetric FROM t"),
            "SELECT 'between symmetric' AS symmetric FROM t"
        );
    }
}
