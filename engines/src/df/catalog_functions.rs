//! Catalog functions that drivers call while reflecting tables, beyond those
//! datafusion-pg-catalog brings.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Int32Type, Int64Type};
use datafusion::common::{exec_err, DataFusionError, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{
    create_udf, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use datafusion::scalar::ScalarValue;
use datafusion_pg_catalog::pg_catalog::ArrowTable;

use crate::sql_error::SqlError;

/// `pg_get_serial_sequence(table, column)`: the sequence a serial or identity column owns.
/// Lake tables have neither, so no column owns one and the answer is always NULL, as
/// PostgreSQL answers for any column that is not serial.
pub fn pg_get_serial_sequence_udf() -> ScalarUDF {
    create_udf(
        "pg_get_serial_sequence",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(|args: &[ColumnarValue]| {
            let rows = args.iter().find_map(|arg| match arg {
                ColumnarValue::Array(a) => Some(a.len()),
                ColumnarValue::Scalar(_) => None,
            });
            Ok(match rows {
                Some(rows) => ColumnarValue::Array(Arc::new(StringArray::new_null(rows))),
                None => ColumnarValue::Scalar(ScalarValue::Utf8(None)),
            })
        }),
    )
}

/// `pg_collation_is_visible(oid)`, `pg_type_is_visible(oid)`, `pg_function_is_visible(oid)`:
/// whether the object is found by its bare name. Every collation, type and function
/// pg_catalog serves lives in `pg_catalog`, which is always searched, so each one is
/// visible; an OID that names none gives NULL, as in PostgreSQL. `table` is the catalog
/// table listing them (`pg_collation`, `pg_type`, `pg_proc`).
pub fn is_visible_udf(name: &'static str, table: &ArrowTable) -> Result<ScalarUDF> {
    let mut known = HashSet::new();
    for batch in table.data() {
        let Some(oids) = batch
            .column_by_name("oid")
            .and_then(|c| c.as_primitive_opt::<Int32Type>())
        else {
            return exec_err!("the catalog table behind {name} has no int4 oid column");
        };
        known.extend(oids.iter().flatten());
    }
    let known = Arc::new(known);
    Ok(create_udf(
        name,
        vec![DataType::Int32],
        DataType::Boolean,
        Volatility::Stable,
        Arc::new(make_scalar_function(
            move |args: &[ArrayRef]| {
                let [oids] = args else {
                    return exec_err!("{name} takes one argument");
                };
                let Some(oids) = oids.as_primitive_opt::<Int32Type>() else {
                    return exec_err!("{name} takes an oid");
                };
                let visible = |oid: Option<i32>| oid.filter(|o| known.contains(o)).map(|_| true);
                let out: BooleanArray = oids.iter().map(visible).collect();
                Ok(Arc::new(out) as ArrayRef)
            },
            vec![],
        )),
    ))
}

/// `obj_description(oid, catalog)` and `obj_description(oid)`: the comment on an object.
/// Nothing junction serves has one, and PostgreSQL answers NULL for an object without.
pub fn obj_description_udf() -> ScalarUDF {
    always_null_udf("obj_description", &[1, 2])
}

/// `pg_get_indexdef(oid)` and `pg_get_indexdef(oid, column, pretty)`: an index's definition.
/// Lake tables have no indexes and junction's pg_class lists none, so every OID names no
/// index, for which PostgreSQL answers NULL.
pub fn pg_get_indexdef_udf() -> ScalarUDF {
    always_null_udf("pg_get_indexdef", &[1, 3])
}

/// `pg_get_expr(expr, relation [, pretty])`: the text of an expression stored in the catalogs
/// (a column default, a check constraint, an index expression or predicate, a policy). Lake
/// tables have none, so the stored expression is NULL and so is the answer, as PostgreSQL
/// answers for NULL (datafusion-pg-catalog's answers an empty text, which pgJDBC reports as a
/// column default of ''). The few system expressions of the static catalogs are not
/// decompiled: NULL too.
pub fn pg_get_expr_udf() -> ScalarUDF {
    always_null_udf("pg_get_expr", &[2, 3])
}

/// `shobj_description(oid, catalog)`: the comment on a shared object (a database, a role).
/// junction's have none.
pub fn shobj_description_udf() -> ScalarUDF {
    always_null_udf("shobj_description", &[2])
}

/// `col_description(table, column)`: the comment on a column. Lake table columns carry none
/// junction serves.
pub fn col_description_udf() -> ScalarUDF {
    always_null_udf("col_description", &[2])
}

/// `pg_get_function_sqlbody(oid)`: the body of a function written in SQL-standard form.
/// pg_catalog's functions are built in, with none, for which PostgreSQL answers NULL.
pub fn pg_get_function_sqlbody_udf() -> ScalarUDF {
    always_null_udf("pg_get_function_sqlbody", &[1])
}

/// A text function that answers NULL for any of `arities` arguments of any type.
fn always_null_udf(name: &'static str, arities: &[usize]) -> ScalarUDF {
    ScalarUDF::new_from_impl(AlwaysNull {
        name,
        signature: Signature::one_of(
            arities.iter().map(|n| TypeSignature::Any(*n)).collect(),
            Volatility::Stable,
        ),
        returns: DataType::Utf8,
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct AlwaysNull {
    name: &'static str,
    signature: Signature,
    returns: DataType,
}

impl ScalarUDFImpl for AlwaysNull {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.returns.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let null = ScalarValue::try_from(&self.returns)?;
        Ok(if all_scalar {
            ColumnarValue::Scalar(null)
        } else {
            ColumnarValue::Array(null.to_array_of_size(args.number_rows)?)
        })
    }
}

/// PostgreSQL's functions for the disk space of a relation or database, which psql's `\dt+`,
/// `\l+` and `\dn+` call. junction's pg_catalog does not know the size of a lake table (its
/// files are the catalog's, read at query time), so each answers NULL: unknown, never a made-up
/// figure. (conformance/KNOWN_GAPS.md lists it.)
pub const SIZE_FUNCTIONS: [&str; 6] = [
    "pg_table_size",
    "pg_relation_size",
    "pg_total_relation_size",
    "pg_indexes_size",
    "pg_database_size",
    "pg_tablespace_size",
];

pub fn size_udf(name: &'static str) -> ScalarUDF {
    ScalarUDF::new_from_impl(AlwaysNull {
        name,
        signature: Signature::one_of(
            vec![TypeSignature::Any(1), TypeSignature::Any(2)],
            Volatility::Volatile,
        ),
        returns: DataType::Int64,
    })
}

/// `pg_tablespace_location(oid)`: the directory of a tablespace, empty for the two built-in
/// ones (`pg_default`, `pg_global`), the only ones pg_catalog lists.
pub fn pg_tablespace_location_udf() -> ScalarUDF {
    create_udf(
        "pg_tablespace_location",
        vec![DataType::Int32],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(make_scalar_function(
            |args: &[ArrayRef]| {
                let [oids] = args else {
                    return exec_err!("pg_tablespace_location takes one argument");
                };
                let out: StringArray = (0..oids.len())
                    .map(|i| oids.is_valid(i).then_some(""))
                    .collect();
                Ok(Arc::new(out) as ArrayRef)
            },
            vec![],
        )),
    )
}

/// The function a `current_setting` of a name known only at run time falls to when no
/// setting has that name (see junction_transpiler::UNKNOWN_SETTING_FUNCTION): PostgreSQL's
/// 42704 naming it.
pub fn unknown_setting_udf() -> ScalarUDF {
    create_udf(
        junction_transpiler::UNKNOWN_SETTING_FUNCTION,
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(|args: &[ColumnarValue]| {
            let [name] = args else {
                return exec_err!("junction_unknown_setting takes one argument");
            };
            let rows = match name {
                ColumnarValue::Array(a) => a.len(),
                ColumnarValue::Scalar(_) => 1,
            };
            let names = name.to_array(rows)?;
            let Some(first) = names
                .as_string_opt::<i32>()
                .and_then(|n| n.iter().flatten().next())
            else {
                // current_setting(NULL) is NULL in PostgreSQL (the function is strict).
                return Ok(ColumnarValue::Array(Arc::new(StringArray::new_null(rows))));
            };
            Err(DataFusionError::External(Box::new(SqlError {
                sqlstate: "42704",
                message: format!("unrecognized configuration parameter \"{first}\""),
            })))
        }),
    )
}

/// `pg_size_pretty(bigint)`: a byte count in bytes, kB, MB, GB, TB or PB, as PostgreSQL
/// 15's dbsize.c words it (a unit is used below 10240 of it; halves round away from zero).
pub fn pg_size_pretty(size: i64) -> String {
    const UNITS: [(&str, i64, bool, u32); 6] = [
        ("bytes", 10 * 1024, false, 0),
        ("kB", 20 * 1024 - 1, true, 10),
        ("MB", 20 * 1024 - 1, true, 20),
        ("GB", 20 * 1024 - 1, true, 30),
        ("TB", 20 * 1024 - 1, true, 40),
        ("PB", 20 * 1024 - 1, true, 50),
    ];
    let half_rounded = |x: i64| (x + if x > 0 { 1 } else { -1 }) / 2;
    let mut size = size;
    for (i, (name, limit, round, bits)) in UNITS.iter().enumerate() {
        let next = UNITS.get(i + 1);
        if next.is_none() || size.unsigned_abs() < limit.unsigned_abs() {
            if *round {
                size = half_rounded(size);
            }
            return format!("{size} {name}");
        }
        if let Some((_, _, next_round, next_bits)) = next {
            let shift = next_bits - bits - u32::from(*next_round) + u32::from(*round);
            size /= 1i64 << shift;
        }
    }
    format!("{size} PB")
}

pub fn pg_size_pretty_udf() -> ScalarUDF {
    create_udf(
        "pg_size_pretty",
        vec![DataType::Int64],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(make_scalar_function(
            |args: &[ArrayRef]| {
                let [sizes] = args else {
                    return exec_err!("pg_size_pretty takes one argument");
                };
                let Some(sizes) = sizes.as_primitive_opt::<Int64Type>() else {
                    return exec_err!("pg_size_pretty takes a bigint");
                };
                let out: StringArray = sizes.iter().map(|s| s.map(pg_size_pretty)).collect();
                Ok(Arc::new(out) as ArrayRef)
            },
            vec![],
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::pg_size_pretty;

    #[test]
    fn sizes_read_as_postgresql_words_them() {
        for (size, text) in [
            (0, "0 bytes"),
            (10_239, "10239 bytes"),
            (10_240, "10 kB"),
            (-10_240, "-10 kB"),
            (20_479 * 1024, "20 MB"),
            (10_485_247, "10239 kB"),
            (123_456_789, "118 MB"),
            (i64::MAX, "8192 PB"),
        ] {
            assert_eq!(pg_size_pretty(size), text, "{size}");
        }
    }
}
