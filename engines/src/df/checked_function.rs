//! One of DataFusion's functions behind a check PostgreSQL makes that DataFusion does not:
//! the function stays DataFusion's (its signature, coercions, orderings and bounds), and the
//! check runs on each call's arguments before it and, where PostgreSQL checks what it
//! computed, on the result after it.

use std::any::Any;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::Result;
use datafusion::logical_expr::interval_arithmetic::Interval;
use datafusion::logical_expr::sort_properties::{ExprProperties, SortProperties};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature,
};

/// A check around a function.
pub(super) trait Check: Debug + PartialEq + Eq + Hash + Send + Sync + 'static {
    /// What the argument check hands on to the result check.
    type Kept;

    /// Fails when a row's arguments are outside what PostgreSQL takes.
    fn arguments(&self, args: &[ColumnarValue], rows: usize) -> Result<Self::Kept>;

    /// Fails when a result is outside what PostgreSQL answers.
    fn result(&self, _kept: Self::Kept, _result: &ColumnarValue) -> Result<()> {
        Ok(())
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct Checked<C> {
    inner: Arc<ScalarUDF>,
    check: C,
}

/// `inner` behind `check`, to register in its place.
pub(super) fn checked<C: Check>(inner: Arc<ScalarUDF>, check: C) -> ScalarUDF {
    ScalarUDF::new_from_impl(Checked { inner, check })
}

impl<C: Check> ScalarUDFImpl for Checked<C> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let kept = self.check.arguments(&args.args, args.number_rows)?;
        let result = self.inner.invoke_with_args(args)?;
        self.check.result(kept, &result)?;
        Ok(result)
    }

    fn evaluate_bounds(&self, input: &[&Interval]) -> Result<Interval> {
        self.inner.evaluate_bounds(input)
    }

    fn output_ordering(&self, inputs: &[ExprProperties]) -> Result<SortProperties> {
        self.inner.output_ordering(inputs)
    }

    fn preserves_lex_ordering(&self, inputs: &[ExprProperties]) -> Result<bool> {
        self.inner.preserves_lex_ordering(inputs)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }
}
