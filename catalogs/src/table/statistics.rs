//! What a snapshot's metadata says of each data file (its size, rows, and each column's
//! bounds), for the router's estimate of what a statement's filters leave to read. Delta
//! records this in its log, Iceberg in its manifests; plain files answer none.

use std::collections::HashMap;

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::scalar::ScalarValue;
use delta_kernel::expressions::{Scalar, StructData};
use deltalake::DeltaTable;
use futures::TryStreamExt;
use iceberg::spec::{DataContentType, Datum, PrimitiveLiteral, PrimitiveType};
use iceberg::table::Table;

use super::data_files::delta_error;
use super::Location;
use crate::{CatalogError, Result};

/// Every data file of one snapshot.
#[derive(Debug, Default)]
pub struct FileStatistics {
    pub files: Vec<FileStats>,
}

/// One data file.
#[derive(Debug, Default)]
pub struct FileStats {
    pub bytes: u64,
    pub rows: Option<u64>,
    /// By column name; a column without an entry may hold anything.
    pub columns: HashMap<String, Bounds>,
}

/// What one column holds in one file: every non-NULL value lies within `min..=max`, both of
/// the column's type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bounds {
    pub min: Option<ScalarValue>,
    pub max: Option<ScalarValue>,
    /// NULLs among its values, where known.
    pub nulls: Option<u64>,
}

impl FileStatistics {
    /// Every bound as a value of its column's type in `schema`, so that comparing it with a
    /// constant typed as the column needs no cast; a bound that does not cast, or of a column
    /// the schema lacks, is dropped (it then bounds nothing). Writers truncate long strings'
    /// statistics, so a string maximum of 32 characters or more is dropped too.
    fn typed(mut self, schema: &Schema) -> Self {
        let as_column = |value: Option<ScalarValue>, data_type: &DataType| {
            value
                .and_then(|v| v.cast_to(data_type).ok())
                .filter(|v| !v.is_null())
        };
        for file in &mut self.files {
            file.columns.retain(|name, bounds| {
                let Ok(field) = schema.field_with_name(name) else {
                    return false;
                };
                bounds.min = as_column(bounds.min.take(), field.data_type());
                bounds.max = as_column(bounds.max.take(), field.data_type())
                    .filter(|m| !matches!(m, ScalarValue::Utf8(Some(s)) if s.len() >= 32));
                true
            });
        }
        self
    }
}

impl FileStats {
    /// Whether the file holds nothing but NULLs in `column`, as far as its statistics say.
    pub fn all_null(&self, column: &str) -> bool {
        match (self.rows, self.columns.get(column).and_then(|b| b.nulls)) {
            (Some(rows), Some(nulls)) => nulls >= rows,
            _ => false,
        }
    }
}

/// The statistics of the snapshot `source` describes, bounds typed as `schema`'s columns.
pub(super) async fn of(
    source: &super::Source,
    location: &Location,
    schema: &Schema,
) -> Result<Option<FileStatistics>> {
    let statistics = match source {
        super::Source::Delta(table) => delta(table, location).await?,
        super::Source::Iceberg(table) => iceberg(table, location).await?,
        super::Source::Files(_) => None,
    };
    Ok(statistics.map(|s| s.typed(schema)))
}

/// The statistics of a Delta snapshot's files: partition values exactly, and the per-column
/// `minValues`/`maxValues`/`nullCount` writers record. `None` under column mapping, where
/// statistics name physical columns.
async fn delta(table: &DeltaTable, root: &Location) -> Result<Option<FileStatistics>> {
    let error = delta_error(root);
    let state = table.snapshot().map_err(&error)?;
    if state
        .table_config()
        .column_mapping_mode
        .is_some_and(|mode| mode != delta_kernel::table_features::ColumnMappingMode::None)
    {
        return Ok(None);
    }
    let views: Vec<_> = state
        .snapshot()
        .file_views(table.log_store().as_ref(), None)
        .try_collect()
        .await
        .map_err(&error)?;
    let files = views
        .iter()
        .map(|view| {
            let rows = view.num_records().and_then(|n| u64::try_from(n).ok());
            let mut columns: HashMap<String, Bounds> = HashMap::new();
            for (name, min) in struct_values(view.min_values()) {
                columns.entry(name).or_default().min = scalar(&min);
            }
            for (name, max) in struct_values(view.max_values()) {
                columns.entry(name).or_default().max = scalar(&max);
            }
            for (name, nulls) in struct_values(view.null_counts()) {
                if let Scalar::Long(n) = nulls {
                    columns.entry(name).or_default().nulls = u64::try_from(n).ok();
                }
            }
            if let Some(partition) = view.partition_values() {
                for (field, value) in partition.fields().iter().zip(partition.values()) {
                    let exact = match value {
                        Scalar::Null(_) => Bounds {
                            min: None,
                            max: None,
                            nulls: rows,
                        },
                        value => {
                            let value = scalar(value);
                            Bounds {
                                min: value.clone(),
                                max: value,
                                nulls: Some(0),
                            }
                        }
                    };
                    columns.insert(field.name().to_owned(), exact);
                }
            }
            FileStats {
                bytes: u64::try_from(view.size()).unwrap_or(0),
                rows,
                columns,
            }
        })
        .collect();
    Ok(Some(FileStatistics { files }))
}

/// The top-level fields of a statistics struct; nested columns' statistics are left out.
fn struct_values(scalar: Option<Scalar>) -> Vec<(String, Scalar)> {
    match scalar {
        Some(Scalar::Struct(data)) => top_level(data),
        _ => Vec::new(),
    }
}

fn top_level(data: StructData) -> Vec<(String, Scalar)> {
    data.fields()
        .iter()
        .zip(data.values())
        .filter(|(_, value)| !matches!(value, Scalar::Struct(_)))
        .map(|(field, value)| (field.name().to_owned(), value.clone()))
        .collect()
}

/// A statistic as DataFusion's value; `None` for types the estimate does not compare.
fn scalar(value: &Scalar) -> Option<ScalarValue> {
    let utc = || Some("UTC".into());
    Some(match value {
        Scalar::Integer(v) => ScalarValue::Int32(Some(*v)),
        Scalar::Long(v) => ScalarValue::Int64(Some(*v)),
        Scalar::Short(v) => ScalarValue::Int16(Some(*v)),
        Scalar::Byte(v) => ScalarValue::Int8(Some(*v)),
        Scalar::Float(v) => ScalarValue::Float32(Some(*v)),
        Scalar::Double(v) => ScalarValue::Float64(Some(*v)),
        Scalar::String(v) => ScalarValue::Utf8(Some(v.clone())),
        Scalar::Boolean(v) => ScalarValue::Boolean(Some(*v)),
        Scalar::Date(v) => ScalarValue::Date32(Some(*v)),
        Scalar::Timestamp(v) => ScalarValue::TimestampMicrosecond(Some(*v), utc()),
        Scalar::TimestampNtz(v) => ScalarValue::TimestampMicrosecond(Some(*v), None),
        Scalar::Decimal(d) => {
            ScalarValue::Decimal128(Some(d.bits()), d.precision(), i8::try_from(d.scale()).ok()?)
        }
        _ => return None,
    })
}

/// The statistics of an Iceberg table's current snapshot, from its manifests: each live data
/// file's size, rows, and the lower and upper bounds and NULL counts writers record per
/// column (by field id; nested fields left out).
async fn iceberg(table: &Table, root: &Location) -> Result<Option<FileStatistics>> {
    let error = |source: iceberg::Error| CatalogError::Iceberg {
        table: root.to_string(),
        location: root.to_string(),
        source: Box::new(source),
    };
    let metadata = table.metadata();
    let Some(snapshot) = metadata.current_snapshot() else {
        return Ok(Some(FileStatistics::default()));
    };
    let schema = metadata.current_schema();
    // Top-level columns only: a nested field's bounds are not the column's.
    let name = |id: i32| schema.as_struct().field_by_id(id).map(|f| f.name.clone());
    let list = table
        .manifest_list_reader(snapshot)
        .load()
        .await
        .map_err(error)?;
    let mut files = Vec::new();
    for manifest in list.entries() {
        let manifest = manifest
            .load_manifest(table.file_io())
            .await
            .map_err(error)?;
        for entry in manifest.entries() {
            if !entry.is_alive() || entry.content_type() != DataContentType::Data {
                continue;
            }
            let file = entry.data_file();
            let mut columns: HashMap<String, Bounds> = HashMap::new();
            for (id, lower) in file.lower_bounds() {
                if let Some(column) = name(*id) {
                    columns.entry(column).or_default().min = datum(lower);
                }
            }
            for (id, upper) in file.upper_bounds() {
                if let Some(column) = name(*id) {
                    columns.entry(column).or_default().max = datum(upper);
                }
            }
            for (id, nulls) in file.null_value_counts() {
                if let Some(column) = name(*id) {
                    columns.entry(column).or_default().nulls = Some(*nulls);
                }
            }
            files.push(FileStats {
                bytes: file.file_size_in_bytes(),
                rows: Some(file.record_count()),
                columns,
            });
        }
    }
    Ok(Some(FileStatistics { files }))
}

/// An Iceberg bound as DataFusion's value; `None` for types the estimate does not compare.
fn datum(value: &Datum) -> Option<ScalarValue> {
    Some(match (value.data_type(), value.literal()) {
        (PrimitiveType::Boolean, PrimitiveLiteral::Boolean(v)) => ScalarValue::Boolean(Some(*v)),
        (PrimitiveType::Int, PrimitiveLiteral::Int(v)) => ScalarValue::Int32(Some(*v)),
        (PrimitiveType::Long, PrimitiveLiteral::Long(v)) => ScalarValue::Int64(Some(*v)),
        (PrimitiveType::Float, PrimitiveLiteral::Float(v)) => ScalarValue::Float32(Some(v.0)),
        (PrimitiveType::Double, PrimitiveLiteral::Double(v)) => ScalarValue::Float64(Some(v.0)),
        (PrimitiveType::Date, PrimitiveLiteral::Int(v)) => ScalarValue::Date32(Some(*v)),
        (PrimitiveType::Timestamp, PrimitiveLiteral::Long(v)) => {
            ScalarValue::TimestampMicrosecond(Some(*v), None)
        }
        (PrimitiveType::Timestamptz, PrimitiveLiteral::Long(v)) => {
            ScalarValue::TimestampMicrosecond(Some(*v), Some("UTC".into()))
        }
        (PrimitiveType::String, PrimitiveLiteral::String(v)) => ScalarValue::Utf8(Some(v.clone())),
        (PrimitiveType::Decimal { precision, scale }, PrimitiveLiteral::Int128(v)) => {
            ScalarValue::Decimal128(
                Some(*v),
                u8::try_from(*precision).ok()?,
                i8::try_from(*scale).ok()?,
            )
        }
        _ => return None,
    })
}
