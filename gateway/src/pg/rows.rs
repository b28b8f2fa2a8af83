//! Arrow batches to pg DataRows, batch by batch, stopping at a cancel request.

use std::sync::Arc;

use arrow_pg::datatypes::{arrow_schema_to_pg_fields, encode_recordbatch};
use datafusion::execution::SendableRecordBatchStream;
use futures::{stream, Stream, StreamExt};
use junction_engines::catalog_types::CatalogType;
use junction_engines::regtype::REGTYPE_EXTENSION;
use pgwire::api::portal::Format;
use pgwire::api::results::{FieldFormat, FieldInfo, QueryResponse};
use pgwire::api::Type;
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::data::DataRow;
use tokio_util::sync::DropGuard;

use super::binary_rows;
use super::handler::statement_error;
use super::text::TextRendering;
pub use super::text::TextStyle;
use crate::error::GatewayError;
use crate::stop::Stop;

/// The pg columns of an Arrow schema, in the formats the client asked for.
pub fn fields(schema: &arrow::datatypes::Schema, format: &Format) -> PgWireResult<Vec<FieldInfo>> {
    let mut fields = arrow_schema_to_pg_fields(schema, format, None)?;
    // arrow-pg maps only geometry extensions; JSON text is json, which is sent as its text in
    // both formats.
    // A regtype column holds type names, sent as the name in text format and as the type's
    // OID in binary format (junction renders those). A column of nothing but NULLs (`SELECT
    // NULL`, pgJDBC's `NULL AS "CLASS_NAME"`) is text, as PostgreSQL resolves an unknown
    // literal in a select list, not `unknown`.
    for (info, field) in fields.iter_mut().zip(schema.fields()) {
        let (pg_type, size) = match field.extension_type_name() {
            Some(junction_engines::JSON_EXTENSION) => (Type::JSON, -1),
            Some(REGTYPE_EXTENSION) => (Type::REGTYPE, 4),
            _ if field.data_type() == &arrow::datatypes::DataType::Null => (Type::TEXT, -1),
            // pg_catalog's name, oid and "char" columns, as PostgreSQL types them.
            _ => match CatalogType::of(field) {
                Some(ty) => ty.pg_type(),
                None => continue,
            },
        };
        *info = FieldInfo::new(
            info.name().to_owned(),
            info.table_id(),
            info.column_id(),
            pg_type,
            info.format(),
        )
        .with_format_options(Arc::clone(info.format_options()))
        .with_type_size(size);
    }
    Ok(fields)
}

/// Batches until the stream ends, an error, or a `stop` (then one 57014 error);
/// `statement` is held until then.
fn batches(
    input: SendableRecordBatchStream,
    stop: Stop,
    statement: DropGuard,
) -> impl Stream<Item = Result<arrow::array::RecordBatch, GatewayError>> {
    stream::unfold(Some((input, stop, statement)), |state| async move {
        let (mut input, stop, statement) = state?;
        tokio::select! {
            biased;
            e = stop.stopped() => Some((Err(e), None)),
            next = input.next() => match next {
                Some(Ok(batch)) => Some((Ok(batch), Some((input, stop, statement)))),
                Some(Err(e)) => Some((Err(crate::workers::stream_error(e)), None)),
                None => None,
            },
        }
    })
}

/// A query response streaming `input`'s rows as pg DataRows, text values rendered in
/// `style`; `statement` is dropped when the rows end. An error names `query_id`, the
/// statement's.
pub fn response(
    input: SendableRecordBatchStream,
    format: &Format,
    style: TextStyle,
    stop: Stop,
    statement: DropGuard,
    query_id: Option<i64>,
) -> PgWireResult<QueryResponse> {
    let fields = Arc::new(fields(&input.schema(), format)?);
    let rendering = TextRendering::new(&input.schema(), &fields, style);
    let column_wise = fields.iter().all(|f| f.format() == FieldFormat::Binary)
        && binary_rows::supports(&input.schema());
    let encode_with = match &rendering {
        Some(rendering) => rendering.encoding_fields(),
        None => Arc::clone(&fields),
    };
    let rows = batches(input, stop, statement).flat_map(move |batch| {
        if column_wise {
            let rows: Box<dyn Iterator<Item = PgWireResult<DataRow>> + Send> =
                match batch.and_then(|b| binary_rows::encode(&b).map_err(Into::into)) {
                    Ok(rows) => Box::new(rows.into_iter().map(Ok)),
                    Err(e) => Box::new(std::iter::once(Err(statement_error(&e, query_id)))),
                };
            return stream::iter(rows);
        }
        let batch = match &rendering {
            Some(rendering) => {
                batch.and_then(|batch| rendering.apply(batch).map_err(GatewayError::Encode))
            }
            None => batch,
        };
        let rows: Box<dyn Iterator<Item = PgWireResult<DataRow>> + Send> = match batch {
            Ok(batch) => Box::new(encode_recordbatch(Arc::clone(&encode_with), batch)),
            Err(e) => Box::new(std::iter::once(Err::<DataRow, PgWireError>(
                statement_error(&e, query_id),
            ))),
        };
        stream::iter(rows)
    });
    Ok(QueryResponse::new(fields, rows))
}
