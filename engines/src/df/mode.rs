//! `mode() WITHIN GROUP (ORDER BY x)` on DataFusion, which has no mode: the transpiler
//! collects the ordered non-NULL values (`array_agg(x ORDER BY x) FILTER (WHERE x IS NOT
//! NULL)`) and this function picks the most frequent, the first in that order among equals,
//! as PostgreSQL does.

use std::any::Any;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Mode {
    signature: Signature,
}

pub fn mode_udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(Mode {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// The element type of a list type.
fn element(data_type: &DataType) -> Option<&DataType> {
    match data_type {
        DataType::List(field) | DataType::LargeList(field) => Some(field.data_type()),
        _ => None,
    }
}

/// The first value of the longest run of equal values in `sorted`.
fn most_frequent(sorted: &dyn Array) -> Result<ScalarValue> {
    let mut best: Option<(usize, usize)> = None;
    let mut start = 0;
    for i in 1..=sorted.len() {
        let run_ends = i == sorted.len()
            || ScalarValue::try_from_array(sorted, i)?
                != ScalarValue::try_from_array(sorted, start)?;
        if run_ends {
            let length = i - start;
            if best.is_none_or(|(_, longest)| length > longest) {
                best = Some((start, length));
            }
            start = i;
        }
    }
    match best {
        Some((at, _)) => ScalarValue::try_from_array(sorted, at),
        None => ScalarValue::try_from(sorted.data_type()),
    }
}

impl ScalarUDFImpl for Mode {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "junction_mode"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [list] if element(list).is_some() => Ok(vec![list.clone()]),
            _ => plan_err!("junction_mode takes the list of ordered values, not {arg_types:?}"),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types.first().and_then(element) {
            Some(t) => Ok(t.clone()),
            None => plan_err!("junction_mode takes a list"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [lists] = args.args.as_slice() else {
            return plan_err!("junction_mode takes one argument");
        };
        let scalar = matches!(lists, ColumnarValue::Scalar(_));
        let lists = lists.to_array(if scalar { 1 } else { args.number_rows })?;
        let element_type = self.return_type(&[lists.data_type().clone()])?;
        let mut modes = Vec::with_capacity(lists.len());
        for row in 0..lists.len() {
            modes.push(if lists.is_null(row) {
                ScalarValue::try_from(&element_type)?
            } else {
                let values = match lists.data_type() {
                    DataType::LargeList(_) => lists.as_list::<i64>().value(row),
                    _ => lists.as_list::<i32>().value(row),
                };
                most_frequent(values.as_ref())?
            });
        }
        if scalar {
            Ok(ColumnarValue::Scalar(modes.swap_remove(0)))
        } else {
            Ok(ColumnarValue::Array(ScalarValue::iter_to_array(modes)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::Int32Array;

    use super::*;

    #[test]
    fn the_first_of_the_most_frequent_wins() {
        let sorted = Int32Array::from(vec![1, 2, 2, 3, 3, 4]);
        assert_eq!(
            most_frequent(&sorted).ok(),
            Some(ScalarValue::Int32(Some(2)))
        );
        let descending = Int32Array::from(vec![4, 3, 3, 2, 2, 1]);
        assert_eq!(
            most_frequent(&descending).ok(),
            Some(ScalarValue::Int32(Some(3)))
        );
        let empty = Int32Array::from(Vec::<i32>::new());
        assert_eq!(most_frequent(&empty).ok(), Some(ScalarValue::Int32(None)));
    }
}
