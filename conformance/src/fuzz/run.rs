//! Runs a query on PostgreSQL and on junction, and judges the difference.

use std::time::Duration;

use tokio_postgres::{Client, SimpleQueryMessage};

/// What a server answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Rows {
        /// The result's type names, as the server describes them.
        types: Vec<String>,
        /// Text values, as psql shows them; `None` for NULL.
        rows: Vec<Vec<Option<String>>>,
    },
    Error {
        sqlstate: String,
        message: String,
    },
    /// No answer within the time allowed (the connection is no longer usable).
    Timeout,
}

/// Runs `sql`: described first (the types drivers see), then run with the simple protocol.
pub async fn run(client: &Client, sql: &str, timeout: Duration) -> Outcome {
    let work = async {
        let statement = client.prepare(sql).await?;
        let types = statement
            .columns()
            .iter()
            .map(|c| c.type_().name().to_owned())
            .collect();
        drop(statement);
        let mut rows = Vec::new();
        for message in client.simple_query(sql).await? {
            if let SimpleQueryMessage::Row(row) = message {
                rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                );
            }
        }
        Ok::<_, tokio_postgres::Error>(Outcome::Rows { types, rows })
    };
    match tokio::time::timeout(timeout, work).await {
        Err(_) => Outcome::Timeout,
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => match e.as_db_error() {
            Some(db) => Outcome::Error {
                sqlstate: db.code().code().to_owned(),
                message: db.message().to_owned(),
            },
            None => Outcome::Error {
                sqlstate: "08000".to_owned(),
                message: e.to_string(),
            },
        },
    }
}

/// How junction's answer compares with PostgreSQL's.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Same,
    /// Both failed, with other SQLSTATEs.
    OtherError {
        postgres: String,
        junction: String,
    },
    /// PostgreSQL answered; junction said the engine cannot (0A000, 42883): a gap `auto`
    /// routes around, not a wrong answer.
    Unsupported(String),
    /// Either side timed out: not judged.
    Timeout,
    /// A different answer: rows, types, an answer where PostgreSQL failed or a failure where
    /// PostgreSQL answered.
    Different(String),
}

impl Verdict {
    pub fn is_failure(&self) -> bool {
        matches!(self, Verdict::Different(_))
    }

    /// What kind of difference: a minimised query must keep the kind of the original (an
    /// answer where PostgreSQL fails is no reproducer of other rows).
    pub fn kind(&self) -> Option<&'static str> {
        let Verdict::Different(what) = self else {
            return None;
        };
        Some(if what.starts_with("types") {
            "types"
        } else if what.starts_with("PostgreSQL answers") {
            "junction fails"
        } else if what.starts_with("PostgreSQL fails") {
            "postgresql fails"
        } else {
            "rows"
        })
    }
}

/// Judges `junction` against `postgres`.
pub fn compare(postgres: &Outcome, junction: &Outcome) -> Verdict {
    match (postgres, junction) {
        (Outcome::Timeout, _) | (_, Outcome::Timeout) => Verdict::Timeout,
        (Outcome::Error { sqlstate: a, .. }, Outcome::Error { sqlstate: b, .. }) => {
            if a == b {
                Verdict::Same
            } else {
                Verdict::OtherError {
                    postgres: a.clone(),
                    junction: b.clone(),
                }
            }
        }
        (Outcome::Rows { .. }, Outcome::Error { sqlstate, message })
            if sqlstate == "0A000" || sqlstate == "42883" =>
        {
            Verdict::Unsupported(format!("{sqlstate}: {message}"))
        }
        (Outcome::Rows { .. }, Outcome::Error { sqlstate, message }) => Verdict::Different(
            format!("PostgreSQL answers; junction fails with {sqlstate}: {message}"),
        ),
        // PostgreSQL folds constant expressions while planning, so a constant that fails
        // fails even where no row reaches it; an engine that evaluates it for no row at all
        // has not answered otherwise.
        (Outcome::Error { sqlstate, .. }, Outcome::Rows { rows, .. })
            if rows.is_empty() && sqlstate.starts_with("22") =>
        {
            Verdict::Same
        }
        (Outcome::Error { sqlstate, message }, Outcome::Rows { rows, .. }) => {
            Verdict::Different(format!(
                "PostgreSQL fails with {sqlstate}: {message}; junction answers {} rows",
                rows.len()
            ))
        }
        (
            Outcome::Rows {
                types: pt,
                rows: pr,
            },
            Outcome::Rows {
                types: jt,
                rows: jr,
            },
        ) => {
            if pt != jt {
                return Verdict::Different(format!("types {jt:?}, PostgreSQL's {pt:?}"));
            }
            match first_difference(pt, pr, jr) {
                None => Verdict::Same,
                Some(d) => Verdict::Different(d),
            }
        }
    }
}

/// Where two ordered results differ; rows are compared in order, and again as sorted
/// multisets (floats within a relative 1e-9 may order otherwise).
fn first_difference(
    types: &[String],
    postgres: &[Vec<Option<String>>],
    junction: &[Vec<Option<String>>],
) -> Option<String> {
    if postgres.len() != junction.len() {
        return Some(format!(
            "{} rows, PostgreSQL's {}",
            junction.len(),
            postgres.len()
        ));
    }
    let in_order = postgres
        .iter()
        .zip(junction)
        .position(|(p, j)| !rows_match(types, p, j));
    let at = in_order?;
    let mut p = postgres.to_vec();
    let mut j = junction.to_vec();
    p.sort();
    j.sort();
    if p.iter().zip(&j).all(|(p, j)| rows_match(types, p, j)) {
        return None;
    }
    Some(format!(
        "row {at}: {:?}, PostgreSQL's {:?}",
        junction[at], postgres[at]
    ))
}

fn rows_match(types: &[String], postgres: &[Option<String>], junction: &[Option<String>]) -> bool {
    postgres.len() == junction.len()
        && postgres
            .iter()
            .zip(junction)
            .zip(types)
            .all(|((p, j), ty)| match (p, j) {
                (Some(p), Some(j)) => values_match(ty, p, j),
                (None, None) => true,
                _ => false,
            })
}

/// Whether junction's value of type `ty` is PostgreSQL's: the same text; for floats, within
/// a relative 1e-9 (sums depend on the order of addition); for numerics, the same value
/// where both show digits, PostgreSQL's rounded to junction's scale where it shows more
/// (junction's unconstrained numeric has one scale per column, see KNOWN_GAPS.md).
pub fn values_match(ty: &str, postgres: &str, junction: &str) -> bool {
    if postgres == junction {
        return true;
    }
    match ty {
        "float4" | "float8" => match (postgres.parse::<f64>(), junction.parse::<f64>()) {
            (Ok(p), Ok(j)) if p.is_finite() && j.is_finite() => {
                let scale = p.abs().max(j.abs());
                (p - j).abs() <= scale * 1e-9 || (p - j).abs() <= 1e-12
            }
            _ => false,
        },
        "numeric" => match (Decimal::parse(postgres), Decimal::parse(junction)) {
            // Junction's column has one scale; PostgreSQL's values each their own. Where
            // junction shows at least PostgreSQL's digits, its value rounded there must be
            // PostgreSQL's; where fewer (a quotient below 1, or computed from one), the same
            // to within those digits.
            (Some(p), Some(j)) if j.scale >= p.scale => j.rounded(p.scale) == p,
            (Some(p), Some(j)) => {
                p.rounded(j.scale) == j || {
                    let (pf, jf) = (p.to_f64(), j.to_f64());
                    (pf - jf).abs() <= pf.abs().max(jf.abs()) * 1e-15
                }
            }
            _ => false,
        },
        _ => false,
    }
}

/// A decimal's text as an unscaled integer and its scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    unscaled: i128,
    scale: u32,
}

impl Decimal {
    fn parse(text: &str) -> Option<Self> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let scale = u32::try_from(fraction.len()).ok()?;
        let unscaled = format!("{whole}{fraction}").parse().ok()?;
        Some(Self { unscaled, scale })
    }

    fn to_f64(self) -> f64 {
        self.unscaled as f64 / 10f64.powi(i32::try_from(self.scale).unwrap_or(i32::MAX))
    }

    /// Rounded half away from zero to `scale` digits (no change when it has fewer).
    fn rounded(self, scale: u32) -> Self {
        if self.scale <= scale {
            return self;
        }
        let Some(divisor) = 10i128.checked_pow(self.scale - scale) else {
            return Self {
                unscaled: 0,
                scale: 0,
            };
        };
        let (q, r) = (self.unscaled / divisor, self.unscaled % divisor);
        let q = if r.abs() * 2 >= divisor {
            q + self.unscaled.signum()
        } else {
            q
        };
        Self { unscaled: q, scale }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cells: &[&[Option<&str>]]) -> Outcome {
        Outcome::Rows {
            types: vec!["int4".into(); cells.first().map_or(0, |r| r.len())],
            rows: cells
                .iter()
                .map(|r| r.iter().map(|c| c.map(str::to_owned)).collect())
                .collect(),
        }
    }

    #[test]
    fn equal_answers_are_the_same() {
        let a = rows(&[&[Some("1")], &[None]]);
        assert_eq!(compare(&a, &a), Verdict::Same);
    }

    #[test]
    fn a_missing_row_or_null_is_a_difference() {
        let a = rows(&[&[Some("1")], &[None]]);
        assert!(compare(&a, &rows(&[&[Some("1")]])).is_failure());
        assert!(compare(&a, &rows(&[&[Some("1")], &[Some("0")]])).is_failure());
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(values_match(
            "numeric",
            "5891330.000000000000",
            "5891330.0000000000000000"
        ));
        assert!(!values_match(
            "numeric",
            "5891330.000000000000",
            "5891329.9999999999868928"
        ));
        assert!(values_match(
            "numeric",
            "0.33333333333333333333",
            "0.3333333333333333"
        ));
        assert!(values_match("float8", "0.30000000000000004", "0.3"));
        assert!(!values_match("int4", "1", "2"));
        assert!(!values_match("text", "1.0", "1"));
    }

    #[test]
    fn errors_are_judged_by_sqlstate() {
        let error = |code: &str| Outcome::Error {
            sqlstate: code.into(),
            message: String::new(),
        };
        assert_eq!(compare(&error("22012"), &error("22012")), Verdict::Same);
        assert!(compare(&error("22003"), &rows(&[&[Some("1")]])).is_failure());
        assert!(matches!(
            compare(&rows(&[&[Some("1")]]), &error("0A000")),
            Verdict::Unsupported(_)
        ));
    }
}
