//! Runs corpus files record by record and judges the outcome for one target.
//!
//! PostgreSQL must pass every record: the corpus states what PostgreSQL answers. An engine
//! must pass every record too, except those preceded by a comment
//! `# diverges(<engine>): <reason>`, which must fail on that engine. Such a record is a
//! recorded gap for the transpiler to close; once it agrees, the stale marker is an error, so
//! the list of gaps cannot rot.

use std::path::{Path, PathBuf};

use sqllogictest::{AsyncDB, MakeConnection, Record, Runner};

use crate::wire::ColumnType;

/// What a file is run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Real PostgreSQL, the reference.
    Reference,
    /// junction with its engine pinned to this one.
    Engine(&'a str),
}

impl Target<'_> {
    pub fn label(&self) -> &str {
        match self {
            Target::Reference => "postgres",
            Target::Engine(engine) => engine,
        }
    }
}

/// The result of running one file against one target.
#[derive(Debug, Default)]
pub struct Report {
    /// Records that passed.
    pub passed: usize,
    /// Records that failed as their `diverges` marker says, with the marker's reason.
    pub known: Vec<String>,
    /// Everything that is wrong: unexpected failures and stale markers.
    pub problems: Vec<String>,
}

/// The corpus files under `dir`, in name order.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "slt"))
        .collect();
    files.sort();
    files
}

/// The reason of a `diverges(<engine>): reason` comment line aimed at `engine`.
fn divergence(comment: &str, engine: &str) -> Option<String> {
    let rest = comment.trim().strip_prefix("diverges(")?;
    let (engines, reason) = rest.split_once("):")?;
    engines
        .split(',')
        .any(|e| e.trim() == engine)
        .then(|| reason.trim().to_owned())
}

/// Runs `path` against `target` through `runner`, one record at a time.
pub async fn run_file<D, M>(runner: &mut Runner<D, M>, path: &Path, target: Target<'_>) -> Report
where
    D: AsyncDB<ColumnType = ColumnType>,
    M: MakeConnection<Conn = D>,
{
    let mut report = Report::default();
    let records = match sqllogictest::parse_file::<ColumnType>(path) {
        Ok(records) => records,
        Err(e) => {
            report.problems.push(format!("{}: {e}", path.display()));
            return report;
        }
    };
    let mut marker: Option<String> = None;
    for record in records {
        let loc = match &record {
            Record::Comment(lines) => {
                if let Target::Engine(engine) = target {
                    if let Some(reason) = lines.iter().find_map(|l| divergence(l, engine)) {
                        marker = Some(reason);
                    }
                }
                continue;
            }
            Record::Statement { loc, .. } | Record::Query { loc, .. } => loc.clone(),
            _ => {
                if let Err(e) = runner.run_async(record).await {
                    report.problems.push(e.display(false).to_string());
                }
                continue;
            }
        };
        let result = runner.run_async(record).await;
        match (result, marker.take()) {
            (Ok(_), None) => report.passed += 1,
            (Err(_), Some(reason)) => report.known.push(format!("{loc}: {reason}")),
            (Err(e), None) => report.problems.push(e.display(false).to_string()),
            (Ok(_), Some(reason)) => report.problems.push(format!(
                "{loc}: marked `diverges({})` ({reason}) but now agrees with PostgreSQL: \
                 remove the marker",
                target.label()
            )),
        }
    }
    report
}

/// Compares rows as the default validator does, except that two numbers written with a
/// fraction or exponent agree when they are within a relative 1e-9: engines sum floats in
/// different orders. Exact types are checked separately, so this cannot hide a float8 where
/// PostgreSQL gives numeric.
pub fn validator(
    normalizer: sqllogictest::Normalizer,
    actual: &[Vec<String>],
    expected: &[String],
) -> bool {
    let actual: Vec<String> = actual
        .iter()
        .map(|row| row.iter().map(normalizer).collect::<Vec<_>>().join(" "))
        .collect();
    actual.len() == expected.len()
        && actual.iter().zip(expected).all(|(actual, expected)| {
            let expected = normalizer(expected);
            let (a, e): (Vec<_>, Vec<_>) = (
                actual.split_ascii_whitespace().collect(),
                expected.split_ascii_whitespace().collect(),
            );
            a.len() == e.len() && a.iter().zip(&e).all(|(a, e)| a == e || close(a, e))
        })
}

fn close(a: &str, e: &str) -> bool {
    let inexact = e.contains(['.', 'e', 'E']);
    match (a.parse::<f64>(), e.parse::<f64>()) {
        (Ok(a), Ok(e)) if inexact => (a - e).abs() <= 1e-9 * a.abs().max(e.abs()).max(1.0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{close, divergence};

    #[test]
    fn floats_agree_within_a_relative_tolerance() {
        assert!(close("72.33333333333334", "72.33333333333333"));
        assert!(!close("72.34", "72.33"));
        assert!(!close("1", "2"));
        assert!(!close("NaN", "NaN"));
    }

    #[test]
    fn markers_name_their_engines() {
        let line = " diverges(datafusion, duckdb): avg(int4) is float8, not numeric";
        assert_eq!(
            divergence(line, "duckdb").as_deref(),
            Some("avg(int4) is float8, not numeric")
        );
        assert_eq!(divergence(line, "trino"), None);
        assert_eq!(divergence(" plain comment", "duckdb"), None);
    }
}
