//! `clock_timestamp()`: the time now, read when each batch is computed. The transaction's
//! and statement's clocks (`now()`, `statement_timestamp()`) are bound before a statement
//! reaches the engine (junction_transpiler::bind_session_values); this one must move.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::TimestampMicrosecondArray;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ClockTimestamp {
    signature: Signature,
}

pub fn clock_timestamp_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(ClockTimestamp {
        signature: Signature::nullary(Volatility::Volatile),
    })
}

/// timestamptz, labelled with the session's zone as DataFusion labels it.
fn return_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()))
}

impl ScalarUDFImpl for ClockTimestamp {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "clock_timestamp"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(return_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let now = chrono::Utc::now().timestamp_micros();
        let times =
            TimestampMicrosecondArray::from(vec![now; args.number_rows]).with_timezone("+00:00");
        Ok(ColumnarValue::Array(Arc::new(times)))
    }
}
