//! `pg_typeof(any)`: the name of its argument's type, as the pg front end types the column
//! that value would be (`integer`, `numeric`, `timestamp with time zone`, `integer[]`).
//!
//! The transpiler gives a second argument where the Arrow type does not say the PostgreSQL
//! type: an untyped literal is `unknown`, a cast to `varchar` or `json` is that type though
//! DataFusion holds it as text.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use datafusion::scalar::ScalarValue;

use super::JSON_EXTENSION;
use crate::regtype::{regtype_name, REGTYPE_EXTENSION};
use crate::with_extension;

#[derive(Debug, PartialEq, Eq, Hash)]
struct PgTypeof {
    signature: Signature,
}

pub fn pg_typeof_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(PgTypeof {
        signature: Signature::one_of(
            vec![TypeSignature::Any(1), TypeSignature::Any(2)],
            Volatility::Immutable,
        ),
    })
}

/// The regtype name of a value of `field`.
fn type_name(field: &Field) -> Result<String> {
    if field.extension_type_name() == Some(JSON_EXTENSION) {
        return Ok("json".to_owned());
    }
    match arrow_pg::datatypes::into_pg_type(field.data_type()) {
        Ok(ty) => Ok(regtype_name(&ty)),
        Err(_) => plan_err!(
            "pg_typeof: values of Arrow type {} have no PostgreSQL type",
            field.data_type()
        ),
    }
}

impl ScalarUDFImpl for PgTypeof {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "pg_typeof"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if let Some(field) = args.arg_fields.first() {
            // Checked while planning, so a type without a name fails before any row is read.
            type_name(field)?;
        }
        let field = Field::new(self.name(), DataType::Utf8, false);
        Ok(Arc::new(with_extension(field, REGTYPE_EXTENSION)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = match (args.args.get(1), args.arg_fields.first()) {
            (Some(ColumnarValue::Scalar(ScalarValue::Utf8(Some(name)))), _) => name.clone(),
            (Some(_), _) => return exec_err!("pg_typeof: the type name must be a text constant"),
            (None, Some(field)) => type_name(field)?,
            (None, None) => return exec_err!("pg_typeof takes one argument"),
        };
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(name))))
    }
}
