//! PostgreSQL's interval equality and order on DataFusion.
//!
//! PostgreSQL compares intervals by their span, a month counting as 30 days and a day as 24
//! hours: `'1 mon' = '30 days' = '720 hours'`, `'30 hours' > '1 day'`, `max('1 mon', '40
//! days')` is `40 days`, and GROUP BY or DISTINCT put all three of the first in one group.
//! DataFusion 53 compares the months, days and nanoseconds of an interval one after the
//! other, so it answered each of those differently (and DuckDB, which normalises, as
//! PostgreSQL does).
//!
//! This analyzer rule runs after type coercion, when every expression's type is known, and
//! makes DataFusion compare the span: comparisons, BETWEEN, IN lists and CASE tests of two
//! intervals compare [`KEY_FUNCTION`] of each; sorts (ORDER BY, a window's or an aggregate's
//! order), window partitions and join keys use the span; `max`/`min` of an interval take the
//! first value in span order, `greatest`/`least`/`nullif` are junction's; GROUP BY and
//! DISTINCT group by the span and keep one of the group's intervals, as PostgreSQL shows one
//! of them. A second rule, before type coercion, orders windows by the span (DataFusion's
//! coercion fails an interval-ordered RANGE frame). What is not rewritten, where an interval
//! would still be compared field by field (grouping sets, DISTINCT ON, `x IN (subquery)`,
//! windowed `max`/`min`, other DISTINCT aggregates), is refused with 0A000, so `auto` runs
//! the statement on DuckDB.

use std::any::Any;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, IntervalMonthDayNanoBuilder,
};
use datafusion::arrow::datatypes::{
    DataType, IntervalMonthDayNano, IntervalMonthDayNanoType, IntervalUnit,
};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{plan_err, Column, DFSchema, Result};
use datafusion::config::ConfigOptions;
use datafusion::error::DataFusionError;
use datafusion::functions::utils::make_scalar_function;
use datafusion::functions_aggregate::first_last::first_value_udaf;
use datafusion::logical_expr::expr::{AggregateFunction, InList, WindowFunction};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{
    Aggregate, Between, BinaryExpr, Case, ColumnarValue, Distinct, Expr, ExprSchemable,
    LogicalPlan, LogicalPlanBuilder, Operator, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, SortExpr, Volatility, WindowFrameBound, WindowFrameUnits, WindowFunctionDefinition,
};
use datafusion::optimizer::AnalyzerRule;
use datafusion::prelude::lit;
use datafusion::scalar::ScalarValue;

use super::plan_expressions::{any_expression, input_schema, rewrite_window_functions};

/// The function giving an interval's span in nanoseconds, PostgreSQL's comparison key.
pub(super) const KEY_FUNCTION: &str = "junction_interval_span";

const INTERVAL: DataType = DataType::Interval(IntervalUnit::MonthDayNano);
/// Wide enough for any span: 2^31 months of 30 days in nanoseconds is below 10^25.
const SPAN: DataType = DataType::Decimal128(38, 0);
const NANOS_PER_DAY: i128 = 86_400_000_000_000;
const DAYS_PER_MONTH: i128 = 30;
/// The columns a regrouped aggregate or distinct adds, numbered per plan node.
const GROUP_PREFIX: &str = "__junction_interval_group_";
const VALUE_PREFIX: &str = "__junction_interval_value_";

/// The analyzer's rules with junction's two interval rules added: [`IntervalWindowOrder`]
/// before DataFusion's type coercion, [`IntervalOrder`] after it.
pub(super) fn with_rules(
    rules: &[Arc<dyn AnalyzerRule + Send + Sync>],
) -> Vec<Arc<dyn AnalyzerRule + Send + Sync>> {
    let mut out = Vec::with_capacity(rules.len() + 2);
    for rule in rules {
        if rule.name() == "type_coercion" {
            out.push(Arc::new(IntervalWindowOrder) as Arc<dyn AnalyzerRule + Send + Sync>);
        }
        out.push(Arc::clone(rule));
    }
    out.push(Arc::new(IntervalOrder));
    out
}

/// A window ordered by an interval, ordered by its span before type coercion, which refuses
/// the RANGE frame (every ordered window's default) over an interval with an internal error.
#[derive(Debug, Default)]
struct IntervalWindowOrder;

impl AnalyzerRule for IntervalWindowOrder {
    fn name(&self) -> &str {
        "junction_interval_window_order"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        rewrite_window_functions(plan, |_| true, span_window_order)
    }
}

#[derive(Debug, Default)]
struct IntervalOrder;

impl AnalyzerRule for IntervalOrder {
    fn name(&self) -> &str {
        "junction_interval_order"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(rewrite_node)
            .map(|rewritten| rewritten.data)
    }
}

/// Whether `expr` is of a shape [`rewrite_expr`] rewrites when it sees an interval: most
/// nodes of most statements hold none, and are spared naming every expression to keep
/// its name.
fn sees_interval(expr: &Expr, schema: &DFSchema) -> bool {
    let interval = |e: &Expr| is_interval(e, schema);
    match expr {
        Expr::BinaryExpr(b) => is_comparison(b.op) && interval(&b.left),
        Expr::Between(b) => interval(&b.expr),
        Expr::InList(l) => interval(&l.expr),
        Expr::InSubquery(t) => interval(&t.expr),
        Expr::Case(c) => c.expr.as_deref().is_some_and(interval),
        Expr::ScalarFunction(f) => {
            matches!(f.name(), "greatest" | "least" | "nullif") && f.args.iter().any(interval)
        }
        Expr::AggregateFunction(a) => {
            a.params.args.iter().any(interval)
                || a.params.order_by.iter().any(|s| interval(&s.expr))
        }
        Expr::WindowFunction(w) => {
            w.params.args.iter().any(interval) || w.params.partition_by.iter().any(interval)
        }
        _ => false,
    }
}

fn rewrite_node(node: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
    let schema = input_schema(&node);
    let rewritten = if any_expression(&node, |e| sees_interval(e, &schema))? {
        let names = NamePreserver::new(&node);
        node.map_expressions(|expr| {
            let name = names.save(&expr);
            Ok(rewrite_expr(expr, &schema)?.update_data(|expr| name.restore(expr)))
        })?
    } else {
        Transformed::no(node)
    };
    rewritten.transform_data(|node| match node {
        LogicalPlan::Sort(mut sort) => {
            let schema = Arc::clone(sort.input.schema());
            let changed = span_sort_keys(&mut sort.expr, &schema)?;
            Ok(Transformed::new_transformed(
                LogicalPlan::Sort(sort),
                changed,
            ))
        }
        LogicalPlan::Join(mut join) => {
            let mut changed = false;
            for (left, right) in &mut join.on {
                if is_interval(left, join.left.schema()) {
                    *left = span(left.clone(), join.left.schema())?;
                    *right = span(right.clone(), join.right.schema())?;
                    changed = true;
                }
            }
            Ok(Transformed::new_transformed(
                LogicalPlan::Join(join),
                changed,
            ))
        }
        LogicalPlan::Distinct(Distinct::All(input)) => distinct_by_span(input),
        LogicalPlan::Distinct(Distinct::On(on)) => {
            let schema = on.input.schema();
            if on.on_expr.iter().any(|e| is_interval(e, schema))
                || on
                    .sort_expr
                    .iter()
                    .flatten()
                    .any(|s| is_interval(&s.expr, schema))
            {
                return refuse("DISTINCT ON an interval");
            }
            Ok(Transformed::no(LogicalPlan::Distinct(Distinct::On(on))))
        }
        LogicalPlan::Aggregate(aggregate) => group_by_span(aggregate),
        node => Ok(Transformed::no(node)),
    })
}

fn refuse<T>(what: &str) -> Result<T> {
    Err(DataFusionError::NotImplemented(format!(
        "{what} is not supported on DataFusion, which compares intervals field by field"
    )))
}

fn is_interval(expr: &Expr, schema: &DFSchema) -> bool {
    matches!(expr.get_type(schema), Ok(DataType::Interval(_)))
}

/// `expr`'s span.
fn span(expr: Expr, schema: &DFSchema) -> Result<Expr> {
    Ok(SPAN_UDF.call(vec![as_interval(expr, schema)?]))
}

/// `expr` as the interval type junction's functions take: the analyzer's type coercion has
/// run, so other interval units (and a NULL) are cast here.
fn as_interval(expr: Expr, schema: &DFSchema) -> Result<Expr> {
    match expr.get_type(schema)? {
        INTERVAL => Ok(expr),
        _ => expr.cast_to(&INTERVAL, schema),
    }
}

/// junction's interval functions, built once.
static SPAN_UDF: LazyLock<ScalarUDF> = LazyLock::new(|| {
    ScalarUDF::new_from_impl(IntervalSpan {
        signature: Signature::exact(vec![INTERVAL], Volatility::Immutable),
    })
});
static GREATEST_UDF: LazyLock<ScalarUDF> = LazyLock::new(|| extreme_udf(Extreme::Greatest));
static LEAST_UDF: LazyLock<ScalarUDF> = LazyLock::new(|| extreme_udf(Extreme::Least));

fn span_sort_keys(keys: &mut [SortExpr], schema: &DFSchema) -> Result<bool> {
    let mut changed = false;
    for key in keys {
        if is_interval(&key.expr, schema) {
            key.expr = span(key.expr.clone(), schema)?;
            changed = true;
        }
    }
    Ok(changed)
}

/// Rewrites the comparisons, sorts and aggregates of `expr` that see intervals; `schema` is
/// that of the rows `expr` is evaluated over.
fn rewrite_expr(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    expr.transform_up(|expr| match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if is_comparison(op) && is_interval(&left, schema) && is_interval(&right, schema) =>
        {
            Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(
                Box::new(span(*left, schema)?),
                op,
                Box::new(span(*right, schema)?),
            ))))
        }
        Expr::Between(between) if is_interval(&between.expr, schema) => {
            Ok(Transformed::yes(Expr::Between(Between::new(
                Box::new(span(*between.expr, schema)?),
                between.negated,
                Box::new(span(*between.low, schema)?),
                Box::new(span(*between.high, schema)?),
            ))))
        }
        Expr::InList(list) if is_interval(&list.expr, schema) => {
            let values = list
                .list
                .into_iter()
                .map(|value| span(value, schema))
                .collect::<Result<_>>()?;
            Ok(Transformed::yes(Expr::InList(InList::new(
                Box::new(span(*list.expr, schema)?),
                values,
                list.negated,
            ))))
        }
        Expr::Case(Case {
            expr: Some(tested),
            when_then_expr,
            else_expr,
        }) if is_interval(&tested, schema) => {
            let when_then_expr = when_then_expr
                .into_iter()
                .map(|(when, then)| Ok((Box::new(span(*when, schema)?), then)))
                .collect::<Result<_>>()?;
            Ok(Transformed::yes(Expr::Case(Case {
                expr: Some(Box::new(span(*tested, schema)?)),
                when_then_expr,
                else_expr,
            })))
        }
        Expr::InSubquery(test) if is_interval(&test.expr, schema) => {
            refuse("IN (subquery) over intervals")
        }
        Expr::ScalarFunction(call)
            if matches!(call.name(), "greatest" | "least" | "nullif")
                && call.args.iter().any(|arg| is_interval(arg, schema)) =>
        {
            let args = call
                .args
                .into_iter()
                .map(|arg| as_interval(arg, schema))
                .collect::<Result<Vec<_>>>()?;
            let rewritten = match (call.func.name(), <[Expr; 2]>::try_from(args)) {
                ("nullif", Ok([value, other])) => Expr::Case(Case {
                    expr: None,
                    when_then_expr: vec![(
                        Box::new(span(value.clone(), schema)?.eq(span(other, schema)?)),
                        Box::new(lit(ScalarValue::IntervalMonthDayNano(None))),
                    )],
                    else_expr: Some(Box::new(value)),
                }),
                ("nullif", Err(_)) => return plan_err!("nullif takes two arguments"),
                ("greatest", args) => GREATEST_UDF.call(args.map_or_else(|a| a, Vec::from)),
                (_, args) => LEAST_UDF.call(args.map_or_else(|a| a, Vec::from)),
            };
            Ok(Transformed::yes(rewritten))
        }
        Expr::AggregateFunction(aggregate) => rewrite_aggregate(aggregate, schema),
        Expr::WindowFunction(window) => rewrite_window(*window, schema),
        expr => Ok(Transformed::no(expr)),
    })
}

fn is_comparison(op: Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
            | Operator::IsDistinctFrom
            | Operator::IsNotDistinctFrom
    )
}

/// `max`/`min` of an interval as the first value in span order, `count(DISTINCT interval)`
/// counting distinct spans, and an aggregate's own ORDER BY of an interval by span.
fn rewrite_aggregate(
    mut aggregate: AggregateFunction,
    schema: &DFSchema,
) -> Result<Transformed<Expr>> {
    let mut changed = span_sort_keys(&mut aggregate.params.order_by, schema)?;
    let name = aggregate.func.name().to_owned();
    let interval_argument = match aggregate.params.args.as_slice() {
        [arg] if is_interval(arg, schema) => Some(arg.clone()),
        _ => None,
    };
    let Some(argument) = interval_argument else {
        return Ok(Transformed::new_transformed(
            Expr::AggregateFunction(aggregate),
            changed,
        ));
    };
    if matches!(name.as_str(), "max" | "min") && !aggregate.params.distinct {
        // NULLS LAST: the first value is NULL only when every value is, as max and min say.
        let order = SortExpr::new(span(argument.clone(), schema)?, name == "min", false);
        return Ok(Transformed::yes(Expr::AggregateFunction(
            AggregateFunction::new_udf(
                first_value_udaf(),
                vec![argument],
                false,
                aggregate.params.filter,
                vec![order],
                None,
            ),
        )));
    }
    if aggregate.params.distinct {
        if name != "count" {
            return refuse(&format!("{name}(DISTINCT interval)"));
        }
        aggregate.params.args = vec![span(argument, schema)?];
        changed = true;
    }
    Ok(Transformed::new_transformed(
        Expr::AggregateFunction(aggregate),
        changed,
    ))
}

/// A window's ORDER BY of an interval by span, and its RANGE offsets (which have the ORDER
/// BY's type, unbounded ones its NULL) as spans.
fn span_window_order(
    mut window: WindowFunction,
    schema: &DFSchema,
) -> Result<Transformed<WindowFunction>> {
    if !span_sort_keys(&mut window.params.order_by, schema)? {
        return Ok(Transformed::no(window));
    }
    if window.params.window_frame.units == WindowFrameUnits::Range {
        let frame = &mut window.params.window_frame;
        for bound in [&mut frame.start_bound, &mut frame.end_bound] {
            if let WindowFrameBound::Preceding(offset) | WindowFrameBound::Following(offset) = bound
            {
                *offset = span_of_scalar(offset)?;
            }
        }
    }
    Ok(Transformed::yes(window))
}

fn rewrite_window(window: WindowFunction, schema: &DFSchema) -> Result<Transformed<Expr>> {
    if let WindowFunctionDefinition::AggregateUDF(function) = &window.fun {
        if matches!(function.name(), "max" | "min")
            && window
                .params
                .args
                .iter()
                .any(|arg| is_interval(arg, schema))
        {
            return refuse(&format!("windowed {} of intervals", function.name()));
        }
    }
    // Its ORDER BY is a span already: [`IntervalWindowOrder`] ran before type coercion.
    let mut window = window;
    let mut changed = false;
    for key in &mut window.params.partition_by {
        if is_interval(key, schema) {
            *key = span(key.clone(), schema)?;
            changed = true;
        }
    }
    Ok(Transformed::new_transformed(
        Expr::WindowFunction(Box::new(window)),
        changed,
    ))
}

/// An aggregate grouping by intervals groups by their spans instead, takes one interval of
/// each group, and is projected back to the columns its parent reads.
fn group_by_span(aggregate: Aggregate) -> Result<Transformed<LogicalPlan>> {
    let input_schema = Arc::clone(aggregate.input.schema());
    let by_span: Vec<bool> = aggregate
        .group_expr
        .iter()
        .map(|group| is_interval(group, &input_schema))
        .collect();
    if !by_span.contains(&true) {
        let in_sets = aggregate.group_expr.iter().any(|group| match group {
            Expr::GroupingSet(set) => set
                .distinct_expr()
                .iter()
                .any(|e| is_interval(e, &input_schema)),
            _ => false,
        });
        if in_sets {
            return refuse("GROUPING SETS, ROLLUP or CUBE of intervals");
        }
        return Ok(Transformed::no(LogicalPlan::Aggregate(aggregate)));
    }
    let output = Arc::clone(&aggregate.schema);
    regroup_by_span(
        aggregate.input,
        aggregate.group_expr,
        aggregate.aggr_expr,
        &by_span,
        &output,
    )
}

/// DISTINCT over rows holding intervals: a grouping of every column, by span for intervals.
fn distinct_by_span(input: Arc<LogicalPlan>) -> Result<Transformed<LogicalPlan>> {
    let schema = Arc::clone(input.schema());
    let by_span: Vec<bool> = schema
        .fields()
        .iter()
        .map(|field| matches!(field.data_type(), DataType::Interval(_)))
        .collect();
    if !by_span.contains(&true) {
        return Ok(Transformed::no(LogicalPlan::Distinct(Distinct::All(input))));
    }
    let columns = schema
        .iter()
        .map(|(qualifier, field)| Expr::Column(Column::from((qualifier, field))))
        .collect();
    regroup_by_span(input, columns, Vec::new(), &by_span, &schema)
}

/// `input` grouped by `groups` (by span where `by_span` says) and aggregated by
/// `aggregates` plus one interval of each group grouped by span, projected back to
/// `output`'s columns.
fn regroup_by_span(
    input: Arc<LogicalPlan>,
    groups: Vec<Expr>,
    mut aggregates: Vec<Expr>,
    by_span: &[bool],
    output: &DFSchema,
) -> Result<Transformed<LogicalPlan>> {
    let schema = Arc::clone(input.schema());
    let mut spanned = Vec::with_capacity(groups.len());
    for (i, (group, by_span)) in groups.into_iter().zip(by_span).enumerate() {
        if *by_span {
            aggregates.push(any_value(group.clone()).alias(format!("{VALUE_PREFIX}{i}")));
            spanned.push(span(group, &schema)?.alias(format!("{GROUP_PREFIX}{i}")));
        } else {
            spanned.push(group);
        }
    }
    let regrouped = LogicalPlan::Aggregate(Aggregate::try_new(input, spanned, aggregates)?);
    project_back(regrouped, output, by_span).map(Transformed::yes)
}

/// One interval of a group (any one: PostgreSQL too shows whichever it met).
fn any_value(expr: Expr) -> Expr {
    Expr::AggregateFunction(AggregateFunction::new_udf(
        first_value_udaf(),
        vec![expr],
        false,
        None,
        vec![],
        None,
    ))
}

/// Projects `regrouped`, whose first columns stand where `output`'s stood and whose grouped
/// intervals' values follow them in order, to `output`'s columns.
fn project_back(
    regrouped: LogicalPlan,
    output: &DFSchema,
    grouped: &[bool],
) -> Result<LogicalPlan> {
    let schema = Arc::clone(regrouped.schema());
    let mut values =
        (output.fields().len()..schema.fields().len()).map(|i| schema.qualified_field(i));
    let mut columns = Vec::with_capacity(output.fields().len());
    for (i, (qualifier, field)) in output.iter().enumerate() {
        let source = if grouped.get(i).copied().unwrap_or(false) {
            match values.next() {
                Some(value) => value,
                None => return plan_err!("a regrouped interval lost its value column"),
            }
        } else {
            schema.qualified_field(i)
        };
        columns.push(
            Expr::Column(Column::from(source)).alias_qualified(qualifier.cloned(), field.name()),
        );
    }
    LogicalPlanBuilder::from(regrouped)
        .project(columns)?
        .build()
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct IntervalSpan {
    signature: Signature,
}

impl ScalarUDFImpl for IntervalSpan {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        KEY_FUNCTION
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(SPAN)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        make_scalar_function(spans, vec![])(&args.args)
    }
}

/// A RANGE offset's span; an unbounded one stays unbounded.
fn span_of_scalar(offset: &ScalarValue) -> Result<ScalarValue> {
    if offset.is_null() {
        return Ok(ScalarValue::Decimal128(None, 38, 0));
    }
    let value = match offset.cast_to(&INTERVAL)? {
        ScalarValue::IntervalMonthDayNano(value) => value.map(span_of),
        other => return plan_err!("a RANGE offset of {other:?} for an interval order"),
    };
    Ok(ScalarValue::Decimal128(value, 38, 0))
}

fn span_of(interval: IntervalMonthDayNano) -> i128 {
    (i128::from(interval.months) * DAYS_PER_MONTH + i128::from(interval.days)) * NANOS_PER_DAY
        + i128::from(interval.nanoseconds)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Extreme {
    Greatest,
    Least,
}

fn extreme_udf(which: Extreme) -> ScalarUDF {
    ScalarUDF::new_from_impl(IntervalExtreme {
        which,
        signature: Signature::variadic(vec![INTERVAL], Volatility::Immutable),
    })
}

/// `greatest`/`least` of intervals by span, skipping NULLs; of equal spans the first.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IntervalExtreme {
    which: Extreme,
    signature: Signature,
}

impl ScalarUDFImpl for IntervalExtreme {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        match self.which {
            Extreme::Greatest => "junction_interval_greatest",
            Extreme::Least => "junction_interval_least",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(INTERVAL)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let which = self.which;
        make_scalar_function(move |columns: &[ArrayRef]| extremes(columns, which), vec![])(
            &args.args,
        )
    }
}

fn extremes(columns: &[ArrayRef], which: Extreme) -> Result<ArrayRef> {
    let columns: Vec<_> = columns
        .iter()
        .map(|column| column.as_primitive::<IntervalMonthDayNanoType>())
        .collect();
    let rows = columns.first().map_or(0, |column| column.len());
    let mut out = IntervalMonthDayNanoBuilder::with_capacity(rows);
    for row in 0..rows {
        // The best value so far with its span.
        let mut best: Option<(IntervalMonthDayNano, i128)> = None;
        for column in &columns {
            if column.is_null(row) {
                continue;
            }
            let value = column.value(row);
            let span = span_of(value);
            let replaces = best.is_none_or(|(_, best)| match which {
                Extreme::Greatest => span > best,
                Extreme::Least => span < best,
            });
            if replaces {
                best = Some((value, span));
            }
        }
        out.append_option(best.map(|(value, _)| value));
    }
    Ok(Arc::new(out.finish()))
}

fn spans(columns: &[ArrayRef]) -> Result<ArrayRef> {
    let [intervals] = columns else {
        return plan_err!("{KEY_FUNCTION} takes one interval");
    };
    let spans: Decimal128Array = intervals
        .as_primitive::<IntervalMonthDayNanoType>()
        .unary(span_of);
    Ok(Arc::new(spans.with_data_type(SPAN)))
}
