//! Prepared statements of a Flight session: the command parsed once, its shape, and the
//! parameter values a client bound with DoPut.

use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::scalar::ScalarValue;
use junction_engines::Described;

use crate::command::Command;
use crate::error::GatewayError;

/// One prepared statement.
#[derive(Debug)]
pub struct PreparedStatement {
    pub command: Command,
    /// Result columns and parameter types; `None` for commands that return no rows.
    pub described: Option<Described>,
    bound: Mutex<Option<Vec<ScalarValue>>>,
}

impl PreparedStatement {
    pub fn new(command: Command, described: Option<Described>) -> Self {
        Self {
            command,
            described,
            bound: Mutex::new(None),
        }
    }

    fn parameter_types(&self) -> &[Option<DataType>] {
        self.described
            .as_ref()
            .map(|d| d.parameters.as_slice())
            .unwrap_or_default()
    }

    /// The result columns (empty for commands that return no rows).
    pub fn dataset_schema(&self) -> SchemaRef {
        self.described
            .as_ref()
            .map(|d| Arc::clone(&d.schema))
            .unwrap_or_else(|| Arc::new(Schema::empty()))
    }

    /// One column per parameter, `$1` first; text where the engine cannot infer a type (as
    /// PostgreSQL resolves an untyped parameter).
    pub fn parameter_schema(&self) -> Schema {
        Schema::new(
            self.parameter_types()
                .iter()
                .enumerate()
                .map(|(i, ty)| {
                    Field::new(
                        format!("${}", i + 1),
                        ty.clone().unwrap_or(DataType::Utf8),
                        true,
                    )
                })
                .collect::<Vec<_>>(),
        )
    }

    /// Binds the values of `batches` (one row in all, one column per parameter), cast to
    /// the parameters' types; they stay bound until the next binding.
    pub fn bind(&self, batches: &[RecordBatch]) -> Result<(), GatewayError> {
        let types = self.parameter_types();
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
            return Err(GatewayError::Parameters(
                "the parameter binding holds no row".to_owned(),
            ));
        };
        if rows != 1 {
            return Err(GatewayError::Parameters(
                "the parameter binding holds more than one row; junction executes a query once \
                 per binding, so bind one row"
                    .to_owned(),
            ));
        }
        if batch.num_columns() != types.len() {
            return Err(GatewayError::Parameters(format!(
                "the statement has {} parameter{}, but {} value{} were bound",
                types.len(),
                if types.len() == 1 { "" } else { "s" },
                batch.num_columns(),
                if batch.num_columns() == 1 { "" } else { "s" },
            )));
        }
        let values = batch
            .columns()
            .iter()
            .zip(types)
            .enumerate()
            .map(|(i, (column, ty))| {
                let value = ScalarValue::try_from_array(column, 0)
                    .map_err(|e| GatewayError::Parameters(format!("parameter ${}: {e}", i + 1)))?;
                match ty {
                    Some(ty) if value.data_type() != *ty => value.cast_to(ty).map_err(|e| {
                        GatewayError::Parameters(format!(
                            "parameter ${}: cannot use a {} value as {ty}: {e}",
                            i + 1,
                            value.data_type()
                        ))
                    }),
                    _ => Ok(value),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        *self.bound.lock().unwrap_or_else(|e| e.into_inner()) = Some(values);
        Ok(())
    }

    /// The values to execute with: the bound ones, or none for a statement without
    /// parameters.
    pub fn parameters(&self) -> Result<Vec<ScalarValue>, GatewayError> {
        let count = self.parameter_types().len();
        if count == 0 {
            return Ok(Vec::new());
        }
        self.bound
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| {
                GatewayError::Parameters(format!(
                    "the statement has {count} parameter{} but none were bound (DoPut)",
                    if count == 1 { "" } else { "s" }
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Int64Array, StringArray};

    use super::*;

    fn prepared(parameters: Vec<Option<DataType>>) -> PreparedStatement {
        PreparedStatement::new(
            Command::Begin,
            Some(Described {
                schema: Arc::new(Schema::empty()),
                parameters,
            }),
        )
    }

    fn batch(columns: Vec<(&str, arrow::array::ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).expect("valid batch")
    }

    #[test]
    fn bound_values_are_cast_to_the_parameter_types() {
        let p = prepared(vec![Some(DataType::Int32), None]);
        assert_eq!(p.parameter_schema().field(0).name(), "$1");
        assert_eq!(p.parameter_schema().field(1).data_type(), &DataType::Utf8);
        p.bind(&[batch(vec![
            ("a", Arc::new(Int64Array::from(vec![7]))),
            ("b", Arc::new(StringArray::from(vec!["x"]))),
        ])])
        .expect("fits");
        assert_eq!(
            p.parameters().expect("bound"),
            vec![ScalarValue::Int32(Some(7)), ScalarValue::from("x")]
        );
    }

    #[test]
    fn wrong_counts_and_missing_bindings_are_22023() {
        let p = prepared(vec![Some(DataType::Int32)]);
        let err = p.parameters().expect_err("nothing bound");
        assert_eq!(err.sqlstate(), "22023");
        let two = batch(vec![
            ("a", Arc::new(Int64Array::from(vec![1]))),
            ("b", Arc::new(Int64Array::from(vec![2]))),
        ]);
        let err = p.bind(&[two]).expect_err("two values for one parameter");
        assert!(
            err.to_string().contains("1 parameter, but 2 values"),
            "{err}"
        );
        let rows = batch(vec![("a", Arc::new(Int64Array::from(vec![1, 2])))]);
        let err = p.bind(&[rows]).expect_err("two rows");
        assert!(err.to_string().contains("more than one row"), "{err}");
        let err = p
            .bind(&[batch(vec![("a", Arc::new(StringArray::from(vec!["x"])))])])
            .expect_err("text for an integer");
        assert_eq!(err.sqlstate(), "22023");
    }
}
