//! PostgreSQL's `name` on DataFusion: text tagged as [`CatalogType::Name`]. `junction_name`
//! is what the transpiler makes of a cast to name (the text clipped as `namein` clips it),
//! and [`named`] tags the result of a function PostgreSQL answers with a name.
//!
//! Both are volatile, so that DataFusion never folds them into constants: a folded constant
//! keeps the tag, and DataFusion 53's simplifier takes `x = 'a'` and `x = 'a'` tagged for two
//! different values, so `WHERE relname = 'a'::name AND relname = 'a'` (or a user's
//! `table_catalog = 'nessie'` beside information_schema's own `table_catalog =
//! current_database()`) became `false`.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::scalar::ScalarValue;
use junction_transpiler::NAME_FUNCTION;

use crate::catalog_types::{clip_name, clip_names, CatalogType};
use crate::with_extension;

/// A text field named `name`, tagged as PostgreSQL's `name`.
fn name_field(name: &str) -> FieldRef {
    let field = Field::new(name, DataType::Utf8, true);
    Arc::new(with_extension(field, CatalogType::Name.extension()))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct NameCast {
    signature: Signature,
}

/// `junction_name(text)`: the text as a name.
pub fn name_cast_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(NameCast {
        signature: Signature::user_defined(Volatility::Volatile),
    })
}

impl ScalarUDFImpl for NameCast {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        NAME_FUNCTION
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null] => {
                Ok(vec![DataType::Utf8])
            }
            [other] => plan_err!("cannot cast type {other} to name"),
            _ => plan_err!("{NAME_FUNCTION} takes one argument"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(name_field(NAME_FUNCTION))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [text] = args.args.as_slice() else {
            return plan_err!("{NAME_FUNCTION} takes one argument");
        };
        Ok(match text {
            ColumnarValue::Scalar(ScalarValue::Utf8(value)) => ColumnarValue::Scalar(
                ScalarValue::Utf8(value.as_deref().map(|v| clip_name(v).to_owned())),
            ),
            ColumnarValue::Scalar(other) => {
                return plan_err!("{NAME_FUNCTION} takes text, not {}", other.data_type())
            }
            ColumnarValue::Array(values) => ColumnarValue::Array(Arc::new(clip_names(values))),
        })
    }
}

/// `inner`, a function of text result, answering a name.
pub fn named(inner: ScalarUDF) -> ScalarUDF {
    let signature = Signature::new(
        inner.signature().type_signature.clone(),
        Volatility::Volatile,
    );
    ScalarUDF::new_from_impl(Named { inner, signature })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Named {
    inner: ScalarUDF,
    /// The inner function's, volatile.
    signature: Signature,
}

impl ScalarUDFImpl for Named {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let field = self.inner.return_field_from_args(args)?;
        Ok(match CatalogType::Name.holds(field.data_type()) {
            true => Arc::new(with_extension(
                field.as_ref().clone(),
                CatalogType::Name.extension(),
            )),
            false => field,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        self.inner.invoke_with_args(args)
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::prelude::SessionContext;

    use super::*;

    #[tokio::test]
    async fn a_cast_to_name_is_clipped_text_tagged_name() {
        let ctx = SessionContext::new();
        ctx.register_udf(name_cast_udf());
        let frame = ctx
            .sql(&format!(
                "SELECT {NAME_FUNCTION}(repeat('é', 40)) AS n, {NAME_FUNCTION}(NULL) AS m"
            ))
            .await
            .expect("plans");
        let schema = frame.schema().as_arrow().clone();
        let batches = frame.collect().await.expect("runs");
        for field in schema.fields() {
            assert_eq!(CatalogType::of(field), Some(CatalogType::Name), "{field:?}");
        }
        let names = batches[0].column(0).as_string::<i32>();
        assert_eq!(names.value(0), "é".repeat(31));
        assert!(batches[0].column(1).is_null(0));
    }
}
