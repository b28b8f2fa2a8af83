//! What a snapshot's metadata says of each data file (its size, rows, and each column's
//! bounds), for the router's estimate of what a statement's filters leave to read. Delta
//! records this in its log; the other formats answer none yet.

use std::collections::HashMap;

use datafusion::scalar::ScalarValue;
use delta_kernel::expressions::{Scalar, StructData};
use deltalake::DeltaTable;
use futures::TryStreamExt;

use super::data_files::delta_error;
use super::Location;
use crate::Result;

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

/// What one column holds in one file: every non-NULL value lies within `min..=max`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bounds {
    pub min: Option<ScalarValue>,
    pub max: Option<ScalarValue>,
    /// NULLs among its values, where known.
    pub nulls: Option<u64>,
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

/// The statistics of a Delta snapshot's files: partition values exactly, and the per-column
/// `minValues`/`maxValues`/`nullCount` writers record. `None` under column mapping, where
/// statistics name physical columns.
pub(super) async fn delta(table: &DeltaTable, root: &Location) -> Result<Option<FileStatistics>> {
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
