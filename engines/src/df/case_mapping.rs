//! `upper` and `lower` with PostgreSQL's case mapping ([`crate::text`]), in place of
//! DataFusion's.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Case {
    Upper,
    Lower,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CaseMapping {
    case: Case,
    signature: Signature,
}

fn udf(case: Case) -> ScalarUDF {
    ScalarUDF::new_from_impl(CaseMapping {
        case,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

pub fn upper_udf() -> ScalarUDF {
    udf(Case::Upper)
}

pub fn lower_udf() -> ScalarUDF {
    udf(Case::Lower)
}

impl CaseMapping {
    fn map(&self, text: &str) -> String {
        match self.case {
            Case::Upper => crate::text::upper(text),
            Case::Lower => crate::text::lower(text),
        }
    }
}

impl ScalarUDFImpl for CaseMapping {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        match self.case {
            Case::Upper => "upper",
            Case::Lower => "lower",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null] => {
                Ok(vec![DataType::Utf8])
            }
            // PostgreSQL casts other scalars to text.
            [t] if !t.is_nested() => Ok(vec![DataType::Utf8]),
            _ => plan_err!("function {}({arg_types:?}) does not exist", self.name()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return plan_err!("{} takes one argument", self.name());
        };
        match value {
            ColumnarValue::Scalar(s) => {
                let text = match s {
                    ScalarValue::Utf8(t) => t.as_deref().map(|t| self.map(t)),
                    other if other.is_null() => None,
                    other => Some(self.map(&other.to_string())),
                };
                Ok(ColumnarValue::Scalar(ScalarValue::Utf8(text)))
            }
            ColumnarValue::Array(array) => {
                let texts = array.as_string::<i32>();
                let mapped: StringArray = texts.iter().map(|t| t.map(|t| self.map(t))).collect();
                let mapped: ArrayRef = Arc::new(mapped);
                debug_assert_eq!(mapped.len(), array.len());
                Ok(ColumnarValue::Array(mapped))
            }
        }
    }
}
