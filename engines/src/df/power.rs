//! `power(a, b)` (and `pow`, and `^`, which the transpiler writes as `power`) as PostgreSQL
//! computes it, in place of DataFusion's: numerics exactly for integer exponents
//! (DataFusion's kept the base's scale, `power(2.5, 2)` answered 6.2, and truncated the
//! exponent, `power(2::numeric, 0.5)` answered 1.0); doubles by DataFusion's power behind
//! PostgreSQL's checks (`domain_checks::checked_power`).

use std::any::Any;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::arithmetic::{as_decimal, binary};
use crate::numeric::{power_arrays, QUOTIENT_TYPE};

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Power {
    signature: Signature,
    aliases: Vec<String>,
    /// The power of doubles.
    float: ScalarUDF,
}

pub fn power_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(Power {
        signature: Signature::user_defined(Volatility::Immutable),
        aliases: vec!["pow".to_owned()],
        float: super::domain_checks::checked_power(),
    })
}

/// PostgreSQL's choice between `power(numeric, numeric)` and `power(float8, float8)`: a
/// double on either side, or no numeric on either, takes the float8 one.
fn is_numeric_power(arg_types: &[DataType]) -> bool {
    let float =
        |t: &DataType| matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64);
    let decimal = |t: &DataType| matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..));
    !arg_types.iter().any(float) && arg_types.iter().any(decimal)
}

impl ScalarUDFImpl for Power {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "power"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != 2 || !arg_types.iter().all(|t| t.is_numeric() || t.is_null()) {
            return plan_err!(
                "No function matches the given name and argument types 'power({arg_types:?})'"
            );
        }
        if is_numeric_power(arg_types) {
            let decimals: Option<Vec<DataType>> = arg_types.iter().map(as_decimal).collect();
            if let Some(decimals) = decimals {
                return Ok(decimals);
            }
        }
        Ok(vec![DataType::Float64, DataType::Float64])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(if is_numeric_power(arg_types) {
            QUOTIENT_TYPE
        } else {
            DataType::Float64
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let numeric = args
            .arg_fields
            .iter()
            .any(|f| matches!(f.data_type(), DataType::Decimal128(..)));
        if !numeric {
            return self.float.invoke_with_args(args);
        }
        binary(&args.args, |base, exponent| {
            Ok(power_arrays(base.as_ref(), exponent.as_ref())?)
        })
    }
}
