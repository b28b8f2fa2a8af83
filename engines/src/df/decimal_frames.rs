//! A RANGE frame over a numeric ORDER BY (`sum(x) OVER (ORDER BY x RANGE BETWEEN 1.5
//! PRECEDING AND 0.5 FOLLOWING)`), which DataFusion 53 fails with an internal error
//! ("Uncomparable values"): it computes each row's bounds as `x ± offset`, whose decimal
//! type is wider than `x`'s, and cannot compare decimals of two precisions. With the key
//! and the offsets at the widest precision (38), the bounds keep the key's type. The rule
//! runs after type coercion, which has given the offsets the key's type.

use datafusion::arrow::datatypes::{DataType, DECIMAL128_MAX_PRECISION};
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, Result};
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::{
    cast, ExprSchemable, LogicalPlan, WindowFrameBound, WindowFrameUnits,
};
use datafusion::optimizer::AnalyzerRule;

use super::plan_expressions::rewrite_window_functions;

#[derive(Debug, Default)]
pub(super) struct DecimalFrames;

impl AnalyzerRule for DecimalFrames {
    fn name(&self) -> &str {
        "junction_decimal_frames"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let ranged = |w: &WindowFunction| {
            w.params.window_frame.units == WindowFrameUnits::Range && w.params.order_by.len() == 1
        };
        rewrite_window_functions(plan, ranged, widest_decimal_frame)
    }
}

/// The window's one ORDER BY key and its RANGE offsets as `Decimal128(38, s)`, if the key is
/// a narrower decimal and an offset is a number.
fn widest_decimal_frame(
    mut window: WindowFunction,
    schema: &DFSchema,
) -> Result<Transformed<WindowFunction>> {
    let frame = &window.params.window_frame;
    let offsets = [&frame.start_bound, &frame.end_bound]
        .into_iter()
        .any(|bound| match bound {
            WindowFrameBound::Preceding(offset) | WindowFrameBound::Following(offset) => {
                !offset.is_null()
            }
            WindowFrameBound::CurrentRow => false,
        });
    let [key] = window.params.order_by.as_mut_slice() else {
        return Ok(Transformed::no(window));
    };
    let DataType::Decimal128(precision, scale) = key.expr.get_type(schema)? else {
        return Ok(Transformed::no(window));
    };
    if frame.units != WindowFrameUnits::Range || !offsets || precision == DECIMAL128_MAX_PRECISION {
        return Ok(Transformed::no(window));
    }
    let widest = DataType::Decimal128(DECIMAL128_MAX_PRECISION, scale);
    key.expr = cast(key.expr.clone(), widest.clone());
    let frame = &mut window.params.window_frame;
    for bound in [&mut frame.start_bound, &mut frame.end_bound] {
        if let WindowFrameBound::Preceding(offset) | WindowFrameBound::Following(offset) = bound {
            *offset = offset.cast_to(&widest)?;
        }
    }
    Ok(Transformed::yes(window))
}
