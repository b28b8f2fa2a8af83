//! junction's own syntax around a statement, which sqlparser does not know: the engine hint
//! `/*+ ENGINE(duckdb) */` leading a statement, and `EXPLAIN ROUTE <query>`.
//!
//! Both are found in the token stream before parsing. A hint is a comment, which the parser
//! drops; `EXPLAIN ROUTE` is blanked out of the text so the query under it parses as usual.

use std::borrow::Cow;

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::TranspileError;

/// What one statement's text asks of junction besides its SQL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    /// The engine named by a leading `/*+ ENGINE(name) */`, lower-cased.
    pub engine: Option<String>,
    /// The statement was `EXPLAIN ROUTE <query>`.
    pub explain_route: bool,
}

/// SQL text with junction's syntax taken out, and the directives of each statement in it,
/// in the order the parser returns the statements.
#[derive(Debug)]
pub struct Directed<'a> {
    pub sql: Cow<'a, str>,
    directives: Vec<Directives>,
}

impl Directed<'_> {
    /// The directives of the `index`th statement (none for statements without any).
    pub fn of(&self, index: usize) -> Directives {
        self.directives.get(index).cloned().unwrap_or_default()
    }
}

/// Finds the directives in `sql`. Text that does not tokenize is returned as it is, for the
/// parser to report.
pub fn directives(sql: &str) -> Result<Directed<'_>, TranspileError> {
    let untouched = || Directed {
        sql: Cow::Borrowed(sql),
        directives: Vec::new(),
    };
    if !sql.contains("/*+") && !contains_ignore_case(sql, "route") {
        return Ok(untouched());
    }
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() else {
        return Ok(untouched());
    };
    let mut directives = Vec::new();
    let mut current = Directives::default();
    let mut started = false;
    let mut blanked: Vec<&TokenWithSpan> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match &token.token {
            // The parser skips empty statements, so a `;` only ends one that has begun.
            Token::SemiColon => {
                if started {
                    directives.push(std::mem::take(&mut current));
                }
                current = Directives::default();
                started = false;
            }
            Token::Whitespace(Whitespace::MultiLineComment(comment)) if !started => {
                if let Some(engine) = engine_hint(comment)? {
                    current.engine = Some(engine);
                }
            }
            Token::Whitespace(_) => {}
            first if !started => {
                started = true;
                if is_keyword(first, Keyword::EXPLAIN) {
                    let next = tokens[i + 1..]
                        .iter()
                        .find(|t| !matches!(t.token, Token::Whitespace(_)));
                    if let Some(route) = next.filter(|t| is_word(&t.token, "route")) {
                        current.explain_route = true;
                        blanked.extend([token, route]);
                    }
                }
            }
            _ => {}
        }
    }
    if started {
        directives.push(current);
    }
    let sql = if blanked.is_empty() {
        Cow::Borrowed(sql)
    } else {
        Cow::Owned(blank(sql, &blanked))
    };
    Ok(Directed { sql, directives })
}

/// `Some(engine)` for an `ENGINE(name)` hint; `None` for any other comment, including other
/// tools' hints (`/*+ SeqScan(t) */`), which PostgreSQL treats as comments too.
fn engine_hint(comment: &str) -> Result<Option<String>, TranspileError> {
    let Some(hint) = comment.strip_prefix('+').map(str::trim) else {
        return Ok(None);
    };
    let Some(head) = hint.get(..6).filter(|h| h.eq_ignore_ascii_case("engine")) else {
        return Ok(None);
    };
    let malformed = || {
        TranspileError::Hint(format!(
            "malformed hint /*{comment}*/: expected /*+ ENGINE(name) */"
        ))
    };
    debug_assert_eq!(head.len(), 6);
    let name = hint[6..]
        .trim_start()
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .map(str::trim)
        .filter(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .ok_or_else(malformed)?;
    Ok(Some(name.to_ascii_lowercase()))
}

fn is_keyword(token: &Token, keyword: Keyword) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.keyword == keyword)
}

fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

fn contains_ignore_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// `sql` with the given tokens replaced by spaces, so that positions in errors still match
/// what the client sent.
fn blank(sql: &str, tokens: &[&TokenWithSpan]) -> String {
    let mut bytes = sql.as_bytes().to_vec();
    for token in tokens {
        let (start, end) = (
            byte_offset(sql, token.span.start),
            byte_offset(sql, token.span.end),
        );
        // Only ASCII words are blanked, so the replaced range holds whole characters.
        bytes[start..end].fill(b' ');
    }
    String::from_utf8(bytes).unwrap_or_else(|_| sql.to_owned())
}

/// The byte offset of a tokenizer location (1-based line and character column).
fn byte_offset(sql: &str, location: Location) -> usize {
    let mut line = 1;
    let mut column = 1;
    for (offset, c) in sql.char_indices() {
        if line == location.line && column == location.column {
            return offset;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    sql.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directed(sql: &str) -> (String, Vec<Directives>) {
        let d = directives(sql).expect("well-formed");
        let count = d.directives.len();
        let found = (0..count).map(|i| d.of(i)).collect();
        (d.sql.into_owned(), found)
    }

    fn engine(name: &str) -> Directives {
        Directives {
            engine: Some(name.to_owned()),
            explain_route: false,
        }
    }

    #[test]
    fn plain_sql_is_untouched() {
        let d = directives("select 1").expect("plain");
        assert!(matches!(d.sql, Cow::Borrowed("select 1")));
        assert_eq!(d.of(0), Directives::default());
    }

    #[test]
    fn a_leading_hint_pins_its_statement_only() {
        let (sql, found) = directed("/*+ ENGINE(DuckDB) */ select 1; select 2");
        assert_eq!(sql, "/*+ ENGINE(DuckDB) */ select 1; select 2");
        assert_eq!(found, vec![engine("duckdb"), Directives::default()]);

        let (_, found) = directed("select 1;\n/*+engine( datafusion )*/ select 2");
        assert_eq!(found, vec![Directives::default(), engine("datafusion")]);
    }

    #[test]
    fn a_hint_inside_a_statement_is_a_comment() {
        let (_, found) = directed("select /*+ ENGINE(duckdb) */ 1");
        assert_eq!(found, vec![Directives::default()]);
    }

    #[test]
    fn other_hints_and_comments_are_comments() {
        let (_, found) = directed("/* ENGINE(duckdb) */ /*+ SeqScan(t) */ select 1");
        assert_eq!(found, vec![Directives::default()]);
    }

    #[test]
    fn empty_statements_do_not_shift_the_hints() {
        let (_, found) =
            directed(";; /*+ ENGINE(duckdb) */ ; select 1; /*+ ENGINE(duckdb) */ select 2");
        assert_eq!(found, vec![Directives::default(), engine("duckdb")]);
    }

    #[test]
    fn malformed_engine_hints_are_errors() {
        for sql in [
            "/*+ ENGINE duckdb */ select 1",
            "/*+ ENGINE() */ select 1",
            "/*+ ENGINE(duck db) */ select 1",
        ] {
            let error = directives(sql).expect_err(sql);
            assert_eq!(error.sqlstate(), "22023", "{sql}");
            assert!(error.to_string().contains("ENGINE(name)"), "{error}");
        }
    }

    #[test]
    fn explain_route_is_blanked_out() {
        let (sql, found) = directed("explain  Route select 'route'; EXPLAIN select 1");
        assert_eq!(sql, "               select 'route'; EXPLAIN select 1");
        assert_eq!(
            found,
            vec![
                Directives {
                    engine: None,
                    explain_route: true
                },
                Directives::default()
            ]
        );
        let (sql, found) = directed("/*+ ENGINE(duckdb) */\nEXPLAIN ROUTE select 1");
        assert_eq!(sql, "/*+ ENGINE(duckdb) */\n              select 1");
        assert_eq!(found[0].engine.as_deref(), Some("duckdb"));
        assert!(found[0].explain_route);
    }

    #[test]
    fn a_column_named_route_is_not_explain_route() {
        let (sql, found) = directed("EXPLAIN select route from t");
        assert_eq!(sql, "EXPLAIN select route from t");
        assert!(!found[0].explain_route);
        let (sql, _) = directed("select 'é', route from t");
        assert_eq!(sql, "select 'é', route from t");
    }
}
