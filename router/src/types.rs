//! The column types of the tables a statement reads, for the transpiler's rules: PostgreSQL's
//! view of each Arrow column type.

use std::sync::Arc;

use arrow::datatypes::DataType;
use junction_catalogs::{CatalogError, Catalogs, Location, Snapshot, TableHandle};
use junction_engines::tables::{relation, Relation};
use junction_engines::EngineError;
use junction_transpiler::{table_references, SqlType, TableTypes};
use sqlparser::ast::Statement;

use crate::filters::{bytes_passing, Filter, Filters};
use crate::RouteError;

/// PostgreSQL's type for an Arrow column.
pub fn sql_type(data_type: &DataType) -> SqlType {
    match data_type {
        DataType::Boolean => SqlType::Bool,
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => SqlType::Int2,
        DataType::Int32 | DataType::UInt16 => SqlType::Int4,
        DataType::Int64 | DataType::UInt32 => SqlType::Int8,
        DataType::UInt64 | DataType::Decimal32(..) | DataType::Decimal64(..) => SqlType::Numeric,
        DataType::Decimal128(..) | DataType::Decimal256(..) => SqlType::Numeric,
        DataType::Float16 | DataType::Float32 => SqlType::Float4,
        DataType::Float64 => SqlType::Float8,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => SqlType::Text,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => SqlType::Bytea,
        DataType::FixedSizeBinary(_) => SqlType::Bytea,
        DataType::Date32 | DataType::Date64 => SqlType::Date,
        DataType::Time32(_) | DataType::Time64(_) => SqlType::Time,
        DataType::Timestamp(_, None) => SqlType::Timestamp,
        DataType::Timestamp(_, Some(_)) => SqlType::TimestampTz,
        DataType::Interval(_) | DataType::Duration(_) => SqlType::Interval,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => SqlType::Array,
        DataType::Dictionary(_, value) => sql_type(value),
        _ => SqlType::Other,
    }
}

/// The columns of every catalog table `statement` names (as it names them), read from the
/// catalogs; tables that cannot be loaded are left out (their error surfaces when the engine
/// reads them), and none are known of a statement naming a table the grants do not reach.
pub async fn table_types(
    catalogs: &Catalogs,
    current_catalog: &str,
    statement: &Statement,
) -> TableTypes {
    resolve_tables(catalogs, current_catalog, statement)
        .await
        .map(|resolved| resolved.types)
        .unwrap_or_default()
}

/// What routing reads of a statement's tables, each resolved once.
#[derive(Debug, Default)]
pub(crate) struct ResolvedTables {
    pub types: TableTypes,
    /// Tables resolved.
    pub tables: u32,
    /// Bytes of the data files the statement reads: those of each table that may hold rows
    /// passing its filters, where the table's metadata has statistics, else all; tables
    /// whose metadata does not say count as nothing.
    pub scan_bytes: u64,
    /// The snapshot of each table resolved, in the order the statement names them; `None`
    /// when a table could not be resolved (its error is the engine's to report).
    pub snapshots: Option<Vec<(Location, Snapshot)>>,
}

/// What routing reads of `statement`'s tables. A relation that does not exist (its catalog,
/// schema or table) or that the session's grants do not reach stops the statement here, with
/// the catalogs' own verdict: the engines would only report it in words of their own.
pub(crate) async fn resolve_tables(
    catalogs: &Catalogs,
    current_catalog: &str,
    statement: &Statement,
) -> Result<ResolvedTables, RouteError> {
    let mut resolved = ResolvedTables {
        snapshots: Some(Vec::new()),
        ..ResolvedTables::default()
    };
    let mut handles: Vec<(Vec<String>, Arc<TableHandle>)> = Vec::new();
    for parts in table_references(statement) {
        let name = match relation(&parts, current_catalog) {
            Relation::Table(name) => name,
            Relation::System(_) => {
                if let Some(columns) = server_table_types(&parts) {
                    resolved.types.insert(parts.clone(), columns);
                }
                continue;
            }
        };
        let handle = match name.handle(catalogs).await {
            Ok(handle) => handle,
            Err(EngineError::Catalog(denied @ CatalogError::PermissionDenied { .. })) => {
                return Err(RouteError::Denied(denied))
            }
            Err(EngineError::CatalogNotFound(catalog)) => {
                return Err(RouteError::UnknownCatalog(catalog))
            }
            // PostgreSQL names the relation, not the schema, when a schema is missing.
            Err(EngineError::UnknownTable(_))
            | Err(EngineError::Catalog(CatalogError::SchemaNotFound(_))) => {
                return Err(RouteError::UnknownTable(format!(
                    "{}.{}",
                    name.schema, name.table
                )))
            }
            // An unreadable table: its own error surfaces when an engine reads it.
            Err(_) => {
                resolved.snapshots = None;
                continue;
            }
        };
        if let Some(snapshots) = &mut resolved.snapshots {
            snapshots.push((handle.location().clone(), handle.snapshot().clone()));
        }
        let columns = handle
            .schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), sql_type(f.data_type())))
            .collect();
        resolved.types.insert(parts.clone(), columns);
        resolved.tables = resolved.tables.saturating_add(1);
        handles.push((parts, handle));
    }
    let filters = Filters::of(statement);
    for (parts, handle) in &handles {
        if let Some(bytes) = scan_bytes(&filters, &handles, parts, handle).await {
            resolved.scan_bytes = resolved.scan_bytes.saturating_add(bytes);
        }
    }
    Ok(resolved)
}

/// The columns of a server table (pg_stat_activity) the transpiler must know the type of.
fn server_table_types(parts: &[String]) -> Option<Vec<(String, SqlType)>> {
    let columns = junction_engines::timestamptz_columns(parts.last()?);
    (!columns.is_empty()).then(|| {
        columns
            .iter()
            .map(|c| ((*c).to_owned(), SqlType::TimestampTz))
            .collect()
    })
}

/// The bytes the statement is expected to read of the table `parts` names.
async fn scan_bytes(
    filters: &Filters,
    handles: &[(Vec<String>, Arc<TableHandle>)],
    parts: &Vec<String>,
    handle: &TableHandle,
) -> Option<u64> {
    let whole = handle.data_bytes().await.ok().flatten();
    // A table read twice may be filtered differently each time.
    if filters.references.get(parts).copied().unwrap_or(0) != 1 {
        return whole;
    }
    let has =
        |handle: &TableHandle, column: &str| handle.schema().column_with_name(column).is_some();
    let own: Vec<&Filter> = filters
        .filters
        .iter()
        .filter(|f| f.tables.contains(parts) && has(handle, &f.column))
        // An unqualified column belongs to this table only if no other candidate has it.
        .filter(|f| {
            !handles
                .iter()
                .any(|(other, h)| other != parts && f.tables.contains(other) && has(h, &f.column))
        })
        .collect();
    if own.is_empty() {
        return whole;
    }
    match handle.file_statistics().await {
        Ok(Some(statistics)) => Some(bytes_passing(&statistics, &handle.schema(), &own)),
        _ => whole,
    }
}
