//! `junction_scalar_subquery(x)`: the one value of a scalar subquery, as PostgreSQL defines
//! it: NULL when the subquery has no row, an error (21000) when it has more than one.
//!
//! DataFusion 53 plans a scalar subquery as a join and checks neither: `SELECT (SELECT x FROM
//! t)` over two rows answers two rows, and over none in a `SELECT` without `FROM` answers no
//! row at all (its scalar_subquery_to_join puts the subquery in place of the one-row empty
//! relation). The transpiler wraps each scalar subquery that is not an aggregate without
//! GROUP BY in this aggregate, which always yields exactly one row (one per group of
//! correlated keys once DataFusion decorrelates it).

use std::any::Any;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, UInt64Type};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use datafusion::scalar::ScalarValue;

use crate::sql_error::SqlError;

/// The aggregate's name, which the transpiler writes.
pub const NAME: &str = "junction_scalar_subquery";

#[derive(Debug, PartialEq, Eq, Hash)]
struct ScalarSubquery {
    signature: Signature,
}

pub fn scalar_subquery_udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(ScalarSubquery {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

fn more_than_one_row() -> SqlError {
    SqlError {
        sqlstate: "21000",
        message: "more than one row returned by a subquery used as an expression".to_owned(),
    }
}

impl AggregateUDFImpl for ScalarSubquery {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [t] => Ok(t.clone()),
            _ => exec_err!("{NAME} takes one argument"),
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(OneRow {
            rows: 0,
            value: ScalarValue::try_from(args.return_field.data_type())?,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Field::new(format!("{}[rows]", args.name), DataType::UInt64, false).into(),
            Field::new(
                format!("{}[value]", args.name),
                args.return_field.data_type().clone(),
                true,
            )
            .into(),
        ])
    }
}

/// The rows seen so far and the first one's value.
#[derive(Debug)]
struct OneRow {
    rows: u64,
    value: ScalarValue,
}

impl OneRow {
    fn add(&mut self, rows: u64, values: &dyn Array, at: usize) -> Result<()> {
        if rows == 0 {
            return Ok(());
        }
        if self.rows + rows > 1 {
            return Err(more_than_one_row().into());
        }
        self.value = ScalarValue::try_from_array(values, at)?;
        self.rows = 1;
        Ok(())
    }
}

impl Accumulator for OneRow {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [values] = values else {
            return exec_err!("{NAME} takes one argument");
        };
        // Every row counts, NULL or not: two rows are an error whatever they hold.
        self.add(values.len() as u64, values.as_ref(), 0)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [rows, values] = states else {
            return exec_err!("{NAME}'s state has two fields");
        };
        let Some(rows) = rows.as_primitive_opt::<UInt64Type>() else {
            return exec_err!("{NAME}'s row count is not UInt64");
        };
        for (at, count) in rows.iter().enumerate() {
            self.add(count.unwrap_or(0), values.as_ref(), at)?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::UInt64(Some(self.rows)),
            self.value.clone(),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.value.clone())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.value.size() - std::mem::size_of_val(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::Int32Array;

    use super::*;

    fn accumulator() -> OneRow {
        OneRow {
            rows: 0,
            value: ScalarValue::Int32(None),
        }
    }

    #[test]
    fn no_row_is_null_one_is_its_value_two_are_an_error() {
        let mut none = accumulator();
        none.update_batch(&[Arc::new(Int32Array::from(Vec::<i32>::new()))])
            .expect("empty batch");
        assert_eq!(none.evaluate().ok(), Some(ScalarValue::Int32(None)));

        let mut one = accumulator();
        one.update_batch(&[Arc::new(Int32Array::from(vec![7]))])
            .expect("one row");
        assert_eq!(one.evaluate().ok(), Some(ScalarValue::Int32(Some(7))));

        let mut two = accumulator();
        two.update_batch(&[Arc::new(Int32Array::from(vec![Some(7)]))])
            .expect("first row");
        assert!(two
            .update_batch(&[Arc::new(Int32Array::from(vec![None::<i32>]))])
            .is_err());
    }
}
