//! pg_stat_activity, pg_stat_statements and the functions that act on them
//! (pg_cancel_backend, pg_terminate_backend, pg_stat_statements_reset), answered from what
//! the server tells ([`ServerViews`]). The tables have PostgreSQL 15's columns plus
//! junction's `engine` (and `frontend` in pg_stat_activity); counters junction has no
//! equivalent of (blocks, WAL, JIT, planning) are left out rather than shown as zeros.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanBuilder, Float64Array, Int32Array, Int32Builder, Int64Array,
    ListBuilder, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::catalog::TableProvider;
use datafusion::common::cast::as_int64_array;
use datafusion::datasource::MemTable;
use datafusion::error::Result as DFResult;
use datafusion::execution::session_state::SessionState;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{
    create_udf, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use datafusion::scalar::ScalarValue;

use crate::server::{BackendSignal, ServerViews};
use crate::{QueryContext, Result, SqlError};

pub use crate::server::SERVER_TABLES as TABLES;

fn timestamptz() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")))
}

fn micros(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_micros())
}

/// The table `name` as `viewer` sees it now, if it is one of [`TABLES`].
pub fn table(
    name: &str,
    views: &dyn ServerViews,
    viewer: &str,
) -> DFResult<Option<Arc<dyn TableProvider>>> {
    let batch = match name {
        "pg_stat_activity" => activity(views, viewer)?,
        "pg_stat_statements" => statements(views)?,
        _ => return Ok(None),
    };
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
    Ok(Some(Arc::new(table)))
}

fn activity(views: &dyn ServerViews, viewer: &str) -> DFResult<RecordBatch> {
    let backends = views.backends(viewer);
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let int = |name: &str| Field::new(name, DataType::Int32, true);
    let time = |name: &str| Field::new(name, timestamptz(), true);
    let schema = Arc::new(Schema::new(vec![
        int("datid"),
        text("datname"),
        int("pid"),
        int("leader_pid"),
        int("usesysid"),
        text("usename"),
        text("application_name"),
        text("client_addr"),
        text("client_hostname"),
        int("client_port"),
        time("backend_start"),
        time("xact_start"),
        time("query_start"),
        time("state_change"),
        text("wait_event_type"),
        text("wait_event"),
        text("state"),
        text("backend_xid"),
        text("backend_xmin"),
        Field::new("query_id", DataType::Int64, true),
        text("query"),
        text("backend_type"),
        text("frontend"),
        text("engine"),
    ]));
    let n = backends.len();
    let nulls_int = || Arc::new(Int32Array::from(vec![None::<i32>; n])) as ArrayRef;
    let nulls_text = || Arc::new(StringArray::from(vec![None::<&str>; n])) as ArrayRef;
    let strings = |f: &dyn Fn(&crate::server::BackendActivity) -> Option<String>| {
        Arc::new(StringArray::from_iter(backends.iter().map(f))) as ArrayRef
    };
    let times = |f: &dyn Fn(&crate::server::BackendActivity) -> Option<i64>| {
        Arc::new(TimestampMicrosecondArray::from_iter(backends.iter().map(f)).with_timezone("UTC"))
            as ArrayRef
    };
    let columns: Vec<ArrayRef> = vec![
        nulls_int(),
        strings(&|b| Some(b.database.clone())),
        Arc::new(Int32Array::from_iter_values(backends.iter().map(|b| b.pid))),
        nulls_int(),
        nulls_int(),
        strings(&|b| Some(b.user.clone())),
        strings(&|b| Some(b.application_name.clone())),
        strings(&|b| b.client_addr.clone()),
        nulls_text(),
        Arc::new(Int32Array::from_iter(
            backends.iter().map(|b| b.client_port),
        )),
        times(&|b| Some(b.backend_start.timestamp_micros())),
        times(&|b| micros(b.transaction_start)),
        times(&|b| micros(b.query_start)),
        times(&|b| micros(b.state_change)),
        nulls_text(),
        nulls_text(),
        strings(&|b| b.state.clone()),
        nulls_text(),
        nulls_text(),
        Arc::new(Int64Array::from_iter(backends.iter().map(|b| b.query_id))),
        strings(&|b| Some(b.query.clone())),
        strings(&|_| Some("client backend".to_owned())),
        strings(&|b| Some(b.frontend.to_owned())),
        strings(&|b| b.engine.clone()),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

fn statements(views: &dyn ServerViews) -> DFResult<RecordBatch> {
    let stats = views.statements();
    let float = |name: &str| Field::new(name, DataType::Float64, false);
    let schema = Arc::new(Schema::new(vec![
        Field::new("toplevel", DataType::Boolean, false),
        Field::new("queryid", DataType::Int64, false),
        Field::new("query", DataType::Utf8, false),
        Field::new("calls", DataType::Int64, false),
        float("total_exec_time"),
        float("min_exec_time"),
        float("max_exec_time"),
        float("mean_exec_time"),
        float("stddev_exec_time"),
        Field::new("rows", DataType::Int64, false),
        Field::new("engine", DataType::Utf8, false),
    ]));
    let floats = |f: &dyn Fn(&crate::server::StatementStats) -> f64| {
        Arc::new(Float64Array::from_iter_values(stats.iter().map(f))) as ArrayRef
    };
    let mut toplevel = BooleanBuilder::with_capacity(stats.len());
    toplevel.append_n(stats.len(), true);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(toplevel.finish()),
        Arc::new(Int64Array::from_iter_values(
            stats.iter().map(|s| s.query_id),
        )),
        Arc::new(StringArray::from_iter_values(
            stats.iter().map(|s| s.query.as_str()),
        )),
        Arc::new(Int64Array::from_iter_values(stats.iter().map(|s| s.calls))),
        floats(&|s| s.total_ms),
        floats(&|s| s.min_ms),
        floats(&|s| s.max_ms),
        floats(&|s| s.mean_ms),
        floats(&|s| s.stddev_ms),
        Arc::new(Int64Array::from_iter_values(stats.iter().map(|s| s.rows))),
        Arc::new(StringArray::from_iter_values(
            stats.iter().map(|s| s.engine.as_str()),
        )),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// Registers the functions that act on the server for the session `ctx`.
pub fn register(
    state: &mut SessionState,
    ctx: &QueryContext,
    views: &Arc<dyn ServerViews>,
) -> Result<()> {
    for (name, signal) in [
        ("pg_cancel_backend", BackendSignal::Cancel),
        ("pg_terminate_backend", BackendSignal::Terminate),
    ] {
        let udf = Signal {
            name,
            signal,
            // pg_terminate_backend also takes a timeout (ms) to wait for the end, which
            // junction does not wait for: the session ends as its statement stops.
            // Any integer: a literal pid is a bigint to DataFusion, a pid column an int4.
            signature: Signature::one_of(
                vec![
                    TypeSignature::Uniform(1, vec![DataType::Int64]),
                    TypeSignature::Uniform(2, vec![DataType::Int64]),
                ],
                Volatility::Volatile,
            ),
            sender: ctx.user.clone(),
            views: Arc::clone(views),
        };
        state.register_udf(Arc::new(ScalarUDF::new_from_impl(udf)))?;
    }
    state.register_udf(Arc::new(blocking_pids()))?;
    let server = Arc::clone(views);
    // PostgreSQL's returns void, which clients read as an empty text value.
    let reset = create_udf(
        "pg_stat_statements_reset",
        vec![],
        DataType::Utf8,
        Volatility::Volatile,
        Arc::new(move |_: &[ColumnarValue]| {
            server.reset_statements();
            Ok(ColumnarValue::Scalar(ScalarValue::Utf8(
                Some(String::new()),
            )))
        }),
    );
    state.register_udf(Arc::new(reset))?;
    Ok(())
}

/// pg_blocking_pids(pid): the sessions holding locks `pid` waits for. junction takes no
/// locks (a statement waiting for a `max_running` place waits for no session in
/// particular), so the list is always empty; pgAdmin's session view asks for it.
fn blocking_pids() -> ScalarUDF {
    let int4_list = DataType::List(Arc::new(Field::new_list_field(DataType::Int32, true)));
    create_udf(
        "pg_blocking_pids",
        vec![DataType::Int32],
        int4_list,
        Volatility::Volatile,
        Arc::new(|args: &[ColumnarValue]| {
            let rows = match &args[0] {
                ColumnarValue::Array(a) => a.len(),
                ColumnarValue::Scalar(_) => 1,
            };
            let mut lists = ListBuilder::new(Int32Builder::new());
            for _ in 0..rows {
                lists.append(true);
            }
            let lists: ArrayRef = Arc::new(lists.finish());
            Ok(match &args[0] {
                ColumnarValue::Array(_) => ColumnarValue::Array(lists),
                ColumnarValue::Scalar(_) => {
                    ColumnarValue::Scalar(ScalarValue::try_from_array(&lists, 0)?)
                }
            })
        }),
    )
}

/// pg_cancel_backend(pid) / pg_terminate_backend(pid[, timeout]) from `sender`.
#[derive(Debug)]
struct Signal {
    name: &'static str,
    signal: BackendSignal,
    signature: Signature,
    sender: String,
    views: Arc<dyn ServerViews>,
}

impl PartialEq for Signal {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.sender == other.sender
    }
}

impl Eq for Signal {}

impl std::hash::Hash for Signal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.sender.hash(state);
    }
}

impl ScalarUDFImpl for Signal {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DFResult<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DFResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args[..1])?;
        let pids = as_int64_array(&arrays[0])?;
        let mut out = BooleanBuilder::with_capacity(pids.len());
        for pid in pids.iter() {
            let Some(pid) = pid else {
                out.append_null();
                continue;
            };
            // No backend has a pid beyond int4's range.
            let Ok(pid) = i32::try_from(pid) else {
                out.append_value(false);
                continue;
            };
            let sent = self
                .views
                .signal(&self.sender, pid, self.signal)
                .map_err(|refused| SqlError {
                    sqlstate: "42501",
                    message: refused.to_string(),
                })?;
            if !sent {
                tracing::warn!(pid, "PID {pid} is not a junction backend process");
            }
            out.append_value(sent);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
