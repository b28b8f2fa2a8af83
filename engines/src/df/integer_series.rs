//! `generate_series(start, stop[, step])` of integers in FROM, stepping without overflow.
//!
//! DataFusion's series steps past each value before it compares with the bound: one that
//! ends within a step of int8's largest or smallest value wraps around and runs on for ever
//! in a release build (a debug build panics), where PostgreSQL stops at the bound. Series of
//! timestamps and dates, and calls this one does not read, stay DataFusion's.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion::datasource::TableType;
use datafusion::functions_table::generate_series::GenerateSeriesFunc;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::memory::{LazyBatchGenerator, LazyMemoryExec};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::scalar::ScalarValue;
use parking_lot::RwLock;

/// The `generate_series` table function.
#[derive(Debug, Default)]
pub(super) struct GenerateSeries;

impl TableFunctionImpl for GenerateSeries {
    fn call(&self, args: &[Expr]) -> Result<Arc<dyn TableProvider>> {
        match Bounds::of(args) {
            Some(bounds) => Ok(Arc::new(IntegerSeries {
                schema: Arc::new(Schema::new(vec![Field::new(
                    "value",
                    DataType::Int64,
                    false,
                )])),
                bounds,
            })),
            None => GenerateSeriesFunc {}.call(args),
        }
    }
}

/// A series' first value, bound and step; `None` first for a NULL argument (no rows).
#[derive(Debug, Clone, Copy)]
struct Bounds {
    start: Option<i64>,
    stop: i64,
    step: i64,
}

impl Bounds {
    /// The bounds of a call with two or three integer constants and a step other than zero
    /// (the zero step is left to DataFusion's error, which junction words as PostgreSQL's).
    fn of(args: &[Expr]) -> Option<Bounds> {
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            match arg {
                Expr::Literal(ScalarValue::Int64(value), _) => values.push(*value),
                // `1::int`: DataFusion's own series takes int8 constants only.
                Expr::Literal(ScalarValue::Int32(value), _) => values.push(value.map(i64::from)),
                Expr::Literal(ScalarValue::Int16(value), _) => values.push(value.map(i64::from)),
                Expr::Literal(ScalarValue::Null, _) => values.push(None),
                _ => return None,
            }
        }
        let (start, stop, step) = match values.as_slice() {
            [start, stop] => (*start, *stop, Some(1)),
            [start, stop, step] => (*start, *stop, *step),
            _ => return None,
        };
        if step == Some(0) {
            return None;
        }
        Some(match (stop, step) {
            (Some(stop), Some(step)) => Bounds { start, stop, step },
            _ => Bounds {
                start: None,
                stop: 0,
                step: 1,
            },
        })
    }
}

#[derive(Debug)]
struct IntegerSeries {
    schema: SchemaRef,
    bounds: Bounds,
}

#[async_trait]
impl TableProvider for IntegerSeries {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let values = Values {
            schema: self.schema(),
            bounds: self.bounds,
            next: self.bounds.start,
            batch_size: state.config_options().execution.batch_size,
        };
        Ok(Arc::new(
            LazyMemoryExec::try_new(self.schema(), vec![Arc::new(RwLock::new(values))])?
                .with_projection(projection.cloned()),
        ))
    }
}

/// The series' values, a batch at a time.
#[derive(Debug, Clone)]
struct Values {
    schema: SchemaRef,
    bounds: Bounds,
    /// The next value, `None` once the bound or the end of int8 is passed.
    next: Option<i64>,
    batch_size: usize,
}

impl LazyBatchGenerator for Values {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn generate_next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let Bounds { stop, step, .. } = self.bounds;
        let mut batch = Vec::with_capacity(self.batch_size.max(1));
        while batch.len() < self.batch_size.max(1) {
            let Some(value) = self
                .next
                .filter(|&v| if step > 0 { v <= stop } else { v >= stop })
            else {
                self.next = None;
                break;
            };
            batch.push(value);
            self.next = value.checked_add(step);
        }
        if batch.is_empty() {
            return Ok(None);
        }
        let values = Arc::new(Int64Array::from(batch));
        Ok(Some(RecordBatch::try_new(self.schema(), vec![values])?))
    }

    fn reset_state(&self) -> Arc<RwLock<dyn LazyBatchGenerator>> {
        Arc::new(RwLock::new(Values {
            next: self.bounds.start,
            ..self.clone()
        }))
    }
}

impl Values {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

impl fmt::Display for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Bounds { start, stop, step } = self.bounds;
        match start {
            Some(start) => write!(
                f,
                "generate_series: start={start}, stop={stop}, step={step}"
            ),
            None => write!(f, "generate_series: empty"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(args: &[Option<i64>]) -> Vec<i64> {
        let args: Vec<Expr> = args
            .iter()
            .map(|v| Expr::Literal(ScalarValue::Int64(*v), None))
            .collect();
        let bounds = Bounds::of(&args).expect("integer bounds");
        let schema = Arc::new(Schema::new(vec![Field::new(
            "value",
            DataType::Int64,
            false,
        )]));
        let mut values = Values {
            schema,
            bounds,
            next: bounds.start,
            batch_size: 2,
        };
        let mut all = Vec::new();
        while let Some(batch) = values.generate_next_batch().expect("a batch") {
            let column = batch.column(0).as_any().downcast_ref::<Int64Array>();
            all.extend(column.expect("int8 values").values().iter().copied());
        }
        all
    }

    #[test]
    fn stops_at_the_ends_of_int8() {
        assert_eq!(
            series(&[Some(i64::MAX - 2), Some(i64::MAX)]),
            [i64::MAX - 2, i64::MAX - 1, i64::MAX]
        );
        assert_eq!(
            series(&[Some(i64::MIN + 1), Some(i64::MIN), Some(-1)]),
            [i64::MIN + 1, i64::MIN]
        );
        assert_eq!(
            series(&[Some(i64::MAX - 5), Some(i64::MAX), Some(4)]),
            [i64::MAX - 5, i64::MAX - 1]
        );
    }

    #[test]
    fn steps_as_postgresql_does() {
        assert_eq!(series(&[Some(1), Some(5), Some(2)]), [1, 3, 5]);
        assert_eq!(series(&[Some(5), Some(1), Some(-3)]), [5, 2]);
        assert!(series(&[Some(3), Some(1)]).is_empty());
        assert!(series(&[None, Some(3)]).is_empty());
        assert!(series(&[Some(1), Some(3), None]).is_empty());
    }
}
