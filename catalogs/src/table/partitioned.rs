//! Parquet tables whose partitions a metastore lists: each partition a folder anywhere, with
//! its values recorded in the metastore rather than in folder names. Every file of a
//! partition folder is data (Hive writes `000000_0` without an extension), hidden and
//! bookkeeping files aside.

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::{Field, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{project_schema, ScalarValue};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::object_store::ObjectStoreUrl;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::datasource::TableType;
use datafusion::logical_expr::Expr;
use datafusion::object_store::local::LocalFileSystem;
use datafusion::object_store::path::Path as StorePath;
use datafusion::object_store::{ObjectMeta, ObjectStore};
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;

use super::data_files::DataFile;
use super::files::data_files;
use super::{DataFiles, Snapshot, Source, TableFormat, TableHandle};
use crate::{CatalogError, Result};

/// One partition: its folder and its values, in the order of the table's partition columns.
#[derive(Debug, Clone)]
pub(crate) struct Partition {
    pub location: PathBuf,
    /// `None` is NULL (Hive's `__HIVE_DEFAULT_PARTITION__`).
    pub values: Vec<Option<String>>,
}

/// A table whose partitions are listed: `name` names it in errors, `location` is its root,
/// `columns` are the partition columns. A table without partition columns has one partition,
/// its root.
pub(crate) struct PartitionedTable<'a> {
    pub name: &'a str,
    pub location: &'a Path,
    pub columns: Vec<Field>,
    pub partitions: Vec<Partition>,
    /// The data columns, for a table without files to infer them from.
    pub declared: Option<SchemaRef>,
}

struct File {
    meta: ObjectMeta,
    path: PathBuf,
    partition: usize,
}

impl PartitionedTable<'_> {
    fn error(&self, message: impl std::fmt::Display) -> CatalogError {
        CatalogError::Files {
            table: self.name.to_owned(),
            location: self.location.display().to_string(),
            message: message.to_string(),
        }
    }

    /// Lists every partition's files and reads the Parquet footers once for the schema.
    pub(crate) async fn load(self) -> Result<TableHandle> {
        let mut files = Vec::new();
        for (index, partition) in self.partitions.iter().enumerate() {
            if partition.values.len() != self.columns.len() {
                return Err(self.error(format!(
                    "partition at {} has {} values for {} partition columns",
                    partition.location.display(),
                    partition.values.len(),
                    self.columns.len()
                )));
            }
            let found = data_files(&partition.location, "")
                .map_err(CatalogError::io(&partition.location))?;
            for path in found {
                let meta = object_meta(&path)?;
                files.push(File {
                    meta,
                    path,
                    partition: index,
                });
            }
        }
        let file_schema = self.file_schema(&files).await?;
        let partition_values = self.typed_values()?;
        let snapshot = Snapshot::Files {
            count: files.len(),
            bytes: files.iter().map(|f| f.meta.size).sum(),
            newest_mtime_ns: files
                .iter()
                .filter_map(|f| f.meta.last_modified.timestamp_nanos_opt())
                .map(i128::from)
                .max()
                .unwrap_or(0),
        };
        let data_files = DataFiles::Parquet {
            files: files
                .iter()
                .map(|file| DataFile {
                    path: file.path.clone(),
                    partition_values: self
                        .columns
                        .iter()
                        .map(|c| c.name().clone())
                        .zip(self.partitions[file.partition].values.iter().cloned())
                        .collect(),
                })
                .collect(),
            hive_partitioning: false,
        };
        let provider = PartitionedParquet {
            table_schema: TableSchema::new(
                file_schema,
                self.columns.into_iter().map(Arc::new).collect(),
            ),
            files: files
                .into_iter()
                .map(|file| {
                    PartitionedFile::new_from_meta(file.meta)
                        .with_partition_values(partition_values[file.partition].clone())
                })
                .collect(),
        };
        Ok(TableHandle {
            format: TableFormat::Parquet,
            location: self.location.to_path_buf(),
            snapshot,
            provider: Arc::new(provider),
            source: Source::Files(data_files),
        })
    }

    /// The columns the files hold, merged over all of them as DataFusion's listing table
    /// does; for a table without files, the declared ones.
    async fn file_schema(&self, files: &[File]) -> Result<SchemaRef> {
        if files.is_empty() {
            return self
                .declared
                .clone()
                .ok_or_else(|| self.error("the table has no files and no readable column list"));
        }
        let state = SessionContext::new().state();
        let store: Arc<dyn ObjectStore> = Arc::new(LocalFileSystem::new());
        let metas: Vec<ObjectMeta> = files.iter().map(|f| f.meta.clone()).collect();
        ParquetFormat::default()
            .infer_schema(&state, &store, &metas)
            .await
            .map_err(|e| self.error(e))
    }

    fn typed_values(&self) -> Result<Vec<Vec<ScalarValue>>> {
        self.partitions
            .iter()
            .map(|partition| {
                self.columns
                    .iter()
                    .zip(&partition.values)
                    .map(|(column, value)| {
                        let value = match value {
                            Some(text) => {
                                ScalarValue::try_from_string(text.clone(), column.data_type())
                            }
                            None => ScalarValue::try_from(column.data_type()),
                        };
                        value.map_err(|e| {
                            self.error(format!(
                                "partition at {}: column \"{}\": {e}",
                                partition.location.display(),
                                column.name()
                            ))
                        })
                    })
                    .collect()
            })
            .collect()
    }
}

fn object_meta(path: &Path) -> Result<ObjectMeta> {
    let meta = std::fs::metadata(path).map_err(CatalogError::io(path))?;
    let location = StorePath::from_absolute_path(path).map_err(|e| CatalogError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    let last_modified = meta.modified().map_err(CatalogError::io(path))?.into();
    Ok(ObjectMeta {
        location,
        last_modified,
        size: meta.len(),
        e_tag: None,
        version: None,
    })
}

/// Reads listed Parquet files with their partition values, which are not in the files.
#[derive(Debug)]
struct PartitionedParquet {
    table_schema: TableSchema,
    files: Vec<PartitionedFile>,
}

#[async_trait]
impl TableProvider for PartitionedParquet {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(self.table_schema.table_schema())
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        // Filters are not pushed down: DataFusion applies every one above the scan, so the
        // `limit` it passes here is one no filter stands in front of.
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        if self.files.is_empty() {
            let schema = project_schema(&self.schema(), projection)?;
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        let format = ParquetFormat::default().with_options(state.table_options().parquet.clone());
        let source = format.file_source(self.table_schema.clone());
        let groups = state.config().target_partitions().max(1);
        let mut file_groups = vec![Vec::new(); groups.min(self.files.len())];
        let count = file_groups.len();
        for (i, file) in self.files.iter().enumerate() {
            file_groups[i % count].push(file.clone());
        }
        let config = FileScanConfigBuilder::new(ObjectStoreUrl::local_filesystem(), source)
            .with_file_groups(file_groups.into_iter().map(FileGroup::new).collect())
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        format.create_physical_plan(state, config).await
    }
}
