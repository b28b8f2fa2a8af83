//! `junction_sql_type_name(arrow_type)`: the SQL-standard type name information_schema
//! shows for a column (`integer`, `timestamp without time zone`), from the Arrow type name
//! DataFusion's information_schema lists (`Int32`, `Timestamp(µs)`).

use std::any::Any;
use std::str::FromStr;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use junction_transpiler::datafusion::SQL_TYPE_NAME_FUNCTION;

/// information_schema's name for a column of `data_type`.
fn sql_type_name(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Boolean => "boolean",
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => "smallint",
        DataType::Int32 | DataType::UInt16 => "integer",
        DataType::Int64 | DataType::UInt32 => "bigint",
        DataType::UInt64
        | DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => "numeric",
        DataType::Float16 | DataType::Float32 => "real",
        DataType::Float64 => "double precision",
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "text",
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => "bytea",
        DataType::Date32 | DataType::Date64 => "date",
        DataType::Time32(_) | DataType::Time64(_) => "time without time zone",
        DataType::Timestamp(_, None) => "timestamp without time zone",
        DataType::Timestamp(_, Some(_)) => "timestamp with time zone",
        DataType::Interval(_) | DataType::Duration(_) => "interval",
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => "ARRAY",
        DataType::Dictionary(_, value) => sql_type_name(value),
        _ => "USER-DEFINED",
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SqlTypeName {
    signature: Signature,
}

pub fn sql_type_name_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(SqlTypeName {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

impl ScalarUDFImpl for SqlTypeName {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        SQL_TYPE_NAME_FUNCTION
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_] => Ok(vec![DataType::Utf8]),
            _ => plan_err!("{SQL_TYPE_NAME_FUNCTION} takes one Arrow type name"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        make_scalar_function(sql_type_names, vec![])(&args.args)
    }
}

/// The SQL type name of each Arrow type name of `columns[0]`.
fn sql_type_names(columns: &[ArrayRef]) -> Result<ArrayRef> {
    let [names] = columns else {
        return plan_err!("{SQL_TYPE_NAME_FUNCTION} takes one argument");
    };
    let names = names.as_string::<i32>();
    let mut out = StringBuilder::with_capacity(names.len(), names.len() * 8);
    for name in names.iter() {
        match name {
            None => out.append_null(),
            // A name DataFusion printed parses back; one that would not is no SQL type.
            Some(name) => out.append_value(
                DataType::from_str(name).map_or("USER-DEFINED", |t| sql_type_name(&t)),
            ),
        }
    }
    Ok(Arc::new(out.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::TimeUnit;

    #[test]
    fn arrow_type_names_parse_back_to_sql_type_names() {
        for (data_type, name) in [
            (DataType::Int32, "integer"),
            (DataType::Utf8View, "text"),
            (
                DataType::Timestamp(TimeUnit::Microsecond, None),
                "timestamp without time zone",
            ),
            (
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                "timestamp with time zone",
            ),
            (DataType::Decimal128(15, 2), "numeric"),
            (DataType::Float64, "double precision"),
            (DataType::Date32, "date"),
        ] {
            let printed = data_type.to_string();
            let parsed = DataType::from_str(&printed).expect(&printed);
            assert_eq!(sql_type_name(&parsed), name, "{printed}");
        }
    }
}
