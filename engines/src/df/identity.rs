//! The functions that tell a client who and where it is: current_database(), version(), ...
//! They answer from the session, so each query registers its own.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::execution::session_state::SessionState;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{create_udf, ColumnarValue, Volatility};
use datafusion::scalar::ScalarValue;

use crate::{QueryContext, Result};

fn constant(
    name: &str,
    value: ScalarValue,
    args: Vec<DataType>,
) -> datafusion::logical_expr::ScalarUDF {
    let ty = value.data_type();
    create_udf(
        name,
        args,
        ty,
        Volatility::Stable,
        Arc::new(move |_| Ok(ColumnarValue::Scalar(value.clone()))),
    )
}

/// Registers the identity functions of the session `ctx`; `search_path` holds the schemas of
/// its search path that exist.
pub fn register(
    state: &mut SessionState,
    ctx: &QueryContext,
    search_path: &[String],
) -> Result<()> {
    let text = |s: &str| ScalarValue::Utf8(Some(s.to_owned()));
    let schema = search_path
        .first()
        .map(|s| text(s))
        .unwrap_or(ScalarValue::Utf8(None));
    let schemas: Vec<ScalarValue> = search_path.iter().map(|s| text(s)).collect();
    let schemas = ScalarValue::List(ScalarValue::new_list_nullable(&schemas, &DataType::Utf8));
    let udfs = [
        constant("current_database", text(&ctx.catalog), vec![]),
        constant("current_catalog", text(&ctx.catalog), vec![]),
        constant("current_schema", schema, vec![]),
        constant("current_schemas", schemas, vec![DataType::Boolean]),
        constant("current_user", text(&ctx.user), vec![]),
        constant("session_user", text(&ctx.user), vec![]),
        constant("user", text(&ctx.user), vec![]),
        constant(
            "pg_backend_pid",
            ScalarValue::Int32(Some(ctx.backend_pid)),
            vec![],
        ),
        constant(
            "version",
            text(&junction_transpiler::server_version()),
            vec![],
        ),
    ];
    for udf in udfs {
        // PostgreSQL answers current_schema with a name (current_schemas with name[], text[]
        // here). The user and database a client writes are bound to names before a
        // statement reaches an engine (junction_transpiler::bind_session_values); these
        // answer only the calls junction adds itself (information_schema's current
        // catalog), untyped.
        let udf = match udf.name() {
            "current_schema" => super::name_type::named(udf),
            _ => udf,
        };
        state.register_udf(Arc::new(udf))?;
    }
    Ok(())
}
