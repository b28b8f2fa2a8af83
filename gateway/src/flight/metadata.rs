//! Flight SQL's metadata commands, answered from the configured catalogs with arrow-flight's
//! builders. Unlike pg_catalog, which describes the current catalog only, these describe
//! every catalog (DESIGN.md, "Names").

use std::sync::{Arc, LazyLock};

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow_flight::sql::metadata::{
    GetCatalogsBuilder, GetTablesBuilder, SqlInfoData, SqlInfoDataBuilder, XdbcTypeInfo,
    XdbcTypeInfoData, XdbcTypeInfoDataBuilder,
};
use arrow_flight::sql::{
    CommandGetDbSchemas, CommandGetSqlInfo, CommandGetTableTypes, CommandGetTables,
    CommandGetXdbcTypeInfo, Nullable, Searchable, SqlInfo, SqlNullOrdering,
    SqlSupportedCaseSensitivity, SqlSupportedTransaction, SupportedSqlGrammar, XdbcDataType,
    XdbcDatetimeSubcode,
};
use junction_catalogs::{Catalog, Catalogs};
use junction_engines::EngineError;

use crate::error::GatewayError;

/// The one table type junction serves (Delta, Iceberg, Parquet and CSV tables alike).
pub const TABLE_TYPE: &str = "TABLE";

type Result<T> = std::result::Result<T, GatewayError>;

/// A builder's failure: a bug (the batches are built from valid names), so internal.
fn arrow_error(e: impl std::fmt::Display) -> GatewayError {
    GatewayError::Engine(EngineError::from(
        datafusion::error::DataFusionError::Internal(format!("building a metadata batch: {e}")),
    ))
}

fn catalog_error(e: junction_catalogs::CatalogError) -> GatewayError {
    GatewayError::Engine(EngineError::from(e))
}

/// The catalogs a request's exact `catalog` filter selects (all when absent).
fn selected<'a>(
    catalogs: &'a Catalogs,
    filter: Option<&'a str>,
) -> impl Iterator<Item = &'a Arc<dyn Catalog>> + 'a {
    catalogs
        .iter()
        .filter(move |c| filter.is_none_or(|name| c.name() == name))
}

pub fn catalogs(catalogs: &Catalogs) -> Result<RecordBatch> {
    let mut builder = GetCatalogsBuilder::new();
    for name in catalogs.names() {
        builder.append(name);
    }
    builder.build().map_err(arrow_error)
}

pub async fn db_schemas(catalogs: &Catalogs, query: CommandGetDbSchemas) -> Result<RecordBatch> {
    let filter = query.catalog.clone();
    let mut builder = query.into_builder();
    for catalog in selected(catalogs, filter.as_deref()) {
        for schema in catalog.schema_names().await.map_err(catalog_error)? {
            builder.append(catalog.name(), schema);
        }
    }
    builder.build().map_err(arrow_error)
}

pub async fn tables(catalogs: &Catalogs, query: CommandGetTables) -> Result<RecordBatch> {
    let matches =
        |pattern: &Option<String>, name: &str| pattern.as_deref().is_none_or(|p| like(p, name));
    // The catalog and name filters are applied here, before any table's schema is loaded (a
    // metadata read each); the builder keeps only the table-type filter.
    let mut builder = GetTablesBuilder::new(
        None::<String>,
        None::<String>,
        None::<String>,
        query.table_types,
        query.include_schema,
    );
    let empty = Schema::empty();
    for catalog in selected(catalogs, query.catalog.as_deref()) {
        for schema in catalog.schema_names().await.map_err(catalog_error)? {
            if !matches(&query.db_schema_filter_pattern, &schema) {
                continue;
            }
            for table in catalog.table_names(&schema).await.map_err(catalog_error)? {
                if !matches(&query.table_name_filter_pattern, &table) {
                    continue;
                }
                let columns = if query.include_schema {
                    match catalog
                        .table(&schema, &table)
                        .await
                        .map_err(catalog_error)?
                    {
                        Some(handle) => Some(super::wire_types::classic_schema(&handle.schema())),
                        // Dropped between listing and loading.
                        None => continue,
                    }
                } else {
                    None
                };
                let columns = columns.as_deref().unwrap_or(&empty);
                builder
                    .append(catalog.name(), &schema, &table, TABLE_TYPE, columns)
                    .map_err(arrow_error)?;
            }
        }
    }
    builder.build().map_err(arrow_error)
}

pub fn table_types() -> Result<RecordBatch> {
    let mut builder = CommandGetTableTypes::default().into_builder();
    builder.append(TABLE_TYPE);
    builder.build().map_err(arrow_error)
}

/// One element of a filter pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wildcard {
    /// `%`: any run of characters.
    Any,
    /// `_`: any one character.
    One,
    Literal(char),
}

/// Flight SQL's LIKE-style filter patterns: `%` any run, `_` any one character, and `\`
/// escaping the next character (the search-string escape GetSqlInfo announces).
fn like(pattern: &str, name: &str) -> bool {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => Wildcard::Any,
            '_' => Wildcard::One,
            '\\' => Wildcard::Literal(chars.next().unwrap_or('\\')),
            c => Wildcard::Literal(c),
        });
    }
    let name: Vec<char> = name.chars().collect();
    // Two-pointer wildcard match, backtracking to the last `%`.
    let (mut t, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match tokens.get(t) {
            Some(Wildcard::Any) => {
                star = Some((t, n));
                t += 1;
            }
            Some(Wildcard::One) => {
                t += 1;
                n += 1;
            }
            Some(Wildcard::Literal(c)) if *c == name[n] => {
                t += 1;
                n += 1;
            }
            _ => match star {
                Some((st, sn)) => {
                    t = st + 1;
                    n = sn + 1;
                    star = Some((st, sn + 1));
                }
                None => return false,
            },
        }
    }
    tokens[t..].iter().all(|&w| w == Wildcard::Any)
}

/// `CommandGetPrimaryKeys`' columns, as the Flight SQL spec gives them.
pub static PRIMARY_KEYS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("catalog_name", DataType::Utf8, true),
        Field::new("db_schema_name", DataType::Utf8, true),
        Field::new("table_name", DataType::Utf8, false),
        Field::new("column_name", DataType::Utf8, false),
        Field::new("key_name", DataType::Utf8, true),
        Field::new("key_sequence", DataType::Int32, false),
    ]))
});

/// The columns of `CommandGetImportedKeys`, `CommandGetExportedKeys` and
/// `CommandGetCrossReference`, as the Flight SQL spec gives them.
pub static FOREIGN_KEYS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("pk_catalog_name", DataType::Utf8, true),
        Field::new("pk_db_schema_name", DataType::Utf8, true),
        Field::new("pk_table_name", DataType::Utf8, false),
        Field::new("pk_column_name", DataType::Utf8, false),
        Field::new("fk_catalog_name", DataType::Utf8, true),
        Field::new("fk_db_schema_name", DataType::Utf8, true),
        Field::new("fk_table_name", DataType::Utf8, false),
        Field::new("fk_column_name", DataType::Utf8, false),
        Field::new("key_sequence", DataType::Int32, false),
        Field::new("fk_key_name", DataType::Utf8, true),
        Field::new("pk_key_name", DataType::Utf8, true),
        Field::new("update_rule", DataType::UInt8, false),
        Field::new("delete_rule", DataType::UInt8, false),
    ]))
});

/// Lake tables declare no keys: every key listing is empty.
pub fn no_keys(schema: &SchemaRef) -> RecordBatch {
    RecordBatch::new_empty(Arc::clone(schema))
}

/// What GetSqlInfo reports: junction's identity and the SQL it takes (PostgreSQL's, read
/// only, no transactions).
pub static SQL_INFO: LazyLock<std::result::Result<SqlInfoData, String>> = LazyLock::new(|| {
    let mut b = SqlInfoDataBuilder::new();
    b.append(SqlInfo::FlightSqlServerName, "junction");
    b.append(SqlInfo::FlightSqlServerVersion, env!("CARGO_PKG_VERSION"));
    b.append(SqlInfo::FlightSqlServerArrowVersion, "58");
    b.append(SqlInfo::FlightSqlServerReadOnly, true);
    b.append(SqlInfo::FlightSqlServerSql, true);
    b.append(SqlInfo::FlightSqlServerSubstrait, false);
    b.append(
        SqlInfo::FlightSqlServerTransaction,
        SqlSupportedTransaction::None as i32,
    );
    b.append(SqlInfo::FlightSqlServerCancel, true);
    b.append(SqlInfo::FlightSqlServerBulkIngestion, false);
    b.append(SqlInfo::SqlDdlCatalog, false);
    b.append(SqlInfo::SqlDdlSchema, false);
    b.append(SqlInfo::SqlDdlTable, false);
    b.append(
        SqlInfo::SqlIdentifierCase,
        SqlSupportedCaseSensitivity::SqlCaseSensitivityLowercase as i32,
    );
    b.append(SqlInfo::SqlIdentifierQuoteChar, "\"");
    b.append(
        SqlInfo::SqlQuotedIdentifierCase,
        // Quoted identifiers keep their case; the enum has no "sensitive" value.
        SqlSupportedCaseSensitivity::SqlCaseSensitivityUnknown as i32,
    );
    b.append(SqlInfo::SqlAllTablesAreSelectable, true);
    b.append(
        SqlInfo::SqlNullOrdering,
        SqlNullOrdering::SqlNullsSortedHigh as i32,
    );
    b.append(SqlInfo::SqlSearchStringEscape, "\\");
    b.append(SqlInfo::SqlSupportsColumnAliasing, true);
    b.append(SqlInfo::SqlNullPlusNullIsNull, true);
    b.append(SqlInfo::SqlSupportsTableCorrelationNames, true);
    b.append(SqlInfo::SqlSupportsDifferentTableCorrelationNames, false);
    b.append(SqlInfo::SqlSupportsExpressionsInOrderBy, true);
    b.append(SqlInfo::SqlSupportsOrderByUnrelated, true);
    b.append(SqlInfo::SqlSupportsLikeEscapeClause, true);
    b.append(SqlInfo::SqlSupportsNonNullableColumns, true);
    b.append(
        SqlInfo::SqlSupportedGrammar,
        (1 << SupportedSqlGrammar::SqlMinimumGrammar as i32)
            | (1 << SupportedSqlGrammar::SqlCoreGrammar as i32),
    );
    b.append(SqlInfo::SqlSchemaTerm, "schema");
    b.append(SqlInfo::SqlCatalogTerm, "database");
    b.append(SqlInfo::SqlCatalogAtStart, true);
    b.append(SqlInfo::SqlSelectForUpdateSupported, false);
    b.append(SqlInfo::SqlStoredProceduresSupported, false);
    b.append(SqlInfo::SqlCorrelatedSubqueriesSupported, true);
    b.append(SqlInfo::SqlTransactionsSupported, false);
    b.build().map_err(|e| e.to_string())
});

/// GetSqlInfo's answer: the requested infos (all when none are named).
pub fn sql_info_batch(query: CommandGetSqlInfo) -> Result<RecordBatch> {
    query.into_builder(sql_info()?).build().map_err(arrow_error)
}

pub fn sql_info() -> Result<&'static SqlInfoData> {
    SQL_INFO.as_ref().map_err(|e| {
        GatewayError::Engine(EngineError::from(
            datafusion::error::DataFusionError::Internal(format!("building SqlInfo: {e}")),
        ))
    })
}

/// The SQL types junction's results use, for GetXdbcTypeInfo.
pub static XDBC_TYPES: LazyLock<std::result::Result<XdbcTypeInfoData, String>> =
    LazyLock::new(|| {
        let mut b = XdbcTypeInfoDataBuilder::new();
        let types: [(&str, &str, XdbcDataType, Option<XdbcDatetimeSubcode>); 14] = [
            ("bool", "boolean", XdbcDataType::XdbcBit, None),
            ("int2", "smallint", XdbcDataType::XdbcSmallint, None),
            ("int4", "integer", XdbcDataType::XdbcInteger, None),
            ("int8", "bigint", XdbcDataType::XdbcBigint, None),
            ("float4", "real", XdbcDataType::XdbcReal, None),
            ("float8", "double precision", XdbcDataType::XdbcDouble, None),
            ("numeric", "numeric", XdbcDataType::XdbcNumeric, None),
            ("text", "text", XdbcDataType::XdbcVarchar, None),
            (
                "varchar",
                "character varying",
                XdbcDataType::XdbcVarchar,
                None,
            ),
            ("bytea", "bytea", XdbcDataType::XdbcBinary, None),
            ("date", "date", XdbcDataType::XdbcDate, None),
            (
                "time",
                "time without time zone",
                XdbcDataType::XdbcTime,
                None,
            ),
            (
                "timestamp",
                "timestamp without time zone",
                XdbcDataType::XdbcTimestamp,
                Some(XdbcDatetimeSubcode::XdbcSubcodeTimestamp),
            ),
            (
                "timestamptz",
                "timestamp with time zone",
                XdbcDataType::XdbcTimestamp,
                Some(XdbcDatetimeSubcode::XdbcSubcodeTimestampWithTimezone),
            ),
        ];
        for (name, local, data_type, subcode) in types {
            let text = matches!(data_type, XdbcDataType::XdbcVarchar);
            let quoted = text
                || matches!(
                    data_type,
                    XdbcDataType::XdbcDate | XdbcDataType::XdbcTime | XdbcDataType::XdbcTimestamp
                );
            b.append(XdbcTypeInfo {
                type_name: name.to_owned(),
                data_type,
                literal_prefix: quoted.then(|| "'".to_owned()),
                literal_suffix: quoted.then(|| "'".to_owned()),
                nullable: Nullable::NullabilityNullable,
                case_sensitive: text,
                searchable: Searchable::Full,
                unsigned_attribute: Some(false),
                auto_increment: Some(false),
                local_type_name: Some(local.to_owned()),
                sql_data_type: data_type,
                datetime_subcode: subcode,
                num_prec_radix: matches!(
                    data_type,
                    XdbcDataType::XdbcSmallint
                        | XdbcDataType::XdbcInteger
                        | XdbcDataType::XdbcBigint
                        | XdbcDataType::XdbcNumeric
                )
                .then_some(10),
                ..XdbcTypeInfo::default()
            });
        }
        b.build().map_err(|e| e.to_string())
    });

/// GetXdbcTypeInfo's answer: the requested type (all when none is named).
pub fn xdbc_types_batch(query: CommandGetXdbcTypeInfo) -> Result<RecordBatch> {
    query
        .into_builder(xdbc_types()?)
        .build()
        .map_err(arrow_error)
}

pub fn xdbc_types() -> Result<&'static XdbcTypeInfoData> {
    XDBC_TYPES.as_ref().map_err(|e| {
        GatewayError::Engine(EngineError::from(
            datafusion::error::DataFusionError::Internal(format!("building XdbcTypeInfo: {e}")),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_as_flight_sql_says() {
        assert!(like("%", ""));
        assert!(like("vital%", "vitals_hourly"));
        assert!(like("%_hourly", "vitals_hourly"));
        assert!(like("pat_ents", "patients"));
        assert!(like("%it%ly", "vitals_hourly"));
        assert!(!like("vital", "vitals"));
        assert!(!like("_", ""));
        assert!(!like("%x%", "vitals"));
        assert!(like("vitals\\_raw", "vitals_raw"));
        assert!(!like("vitals\\_raw", "vitalsXraw"));
        assert!(like("100\\%", "100%"));
    }

    #[test]
    fn static_metadata_builds() {
        assert!(sql_info().is_ok());
        let types = xdbc_types().expect("builds");
        let all = types.record_batch(None).expect("batch");
        assert_eq!(all.num_rows(), 14);
        let ints = types
            .record_batch(XdbcDataType::XdbcInteger as i32)
            .expect("batch");
        assert_eq!(ints.num_rows(), 1);
    }
}
