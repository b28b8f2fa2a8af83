//! The statement log: every statement's end as a `tracing` event (target
//! `junction::statement`, at debug level) carrying its session, query id, engine, outcome,
//! rows and duration; statements slower than `[server] log_min_duration` at info level with
//! their SQL, literals replaced by `$n` unless `[server] log_literals` says otherwise.

use std::sync::Arc;
use std::time::Duration;

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::metrics::Outcome;
use crate::session::Session;

/// How a statement ended, as its account closed it.
#[derive(Debug, Clone, Copy)]
pub struct Ended<'a> {
    pub engine: &'static str,
    pub query_id: Option<i64>,
    pub outcome: Outcome<'a>,
    pub rows: u64,
    pub took: Duration,
}

/// Clones share one configuration.
#[derive(Debug, Clone, Default)]
pub struct StatementLog(Arc<Settings>);

#[derive(Debug, Default)]
struct Settings {
    min_duration: Option<Duration>,
    literals: bool,
}

impl StatementLog {
    pub fn new(min_duration: Option<Duration>, literals: bool) -> Self {
        Self(Arc::new(Settings {
            min_duration,
            literals,
        }))
    }

    /// A statement of `session` ended.
    pub fn ended(&self, session: &Session, ended: &Ended) {
        let Ended {
            engine,
            query_id,
            outcome,
            rows,
            took,
        } = *ended;
        let outcome = outcome.to_string();
        let duration_ms = took.as_secs_f64() * 1000.0;
        let slow = self.0.min_duration.is_some_and(|min| took >= min);
        if slow {
            let sql = session.activity().query();
            let sql = if self.0.literals {
                sql.to_string()
            } else {
                redacted(&sql)
            };
            tracing::info!(
                target: "junction::statement",
                pid = session.backend_pid,
                user = %session.user,
                frontend = session.origin.frontend.as_str(),
                query_id,
                engine,
                %outcome,
                rows,
                duration_ms,
                %sql,
                "slow statement"
            );
        } else {
            tracing::debug!(
                target: "junction::statement",
                pid = session.backend_pid,
                user = %session.user,
                frontend = session.origin.frontend.as_str(),
                query_id,
                engine,
                %outcome,
                rows,
                duration_ms,
                "statement"
            );
        }
    }
}

/// `sql` with each literal (string, number, bit or hex string) replaced by `$n`, numbered
/// after the parameters it names; text that does not tokenize is withheld entirely.
pub fn redacted(sql: &str) -> String {
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return "<statement withheld: it does not tokenize>".to_owned();
    };
    let highest = tokens
        .iter()
        .filter_map(|t| match t {
            Token::Placeholder(p) => p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut next = highest + 1;
    let mut out = String::with_capacity(sql.len());
    for token in tokens {
        let literal = matches!(
            token,
            Token::Number(..)
                | Token::SingleQuotedString(_)
                | Token::DoubleQuotedByteStringLiteral(_)
                | Token::SingleQuotedByteStringLiteral(_)
                | Token::NationalStringLiteral(_)
                | Token::EscapedStringLiteral(_)
                | Token::UnicodeStringLiteral(_)
                | Token::HexStringLiteral(_)
                | Token::DollarQuotedString(_)
        );
        if literal {
            out.push_str(&format!("${next}"));
            next += 1;
        } else {
            out.push_str(&token.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_replaced_and_the_rest_kept() {
        assert_eq!(
            redacted("SELECT * FROM silver.patients WHERE name = 'Ada Lovelace' AND id > 7"),
            "SELECT * FROM silver.patients WHERE name = $1 AND id > $2"
        );
        assert_eq!(
            redacted("select x from t where a = $1 and b = E'sec\\'ret' -- note"),
            "select x from t where a = $1 and b = $2 -- note"
        );
    }
}
