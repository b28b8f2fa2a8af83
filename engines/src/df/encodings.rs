//! `pg_char_to_encoding(name)` and `pg_encoding_to_char(int)` (psql's `\dO` and `\l` read
//! them): PostgreSQL's character set names and numbers, as encnames.c has them.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Int32Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::exec_err;
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{create_udf, ScalarUDF, Volatility};

/// Each encoding's name by its number (`pg_enc2name_tbl`).
const NAMES: [&str; 42] = [
    "SQL_ASCII",
    "EUC_JP",
    "EUC_CN",
    "EUC_KR",
    "EUC_TW",
    "EUC_JIS_2004",
    "UTF8",
    "MULE_INTERNAL",
    "LATIN1",
    "LATIN2",
    "LATIN3",
    "LATIN4",
    "LATIN5",
    "LATIN6",
    "LATIN7",
    "LATIN8",
    "LATIN9",
    "LATIN10",
    "WIN1256",
    "WIN1258",
    "WIN866",
    "WIN874",
    "KOI8R",
    "WIN1251",
    "WIN1252",
    "ISO_8859_5",
    "ISO_8859_6",
    "ISO_8859_7",
    "ISO_8859_8",
    "WIN1250",
    "WIN1253",
    "WIN1254",
    "WIN1255",
    "WIN1257",
    "KOI8U",
    "SJIS",
    "BIG5",
    "GBK",
    "UHC",
    "GB18030",
    "JOHAB",
    "SHIFT_JIS_2004",
];

/// The names `pg_char_to_encoding` reads, cleaned (lower case, letters and digits only), with
/// their numbers (`pg_encname_tbl`; each checked against PostgreSQL 15).
const ALIASES: [(&str, i32); 81] = [
    ("abc", 19),
    ("alt", 20),
    ("big5", 36),
    ("euccn", 2),
    ("eucjis2004", 5),
    ("eucjp", 1),
    ("euckr", 3),
    ("euctw", 4),
    ("gb18030", 39),
    ("gbk", 37),
    ("iso88591", 8),
    ("iso885910", 13),
    ("iso885913", 14),
    ("iso885914", 15),
    ("iso885915", 16),
    ("iso885916", 17),
    ("iso88592", 9),
    ("iso88593", 10),
    ("iso88594", 11),
    ("iso88595", 25),
    ("iso88596", 26),
    ("iso88597", 27),
    ("iso88598", 28),
    ("iso88599", 12),
    ("johab", 40),
    ("koi8", 22),
    ("koi8r", 22),
    ("koi8u", 34),
    ("latin1", 8),
    ("latin10", 17),
    ("latin2", 9),
    ("latin3", 10),
    ("latin4", 11),
    ("latin5", 12),
    ("latin6", 13),
    ("latin7", 14),
    ("latin8", 15),
    ("latin9", 16),
    ("mskanji", 35),
    ("muleinternal", 7),
    ("shiftjis", 35),
    ("shiftjis2004", 41),
    ("sjis", 35),
    ("sqlascii", 0),
    ("tcvn", 19),
    ("tcvn5712", 19),
    ("uhc", 38),
    ("unicode", 6),
    ("utf8", 6),
    ("vscii", 19),
    ("win", 23),
    ("win1250", 29),
    ("win1251", 23),
    ("win1252", 24),
    ("win1253", 30),
    ("win1254", 31),
    ("win1255", 32),
    ("win1256", 18),
    ("win1257", 33),
    ("win1258", 19),
    ("win866", 20),
    ("win874", 21),
    ("win932", 35),
    ("win936", 37),
    ("win949", 38),
    ("win950", 36),
    ("windows1250", 29),
    ("windows1251", 23),
    ("windows1252", 24),
    ("windows1253", 30),
    ("windows1254", 31),
    ("windows1255", 32),
    ("windows1256", 18),
    ("windows1257", 33),
    ("windows1258", 19),
    ("windows866", 20),
    ("windows874", 21),
    ("windows932", 35),
    ("windows936", 37),
    ("windows949", 38),
    ("windows950", 36),
];

/// The encoding `name` means, -1 for none.
fn encoding(name: &str) -> i32 {
    let clean: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == clean)
        .map_or(-1, |(_, number)| *number)
}

/// The name of encoding `number`, empty for none.
fn name(number: i64) -> &'static str {
    usize::try_from(number)
        .ok()
        .and_then(|n| NAMES.get(n))
        .copied()
        .unwrap_or("")
}

/// `getdatabaseencoding()`: every junction database speaks UTF8 (`server_encoding`).
pub fn getdatabaseencoding_udf() -> ScalarUDF {
    create_udf(
        "getdatabaseencoding",
        vec![],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|_: &[datafusion::logical_expr::ColumnarValue]| {
            Ok(datafusion::logical_expr::ColumnarValue::Scalar(
                datafusion::scalar::ScalarValue::Utf8(Some(name(UTF8).to_owned())),
            ))
        }),
    )
}

/// UTF8's number.
const UTF8: i64 = 6;

pub fn pg_char_to_encoding_udf() -> ScalarUDF {
    create_udf(
        "pg_char_to_encoding",
        vec![DataType::Utf8],
        DataType::Int32,
        Volatility::Immutable,
        Arc::new(make_scalar_function(
            |args: &[ArrayRef]| {
                let [names] = args else {
                    return exec_err!("pg_char_to_encoding takes one argument");
                };
                let Some(names) = names.as_string_opt::<i32>() else {
                    return exec_err!("pg_char_to_encoding takes a name");
                };
                let out: Int32Array = names.iter().map(|n| n.map(encoding)).collect();
                Ok(Arc::new(out) as ArrayRef)
            },
            vec![],
        )),
    )
}

pub fn pg_encoding_to_char_udf() -> ScalarUDF {
    create_udf(
        "pg_encoding_to_char",
        vec![DataType::Int64],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(make_scalar_function(
            |args: &[ArrayRef]| {
                let [numbers] = args else {
                    return exec_err!("pg_encoding_to_char takes one argument");
                };
                let Some(numbers) = numbers.as_primitive_opt::<Int64Type>() else {
                    return exec_err!("pg_encoding_to_char takes an integer");
                };
                let out: StringArray = numbers.iter().map(|n| n.map(name)).collect();
                Ok(Arc::new(out) as ArrayRef)
            },
            vec![],
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PostgreSQL 15's answers.
    #[test]
    fn names_and_numbers_as_postgresql_has_them() {
        for (text, number) in [
            ("UTF8", 6),
            ("utf-8", 6),
            ("u t f 8", 6),
            ("unicode", 6),
            ("ISO-8859-1", 8),
            ("windows950", 36),
            ("cp1252", -1),
            ("ascii", -1),
            ("", -1),
        ] {
            assert_eq!(encoding(text), number, "{text}");
        }
        assert_eq!(name(6), "UTF8");
        assert_eq!(name(41), "SHIFT_JIS_2004");
        assert_eq!(name(42), "");
        assert_eq!(name(-1), "");
    }
}
