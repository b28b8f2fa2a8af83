//! `?` parameter markers, as Flight SQL clients write them (ADBC, the Flight SQL JDBC
//! driver, most Arrow tools), numbered into PostgreSQL's `$1`, `$2`, ... in order.
//!
//! PostgreSQL's own `?` is jsonb's key-exists operator, which follows an operand
//! (`doc ? 'key'`); a parameter marker stands where an operand begins (`= ?`, `(?`, `, ?`,
//! `LIMIT ?`). The marker's place, read from the tokens before it, tells the two apart.

use std::borrow::Cow;

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::{syntax_error, TranspileError};

/// `sql` with each `?` parameter marker replaced by `$n`, numbered from 1 in order of
/// appearance. A statement that already uses `$n` keeps every `?` as an operator.
pub fn number_question_marks(sql: &str) -> Result<Cow<'_, str>, TranspileError> {
    if !sql.contains('?') {
        return Ok(Cow::Borrowed(sql));
    }
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .map_err(|e| syntax_error(e.into()))?;
    if tokens
        .iter()
        .any(|t| matches!(&t.token, Token::Placeholder(p) if p.starts_with('$')))
    {
        return Ok(Cow::Borrowed(sql));
    }
    let offsets = LineOffsets::new(sql);
    let mut out = String::with_capacity(sql.len() + 8);
    let mut copied = 0;
    let mut number = 0;
    let mut previous: Option<&Token> = None;
    for TokenWithSpan { token, span } in &tokens {
        if matches!(token, Token::Whitespace(_)) {
            continue;
        }
        if matches!(token, Token::Question) && starts_operand(previous) {
            let Some(at) = offsets.byte(span.start.line, span.start.column) else {
                continue;
            };
            number += 1;
            out.push_str(&sql[copied..at]);
            out.push_str(&format!("${number}"));
            copied = at + 1;
        }
        previous = Some(token);
    }
    if number == 0 {
        return Ok(Cow::Borrowed(sql));
    }
    out.push_str(&sql[copied..]);
    Ok(Cow::Owned(out))
}

/// Whether an operand begins after `previous`: anything but the end of an operand (a name,
/// a literal, a closing bracket).
fn starts_operand(previous: Option<&Token>) -> bool {
    match previous {
        None => true,
        Some(Token::Word(word)) => {
            word.quote_style.is_none() && OPERAND_BEFORE.contains(&word.keyword)
        }
        Some(
            Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::EscapedStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::NationalStringLiteral(_)
            | Token::HexStringLiteral(_)
            | Token::RParen
            | Token::RBracket
            | Token::Placeholder(_),
        ) => false,
        Some(_) => true,
    }
}

/// Keywords an operand follows; any other word is a name that ends one.
const OPERAND_BEFORE: &[Keyword] = &[
    Keyword::SELECT,
    Keyword::WHERE,
    Keyword::AND,
    Keyword::OR,
    Keyword::NOT,
    Keyword::BETWEEN,
    Keyword::LIKE,
    Keyword::ILIKE,
    Keyword::SIMILAR,
    Keyword::ESCAPE,
    Keyword::CASE,
    Keyword::WHEN,
    Keyword::THEN,
    Keyword::ELSE,
    Keyword::LIMIT,
    Keyword::OFFSET,
    Keyword::FETCH,
    Keyword::FIRST,
    Keyword::NEXT,
    Keyword::VALUES,
    Keyword::IS,
    Keyword::FROM,
    Keyword::ON,
    Keyword::BY,
    Keyword::HAVING,
    Keyword::DISTINCT,
    Keyword::ALL,
    Keyword::ANY,
    Keyword::SOME,
    Keyword::TO,
    Keyword::SET,
    Keyword::RETURNING,
];

/// Byte offsets of line starts, to turn the tokenizer's (line, column) into a byte offset.
struct LineOffsets<'a> {
    sql: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineOffsets<'a> {
    fn new(sql: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { sql, starts }
    }

    /// The byte offset of the 1-based `line` and character `column`.
    fn byte(&self, line: u64, column: u64) -> Option<usize> {
        let start = *self
            .starts
            .get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let skip = usize::try_from(column).ok()?.checked_sub(1)?;
        let (offset, _) = self.sql[start..].char_indices().nth(skip)?;
        Some(start + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(sql: &str) -> String {
        number_question_marks(sql).expect("tokenizes").into_owned()
    }

    #[test]
    fn markers_are_numbered_in_order() {
        assert_eq!(
            numbered("select * from silver.vitals where patient_id = ? and quality = ? limit ?"),
            "select * from silver.vitals where patient_id = $1 and quality = $2 limit $3"
        );
        assert_eq!(
            numbered("select ?, (?), f(?, ?)"),
            "select $1, ($2), f($3, $4)"
        );
        assert_eq!(
            numbered("select ward\n  from silver.patients where ward in (?, ?) or name like ?"),
            "select ward\n  from silver.patients where ward in ($1, $2) or name like $3"
        );
        assert_eq!(
            numbered("select x between ? and ? + 1"),
            "select x between $1 and $2 + 1"
        );
    }

    #[test]
    fn jsonb_key_exists_stays_an_operator() {
        let sql = "select doc ? 'a', (doc -> 'b') ? 'c' from t where doc ? ?";
        assert_eq!(
            numbered(sql),
            "select doc ? 'a', (doc -> 'b') ? 'c' from t where doc ? $1"
        );
        assert_eq!(
            numbered("select \"select\" ? 'k' from t"),
            "select \"select\" ? 'k' from t"
        );
    }

    #[test]
    fn question_marks_in_strings_comments_and_dollar_statements_are_left_alone() {
        let sql = "select 'why?', \"odd?name\" -- really?\n from t where a = ?";
        assert_eq!(
            numbered(sql),
            "select 'why?', \"odd?name\" -- really?\n from t where a = $1"
        );
        assert_eq!(
            numbered("select $1 where ? is null"),
            "select $1 where ? is null"
        );
        assert_eq!(numbered("select 'é' || ?"), "select 'é' || $1");
        assert!(matches!(
            number_question_marks("select 1"),
            Ok(Cow::Borrowed(_))
        ));
    }
}
