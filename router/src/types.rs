//! The column types of the tables a statement reads, for the transpiler's rules: PostgreSQL's
//! view of each Arrow column type.

use arrow::datatypes::DataType;
use junction_catalogs::Catalogs;
use junction_engines::tables::{relation, Relation};
use junction_transpiler::{table_references, SqlType, TableTypes};
use sqlparser::ast::Statement;

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
/// reads them).
pub async fn table_types(
    catalogs: &Catalogs,
    current_catalog: &str,
    statement: &Statement,
) -> TableTypes {
    resolve_tables(catalogs, current_catalog, statement)
        .await
        .types
}

/// What routing reads of a statement's tables, each resolved once.
#[derive(Debug, Default)]
pub(crate) struct ResolvedTables {
    pub types: TableTypes,
    /// Table references resolved (a table read twice counts twice).
    pub tables: u32,
    /// Bytes of the data files of the tables read, a table read twice counted twice;
    /// tables whose metadata does not say count as nothing.
    pub scan_bytes: u64,
}

pub(crate) async fn resolve_tables(
    catalogs: &Catalogs,
    current_catalog: &str,
    statement: &Statement,
) -> ResolvedTables {
    let mut resolved = ResolvedTables::default();
    for parts in table_references(statement) {
        let Relation::Table(name) = relation(&parts, current_catalog) else {
            continue;
        };
        let Ok(handle) = name.handle(catalogs).await else {
            continue;
        };
        let columns = handle
            .schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), sql_type(f.data_type())))
            .collect();
        resolved.types.insert(parts, columns);
        resolved.tables = resolved.tables.saturating_add(1);
        if let Ok(Some(bytes)) = handle.data_bytes().await {
            resolved.scan_bytes = resolved.scan_bytes.saturating_add(bytes);
        }
    }
    resolved
}
