//! The data files of one snapshot, for engines that read files themselves (DuckDB's
//! `read_parquet`), and the reasons a snapshot cannot be read that way.

use deltalake::kernel::scalars::ScalarExt;
use deltalake::DeltaTable;
use futures::TryStreamExt;
use iceberg::table::Table;

use super::{Location, TextLayout};
use crate::{CatalogError, Result};

/// One data file and the partition values that are not stored inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub path: Location,
    /// `(column, value)` in Delta's partition-value text form (`2026-01-01`); `None` is NULL.
    pub partition_values: Vec<(String, Option<String>)>,
}

/// How a snapshot's rows can be read from its files alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataFiles {
    /// Parquet files; columns missing from older files (added later) read as NULL.
    Parquet {
        files: Vec<DataFile>,
        /// Partition columns come from `k=v` folder names.
        hive_partitioning: bool,
    },
    /// One CSV file with a header row.
    Csv(Location),
    /// Hive delimited text files laid out as `layout` says, with the data columns in table
    /// order and partition values beside them.
    Text {
        files: Vec<DataFile>,
        layout: TextLayout,
    },
    /// Reading the files alone would give wrong rows; the reason says why.
    Unreadable(String),
}

pub(super) fn plain(files: Vec<Location>, hive_partitioning: bool) -> DataFiles {
    DataFiles::Parquet {
        files: files
            .into_iter()
            .map(|path| DataFile {
                path,
                partition_values: Vec::new(),
            })
            .collect(),
        hive_partitioning,
    }
}

/// A file named in table metadata: a URL, an absolute path, or a path under the table root.
fn resolve(root: &Location, name: &str) -> Location {
    Location::parse(name).unwrap_or_else(|| root.join(name))
}

pub(super) fn delta_error(
    root: &Location,
) -> impl Fn(deltalake::DeltaTableError) -> CatalogError + '_ {
    move |source| CatalogError::Delta {
        table: root.to_string(),
        location: root.to_string(),
        source: Box::new(source),
    }
}

/// The bytes of the snapshot's data files, from the sizes its log records.
pub(super) async fn delta_bytes(table: &DeltaTable, root: &Location) -> Result<u64> {
    let error = delta_error(root);
    let state = table.snapshot().map_err(&error)?;
    state
        .snapshot()
        .file_views(table.log_store().as_ref(), None)
        .try_fold(0u64, |sum, view| async move {
            Ok(sum + u64::try_from(view.size()).unwrap_or(0))
        })
        .await
        .map_err(error)
}

/// The bytes of the current snapshot's data files, from its summary (writers that follow
/// the spec record `total-files-size`).
pub(super) fn iceberg_bytes(table: &Table) -> Option<u64> {
    let Some(snapshot) = table.metadata().current_snapshot() else {
        return Some(0);
    };
    snapshot
        .summary()
        .additional_properties
        .get("total-files-size")
        .and_then(|size| size.parse().ok())
}

pub(super) async fn delta(table: &DeltaTable, root: &Location) -> Result<DataFiles> {
    let error = delta_error(root);
    let state = table.snapshot().map_err(&error)?;
    if let Some(mode) = state.table_config().column_mapping_mode {
        if mode != delta_kernel::table_features::ColumnMappingMode::None {
            return Ok(DataFiles::Unreadable(
                "Delta column mapping: file columns carry physical names".into(),
            ));
        }
    }
    let log_store = table.log_store();
    let views: Vec<_> = state
        .snapshot()
        .file_views(log_store.as_ref(), None)
        .try_collect()
        .await
        .map_err(&error)?;
    let mut files = Vec::with_capacity(views.len());
    for view in views {
        if view.deletion_vector_descriptor().is_some() {
            return Ok(DataFiles::Unreadable("Delta deletion vectors".into()));
        }
        let partition_values = view
            .partition_values()
            .map(|values| {
                values
                    .fields()
                    .iter()
                    .zip(values.values())
                    .map(|(field, value)| {
                        let text = (!value.is_null()).then(|| value.serialize());
                        (field.name().to_owned(), text)
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.push(DataFile {
            path: resolve(root, &view.path()),
            partition_values,
        });
    }
    Ok(DataFiles::Parquet {
        files,
        hive_partitioning: false,
    })
}

pub(super) async fn iceberg(table: &Table, root: &Location) -> Result<DataFiles> {
    let error = |source: iceberg::Error| CatalogError::Iceberg {
        table: root.to_string(),
        location: root.to_string(),
        source: Box::new(source),
    };
    let metadata = table.metadata();
    // Files keep the column names of the schema they were written with; a rename would read
    // as a missing column.
    let current = metadata.current_schema();
    for schema in metadata.schemas_iter() {
        for field in schema.as_struct().fields() {
            if let Some(now) = current.field_by_id(field.id) {
                if now.name != field.name {
                    return Ok(DataFiles::Unreadable(format!(
                        "Iceberg column \"{}\" was renamed from \"{}\"",
                        now.name, field.name
                    )));
                }
            }
        }
    }
    if metadata.current_snapshot().is_none() {
        return Ok(plain(Vec::new(), false));
    }
    let tasks: Vec<_> = table
        .scan()
        .build()
        .map_err(error)?
        .plan_files()
        .await
        .map_err(error)?
        .try_collect()
        .await
        .map_err(error)?;
    let mut files = Vec::with_capacity(tasks.len());
    for task in tasks {
        if !task.deletes.is_empty() {
            return Ok(DataFiles::Unreadable("Iceberg delete files".into()));
        }
        files.push(resolve(root, task.data_file_path()));
    }
    Ok(plain(files, false))
}

#[cfg(test)]
mod tests {
    use super::{resolve, Location};

    #[test]
    fn metadata_file_names_resolve_against_the_table_root() {
        let root = Location::parse("/w/silver/t").expect("path");
        let name = |text: &str| resolve(&root, text).to_string();
        assert_eq!(
            name("day=2026-01-01/part-0.parquet"),
            "/w/silver/t/day=2026-01-01/part-0.parquet"
        );
        assert_eq!(name("/elsewhere/a.parquet"), "/elsewhere/a.parquet");
        assert_eq!(
            name("file:///w/gold/h/data/a%20b.parquet"),
            "/w/gold/h/data/a b.parquet"
        );
        assert_eq!(name("s3a://b/h/data/a.parquet"), "s3://b/h/data/a.parquet");
        let bucket = Location::parse("s3://b/t").expect("URL");
        assert_eq!(
            resolve(&bucket, "x=1/a.parquet").to_string(),
            "s3://b/t/x=1/a.parquet"
        );
    }
}
