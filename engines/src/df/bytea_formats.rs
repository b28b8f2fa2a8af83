//! `encode(bytea, format)` and `decode(text, format)` with PostgreSQL's formats
//! ([`crate::bytea_formats`]) in place of DataFusion's, whose base64 drops the padding.

use std::any::Any;

use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::functions::utils::make_scalar_function;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::bytea_formats::{decode_each, encode_each};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Direction {
    Encode,
    Decode,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ByteaFormat {
    direction: Direction,
    signature: Signature,
}

pub fn encode_udf() -> ScalarUDF {
    udf(Direction::Encode)
}

pub fn decode_udf() -> ScalarUDF {
    udf(Direction::Decode)
}

fn udf(direction: Direction) -> ScalarUDF {
    ScalarUDF::new_from_impl(ByteaFormat {
        direction,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null
    )
}

impl ScalarUDFImpl for ByteaFormat {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        match self.direction {
            Direction::Encode => "encode",
            Direction::Decode => "decode",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match (self.direction, arg_types) {
            // A text to encode is read as bytea input, as PostgreSQL reads an untyped
            // literal there ('\x6869' is two bytes).
            (Direction::Encode, [value, format]) if is_text(format) => {
                let value = match value {
                    DataType::Binary | DataType::BinaryView | DataType::LargeBinary => {
                        DataType::Binary
                    }
                    t if is_text(t) => DataType::Utf8,
                    other => return plan_err!("encode of {other}"),
                };
                Ok(vec![value, DataType::Utf8])
            }
            (Direction::Decode, [value, format]) if is_text(value) && is_text(format) => {
                Ok(vec![DataType::Utf8, DataType::Utf8])
            }
            _ => plan_err!("{} of {arg_types:?}", self.name()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.direction {
            Direction::Encode => DataType::Utf8,
            Direction::Decode => DataType::Binary,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match self.direction {
            Direction::Encode => make_scalar_function(encode_column, vec![])(&args.args),
            Direction::Decode => make_scalar_function(decode_column, vec![])(&args.args),
        }
    }
}

fn encode_column(columns: &[ArrayRef]) -> Result<ArrayRef> {
    let [values, formats] = columns else {
        return plan_err!("encode takes two arguments");
    };
    Ok(encode_each(values, formats.as_string::<i32>())?)
}

fn decode_column(columns: &[ArrayRef]) -> Result<ArrayRef> {
    let [texts, formats] = columns else {
        return plan_err!("decode takes two arguments");
    };
    Ok(decode_each(
        texts.as_string::<i32>(),
        formats.as_string::<i32>(),
    )?)
}
