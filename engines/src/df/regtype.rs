//! `to_regtype(text)`: the OID of the named type, or NULL when there is none. psycopg asks it
//! on connect (SQLAlchemy's dialect looks up `hstore` that way). Names resolve against the
//! pg_type that pg_catalog serves, with PostgreSQL's spellings of the SQL standard's names.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{AsArray, Int32Array};
use datafusion::arrow::datatypes::{DataType, Int32Type};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};
use datafusion::scalar::ScalarValue;
use datafusion_pg_catalog::pg_catalog::ArrowTable;

use crate::regtype::STANDARD_NAMES;

/// Names a user may write for a `typname` beside the standard ones `format_type` prints
/// ([`STANDARD_NAMES`]).
const ALIASES: &[(&str, &str)] = &[
    ("int", "int4"),
    ("float", "float8"),
    ("decimal", "numeric"),
    ("char", "bpchar"),
    ("bit varying", "varbit"),
];

/// The `typname` that `name` (as a user writes it) means: lower case, without a
/// `pg_catalog.` qualifier or a type modifier; `t[]` is the array type `_t`.
pub(super) fn typname(name: &str) -> String {
    let mut name = name.trim().to_lowercase();
    if let Some(rest) = name.strip_prefix("pg_catalog.") {
        name = rest.to_owned();
    }
    let array = name.ends_with("[]");
    let base = name.trim_end_matches("[]").trim();
    let base = base.split('(').next().unwrap_or(base).trim();
    let base = base.trim_matches('"');
    let base = ALIASES
        .iter()
        .find(|(alias, _)| *alias == base)
        .map(|(_, typname)| *typname)
        .or_else(|| {
            STANDARD_NAMES
                .iter()
                .find(|(_, standard)| *standard == base)
                .map(|(typname, _)| *typname)
        })
        .unwrap_or(base);
    if array {
        format!("_{base}")
    } else {
        base.to_owned()
    }
}

/// OIDs by typname, from pg_catalog's pg_type.
pub(super) fn oids(pg_type: &ArrowTable) -> Result<HashMap<String, i32>> {
    let mut oids = HashMap::new();
    for batch in pg_type.data() {
        let (Some(names), Some(ids)) =
            (batch.column_by_name("typname"), batch.column_by_name("oid"))
        else {
            return exec_err!("pg_type has no typname/oid columns");
        };
        let (Some(names), Some(ids)) = (
            names.as_string_opt::<i32>(),
            ids.as_primitive_opt::<Int32Type>(),
        ) else {
            return exec_err!("pg_type's typname/oid columns have unexpected types");
        };
        for (name, id) in names.iter().zip(ids.iter()) {
            if let (Some(name), Some(id)) = (name, id) {
                oids.insert(name.to_owned(), id);
            }
        }
    }
    Ok(oids)
}

/// `to_regtype(text) -> oid`, answered from `pg_type`.
pub fn to_regtype_udf(pg_type: &ArrowTable) -> Result<ScalarUDF> {
    let oids = Arc::new(oids(pg_type)?);
    Ok(create_udf(
        "to_regtype",
        vec![DataType::Utf8],
        DataType::Int32,
        Volatility::Stable,
        Arc::new(move |args: &[ColumnarValue]| {
            let lookup = |name: Option<&str>| name.and_then(|n| oids.get(&typname(n)).copied());
            match args {
                [ColumnarValue::Scalar(
                    ScalarValue::Utf8(name)
                    | ScalarValue::Utf8View(name)
                    | ScalarValue::LargeUtf8(name),
                )] => Ok(ColumnarValue::Scalar(ScalarValue::Int32(lookup(
                    name.as_deref(),
                )))),
                [ColumnarValue::Array(names)] => {
                    let Some(names) = names.as_string_opt::<i32>() else {
                        return exec_err!("to_regtype takes text");
                    };
                    let out: Int32Array = names.iter().map(lookup).collect();
                    Ok(ColumnarValue::Array(Arc::new(out)))
                }
                _ => exec_err!("to_regtype takes one argument"),
            }
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::typname;

    #[test]
    fn names_resolve_as_postgresql_spells_them() {
        assert_eq!(typname("integer"), "int4");
        assert_eq!(typname("pg_catalog.int4"), "int4");
        assert_eq!(typname("Character Varying(20)"), "varchar");
        assert_eq!(typname("timestamp with time zone"), "timestamptz");
        assert_eq!(typname("integer[]"), "_int4");
        assert_eq!(typname("hstore"), "hstore");
    }
}
