//! Hive column types as Arrow types: for partition columns, whose values only the metastore
//! holds, and for the columns of a table without files to read them from.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use hive_metastore::FieldSchema;

use crate::{CatalogError, Result};

/// The value Hive records for a NULL partition value.
pub(super) const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// The Arrow type of a Hive primitive type; `None` for complex types and unknown names.
fn arrow_type(hive: &str) -> Option<DataType> {
    let hive = hive.trim().to_ascii_lowercase();
    let (name, arguments) = match hive.split_once('(') {
        Some((name, rest)) => (name.trim(), Some(rest.trim_end_matches(')'))),
        None => (hive.as_str(), None),
    };
    Some(match name {
        "string" | "varchar" | "char" => DataType::Utf8,
        "boolean" => DataType::Boolean,
        "tinyint" => DataType::Int8,
        "smallint" => DataType::Int16,
        "int" | "integer" => DataType::Int32,
        "bigint" => DataType::Int64,
        "float" => DataType::Float32,
        "double" | "double precision" => DataType::Float64,
        "date" => DataType::Date32,
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "binary" => DataType::Binary,
        "decimal" | "numeric" => {
            // Hive's default is decimal(10,0).
            let (precision, scale) = match arguments {
                None => (10, 0),
                Some(arguments) => match arguments.split_once(',') {
                    Some((p, s)) => (p.trim().parse().ok()?, s.trim().parse().ok()?),
                    None => (arguments.trim().parse().ok()?, 0),
                },
            };
            DataType::Decimal128(precision, scale)
        }
        _ => return None,
    })
}

/// A partition column of table `table` as a nullable Arrow field.
pub(super) fn partition_field(table: &str, key: &FieldSchema) -> Result<Field> {
    let name = key.name.as_deref().unwrap_or_default();
    let hive = key.r#type.as_deref().unwrap_or_default();
    let data_type = arrow_type(hive).ok_or_else(|| {
        CatalogError::Unsupported(format!(
            "table {table}: partition column \"{name}\" has Hive type {hive}, which junction \
             does not read"
        ))
    })?;
    Ok(Field::new(name, data_type, true))
}

/// The declared data columns, when every type is one junction reads.
pub(super) fn declared_schema(columns: &[FieldSchema]) -> Option<SchemaRef> {
    let fields = columns
        .iter()
        .map(|c| {
            let data_type = arrow_type(c.r#type.as_deref()?)?;
            Some(Field::new(c.name.as_deref()?, data_type, true))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Arc::new(Schema::new(fields)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_types() {
        assert_eq!(arrow_type("STRING"), Some(DataType::Utf8));
        assert_eq!(arrow_type("varchar(20)"), Some(DataType::Utf8));
        assert_eq!(arrow_type("bigint"), Some(DataType::Int64));
        assert_eq!(arrow_type("decimal"), Some(DataType::Decimal128(10, 0)));
        assert_eq!(
            arrow_type("decimal(12, 2)"),
            Some(DataType::Decimal128(12, 2))
        );
        assert_eq!(arrow_type("decimal(7)"), Some(DataType::Decimal128(7, 0)));
        assert_eq!(arrow_type("array<string>"), None);
        assert_eq!(arrow_type("map<string,int>"), None);
    }

    #[test]
    fn complex_partition_types_are_refused_by_name() {
        let key = FieldSchema {
            name: Some("tags".into()),
            r#type: Some("array<string>".into()),
            comment: None,
        };
        let err = partition_field("hive.clinic.t", &key).unwrap_err();
        assert_eq!(err.sqlstate(), "0A000");
        assert!(err.to_string().contains("\"tags\""), "{err}");
    }
}
