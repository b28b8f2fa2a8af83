//! PostgreSQL's bound on the size of a text value (1 GB), checked before `repeat`, `lpad` and
//! `rpad` build their result: asked for more, they fail with 54000 `requested length too
//! large`, as in PostgreSQL. DataFusion's own built the string (`repeat('x', 2000000000)`
//! answered after taking 8 GB of memory) or ran for minutes (`lpad('x', 2000000000)`), so one
//! statement could take the server's memory or a core from everyone else.
//!
//! The functions stay DataFusion's: these wrap them, with their signatures, and only check
//! the arguments first.

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF};
use datafusion::scalar::ScalarValue;

use super::checked_function::{checked, Check};
use crate::sql_error::SqlError;

/// The largest text PostgreSQL allocates: `MaxAllocSize` (2^30 - 1) less the 4-byte header.
const MAX_TEXT_BYTES: i64 = (1 << 30) - 1 - 4;

/// The most bytes a character takes in UTF-8, which `lpad` and `rpad` reserve for each.
const MAX_CHARACTER_BYTES: i64 = 4;

/// Which size rule a function follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rule {
    /// `repeat(s, n)`: `n` times the bytes of `s`.
    Repeat,
    /// `lpad(s, n [, fill])` and `rpad`: room for `n` characters, unless the fill is empty
    /// (then the result is `s`, cut to `n`).
    Pad,
}

/// `repeat`, `lpad` and `rpad`, each DataFusion's behind PostgreSQL's size check.
pub fn udfs() -> [ScalarUDF; 3] {
    [
        checked(datafusion::functions::string::repeat(), Rule::Repeat),
        checked(datafusion::functions::unicode::lpad(), Rule::Pad),
        checked(datafusion::functions::unicode::rpad(), Rule::Pad),
    ]
}

fn too_large() -> SqlError {
    SqlError {
        sqlstate: "54000",
        message: "requested length too large".to_owned(),
    }
}

/// An argument's values by row: a scalar once for every row, not copied out to each.
enum PerRow<T> {
    Same(Option<T>),
    Each(Vec<Option<T>>),
}

impl<T: Copy> PerRow<T> {
    fn get(&self, row: usize) -> Option<T> {
        match self {
            PerRow::Same(value) => *value,
            PerRow::Each(values) => values.get(row).copied().flatten(),
        }
    }

    fn is_same(&self) -> bool {
        matches!(self, PerRow::Same(_))
    }
}

/// The bytes of each string, `None` for NULL; `None` for an argument that is no string.
fn byte_lengths(strings: &ColumnarValue) -> Option<PerRow<usize>> {
    let array = match strings {
        ColumnarValue::Scalar(
            ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s),
        ) => return Some(PerRow::Same(s.as_deref().map(str::len))),
        ColumnarValue::Scalar(_) => return None,
        ColumnarValue::Array(array) => array,
    };
    let lengths = match array.data_type() {
        DataType::Utf8 => array
            .as_string::<i32>()
            .iter()
            .map(|s| s.map(str::len))
            .collect(),
        DataType::LargeUtf8 => array
            .as_string::<i64>()
            .iter()
            .map(|s| s.map(str::len))
            .collect(),
        DataType::Utf8View => array
            .as_string_view()
            .iter()
            .map(|s| s.map(str::len))
            .collect(),
        _ => return None,
    };
    Some(PerRow::Each(lengths))
}

/// The counts (DataFusion coerces them to int8), `None` for another type.
fn counts(counts: &ColumnarValue) -> Option<PerRow<i64>> {
    match counts {
        ColumnarValue::Scalar(ScalarValue::Int64(n)) => Some(PerRow::Same(*n)),
        ColumnarValue::Scalar(_) => None,
        ColumnarValue::Array(array) => Some(PerRow::Each(
            array.as_primitive_opt::<Int64Type>()?.iter().collect(),
        )),
    }
}

impl Check for Rule {
    type Kept = ();

    /// Fails when a row asks for more than PostgreSQL's largest text.
    fn arguments(&self, args: &[ColumnarValue], rows: usize) -> Result<()> {
        let [strings, counts_arg, rest @ ..] = args else {
            return Ok(());
        };
        let Some(counts) = counts(counts_arg) else {
            return Ok(());
        };
        // All-scalar arguments ask the same of every row: one check.
        match self {
            Rule::Repeat => {
                let Some(lengths) = byte_lengths(strings) else {
                    return Ok(());
                };
                let rows = if lengths.is_same() && counts.is_same() {
                    1
                } else {
                    rows
                };
                check_rows(rows, |row| match (lengths.get(row), counts.get(row)) {
                    (Some(bytes), Some(n)) if n > 0 => {
                        i64::try_from(bytes).map_or(true, |b| b.saturating_mul(n) > MAX_TEXT_BYTES)
                    }
                    _ => false,
                })
            }
            Rule::Pad => {
                let fills = rest.first().and_then(byte_lengths);
                let same = counts.is_same() && fills.as_ref().is_none_or(PerRow::is_same);
                let rows = if same { 1 } else { rows };
                let most = MAX_TEXT_BYTES / MAX_CHARACTER_BYTES;
                check_rows(rows, |row| {
                    // An empty fill pads nothing: the result is no longer than the string.
                    let empty_fill = fills.as_ref().is_some_and(|f| f.get(row) == Some(0));
                    counts.get(row).is_some_and(|n| n > most) && !empty_fill
                })
            }
        }
    }
}

/// 54000 when `over` says a row asks for too much.
fn check_rows(rows: usize, over: impl Fn(usize) -> bool) -> Result<()> {
    if (0..rows).any(over) {
        return Err(too_large().into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    async fn answer(sql: &str) -> Result<String> {
        let ctx = SessionContext::new();
        for udf in udfs() {
            ctx.register_udf(udf);
        }
        let batches = ctx.sql(sql).await?.collect().await?;
        Ok(datafusion::arrow::util::pretty::pretty_format_batches(&batches)?.to_string())
    }

    #[tokio::test]
    async fn past_postgresqls_largest_text_is_54000() {
        for sql in [
            "SELECT repeat('x', 1073741820)",
            "SELECT repeat('xy', 2000000000)",
            "SELECT lpad('x', 268435455)",
            "SELECT rpad('x', 2000000000, '-')",
            // Column arguments: any row past the bound fails the batch before it is built.
            "SELECT repeat(x, 600000000) FROM (VALUES ('a'), ('bb')) t(x)",
            "SELECT lpad(x, n) FROM (VALUES ('a', 1), ('b', 300000000)) t(x, n)",
        ] {
            let err = answer(sql).await.expect_err(sql);
            assert!(
                err.to_string().contains("requested length too large"),
                "{sql}: {err}"
            );
        }
    }

    #[tokio::test]
    async fn within_it_the_functions_are_datafusions() {
        let table =
            answer("SELECT repeat('ab', 3) AS r, lpad('x', 3, '-') AS l, rpad('x', -1) AS e")
                .await
                .expect("answers");
        assert!(table.contains("| ababab | --x |   |"), "{table}");
        // An empty fill pads nothing, however long the result asked for.
        let table = answer("SELECT rpad('x', 2000000000, '') AS r")
            .await
            .expect("answers");
        assert!(table.contains("| x |"), "{table}");
    }
}
