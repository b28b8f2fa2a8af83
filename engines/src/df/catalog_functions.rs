//! Catalog functions that drivers call while reflecting tables, beyond those
//! datafusion-pg-catalog brings.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Int32Type};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};
use datafusion::scalar::ScalarValue;
use datafusion_pg_catalog::pg_catalog::ArrowTable;

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

/// `pg_collation_is_visible(oid)`: whether the collation is found by its bare name. Every
/// collation pg_catalog serves lives in `pg_catalog`, which is always searched, so each one
/// is visible; an OID that names no collation gives NULL, as in PostgreSQL.
pub fn pg_collation_is_visible_udf(pg_collation: &ArrowTable) -> Result<ScalarUDF> {
    let mut known = HashSet::new();
    for batch in pg_collation.data() {
        let Some(oids) = batch
            .column_by_name("oid")
            .and_then(|c| c.as_primitive_opt::<Int32Type>())
        else {
            return exec_err!("pg_collation has no int4 oid column");
        };
        known.extend(oids.iter().flatten());
    }
    let known = Arc::new(known);
    Ok(create_udf(
        "pg_collation_is_visible",
        vec![DataType::Int32],
        DataType::Boolean,
        Volatility::Stable,
        Arc::new(move |args: &[ColumnarValue]| {
            let visible = |oid: Option<i32>| oid.filter(|o| known.contains(o)).map(|_| true);
            match args {
                [ColumnarValue::Scalar(ScalarValue::Int32(oid))] => {
                    Ok(ColumnarValue::Scalar(ScalarValue::Boolean(visible(*oid))))
                }
                [ColumnarValue::Array(oids)] => {
                    let Some(oids) = oids.as_primitive_opt::<Int32Type>() else {
                        return exec_err!("pg_collation_is_visible takes an oid");
                    };
                    let out: BooleanArray = oids.iter().map(visible).collect();
                    Ok(ColumnarValue::Array(Arc::new(out)))
                }
                _ => exec_err!("pg_collation_is_visible takes one argument"),
            }
        }),
    ))
}
