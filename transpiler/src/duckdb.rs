//! Rules that make DuckDB answer what PostgreSQL answers.
//!
//! Some differences are settings of the DuckDB engine rather than rewrites:
//! `integer_division` (PostgreSQL's `/` on integers truncates) and `default_null_order =
//! 'postgres'` (NULLs last ascending, first descending). The rest are rules here, each a small
//! rewrite of one expression in a bottom-up walk:
//!
//! - [`checked_division`]: PostgreSQL raises `division by zero` (22012) for `/` and `%` by
//!   zero, where DuckDB returns NULL; and divides numerics exactly, where DuckDB answers a
//!   double.
//! - [`int4_result`]: PostgreSQL's string lengths and positions and `ntile` are int4, DuckDB's
//!   BIGINT.
//! - [`regex_operators`]: DuckDB's `~` matches the whole string (SIMILAR TO's meaning), and it
//!   has no `~*`, `!~`, `!~*`.
//! - [`like_escape`]: PostgreSQL's LIKE escapes with a backslash unless told otherwise;
//!   DuckDB's has no escape character by default.
//! - [`function_names`]: functions DuckDB spells or defaults differently (btrim, lpad with
//!   two arguments, to_hex's case, octet_length of text, date_bin, cardinality).
//! - [`type_names`]: PostgreSQL's unconstrained `numeric` keeps its digits where DuckDB's plain
//!   DECIMAL is (18,3); `jsonb` is DuckDB's JSON.
//! - [`substring_start`]: PostgreSQL counts a start before the first character; DuckDB
//!   counts a negative start from the end.
//! - [`json_paths`]: `#>` and `#>>` are DuckDB's `json_extract` with a JSON path.

use sqlparser::ast::{
    AccessExpr, BinaryOperator, DataType, ExactNumberInfo, Expr, ObjectNamePart, Subscript,
    TableFactor, TimezoneInfo, Value,
};

use crate::ast::{
    arguments, binary, call, call_with, case_when, cast_in_place, function_name, is_call_to,
    is_plain_cast, is_positive_integer, not, number, path_steps, plain_argument, push_argument,
    rename, string, string_literal, take, take_arguments,
};
use crate::relations::{fold, CATALOG_FUNCTIONS};
use crate::types::{Scope, SqlType};
use crate::{result_types, shared, Dialect, TranspileError};

/// The DuckDB macro [`checked_division`] wraps divisors in.
pub const DIVISOR_MACRO: &str = "junction_divisor";

/// The macro it wraps a remainder's divisor in: also -1 as 1, which leaves the same remainder
/// (truncated division's takes the dividend's sign) where DuckDB's overflowed for the
/// smallest integer (PostgreSQL: 0).
const MODULUS_MACRO: &str = "junction_modulus";

/// The function (junction's, registered in every DuckDB connection) that divides numerics
/// as PostgreSQL does: exactly, rounded half away from zero to 16 digits after the point.
pub const NUMERIC_DIVIDE: &str = "junction_numeric_divide";

/// junction's `upper` and `lower` (PostgreSQL's case mapping: `upper('straße')` is
/// `STRAßE`, where DuckDB's is `STRAẞE`).
pub const UPPER: &str = "junction_upper";
pub const LOWER: &str = "junction_lower";

/// junction's `encode(bytea, format)` and `decode(text, format)`: DuckDB has neither (its
/// `decode(blob)` is the blob as text).
pub const ENCODE: &str = "junction_encode";
pub const DECODE: &str = "junction_decode";

/// junction's `clock_timestamp(dummy)`: DuckDB has no clock but the transaction's.
pub const CLOCK_TIMESTAMP: &str = "junction_clock_timestamp";

/// junction's function (DuckDB's) for jsonb's `?`: whether the text is a top-level key of
/// an object, a string element of an array, or the string a scalar is.
pub const JSONB_EXISTS: &str = "junction_jsonb_exists";

/// junction's function writing text as PostgreSQL's jsonb prints it (DuckDB has only json,
/// which keeps the text as written).
pub const JSONB: &str = "junction_jsonb";

/// junction's function (DuckDB's) that writes a json object as PostgreSQL's
/// `json_build_object` does, from tagged text (see the rule).
pub const JSON_BUILD_OBJECT: &str = "junction_json_build_object";

/// PostgreSQL's `initcap`, which DuckDB lacks: each run of letters and digits gets its first
/// character upper-cased and the rest lower-cased (by junction's PostgreSQL case mapping).
pub const INITCAP: &str = "junction_initcap";

/// PostgreSQL's `array_to_string(array, separator, null_text)`: DuckDB's takes no text for
/// NULL elements.
pub const ARRAY_TO_STRING: &str = "junction_array_to_string";

/// `repeat`, `lpad` and `rpad` within PostgreSQL's bound on a text value (macros below).
const REPEAT: &str = "junction_repeat";
const PAD_LEFT: &str = "junction_lpad";
const PAD_RIGHT: &str = "junction_rpad";

/// The math functions PostgreSQL checks and DuckDB does not (or with another SQLSTATE), each
/// as the junction macro that checks it first ([`checked_math`]).
const CHECKED_MATH: &[(&str, usize, &str)] = &[
    ("power", 2, "junction_power"),
    ("pow", 2, "junction_power"),
    ("exp", 1, "junction_exp"),
    ("sqrt", 1, "junction_sqrt"),
    ("ln", 1, "junction_ln"),
    ("log", 1, "junction_log10"),
    ("log10", 1, "junction_log10"),
    ("log", 2, "junction_log"),
    ("acos", 1, "junction_acos"),
    ("asin", 1, "junction_asin"),
    ("atanh", 1, "junction_atanh"),
    ("acosh", 1, "junction_acosh"),
];

/// The macros the rules rely on, to be created in every DuckDB database queries run in.
/// DuckDB macros for float `*` and `/` as PostgreSQL's float8 operators check them: a zero
/// divisor is 22012, Infinity from finite operands 22003 (DuckDB answers NULL and
/// Infinity).
pub const FLOAT_MULTIPLY: &str = "junction_float_mul";
pub const FLOAT_DIVIDE: &str = "junction_float_div";

pub const MACROS: &[&str] = &[
    // PostgreSQL's range of dates: Julian day 0 (4714-11-24 BC) to 5874897-12-31; DuckDB's
    // goes further.
    "CREATE OR REPLACE MACRO junction_date_plus(d, n) AS \
     CASE WHEN CAST(d - DATE '1970-01-01' AS BIGINT) + n NOT BETWEEN -2440588 AND 2145042905 \
       THEN error('[22008] date out of range') ELSE d + CAST(n AS INTEGER) END",
    "CREATE OR REPLACE MACRO junction_float_mul(a, b) AS \
     CASE WHEN isinf(CAST(a AS DOUBLE) * b) AND isfinite(CAST(a AS DOUBLE)) \
       AND isfinite(CAST(b AS DOUBLE)) THEN error('[22003] value out of range: overflow') \
     ELSE CAST(a AS DOUBLE) * b END",
    "CREATE OR REPLACE MACRO junction_float_div(a, b) AS \
     CASE WHEN b = 0 AND NOT isnan(CAST(a AS DOUBLE)) THEN error('[22012] division by zero') \
     WHEN isinf(CAST(a AS DOUBLE) / b) AND isfinite(CAST(a AS DOUBLE)) \
       THEN error('[22003] value out of range: overflow') \
     ELSE CAST(a AS DOUBLE) / b END",
    "CREATE OR REPLACE MACRO junction_initcap(s) AS \
     array_to_string(list_transform(regexp_extract_all(s, '[\\pL\\pN]+|[^\\pL\\pN]+'), \
       w -> junction_upper(w[1]) || junction_lower(w[2:])), '')",
    "CREATE OR REPLACE MACRO junction_array_to_string(a, separator, null_text) AS \
     array_to_string(list_transform(a, x -> coalesce(CAST(x AS VARCHAR), null_text)), separator)",
    // PostgreSQL's bound on a text value (1 GB less its header), checked before DuckDB builds
    // gigabytes: 54000. An empty fill pads nothing (DuckDB's lpad refuses it).
    "CREATE OR REPLACE MACRO junction_repeat(s, n) AS \
     CASE WHEN n > 0 AND CAST(strlen(s) AS BIGINT) * n > 1073741819 \
       THEN error('[54000] requested length too large') ELSE repeat(s, n) END",
    "CREATE OR REPLACE MACRO junction_lpad(s, n, fill) AS \
     CASE WHEN fill = '' THEN left(s, greatest(n, 0)) \
     WHEN n > 268435454 THEN error('[54000] requested length too large') \
     ELSE lpad(s, n, fill) END",
    "CREATE OR REPLACE MACRO junction_rpad(s, n, fill) AS \
     CASE WHEN fill = '' THEN left(s, greatest(n, 0)) \
     WHEN n > 268435454 THEN error('[54000] requested length too large') \
     ELSE rpad(s, n, fill) END",
    // PostgreSQL's float8 power (float.c's dpow): DuckDB answers Infinity for 0 ^ -1, NaN for
    // a negative number to a fraction, Infinity or 0 where the result overflows or underflows.
    "CREATE OR REPLACE MACRO junction_power(a, b) AS \
     CASE WHEN a = 0 AND b < 0 THEN error('[2201F] zero raised to a negative power is undefined') \
     WHEN a < 0 AND floor(b) <> b \
       THEN error('[2201F] a negative number raised to a non-integer power yields a complex result') \
     WHEN isfinite(CAST(a AS DOUBLE)) AND isfinite(CAST(b AS DOUBLE)) AND isinf(pow(a, b)) \
       THEN error('[22003] value out of range: overflow') \
     WHEN isfinite(CAST(a AS DOUBLE)) AND isfinite(CAST(b AS DOUBLE)) AND pow(a, b) = 0 AND a <> 0 \
       THEN error('[22003] value out of range: underflow') \
     ELSE pow(a, b) END",
    "CREATE OR REPLACE MACRO junction_exp(x) AS \
     CASE WHEN isfinite(CAST(x AS DOUBLE)) AND isinf(exp(x)) \
       THEN error('[22003] value out of range: overflow') \
     WHEN isfinite(CAST(x AS DOUBLE)) AND exp(x) = 0 THEN error('[22003] value out of range: underflow') \
     ELSE exp(x) END",
    "CREATE OR REPLACE MACRO junction_sqrt(x) AS \
     CASE WHEN x < 0 THEN error('[2201F] cannot take square root of a negative number') \
     ELSE sqrt(x) END",
    "CREATE OR REPLACE MACRO junction_log_domain(x) AS \
     CASE WHEN x = 0 THEN error('[2201E] cannot take logarithm of zero') \
     WHEN x < 0 THEN error('[2201E] cannot take logarithm of a negative number') ELSE x END",
    "CREATE OR REPLACE MACRO junction_ln(x) AS ln(junction_log_domain(x))",
    "CREATE OR REPLACE MACRO junction_log10(x) AS log10(junction_log_domain(x))",
    "CREATE OR REPLACE MACRO junction_log(b, x) AS \
     CASE WHEN junction_log_domain(b) = 1 AND junction_log_domain(x) IS NOT NULL \
       THEN error('[22012] division by zero') ELSE log(b, x) END",
    "CREATE OR REPLACE MACRO junction_acos(x) AS \
     CASE WHEN x < -1 OR (x > 1 AND NOT isnan(CAST(x AS DOUBLE))) \
       THEN error('[22003] input is out of range') ELSE acos(x) END",
    "CREATE OR REPLACE MACRO junction_asin(x) AS \
     CASE WHEN x < -1 OR (x > 1 AND NOT isnan(CAST(x AS DOUBLE))) \
       THEN error('[22003] input is out of range') ELSE asin(x) END",
    "CREATE OR REPLACE MACRO junction_atanh(x) AS \
     CASE WHEN x < -1 OR (x > 1 AND NOT isnan(CAST(x AS DOUBLE))) \
       THEN error('[22003] input is out of range') ELSE atanh(x) END",
    "CREATE OR REPLACE MACRO junction_acosh(x) AS \
     CASE WHEN x < 1 THEN error('[22003] input is out of range') ELSE acosh(x) END",
    // Arguments PostgreSQL refuses and DuckDB takes: a negative substring length (DuckDB
    // counts back from the start), split_part's field 0 (''), a zero series step (no rows),
    // chr of 0 or past Unicode.
    "CREATE OR REPLACE MACRO junction_substring_length(n) AS \
     CASE WHEN n < 0 THEN error('[22011] negative substring length not allowed') ELSE n END",
    "CREATE OR REPLACE MACRO junction_field_position(n) AS \
     CASE WHEN n = 0 THEN error('[22023] field position must not be zero') ELSE n END",
    "CREATE OR REPLACE MACRO junction_series_step(n) AS \
     CASE WHEN n = 0 THEN error('[22023] step size cannot equal zero') ELSE n END",
    "CREATE OR REPLACE MACRO junction_character(n) AS \
     CASE WHEN n < 0 THEN error('[22023] character number must be positive') \
     WHEN n = 0 THEN error('[54000] null character not permitted') \
     WHEN n > 1114111 THEN error('[54000] requested character too large for encoding: ' || n) \
     WHEN n BETWEEN 55296 AND 57343 \
       THEN error('[54000] requested character not valid for encoding: ' || n) ELSE n END",
    // PostgreSQL's integer input (int2in/int4in/int8in): blanks, a sign and digits. DuckDB
    // also reads `1.5` (as 2), `0x1F` and `1e2`.
    "CREATE OR REPLACE MACRO junction_integer_text(s, type_name) AS \
     CASE WHEN s IS NULL OR regexp_full_match(s, '\\s*[+-]?[0-9]+\\s*') THEN s \
     ELSE error('[22P02] invalid input syntax for type ' || type_name || ': \"' || s || '\"') END",
    // Microseconds past what Arrow's nanoseconds hold (`result_intervals`): DuckDB counts
    // an interval's time from its hours, minutes and microseconds parts.
    "CREATE OR REPLACE MACRO junction_interval_checked(i) AS \
     CASE WHEN abs(date_part('hour', i) * 3600000000 + date_part('minute', i) * 60000000 \
       + date_part('microseconds', i)) > 9223372036854775 \
       THEN error('[22008] interval out of range') ELSE i END",
    // The dividend too: PostgreSQL's operators are strict, so NULL / 0 is NULL.
    "CREATE OR REPLACE MACRO junction_divisor(x, dividend) AS \
     CASE WHEN x = 0 AND dividend IS NOT NULL THEN error('[22012] division by zero') ELSE x END",
    "CREATE OR REPLACE MACRO junction_modulus(x, dividend) AS \
     CASE WHEN x = 0 AND dividend IS NOT NULL THEN error('[22012] division by zero') \
     WHEN x = -1 THEN -x ELSE x END",
    // PostgreSQL's width_bucket(operand, low, high, count) on float8 (float.c).
    "CREATE OR REPLACE MACRO width_bucket(x, b1, b2, n) AS \
     CASE WHEN x IS NULL OR b1 IS NULL OR b2 IS NULL OR n IS NULL THEN CAST(NULL AS INTEGER) \
     WHEN n <= 0 THEN error('[2201G] count must be greater than zero') \
     WHEN b1 = b2 THEN error('[2201G] lower bound cannot equal upper bound') \
     WHEN b1 < b2 THEN CASE WHEN x < b1 THEN 0 WHEN x >= b2 THEN n + 1 \
       ELSE least(CAST(trunc(n * ((CAST(x AS DOUBLE) - b1) / (CAST(b2 AS DOUBLE) - b1))) AS INTEGER), n - 1) + 1 END \
     ELSE CASE WHEN x > b1 THEN 0 WHEN x <= b2 THEN n + 1 \
       ELSE least(CAST(trunc(n * ((CAST(b1 AS DOUBLE) - x) / (CAST(b1 AS DOUBLE) - b2))) AS INTEGER), n - 1) + 1 END END",
];

/// The scale PostgreSQL's unconstrained `numeric` gets in DuckDB.
const NUMERIC_SCALE: i64 = 10;

/// PostgreSQL's set-returning functions DuckDB answers as PostgreSQL does, in FROM: junction
/// names their column ([`crate::set_returning`]).
const TABLE_FUNCTIONS: [&str; 2] = ["generate_series", "unnest"];

/// PostgreSQL's other set-returning functions: DuckDB has some of the names with other
/// columns (its `json_each` has eight), so they are refused there (0A000), and `auto` runs
/// them elsewhere.
const POSTGRESQL_TABLE_FUNCTIONS: [&str; 16] = [
    "generate_subscripts",
    "json_each",
    "json_each_text",
    "jsonb_each",
    "jsonb_each_text",
    "json_array_elements",
    "json_array_elements_text",
    "jsonb_array_elements",
    "jsonb_array_elements_text",
    "json_object_keys",
    "jsonb_object_keys",
    "regexp_matches",
    "regexp_split_to_table",
    "json_to_recordset",
    "jsonb_to_recordset",
    "jsonb_path_query",
];

/// A function in FROM must be one of PostgreSQL's. DuckDB's own table functions read and
/// list the server's files (`read_csv`, `read_text`, `glob`, `parquet_metadata`) and
/// describe DuckDB itself (`duckdb_settings`, `query_table`): a client of junction reaches
/// none of them. Unknown names are PostgreSQL's 42883.
pub(crate) fn table_function(
    factor: &TableFactor,
    scope: &Scope<'_>,
) -> Result<(), TranspileError> {
    if let TableFactor::TableFunction { expr, .. } = factor {
        return Err(TranspileError::Unsupported(format!(
            "TABLE({expr}) is not supported by junction"
        )));
    }
    let Some((name, args)) = crate::ast::table_function(factor) else {
        return Ok(());
    };
    let function = match name.0.as_slice() {
        [ObjectNamePart::Identifier(one)] => fold(one),
        [ObjectNamePart::Identifier(schema), ObjectNamePart::Identifier(one)]
            if fold(schema) == "pg_catalog" =>
        {
            fold(one)
        }
        _ => String::new(),
    };
    if TABLE_FUNCTIONS.contains(&function.as_str()) {
        return Ok(());
    }
    if POSTGRESQL_TABLE_FUNCTIONS.contains(&function.as_str()) {
        return Err(TranspileError::Unsupported(format!(
            "the table function {function} is not supported by duckdb"
        )));
    }
    let types: Vec<&str> = args
        .iter()
        .filter_map(plain_argument)
        .map(|arg| crate::messages::argument_type_name(arg, scope).unwrap_or("unknown"))
        .collect();
    Err(TranspileError::UndefinedFunction(format!(
        "function {}({}) does not exist",
        name.to_string().to_lowercase(),
        types.join(", ")
    )))
}

/// The expression rules, for an expression whose children are done.
/// DuckDB functions with PostgreSQL's name and another answer: refused (0A000) rather than
/// answered differently, so `auto` runs them on DataFusion.
fn functions_unlike_postgresql(expr: &Expr) -> Result<(), TranspileError> {
    match expr {
        // DuckDB words sizes in KiB and MiB with a fraction (`9.9 KiB`), not `10239 bytes`.
        Expr::Function(f) if is_call_to(f, &["pg_size_pretty"]) => {
            Err(TranspileError::Unsupported(
                "pg_size_pretty is not supported by duckdb (its units are not PostgreSQL's)"
                    .to_owned(),
            ))
        }
        // jsonb's any/all key-existence operators: DuckDB reads `?` as a parameter marker
        // (a syntax error, which no engine would be tried after), and has no operator for
        // them. `?` itself is junction's function ([`jsonb_exists`]).
        Expr::BinaryOp {
            op: op @ (BinaryOperator::QuestionAnd | BinaryOperator::QuestionPipe),
            ..
        } => Err(TranspileError::Unsupported(format!(
            "jsonb's {op} operator is not supported by duckdb"
        ))),
        // PostgreSQL's regexp_matches is a set of arrays of groups; DuckDB's is `~`. Only
        // the first match of a constant pattern is written ([`function_names`]).
        Expr::Function(f)
            if is_call_to(f, &["regexp_matches"])
                && (arguments(f).count() != 2
                    || arguments(f).nth(1).and_then(string_literal).is_none()) =>
        {
            Err(TranspileError::Unsupported(
                "regexp_matches with flags or a pattern that is not a constant is not supported by duckdb"
                    .to_owned(),
            ))
        }
        // DuckDB's pg_typeof answers DuckDB's type names (`varchar`, `decimal(2,1)`), and
        // junction cannot type its results regtype: DataFusion answers it.
        Expr::Function(f) if is_call_to(f, &["pg_typeof"]) => Err(TranspileError::Metadata(
            "pg_typeof is not supported by duckdb (its type names are DuckDB's)".to_owned(),
        )),
        // DuckDB's current_schema is its own (`main`); which schemas of the search path
        // exist is the warehouse's to say, and DataFusion answers it.
        Expr::Function(f) if is_call_to(f, &["current_schema", "current_schemas"]) => {
            Err(TranspileError::Metadata(format!(
                "{} is not supported by duckdb (its schemas are not the warehouse's)",
                f.name
            )))
        }
        Expr::Identifier(i)
            if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("current_schema") =>
        {
            Err(TranspileError::Metadata(
                "current_schema is not supported by duckdb (its schemas are not the warehouse's)"
                    .to_owned(),
            ))
        }
        // DuckDB's own pg_catalog functions describe DuckDB's catalog and types: its
        // `format_type(23, -1)` is `float8`. junction's system catalogs, and the functions
        // acting on its sessions, live in DataFusion.
        Expr::Function(f) if is_call_to(f, &CATALOG_FUNCTIONS) => {
            Err(TranspileError::Metadata(format!(
                "{} is not supported by duckdb (it answers from junction's system catalogs, \
                 which DataFusion serves)",
                f.name
            )))
        }
        _ => Ok(()),
    }
}

pub(crate) fn expression_rules(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
    shared::name_cast(expr, scope, Dialect::DuckDb);
    // Arithmetic with a NULL constant: DuckDB folds it to a NULL it types INTEGER, whatever
    // the operands; the result keeps PostgreSQL's type by a cast.
    let null_typed = null_arithmetic(expr)
        .then(|| scope.type_of(expr).and_then(duckdb_type))
        .flatten();
    shared::quoted_literals(expr);
    shared::exponent_literal(expr);
    shared::timestamp_seconds(expr, scope);
    before_christ(expr, scope);
    functions_unlike_postgresql(expr)?;
    jsonb_exists(expr);
    json_build_object(expr, scope)?;
    shared::int4_hex(expr, scope);
    function_names(expr, scope);
    checked_arguments(expr);
    shared::overlay(expr, |substring| {
        checked_arguments(substring);
        substring_start(substring);
    });
    substring_start(expr);
    crate::equivalents::apply(expr, scope, Dialect::DuckDb);
    shared::apply(expr, scope, Dialect::DuckDb)?;
    regex_operators(expr);
    like_escape(expr);
    json_paths(expr);
    jsonb_cast(expr);
    type_names(expr);
    array_concat(expr, scope);
    null_concat(expr);
    strict_integer_text(expr, scope);
    int4_literal_operands(expr, scope);
    checked_division(expr, scope);
    checked_float_product(expr, scope);
    checked_date_arithmetic(expr, scope);
    instant_difference(expr, scope);
    inner_dimension(expr);
    result_types::exact_average(expr, scope, |sum, count| {
        let as_text = |mut e: Expr| {
            cast_in_place(&mut e, DataType::Varchar(None));
            e
        };
        call_with(NUMERIC_DIVIDE, vec![as_text(sum), as_text(count)])
    });
    result_types::apply(expr, scope);
    era_years(expr);
    checked_math(expr);
    result_types::int4_result(expr);
    rounded_scale(expr, scope);
    crate::decimal_branches::unified_branches(expr, scope);
    crate::date_trunc_nulls::null_keeping_comparison(expr);
    if let Some(data_type) = null_typed {
        let cast_already = matches!(expr, Expr::Cast { data_type: t, .. } if *t == data_type);
        if !cast_already {
            cast_in_place(expr, data_type);
        }
    }
    Ok(())
}

/// An integer constant beside a smallint is int4 in PostgreSQL, so `smallint * 2` is
/// computed in int4; DuckDB gives such a constant the smallint's type, and `32767::int2 * 2`
/// overflowed (22003).
fn int4_literal_operands(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::BinaryOp { left, op, right } = expr else {
        return;
    };
    if !crate::ast::is_arithmetic(op) {
        return;
    }
    let (l, r) = (scope.type_of(left), scope.type_of(right));
    for (literal, other) in [(left, r), (right, l)] {
        if other == Some(SqlType::Int2) && crate::types::is_int4_literal(literal) {
            cast_in_place(literal, DataType::Integer(None));
        }
    }
}

/// `array_length(a, n)` (and `array_upper`, `array_lower`) of a dimension `n` past the first,
/// given as a number: DuckDB measures only the first, so the length of `a[1]...[1]`'s first
/// is measured (PostgreSQL's arrays are rectangular, every element of a dimension as long).
fn inner_dimension(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    if !is_call_to(function, &["array_length", "array_upper", "array_lower"]) {
        return;
    }
    let mut args = crate::ast::arguments_mut(function);
    let (Some(array), Some(dimension), None) = (args.next(), args.next(), args.next()) else {
        return;
    };
    let Some(depth) = number_literal(dimension).filter(|n| (2..=6).contains(n)) else {
        return;
    };
    let subscripts = (1..depth)
        .map(|_| AccessExpr::Subscript(Subscript::Index { index: number(1) }))
        .collect();
    *array = Expr::CompoundFieldAccess {
        root: Box::new(Expr::Nested(Box::new(take(array)))),
        access_chain: subscripts,
    };
    *dimension = number(1);
}

fn number_literal(expr: &Expr) -> Option<u32> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// Dates and timestamps written with PostgreSQL's ` BC` after them, in DuckDB's form
/// (`0044-03-15 (BC) 10:00:00`): DuckDB reads the text before ` BC` and drops the era, so
/// `date '0044-03-15 BC'` was the year 44 AD.
fn before_christ(expr: &mut Expr, scope: &Scope<'_>) {
    shared::rewrite_dated_literals(
        expr,
        scope,
        &[SqlType::Date, SqlType::Timestamp, SqlType::TimestampTz],
        duckdb_era,
    );
}

/// `timestamptz - timestamptz` as PostgreSQL computes it: the time between the two instants
/// (days of 24 hours). DuckDB's (with ICU) counts calendar days in the session's zone, so
/// across a daylight-saving change 24 hours were `1 day 01:00:00` in New York. Their UTC
/// wall clocks, which have no such change, subtract as PostgreSQL's instants do.
fn instant_difference(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Minus,
        right,
    } = expr
    else {
        return;
    };
    let zoned = |e: &Expr| scope.type_of(e) == Some(SqlType::TimestampTz);
    if !(zoned(left) && zoned(right)) {
        return;
    }
    for side in [left, right] {
        let instant = take(side);
        **side = call_with("timezone", vec![string("UTC"), instant]);
    }
}

/// The year (and ISO year) of a date before Christ as PostgreSQL counts it: DuckDB counts
/// astronomically (1 BC is its year 0, 44 BC its -43), PostgreSQL has no year 0 (-1, -44).
/// Applied to `extract` and `date_part` once the result types have wrapped them in their
/// numeric or float8 cast.
fn era_years(expr: &mut Expr) {
    let extract = match expr {
        Expr::Cast { expr: inner, .. } => inner.as_mut(),
        _ => return,
    };
    let is_year = match &*extract {
        Expr::Extract { field, .. } => matches!(
            field,
            sqlparser::ast::DateTimeField::Year | sqlparser::ast::DateTimeField::Isoyear
        ),
        Expr::Function(f) if is_call_to(f, &["date_part", "datepart"]) => arguments(f)
            .next()
            .and_then(string_literal)
            .is_some_and(|part| {
                part.eq_ignore_ascii_case("year") || part.eq_ignore_ascii_case("isoyear")
            }),
        _ => false,
    };
    if !is_year {
        return;
    }
    let year = take(extract);
    let before_christ = binary(year.clone(), BinaryOperator::LtEq, number(0));
    let counted = binary(year.clone(), BinaryOperator::Minus, number(1));
    *extract = case_when(before_christ, counted, Some(year));
}

/// `YYYY-MM-DD[ time] BC` as DuckDB reads it: `YYYY-MM-DD (BC)[ time]`; `None` for text
/// without the era.
fn duckdb_era(text: &str) -> Option<String> {
    let trimmed = text.trim_end();
    let cut = trimmed.len().checked_sub(3)?;
    let (dated, era) = (trimmed.get(..cut)?, trimmed.get(cut..)?);
    if !era.eq_ignore_ascii_case(" bc") {
        return None;
    }
    let dated = dated.trim();
    let (day, time) = match dated.find([' ', 'T']) {
        Some(at) => dated.split_at(at),
        None => (dated, ""),
    };
    let time = time.trim_start_matches(['T', ' ']);
    Some(if time.is_empty() {
        format!("{day} (BC)")
    } else {
        format!("{day} (BC) {time}")
    })
}

/// jsonb's `j ? key` as junction's [`JSONB_EXISTS`] (DuckDB has no such operator, and reads
/// `?` as a parameter marker).
fn jsonb_exists(expr: &mut Expr) {
    if let Expr::BinaryOp {
        left,
        op: BinaryOperator::Question,
        right,
    } = expr
    {
        let mut json = take(left);
        cast_in_place(&mut json, DataType::Varchar(None));
        *expr = call_with(JSONB_EXISTS, vec![json, take(right)]);
    }
}

/// `json_build_object(k1, v1, ...)` as junction's [`JSON_BUILD_OBJECT`] over text, typed
/// JSON. Each argument is its text after a letter saying how to write it (`k` a key, `s` a
/// string, `v` a number, a boolean or json as it is), or `n` for NULL: DuckDB passes a NULL
/// argument to no function of junction's, answering NULL for the whole call. Values whose
/// json form PostgreSQL writes otherwise than as their text (floats, dates and times) are
/// refused, as DataFusion's engine refuses them.
fn json_build_object(expr: &mut Expr, scope: &Scope<'_>) -> Result<(), TranspileError> {
    let Expr::Function(function) = expr else {
        return Ok(());
    };
    if !is_call_to(function, &["json_build_object"]) {
        return Ok(());
    }
    let mut tagged = Vec::new();
    for (i, argument) in arguments(function).enumerate() {
        let tag = if i % 2 == 0 {
            "k"
        } else {
            match argument {
                Expr::Value(v) if v.value == Value::Null => "v",
                Expr::Value(v) if crate::ast::string_value(&v.value).is_some() => "s",
                other => match scope.type_of(other) {
                    Some(SqlType::Text) => "s",
                    Some(t) if t.is_exact() || t == SqlType::Bool || t == SqlType::Json => "v",
                    Some(t) => {
                        return Err(TranspileError::Unsupported(format!(
                            "json_build_object of a {t:?} value is not supported by duckdb"
                        )))
                    }
                    None => {
                        return Err(TranspileError::Unsupported(
                            "json_build_object of a value of a type junction cannot tell is \
                             not supported by duckdb"
                                .to_owned(),
                        ))
                    }
                },
            }
        };
        let mut text = argument.clone();
        cast_in_place(&mut text, DataType::Varchar(None));
        let tagged_text = binary(string(tag), BinaryOperator::StringConcat, text);
        tagged.push(call_with("coalesce", vec![tagged_text, string("n")]));
    }
    *expr = if tagged.is_empty() {
        string("{}")
    } else {
        call_with(JSON_BUILD_OBJECT, tagged)
    };
    cast_in_place(expr, DataType::JSON);
    Ok(())
}

/// Whether `expr` is arithmetic or a call with an operand that may be a NULL constant
/// (`NULL`, `CAST(NULL AS t)`, a CASE without ELSE), which DuckDB folds to an INTEGER NULL.
fn null_arithmetic(expr: &Expr) -> bool {
    fn null_constant(e: &Expr) -> bool {
        match e {
            Expr::Value(v) => v.value == Value::Null,
            Expr::Cast { expr, .. } | Expr::Nested(expr) => null_constant(expr),
            Expr::Case { else_result, .. } => else_result.as_deref().is_none_or(null_constant),
            // NULL in, NULL out: the folded result is an INTEGER NULL again.
            e @ (Expr::BinaryOp { .. } | Expr::Function(_)) => null_arithmetic(e),
            // `substr(NULL::text, 2, 4)` and the like, which sqlparser reads as syntax of
            // their own rather than as calls.
            Expr::Substring { expr, .. } | Expr::Trim { expr, .. } => null_constant(expr),
            _ => false,
        }
    }
    match expr {
        Expr::BinaryOp { left, op, right }
            if crate::ast::is_arithmetic(op) || *op == BinaryOperator::StringConcat =>
        {
            null_constant(left) || null_constant(right)
        }
        Expr::Function(f) if f.over.is_none() => arguments(f).any(null_constant),
        _ => false,
    }
}

/// The DuckDB type that holds PostgreSQL's `t`.
fn duckdb_type(t: SqlType) -> Option<DataType> {
    Some(match t {
        SqlType::Int2 => DataType::SmallInt(None),
        SqlType::Int4 => DataType::Integer(None),
        SqlType::Int8 => DataType::BigInt(None),
        SqlType::Float4 => DataType::Real,
        SqlType::Float8 => DataType::DoublePrecision,
        SqlType::Numeric => result_types::numeric(NUMERIC_SCALE),
        SqlType::Text => DataType::Varchar(None),
        SqlType::Date => DataType::Date,
        SqlType::Timestamp => DataType::Timestamp(None, TimezoneInfo::None),
        SqlType::TimestampTz => DataType::Timestamp(None, TimezoneInfo::WithTimeZone),
        SqlType::Interval => DataType::Interval {
            fields: None,
            precision: None,
        },
        _ => return None,
    })
}

/// `~`, `~*`, `!~`, `!~*` as `regexp_matches`, which finds the pattern anywhere as
/// PostgreSQL does.
/// `round(x, n)` of a numeric with a constant digit count: PostgreSQL's result has scale
/// `n` (`round(3.0, 2)` is `3.00`, `round(12345.678, -2)` is `12300`), DuckDB's the smaller
/// of `n` and the operand's scale (`3.0`). A cast to DECIMAL(38, n) gives PostgreSQL's digits.
fn rounded_scale(expr: &mut Expr, scope: &Scope<'_>) {
    if let Some(scale) = round_scale(expr, scope) {
        cast_in_place(
            expr,
            DataType::Decimal(ExactNumberInfo::PrecisionAndScale(38, scale)),
        );
    }
}

/// The scale PostgreSQL gives `round(x, n)` of a numeric `x` and a constant `n`.
fn round_scale(expr: &Expr, scope: &Scope<'_>) -> Option<i64> {
    let Expr::Function(function) = expr else {
        return None;
    };
    if !is_call_to(function, &["round"]) {
        return None;
    }
    let mut args = arguments(function);
    let (Some(x), Some(digits), None) = (args.next(), args.next(), args.next()) else {
        return None;
    };
    if scope.type_of(x) != Some(SqlType::Numeric) {
        return None;
    }
    let literal = |e: &Expr| match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse::<i64>().ok(),
            _ => None,
        },
        _ => None,
    };
    let digits = match digits {
        Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Minus,
            expr: inner,
        } => literal(inner).map(|n| -n),
        other => literal(other),
    }?;
    // DuckDB's widest DECIMAL holds 38 digits; a scale of 38 would leave none before the point.
    Some(digits.clamp(0, 37))
}

pub fn regex_operators(expr: &mut Expr) {
    let Expr::BinaryOp { left, op, right } = expr else {
        return;
    };
    let (insensitive, negated) = match op {
        BinaryOperator::PGRegexMatch => (false, false),
        BinaryOperator::PGRegexIMatch => (true, false),
        BinaryOperator::PGRegexNotMatch => (false, true),
        BinaryOperator::PGRegexNotIMatch => (true, true),
        _ => return,
    };
    let mut args = vec![take(left), take(right)];
    if insensitive {
        args.push(string("i"));
    }
    let matched = call_with("regexp_matches", args);
    *expr = if negated { not(matched) } else { matched };
}

/// LIKE and ILIKE without ESCAPE escape with a backslash, as PostgreSQL's do.
pub fn like_escape(expr: &mut Expr) {
    if let Expr::Like { escape_char, .. } | Expr::ILike { escape_char, .. } = expr {
        if escape_char.is_none() {
            *escape_char = Some(Value::SingleQuotedString("\\".to_owned()));
        }
    }
}

/// Function spellings and defaults that differ.
pub fn function_names(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::Function(function) = expr else {
        return;
    };
    let Some(name) = function_name(function).map(str::to_ascii_lowercase) else {
        return;
    };
    let argument_count = arguments(function).count();
    match (name.as_str(), argument_count) {
        ("btrim", _) => rename(function, "trim"),
        ("upper", 1) => rename(function, UPPER),
        ("clock_timestamp", 0) => {
            // A function of no arguments reaches junction's DuckDB functions as no columns
            // at all, so the clock takes a dummy one.
            *expr = call(CLOCK_TIMESTAMP, number(0));
        }
        ("lower", 1) => rename(function, LOWER),
        ("initcap", 1) => rename(function, INITCAP),
        ("array_to_string", 3) => rename(function, ARRAY_TO_STRING),
        ("date_bin", _) => rename(function, "time_bucket"),
        ("cardinality", _) => {
            rename(function, "len");
            cast_in_place(expr, DataType::Integer(None));
        }
        ("current_date", 0) => {
            // DuckDB's own current_date needs the ICU extension; now() is UTC without it.
            *expr = call_with("now", vec![]);
            cast_in_place(expr, DataType::Timestamp(None, TimezoneInfo::None));
            cast_in_place(expr, DataType::Date);
        }
        ("regexp_match", 2) => {
            let pattern_is_literal = arguments(function)
                .nth(1)
                .and_then(string_literal)
                .is_some();
            if pattern_is_literal {
                if let Some([text, pattern]) = take_arguments(function) {
                    *expr = regexp_match(&text, &pattern);
                }
            }
        }
        ("regexp_matches", 2)
            if arguments(function)
                .nth(1)
                .and_then(string_literal)
                .is_some() =>
        {
            // PostgreSQL's set of the first match's groups (no row without a match);
            // DuckDB's regexp_matches is the boolean `~`.
            if let Some([text, pattern]) = take_arguments(function) {
                let (matched, groups) = match_groups(&text, &pattern);
                let rows = Expr::Array(sqlparser::ast::Array {
                    elem: vec![groups],
                    named: false,
                });
                let none = Expr::Array(sqlparser::ast::Array {
                    elem: vec![],
                    named: false,
                });
                *expr = call("unnest", case_when(matched, rows, Some(none)));
            }
        }
        ("lpad" | "rpad", 2 | 3) => {
            if argument_count == 2 {
                push_argument(function, string(" "));
            }
            rename(function, if name == "lpad" { PAD_LEFT } else { PAD_RIGHT });
        }
        ("repeat", 2) => rename(function, REPEAT),
        ("encode", 2) => rename(function, ENCODE),
        ("decode", 2) => rename(function, DECODE),
        ("greatest" | "least", 1..)
            if arguments(function)
                .any(|e| matches!(scope.type_of(e), None | Some(SqlType::Interval))) =>
        {
            // DuckDB's greatest and least compare intervals field by field (greatest of
            // `1 mon` and `40 days` is `1 mon`); its list_max and list_min compare them as
            // PostgreSQL does (30-day months), and likewise skip NULLs.
            let elem = arguments(function).cloned().collect();
            let list = Expr::Array(sqlparser::ast::Array { elem, named: true });
            let name = if name == "greatest" {
                "list_max"
            } else {
                "list_min"
            };
            *expr = call(name, list);
        }
        ("to_hex", _) => {
            let hex = take(expr);
            *expr = call("lower", hex);
        }
        ("sha256", 1) => {
            // PostgreSQL's digest is bytea; DuckDB's is its hex text.
            let hex = take(expr);
            *expr = call("unhex", hex);
        }
        ("octet_length", 1)
            if arguments(function).next().and_then(|e| scope.type_of(e))
                != Some(SqlType::Bytea) =>
        {
            rename(function, "strlen");
        }
        _ => {}
    }
}

/// `regexp_match(text, 'pattern')`: PostgreSQL's array of the capture groups (or of the
/// whole match without groups), NULL without a match. DuckDB has no such function; its
/// `regexp_extract` takes one group at a time.
fn regexp_match(text: &Expr, pattern: &Expr) -> Expr {
    let (matched, groups) = match_groups(text, pattern);
    case_when(matched, groups, None)
}

/// Whether `text` matches the constant `pattern`, and the array of the first match's groups
/// (or of the whole match without groups).
fn match_groups(text: &Expr, pattern: &Expr) -> (Expr, Expr) {
    let groups = string_literal(pattern).map_or(0, capture_groups);
    let elements = (if groups == 0 { 0..=0 } else { 1..=groups })
        .map(|group| {
            call_with(
                "regexp_extract",
                vec![text.clone(), pattern.clone(), number(group)],
            )
        })
        .collect();
    (
        call_with("regexp_matches", vec![text.clone(), pattern.clone()]),
        Expr::Array(sqlparser::ast::Array {
            elem: elements,
            named: false,
        }),
    )
}

/// The capturing groups of a regular expression: `(` not escaped, not in a class, not
/// followed by `?`.
fn capture_groups(regex: &str) -> usize {
    let mut count = 0;
    let mut chars = regex.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class && chars.peek() != Some(&'?') => count += 1,
            _ => {}
        }
    }
    count
}

/// A cast to jsonb: the text as jsonb prints it ([`JSONB`]), typed JSON.
fn jsonb_cast(expr: &mut Expr) {
    let text = match expr {
        Expr::Cast {
            kind,
            expr: inner,
            data_type: DataType::JSONB,
            ..
        } if is_plain_cast(kind) => take(inner),
        Expr::TypedString(typed) if typed.data_type == DataType::JSONB => {
            Expr::Value(typed.value.clone())
        }
        _ => return,
    };
    let mut text = text;
    cast_in_place(&mut text, DataType::Varchar(None));
    *expr = call(JSONB, text);
    cast_in_place(expr, DataType::JSON);
}

/// Type names: plain `numeric` keeps digits after the point, `jsonb` is JSON.
pub fn type_names(expr: &mut Expr) {
    let data_type = match expr {
        Expr::Cast { data_type, .. } => data_type,
        Expr::TypedString(typed) => &mut typed.data_type,
        _ => return,
    };
    match data_type {
        DataType::Numeric(ExactNumberInfo::None) | DataType::Decimal(ExactNumberInfo::None) => {
            *data_type = result_types::numeric(NUMERIC_SCALE);
        }
        DataType::JSONB => *data_type = DataType::JSON,
        _ => {}
    }
}

/// A bare NULL concatenated to text is text; DuckDB would type it INTEGER.
/// `array || element` and `element || array`: PostgreSQL appends and prepends; DuckDB's `||`
/// takes two lists or two strings.
fn array_concat(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::StringConcat,
        right,
    } = expr
    else {
        return;
    };
    let is_array = |e: &Expr| scope.type_of(e) == Some(SqlType::Array);
    let (l, r) = (is_array(left), is_array(right));
    let known = |e: &Expr| scope.type_of(e).is_some();
    if l && !r && known(right) {
        *expr = call_with("list_append", vec![take(left), take(right)]);
    } else if r && !l && known(left) {
        *expr = call_with("list_prepend", vec![take(left), take(right)]);
    }
}

fn null_concat(expr: &mut Expr) {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::StringConcat,
        right,
    } = expr
    else {
        return;
    };
    let mut null = false;
    for side in [left, right] {
        if matches!(side.as_ref(), Expr::Value(v) if v.value == Value::Null) {
            cast_in_place(side, DataType::Varchar(None));
            null = true;
        }
    }
    if null {
        // DuckDB 1.5 folds `x || NULL` to a NULL it types INTEGER, cast operand or not.
        cast_in_place(expr, DataType::Varchar(None));
    }
}

/// `substring(s FROM start FOR count)` with a start that may be below 1: PostgreSQL takes
/// the characters at positions start .. start + count - 1 that exist.
pub fn substring_start(expr: &mut Expr) {
    let Expr::Substring {
        substring_from: Some(from),
        substring_for,
        ..
    } = expr
    else {
        return;
    };
    if is_positive_integer(from) {
        return;
    }
    let start = take(from);
    let first = call_with("greatest", vec![start.clone(), number(1)]);
    if let Some(count) = substring_for {
        // start + count - greatest(start, 1), at least 0
        let end = binary(
            Expr::Nested(Box::new(binary(start, BinaryOperator::Plus, take(count)))),
            BinaryOperator::Minus,
            first.clone(),
        );
        **count = call_with("greatest", vec![end, number(0)]);
    }
    **from = first;
}

/// The arguments PostgreSQL checks and DuckDB takes as they come, each through the macro
/// that checks it (a positive constant as written): `substr`'s length, `split_part`'s field,
/// `chr`'s code point, `generate_series`' step.
fn checked_arguments(expr: &mut Expr) {
    let guard = |argument: &mut Expr, macro_name: &str| {
        // A series of timestamps steps by an interval, which DuckDB checks itself.
        let interval = matches!(argument, Expr::Interval(_))
            || matches!(argument, Expr::Cast { data_type, .. }
                if SqlType::of(data_type) == SqlType::Interval);
        if !is_positive_integer(argument) && !interval {
            *argument = call(macro_name, take(argument));
        }
    };
    match expr {
        Expr::Substring {
            substring_for: Some(count),
            ..
        } => guard(count, "junction_substring_length"),
        Expr::Function(function) => {
            let Some(name) = function_name(function).map(str::to_ascii_lowercase) else {
                return;
            };
            let (index, macro_name) = match (name.as_str(), arguments(function).count()) {
                ("split_part", 3) => (2, "junction_field_position"),
                ("generate_series", 3) => (2, "junction_series_step"),
                ("chr", 1) => (0, "junction_character"),
                _ => return,
            };
            if let Some(argument) = crate::ast::arguments_mut(function).nth(index) {
                guard(argument, macro_name);
            }
        }
        _ => {}
    }
}

/// `j #> '{a,b,1}'` is `json_extract(j, '$.a.b[1]')`, `#>>` its text form.
pub fn json_paths(expr: &mut Expr) {
    let Expr::BinaryOp { left, op, right } = expr else {
        return;
    };
    let function = match op {
        BinaryOperator::HashArrow => "json_extract",
        BinaryOperator::HashLongArrow => "json_extract_string",
        _ => return,
    };
    let Some(path) = string_literal(right).and_then(json_path) else {
        return;
    };
    *expr = call_with(function, vec![take(left), string(&path)]);
}

/// PostgreSQL's text-array path `{a,b,1}` as a JSON path `$.a.b[1]`.
fn json_path(path: &str) -> Option<String> {
    let mut json = String::from("$");
    for step in path_steps(path)? {
        if step.parse::<u64>().is_ok() {
            json.push_str(&format!("[{step}]"));
        } else {
            json.push_str(&format!(".\"{step}\""));
        }
    }
    Some(json)
}

/// `a / b` and `a % b` become `a / junction_divisor(b, a)` and `a % junction_modulus(b, a)`:
/// the macros pass `b` through, and raise PostgreSQL's error where `b` is zero and `a` is
/// not NULL. A positive constant divisor needs no check.
pub fn checked_division(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::BinaryOp {
        left,
        op: op @ (BinaryOperator::Divide | BinaryOperator::Modulo),
        right,
    } = expr
    else {
        return;
    };
    if *op == BinaryOperator::Divide
        && result_types::exact_division(scope.type_of(left), scope.type_of(right))
    {
        // DuckDB divides decimals to a double; the function divides exactly, checking the
        // divisor itself. It takes the operands' text: a decimal's text is exact whatever
        // its scale, which no decimal parameter type of a function is.
        let as_text = |e: &mut Box<Expr>| {
            let mut text = take(e);
            cast_in_place(&mut text, DataType::Varchar(None));
            text
        };
        *expr = call_with(NUMERIC_DIVIDE, vec![as_text(left), as_text(right)]);
        return;
    }
    let (l, r) = (scope.type_of(left), scope.type_of(right));
    if *op == BinaryOperator::Divide && l == Some(SqlType::Interval) {
        // `integer_division` makes `/` DuckDB's `//`, which takes no interval; PostgreSQL
        // scales the interval by the reciprocal.
        let dividend = (**left).clone();
        let mut factor = call_with(DIVISOR_MACRO, vec![take(right), dividend]);
        cast_in_place(&mut factor, DataType::DoublePrecision);
        let reciprocal = Expr::Nested(Box::new(binary(
            number("1.0"),
            BinaryOperator::Divide,
            factor,
        )));
        *expr = binary(take(left), BinaryOperator::Multiply, reciprocal);
        return;
    }
    if *op == BinaryOperator::Divide && (is_float(l) || is_float(r)) {
        *expr = call_with(FLOAT_DIVIDE, vec![take(left), take(right)]);
        return;
    }
    if is_positive_integer(right) {
        return;
    }
    let divisor = take(right);
    let checked = if *op == BinaryOperator::Modulo {
        MODULUS_MACRO
    } else {
        DIVISOR_MACRO
    };
    **right = call_with(checked, vec![divisor, (**left).clone()]);
}

/// `date ± integer` within PostgreSQL's range of dates (`junction_date_plus`).
fn checked_date_arithmetic(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::BinaryOp {
        left,
        op: op @ (BinaryOperator::Plus | BinaryOperator::Minus),
        right,
    } = expr
    else {
        return;
    };
    let (l, r) = (scope.type_of(left), scope.type_of(right));
    let integer = |t: Option<SqlType>| t.is_some_and(SqlType::is_integer);
    let (date, days) = match (l, r) {
        (Some(SqlType::Date), _) if integer(r) => (take(left), take(right)),
        (_, Some(SqlType::Date)) if integer(l) && *op == BinaryOperator::Plus => {
            (take(right), take(left))
        }
        _ => return,
    };
    let days = if *op == BinaryOperator::Minus {
        Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Minus,
            expr: Box::new(Expr::Nested(Box::new(days))),
        }
    } else {
        days
    };
    *expr = call_with("junction_date_plus", vec![date, days]);
}

fn is_float(t: Option<SqlType>) -> bool {
    t.is_some_and(SqlType::is_float)
}

/// The math functions PostgreSQL checks, and `a ^ b`, as junction's macros that check them
/// ([`CHECKED_MATH`]). After the result types, which know the functions by their names and
/// may have cast the call (`power` of numerics).
fn checked_math(expr: &mut Expr) {
    let power = match &mut *expr {
        Expr::Cast { expr, .. } => expr.as_mut(),
        other => other,
    };
    if let Expr::BinaryOp {
        left,
        op: BinaryOperator::PGExp,
        right,
    } = power
    {
        *power = call_with("junction_power", vec![take(left), take(right)]);
        return;
    }
    let function = match expr {
        Expr::Function(function) => function,
        Expr::Cast { expr, .. } => match expr.as_mut() {
            Expr::Function(function) => function,
            _ => return,
        },
        _ => return,
    };
    let Some(name) = function_name(function).map(str::to_ascii_lowercase) else {
        return;
    };
    let count = arguments(function).count();
    if let Some((_, _, checked)) = CHECKED_MATH
        .iter()
        .find(|(f, n, _)| *f == name && *n == count)
    {
        rename(function, checked);
    }
}

/// Text cast to an integer type, read as PostgreSQL reads it (`junction_integer_text`):
/// DuckDB cast `'1.5'` to 2 and `'0x1F'` to 31, where PostgreSQL raises 22P02.
fn strict_integer_text(expr: &mut Expr, scope: &Scope<'_>) {
    let Some((inner, data_type)) = crate::ast::plain_cast_mut(expr) else {
        return;
    };
    let type_name = match SqlType::of(data_type) {
        SqlType::Int2 => "smallint",
        SqlType::Int4 => "integer",
        SqlType::Int8 => "bigint",
        _ => return,
    };
    let text = string_literal(inner).is_some() || scope.type_of(inner) == Some(SqlType::Text);
    if text {
        let value = take(inner);
        **inner = call_with("junction_integer_text", vec![value, string(type_name)]);
    }
}

/// `a * b` of floats: PostgreSQL's overflow check (Infinity from finite operands is an error).
pub fn checked_float_product(expr: &mut Expr, scope: &Scope<'_>) {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Multiply,
        right,
    } = expr
    else {
        return;
    };
    let (l, r) = (scope.type_of(left), scope.type_of(right));
    let interval = l == Some(SqlType::Interval) || r == Some(SqlType::Interval);
    if !interval && (is_float(l) || is_float(r)) {
        *expr = call_with(FLOAT_MULTIPLY, vec![take(left), take(right)]);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::duckdb_era;
    use crate::{render, Dialect};

    /// `sql` as junction writes it for DuckDB, without column types: the dialect's rules'
    /// tests read it.
    pub(crate) fn duckdb(sql: &str) -> String {
        let statement = crate::parse(sql).expect("parses").remove(0);
        render(&statement, Dialect::DuckDb, &crate::NoTypes).expect("renders")
    }

    #[test]
    fn divisors_are_checked() {
        assert_eq!(
            duckdb("SELECT a / b, a % (b - 1) FROM t"),
            "SELECT a / junction_divisor(b, a), a % junction_modulus((b - 1), a) FROM t"
        );
    }

    #[test]
    fn nested_divisions_are_each_checked_once() {
        assert_eq!(
            duckdb("SELECT x / (y / z) FROM t WHERE a / 2 > 1 AND a % -1 = 0 AND a / 0 > 1"),
            "SELECT x / junction_divisor((y / junction_divisor(z, y)), x) FROM t \
             WHERE a / 2 > 1 AND a % junction_modulus(-1, a) = 0 \
             AND a / junction_divisor(0, a) > 1"
        );
    }

    #[test]
    fn string_lengths_are_int4() {
        assert_eq!(
            duckdb("SELECT length(name) AS length, position('a' IN name) FROM t WHERE strpos(name, 'b') > 1"),
            "SELECT CAST(length(name) AS INTEGER) AS length, CAST(POSITION('a' IN name) AS INTEGER) \
             FROM t WHERE CAST(strpos(name, 'b') AS INTEGER) > 1"
        );
    }

    #[test]
    fn math_functions_postgresql_checks_are_junctions_macros() {
        assert_eq!(
            duckdb("SELECT a ^ b, POWER(a, 2), pow(a, b), exp(a), sqrt(a), ln(a), log(a), log(2, a), acosh(a) FROM t"),
            "SELECT junction_power(a, b), junction_power(a, 2), junction_power(a, b), junction_exp(a), \
             junction_sqrt(a), junction_ln(a), junction_log10(a), junction_log(2, a), junction_acosh(a) FROM t"
        );
        // Numeric power keeps its result type around the checked call.
        assert_eq!(
            duckdb("SELECT power(2.0, 3), 2.0 ^ 3, cbrt(a) FROM t"),
            "SELECT CAST(junction_power(2.0, 3) AS DECIMAL(38,16)), \
             CAST(junction_power(2.0, 3) AS DECIMAL(38,16)), cbrt(a) FROM t"
        );
    }

    #[test]
    fn arguments_postgresql_refuses_are_checked() {
        assert_eq!(
            duckdb("SELECT substr(a, 2, n), substring(a FROM 2 FOR 3), split_part(a, ',', n), chr(n), \
                    generate_series(1, 10, n) FROM t"),
            "SELECT SUBSTR(a, 2, junction_substring_length(n)), SUBSTRING(a FROM 2 FOR 3), \
             split_part(a, ',', junction_field_position(n)), chr(junction_character(n)), \
             unnest(generate_series(1, 10, junction_series_step(n))) FROM t"
        );
    }

    #[test]
    fn overlay_is_postgresqls_substrings() {
        assert_eq!(
            duckdb("SELECT overlay(a PLACING 'X' FROM 2 FOR 3), overlay(a PLACING b FROM p) FROM t"),
            "SELECT (SUBSTRING(a, 1, junction_substring_length((2 - 1))) || 'X' || SUBSTRING(a, greatest((2 + 3), 1))), \
             (SUBSTRING(a, 1, junction_substring_length((p - 1))) || b || SUBSTRING(a, greatest((p + length(b)), 1))) FROM t"
        );
    }

    #[test]
    fn regexp_matches_is_a_set_of_group_arrays() {
        assert_eq!(
            duckdb("SELECT regexp_matches(a, '(b)(c)') FROM t"),
            "SELECT unnest(CASE WHEN regexp_matches(a, '(b)(c)') THEN \
             [[regexp_extract(a, '(b)(c)', 1), regexp_extract(a, '(b)(c)', 2)]] ELSE [] END) FROM t"
        );
        let statement = crate::parse("SELECT regexp_matches(a, 'b', 'g') FROM t")
            .expect("parses")
            .remove(0);
        assert!(crate::render(&statement, crate::Dialect::DuckDb, &crate::NoTypes).is_err());
    }

    #[test]
    fn dates_before_christ_are_written_in_duckdbs_form() {
        assert_eq!(
            duckdb_era("0044-03-15 BC").as_deref(),
            Some("0044-03-15 (BC)")
        );
        assert_eq!(
            duckdb_era("0044-03-15 10:00:00.5 bc").as_deref(),
            Some("0044-03-15 (BC) 10:00:00.5")
        );
        assert_eq!(
            duckdb_era("0044-03-15T10:00 BC").as_deref(),
            Some("0044-03-15 (BC) 10:00")
        );
        assert_eq!(duckdb_era("2026-01-01"), None);
        assert_eq!(duckdb_era("ABC"), None);
    }

    #[test]
    fn text_cast_to_an_integer_is_read_as_postgresql_reads_it() {
        assert_eq!(
            duckdb("SELECT '12'::int, CAST(a AS BIGINT) FROM t"),
            "SELECT junction_integer_text('12', 'integer')::INT, CAST(a AS BIGINT) FROM t"
        );
    }

    #[test]
    fn other_operators_are_untouched() {
        assert_eq!(
            duckdb("SELECT a * b + c - d FROM t"),
            "SELECT a * b + c - d FROM t"
        );
    }
}
