//! `ntile(n)` as PostgreSQL numbers its buckets. DataFusion's own ntile gives row `i` of `N`
//! bucket `i * n / N + 1`, which spreads the rows that do not divide evenly over the
//! buckets (3, 2, 3, 2 rows for ten rows in four); PostgreSQL gives them to the first
//! buckets (3, 3, 2, 2). Registered under the same name, this one replaces it.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{arrow::compute::cast, plan_err, Result};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl,
};

use crate::sql_error::SqlError;

#[derive(Debug, PartialEq, Eq, Hash)]
struct Ntile {
    signature: Signature,
}

pub fn ntile_udwf() -> WindowUDF {
    WindowUDF::new_from_impl(Ntile {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

impl WindowUDFImpl for Ntile {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "ntile"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [t] if t.is_integer() || t.is_null() => Ok(vec![DataType::Int64]),
            _ => plan_err!("function ntile({arg_types:?}) does not exist"),
        }
    }

    fn partition_evaluator(
        &self,
        _args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(Buckets))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        // int4, as PostgreSQL's ntile returns; NULL when the bucket count is.
        Ok(Arc::new(Field::new(
            field_args.name(),
            DataType::Int32,
            true,
        )))
    }
}

#[derive(Debug)]
struct Buckets;

impl PartitionEvaluator for Buckets {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        // PostgreSQL reads the bucket count once, at the partition's first row.
        let Some(counts) = values.first() else {
            return plan_err!("ntile takes one argument");
        };
        let counts = cast(counts, &DataType::Int64)?;
        let counts = counts.as_primitive::<Int64Type>();
        if num_rows == 0 {
            return Ok(Arc::new(Int32Array::from(Vec::<i32>::new())));
        }
        if counts.is_null(0) {
            return Ok(Arc::new(Int32Array::new_null(num_rows)));
        }
        let buckets = counts.value(0);
        if buckets <= 0 {
            return Err(SqlError {
                sqlstate: "22014",
                message: "argument of ntile must be greater than zero".to_owned(),
            }
            .into());
        }
        Ok(Arc::new(bucket_numbers(num_rows as u64, buckets as u64)))
    }
}

/// Each of `rows` rows' bucket among `buckets`: every bucket holds `rows / buckets` rows and
/// the first `rows % buckets` one more.
fn bucket_numbers(rows: u64, buckets: u64) -> Int32Array {
    let size = rows / buckets;
    let larger = rows % buckets;
    (0..rows)
        .map(|i| {
            let bucket = if i < larger * (size + 1) {
                i / (size + 1)
            } else {
                larger + (i - larger * (size + 1)) / size.max(1)
            };
            // At most `rows` buckets hold a row, and a partition's rows fit an i32 long before
            // they fit in memory.
            i32::try_from(bucket + 1).unwrap_or(i32::MAX)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(rows: u64, buckets: u64) -> Vec<i32> {
        bucket_numbers(rows, buckets).values().to_vec()
    }

    #[test]
    fn the_first_buckets_take_the_remainder() {
        assert_eq!(numbers(10, 4), [1, 1, 1, 2, 2, 2, 3, 3, 4, 4]);
        assert_eq!(numbers(7, 3), [1, 1, 1, 2, 2, 3, 3]);
        assert_eq!(numbers(8, 4), [1, 1, 2, 2, 3, 3, 4, 4]);
    }

    #[test]
    fn more_buckets_than_rows_give_each_row_its_own() {
        assert_eq!(numbers(3, 5), [1, 2, 3]);
        assert_eq!(numbers(1, 1), [1]);
    }
}
