//! Parquet tables whose partitions a metastore lists: each partition a folder anywhere, with
//! its values recorded in the metastore rather than in folder names. Every file of a
//! partition folder is data (Hive writes `000000_0` without an extension), hidden and
//! bookkeeping files aside.

use std::any::Any;
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
use datafusion::object_store::ObjectMeta;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::ExecutionPlan;

use super::data_files::DataFile;
use super::files::{files_snapshot, inference_state, listed_files};
use super::{DataFiles, Location, Source, TableFormat, TableHandle};
use crate::storage::Storage;
use crate::{CatalogError, Result};

/// One partition: its folder and its values, in the order of the table's partition columns.
#[derive(Debug, Clone)]
pub(crate) struct Partition {
    pub location: Location,
    /// `None` is NULL (Hive's `__HIVE_DEFAULT_PARTITION__`).
    pub values: Vec<Option<String>>,
}

/// A table whose partitions are listed: `name` names it in errors, `location` is its root,
/// `columns` are the partition columns. A table without partition columns has one partition,
/// its root.
pub(crate) struct PartitionedTable<'a> {
    pub name: &'a str,
    pub location: &'a Location,
    pub storage: &'a Storage,
    pub columns: Vec<Field>,
    pub partitions: Vec<Partition>,
    /// The data columns, for a table without files to infer them from.
    pub declared: Option<SchemaRef>,
}

struct File {
    meta: ObjectMeta,
    partition: usize,
}

impl PartitionedTable<'_> {
    fn error(&self, message: impl std::fmt::Display) -> CatalogError {
        CatalogError::Files {
            table: self.name.to_owned(),
            location: self.location.to_string(),
            message: message.to_string(),
        }
    }

    /// Lists every partition's files and reads the Parquet footers once for the schema.
    pub(crate) async fn load(self) -> Result<TableHandle> {
        let store_url = self.location.store_url();
        let mut files = Vec::new();
        for (index, partition) in self.partitions.iter().enumerate() {
            if partition.values.len() != self.columns.len() {
                return Err(self.error(format!(
                    "partition at {} has {} values for {} partition columns",
                    partition.location,
                    partition.values.len(),
                    self.columns.len()
                )));
            }
            // One scan reads one store.
            if partition.location.store_url() != store_url {
                return Err(self.error(format!(
                    "partition at {} is not in the table's store {store_url}",
                    partition.location
                )));
            }
            let found = listed_files(self.storage, &partition.location, "").await?;
            files.extend(found.into_iter().map(|meta| File {
                meta,
                partition: index,
            }));
        }
        let file_schema = self.file_schema(&files).await?;
        let partition_values = self.typed_values()?;
        let snapshot = files_snapshot(files.iter().map(|f| &f.meta));
        let data_files = DataFiles::Parquet {
            files: files
                .iter()
                .map(|file| DataFile {
                    path: self.location.at_store_path(&file.meta.location),
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
            store_url: ObjectStoreUrl::parse(&store_url).map_err(|e| self.error(e))?,
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
            location: self.location.clone(),
            snapshot,
            provider: Arc::new(provider),
            source: Source::Files(data_files),
            credentials: None,
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
        let state = inference_state(self.storage)?;
        let store = self.storage.store(self.location)?;
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
                                partition.location,
                                column.name()
                            ))
                        })
                    })
                    .collect()
            })
            .collect()
    }
}

/// Reads listed Parquet files with their partition values, which are not in the files.
#[derive(Debug)]
struct PartitionedParquet {
    /// The store every file is in.
    store_url: ObjectStoreUrl,
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
        let config = FileScanConfigBuilder::new(self.store_url.clone(), source)
            .with_file_groups(file_groups.into_iter().map(FileGroup::new).collect())
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        format.create_physical_plan(state, config).await
    }
}
