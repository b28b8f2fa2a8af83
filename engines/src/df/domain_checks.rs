//! PostgreSQL's checks of function arguments outside their domain, and of math results out of
//! range. DataFusion's math functions answer NaN or an infinity where PostgreSQL raises an
//! error: `sqrt(-1)` is NaN, `ln(0)` -Infinity, `power(0, -1)` Infinity, `exp(1000)`
//! Infinity, `acos(2)` NaN, `factorial(-1)` 1; a dashboard draws such a value as a gap or a
//! spike, where PostgreSQL's user gets 2201E, 2201F or 22003. Others fail with an internal
//! error (`abs` of the smallest integer, a negative `substr` length, `split_part` field 0, a
//! zero `generate_series` step) or answer what PostgreSQL refuses (`chr(0)`).
//!
//! The functions stay DataFusion's: these wrap them, with their signatures, orderings and
//! bounds, check each row's arguments first and, where PostgreSQL checks what it computed
//! (`exp`, `power`), the result. Their simplifications are not kept: `power(x, 0)` is 1 for
//! a NULL `x` there, and `log(b, b)` 1 for a zero base.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{ArrowPrimitiveType, DataType, Int16Type, Int32Type, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF};
use datafusion::scalar::ScalarValue;
use num_traits::Bounded;

use super::checked_function::{checked, Check};
use crate::sql_error::SqlError;

/// Which of PostgreSQL's checks a function makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rule {
    /// `sqrt`: no negative argument.
    SquareRoot,
    /// `ln`, `log10` and one-argument `log`: no zero or negative argument.
    Logarithm,
    /// `log(b, x)`: no zero or negative base or argument, and no base 1 (its logarithm is
    /// the divisor).
    LogarithmOfBase,
    /// `exp`: a finite argument's result neither overflows nor underflows to zero.
    Exponential,
    /// `power(a, b)`: no zero to a negative power, no negative number to a fraction, and
    /// finite operands' result neither overflows nor underflows to zero.
    Power,
    /// `acos`, `asin`, `atanh`: the argument within [-1, 1].
    UnitRange,
    /// `acosh`: the argument at least 1.
    AtLeastOne,
    /// `cos`, `sin`, `tan`, `cot`: a finite argument.
    Finite,
    /// `factorial`: no negative argument.
    Factorial,
    /// `abs` of an integer: not the type's smallest value, whose absolute value it cannot
    /// hold.
    IntegerAbs,
    /// `substr(s, start, length)`: no negative length.
    SubstringLength,
    /// `split_part(s, delimiter, n)`: no field 0.
    FieldPosition,
    /// `chr(n)`: a code point other than 0 that UTF-8 can encode.
    Character,
    /// `generate_series(start, stop, step)`: no zero step.
    SeriesStep,
}

impl Rule {
    /// The arguments the rule reads, of a call with `count`.
    fn checked(self, count: usize) -> std::ops::Range<usize> {
        match self {
            Rule::SubstringLength | Rule::FieldPosition | Rule::SeriesStep => {
                if count == 3 {
                    2..3
                } else {
                    0..0
                }
            }
            _ => 0..count,
        }
    }
}

/// DataFusion's `substr`, behind PostgreSQL's check, for the planner of `SUBSTRING(s FROM a
/// FOR b)`, which calls DataFusion's own function rather than the registered one.
pub fn substr() -> Arc<ScalarUDF> {
    Arc::new(checked(
        datafusion::functions::unicode::substr(),
        Rule::SubstringLength,
    ))
}

/// DataFusion's functions behind PostgreSQL's checks, to register in their place.
pub fn udfs() -> Vec<ScalarUDF> {
    use datafusion::functions::{math, string};
    vec![
        checked(math::sqrt(), Rule::SquareRoot),
        checked(math::ln(), Rule::Logarithm),
        checked(math::log10(), Rule::Logarithm),
        // One argument (base 10) or two (base first), told apart per call.
        checked(math::log(), Rule::LogarithmOfBase),
        checked(math::exp(), Rule::Exponential),
        checked(math::acos(), Rule::UnitRange),
        checked(math::asin(), Rule::UnitRange),
        checked(math::atanh(), Rule::UnitRange),
        checked(math::acosh(), Rule::AtLeastOne),
        checked(math::cos(), Rule::Finite),
        checked(math::sin(), Rule::Finite),
        checked(math::tan(), Rule::Finite),
        checked(math::cot(), Rule::Finite),
        checked(math::factorial(), Rule::Factorial),
        checked(math::abs(), Rule::IntegerAbs),
        substr().as_ref().clone(),
        checked(string::split_part(), Rule::FieldPosition),
        checked(string::chr(), Rule::Character),
        checked(
            datafusion::functions_nested::range::gen_series_udf(),
            Rule::SeriesStep,
        ),
    ]
}

/// DataFusion's `power` of doubles behind PostgreSQL's checks; `df/power.rs` calls it for
/// every power but that of numerics.
pub fn checked_power() -> ScalarUDF {
    checked(datafusion::functions::math::power(), Rule::Power)
}

fn out_of_range() -> SqlError {
    SqlError::overflow("input is out of range")
}

fn logarithm_of(x: f64) -> Option<SqlError> {
    let message = if x == 0.0 {
        "cannot take logarithm of zero"
    } else if x < 0.0 {
        "cannot take logarithm of a negative number"
    } else {
        return None;
    };
    Some(SqlError {
        sqlstate: "2201E",
        message: message.to_owned(),
    })
}

fn invalid_power(message: &str) -> SqlError {
    SqlError {
        sqlstate: "2201F",
        message: message.to_owned(),
    }
}

/// What PostgreSQL says of one row's (non-NULL) arguments before computing, if anything.
fn argument_error(rule: Rule, args: &[f64]) -> Option<SqlError> {
    match (rule, args) {
        (Rule::SquareRoot, [x]) if *x < 0.0 => Some(invalid_power(
            "cannot take square root of a negative number",
        )),
        (Rule::Logarithm | Rule::LogarithmOfBase, [x]) => logarithm_of(*x),
        (Rule::LogarithmOfBase, [base, x]) => logarithm_of(*base)
            .or_else(|| logarithm_of(*x))
            .or_else(|| (*base == 1.0).then(SqlError::division_by_zero)),
        (Rule::Power, [a, b]) if *a == 0.0 && *b < 0.0 => Some(SqlError::zero_to_negative_power()),
        (Rule::Power, [a, b]) if *a < 0.0 && b.floor() != *b => Some(SqlError::complex_power()),
        (Rule::UnitRange, [x]) if !(-1.0..=1.0).contains(x) && !x.is_nan() => Some(out_of_range()),
        (Rule::AtLeastOne, [x]) if *x < 1.0 => Some(out_of_range()),
        (Rule::Finite, [x]) if x.is_infinite() => Some(out_of_range()),
        (Rule::Factorial, [x]) if *x < 0.0 => Some(SqlError::overflow(
            "factorial of a negative number is undefined",
        )),
        (Rule::SubstringLength, [n]) if *n < 0.0 => Some(SqlError {
            sqlstate: "22011",
            message: "negative substring length not allowed".to_owned(),
        }),
        (Rule::FieldPosition, [n]) if *n == 0.0 => Some(SqlError::invalid_parameter(
            "field position must not be zero".to_owned(),
        )),
        (Rule::SeriesStep, [step]) if *step == 0.0 => Some(SqlError::invalid_parameter(
            "step size cannot equal zero".to_owned(),
        )),
        (Rule::Character, [n]) => character_error(*n),
        _ => None,
    }
}

/// PostgreSQL's `chr` in UTF-8: a code point, not 0, not a surrogate.
fn character_error(n: f64) -> Option<SqlError> {
    let too_large = |what: &str| SqlError {
        sqlstate: "54000",
        message: format!("requested character {what} for encoding: {n}"),
    };
    if n < 0.0 {
        Some(SqlError::invalid_parameter(
            "character number must be positive".to_owned(),
        ))
    } else if n == 0.0 {
        Some(SqlError {
            sqlstate: "54000",
            message: "null character not permitted".to_owned(),
        })
    } else if n > f64::from(u32::from(char::MAX)) {
        Some(too_large("too large"))
    } else if (55296.0..=57343.0).contains(&n) {
        Some(too_large("not valid"))
    } else {
        None
    }
}

/// What PostgreSQL says of one row's result (float.c's overflow and underflow checks).
fn result_error(rule: Rule, args: &[f64], result: f64) -> Option<SqlError> {
    let finite = args.iter().all(|a| a.is_finite());
    let overflow = || SqlError::overflow("value out of range: overflow");
    let underflow = || SqlError::overflow("value out of range: underflow");
    match (rule, args) {
        (Rule::Exponential | Rule::Power, _) if finite && result.is_infinite() => Some(overflow()),
        (Rule::Exponential, _) if finite && result == 0.0 => Some(underflow()),
        (Rule::Power, [a, _]) if finite && result == 0.0 && *a != 0.0 => Some(underflow()),
        _ => None,
    }
}

/// One argument's values as float8, a scalar once for every row.
enum Floats {
    Same(Option<f64>),
    Each(Float64Array),
}

impl Floats {
    fn of(value: &ColumnarValue) -> Result<Self> {
        Ok(match value {
            ColumnarValue::Scalar(scalar) => match scalar.cast_to(&DataType::Float64)? {
                ScalarValue::Float64(x) => Floats::Same(x),
                _ => Floats::Same(None),
            },
            ColumnarValue::Array(array) => {
                Floats::Each(cast(array, &DataType::Float64)?.as_primitive().clone())
            }
        })
    }

    fn get(&self, row: usize) -> Option<f64> {
        match self {
            Floats::Same(x) => *x,
            Floats::Each(array) => array.is_valid(row).then(|| array.value(row)),
        }
    }

    fn rows(&self) -> Option<usize> {
        match self {
            Floats::Same(_) => None,
            Floats::Each(array) => Some(array.len()),
        }
    }
}

/// Calls `check` with each row's arguments where none is NULL; the first error wins.
fn each_row(
    args: &[Floats],
    mut check: impl FnMut(usize, &[f64]) -> Option<SqlError>,
) -> Result<(), SqlError> {
    // Scalars only: one row stands for all.
    let rows = args.iter().filter_map(Floats::rows).max().unwrap_or(1);
    let mut values = Vec::with_capacity(args.len());
    for row in 0..rows {
        values.clear();
        values.extend(args.iter().map_while(|a| a.get(row)));
        if values.len() == args.len() {
            if let Some(error) = check(row, &values) {
                return Err(error);
            }
        }
    }
    Ok(())
}

/// An integer array's type name if it holds the type's smallest value.
fn holds_smallest(value: &ColumnarValue) -> Option<&'static str> {
    fn smallest<T: ArrowPrimitiveType>(array: &ArrayRef) -> bool
    where
        T::Native: Bounded + PartialEq,
    {
        array
            .as_primitive::<T>()
            .iter()
            .any(|x| x == Some(T::Native::min_value()))
    }
    let array = match value {
        ColumnarValue::Scalar(scalar) => scalar.to_array().ok()?,
        ColumnarValue::Array(array) => Arc::clone(array),
    };
    match array.data_type() {
        DataType::Int16 if smallest::<Int16Type>(&array) => Some("smallint"),
        DataType::Int32 if smallest::<Int32Type>(&array) => Some("integer"),
        DataType::Int64 if smallest::<Int64Type>(&array) => Some("bigint"),
        _ => None,
    }
}

impl Check for Rule {
    /// The arguments as floats, for the result's check.
    type Kept = Option<Vec<Floats>>;

    fn arguments(&self, args: &[ColumnarValue], _rows: usize) -> Result<Self::Kept> {
        if *self == Rule::IntegerAbs {
            return match args.first().and_then(holds_smallest) {
                Some(name) => Err(SqlError::out_of_range(name).into()),
                None => Ok(None),
            };
        }
        // A series of timestamps steps by an interval, which DataFusion checks itself.
        let interval_step = *self == Rule::SeriesStep
            && args
                .last()
                .is_some_and(|step| matches!(step.data_type(), DataType::Interval(_)));
        if interval_step {
            return Ok(None);
        }
        let floats = args
            .get(self.checked(args.len()))
            .unwrap_or_default()
            .iter()
            .map(Floats::of)
            .collect::<Result<Vec<_>>>()?;
        each_row(&floats, |_, values| argument_error(*self, values))?;
        Ok(Some(floats))
    }

    fn result(&self, args: Self::Kept, result: &ColumnarValue) -> Result<()> {
        let Some(args) = args.filter(|_| matches!(self, Rule::Exponential | Rule::Power)) else {
            return Ok(());
        };
        let result = Floats::of(result)?;
        each_row(&args, |row, values| {
            result.get(row).and_then(|r| result_error(*self, values, r))
        })?;
        Ok(())
    }
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
        ctx.register_udf(checked_power());
        let batches = ctx.sql(sql).await?.collect().await?;
        Ok(datafusion::arrow::util::pretty::pretty_format_batches(&batches)?.to_string())
    }

    fn sqlstate(error: datafusion::error::DataFusionError) -> (&'static str, String) {
        let error = crate::error::EngineError::from(error);
        (error.sqlstate(), error.to_string())
    }

    #[tokio::test]
    async fn domain_errors_are_postgresqls() {
        for (sql, state, message) in [
            (
                "SELECT sqrt(-x) FROM (VALUES (1.0)) t(x)",
                "2201F",
                "cannot take square root of a negative number",
            ),
            (
                "SELECT ln(x - 1) FROM (VALUES (1.0)) t(x)",
                "2201E",
                "cannot take logarithm of zero",
            ),
            (
                "SELECT log10(-x) FROM (VALUES (1)) t(x)",
                "2201E",
                "cannot take logarithm of a negative number",
            ),
            (
                "SELECT log(x - 1) FROM (VALUES (1.0)) t(x)",
                "2201E",
                "cannot take logarithm of zero",
            ),
            (
                "SELECT log(x, 10) FROM (VALUES (1.0)) t(x)",
                "22012",
                "division by zero",
            ),
            (
                "SELECT log(x, 0) FROM (VALUES (-2.0)) t(x)",
                "2201E",
                "cannot take logarithm of a negative number",
            ),
            (
                "SELECT power(x - 1, -1) FROM (VALUES (1.0)) t(x)",
                "2201F",
                "zero raised to a negative power is undefined",
            ),
            (
                "SELECT power(-x, 0.5) FROM (VALUES (8.0)) t(x)",
                "2201F",
                "a negative number raised to a non-integer power yields a complex result",
            ),
            (
                "SELECT power(x, 2) FROM (VALUES (1e200)) t(x)",
                "22003",
                "value out of range: overflow",
            ),
            (
                "SELECT power(x, -400) FROM (VALUES (10.0)) t(x)",
                "22003",
                "value out of range: underflow",
            ),
            (
                "SELECT exp(x * 1000) FROM (VALUES (1.0)) t(x)",
                "22003",
                "value out of range: overflow",
            ),
            (
                "SELECT exp(x * -1000) FROM (VALUES (1.0)) t(x)",
                "22003",
                "value out of range: underflow",
            ),
            (
                "SELECT acos(x * 2) FROM (VALUES (1.0)) t(x)",
                "22003",
                "input is out of range",
            ),
            (
                "SELECT atanh(x) FROM (VALUES (-1.5)) t(x)",
                "22003",
                "input is out of range",
            ),
            (
                "SELECT acosh(x) FROM (VALUES (0.5)) t(x)",
                "22003",
                "input is out of range",
            ),
            (
                "SELECT cos(x) FROM (VALUES ('inf'::double)) t(x)",
                "22003",
                "input is out of range",
            ),
            (
                "SELECT factorial(x) FROM (VALUES (-1)) t(x)",
                "22003",
                "factorial of a negative number is undefined",
            ),
            (
                "SELECT abs(x) FROM (VALUES (arrow_cast(-2147483648, 'Int32'))) t(x)",
                "22003",
                "integer out of range",
            ),
            // The one bad row of several fails the batch.
            (
                "SELECT sqrt(x) FROM (VALUES (4.0), (NULL), (-4.0)) t(x)",
                "2201F",
                "cannot take square root of a negative number",
            ),
        ] {
            let error = answer(sql).await.expect_err(sql);
            assert_eq!(sqlstate(error), (state, message.to_owned()), "{sql}");
        }
    }

    #[tokio::test]
    async fn edges_postgresql_answers_stay_answered() {
        let sql = "SELECT sqrt(x) AS s, ln(x + 1) AS l, power(x - 4, 3) AS p, power(x, 0.5) AS h, \
                   exp(-x) AS e, acos(x / 4) AS a, atanh(x / 4) AS t, acosh(x / 4) AS c, \
                   power(-x, 2) AS n, log(2, x) AS b, abs(x - 5) AS m, exp(y) AS i, \
                   power(x, y) AS pi, sqrt(z) AS sz \
                   FROM (VALUES (4.0, '-inf'::double, NULL::double)) t(x, y, z)";
        let text = "SELECT substr('abcdef', 2, 3) AS s, substr('abc', 2) AS t, \
                    split_part('a,b,c', ',', -1) AS p, chr(8364) AS c, \
                    generate_series(1, 3) AS g, generate_series(3, 1, -2) AS h";
        let table = answer(text).await.expect(text);
        assert!(
            table.contains("| bcd | bc | c | € | [1, 2, 3] | [3, 1] |"),
            "{table}"
        );
        let table = answer(sql).await.expect(sql);
        let expected = "| 2.0 | 1.6094379124341003 | 0.0 | 2.0 | 0.01831563888873418 | 0.0 | inf | 0.0 | 16.0 | 2.0 | 1.0 | 0.0 | 0.0 |    |";
        assert!(table.contains(expected), "{table}");
    }
}
