//! `information_schema._pg_expandarray(a)`: a set of `(x, n)` records, each element of `a`
//! with its position from 1. pgJDBC's `getPrimaryKeys` and `getIndexInfo` read it as
//! `(information_schema._pg_expandarray(i.indkey)).n`. The compatibility parser calls it as
//! `unnest(junction_pg_expandarray(a))`; this function makes the list of records.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, ListArray, StructArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The name the compatibility parser calls.
pub const NAME: &str = "junction_pg_expandarray";

pub fn udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(ExpandArray {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ExpandArray {
    signature: Signature,
}

fn record_fields(element: &DataType) -> Fields {
    Fields::from(vec![
        Field::new("x", element.clone(), true),
        Field::new("n", DataType::Int32, false),
    ])
}

impl ScalarUDFImpl for ExpandArray {
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
            [DataType::List(item)] => Ok(DataType::List(Arc::new(Field::new_list_field(
                DataType::Struct(record_fields(item.data_type())),
                true,
            )))),
            other => plan_err!("_pg_expandarray takes an array, not {other:?}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [array] = args.args.as_slice() else {
            return exec_err!("_pg_expandarray takes one argument");
        };
        let array = array.to_array(args.number_rows)?;
        let Some(lists) = array.as_list_opt::<i32>() else {
            return exec_err!("_pg_expandarray takes an array");
        };
        let offsets = lists.value_offsets();
        // Each element's position within its own array, from 1.
        let positions: Int32Array = (0..lists.len())
            .flat_map(|row| {
                let length = offsets[row + 1] - offsets[row];
                1..=length
            })
            .map(Some)
            .collect();
        let start = offsets[0] as usize;
        let end = offsets[lists.len()] as usize;
        let values = lists.values().slice(start, end - start);
        let fields = record_fields(values.data_type());
        let records = StructArray::try_new(
            fields.clone(),
            vec![values, Arc::new(positions) as ArrayRef],
            None,
        )?;
        let rebased: Vec<i32> = offsets.iter().map(|o| o - offsets[0]).collect();
        let list = ListArray::try_new(
            Arc::new(Field::new_list_field(DataType::Struct(fields), true)),
            OffsetBuffer::new(rebased.into()),
            Arc::new(records),
            lists.nulls().cloned(),
        )?;
        Ok(ColumnarValue::Array(Arc::new(list)))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::Int16Type;
    use datafusion::config::ConfigOptions;

    use super::*;

    #[test]
    fn each_element_comes_with_its_position() {
        let input = ListArray::from_iter_primitive::<Int16Type, _, _>(vec![
            Some(vec![Some(3), Some(1)]),
            None,
            Some(vec![Some(7)]),
        ]);
        let input_type = input.data_type().clone();
        let udf = udf();
        let out = udf
            .invoke_with_args(ScalarFunctionArgs {
                args: vec![ColumnarValue::Array(Arc::new(input))],
                arg_fields: vec![Arc::new(Field::new("a", input_type.clone(), true))],
                number_rows: 3,
                return_field: Arc::new(Field::new(
                    "r",
                    udf.return_type(&[input_type]).expect("type"),
                    true,
                )),
                config_options: Arc::new(ConfigOptions::default()),
            })
            .expect("expanded")
            .to_array(3)
            .expect("array");
        let lists = out.as_list::<i32>();
        assert!(lists.is_null(1));
        let first = lists.value(0);
        let records = first.as_struct();
        assert_eq!(
            records.column(0).as_primitive::<Int16Type>().values(),
            &[3, 1]
        );
        assert_eq!(
            records
                .column(1)
                .as_primitive::<datafusion::arrow::datatypes::Int32Type>()
                .values(),
            &[1, 2]
        );
        assert_eq!(lists.value(2).as_struct().column(1).len(), 1);
    }
}
