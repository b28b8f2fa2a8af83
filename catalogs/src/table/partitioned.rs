//! Parquet and text tables whose partitions a metastore lists: each partition a folder
//! anywhere, with its values recorded in the metastore rather than in folder names. Every
//! file of a partition folder is data (Hive writes `000000_0` without an extension), hidden
//! and bookkeeping files aside. A filter on partition columns alone picks the files read.

use std::any::Any;
use std::sync::Arc;

use arrow::array::{Array, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::view::ViewTable;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::cast::as_boolean_array;
use datafusion::common::tree_node::TreeNode;
use datafusion::common::{project_schema, DFSchema, ScalarValue};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::helpers::expr_applicable_for_cols;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::object_store::ObjectStoreUrl;
use datafusion::datasource::physical_plan::{
    FileGroup, FileScanConfig, FileScanConfigBuilder, FileSource,
};
use datafusion::datasource::provider_as_source;
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::datasource::TableType;
use datafusion::functions_nested::expr_fn::{array_element, string_to_array};
use datafusion::logical_expr::expr::TryCast;
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{
    lit, Expr, LogicalPlanBuilder, ScalarUDF, TableProviderFilterPushDown,
};
use datafusion::object_store::ObjectMeta;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::ident;

use super::data_files::DataFile;
use super::files::{files_snapshot, inference_state, listed_files};
use super::lines::{LineSource, LINE};
use super::open_csv::{OpenCsv, OpenCsvFields};
use super::{DataFiles, Location, Source, TableFormat, TableHandle};
use crate::storage::Storage;
use crate::{CatalogError, Result};

/// How the files of a listed table are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListedFormat {
    Parquet,
    /// Hive's delimited text (LazySimpleSerDe).
    Text(TextLayout),
}

/// How Hive text lays rows out: one per line, fields split by `delimiter`, each file
/// perhaps beginning with a header line; how a field is written is `fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLayout {
    pub delimiter: u8,
    /// Whether each file begins with a header line (`skip.header.line.count = 1`).
    pub header: bool,
    pub fields: TextFields,
}

/// How Hive's text SerDes write a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextFields {
    /// LazySimpleSerDe: no quoting. A field that is `null` (`serialization.null.format`,
    /// `\N` unless set) is NULL, and so (as Hive reads them) are a missing trailing field and
    /// one that does not parse as its column's type; an empty field is an empty string.
    Plain { null: String },
    /// OpenCSVSerde: fields may be enclosed in `quote`; a doubled quote, and `escape`
    /// before a quote or itself, stand for that character (opencsv's rules, which Hive
    /// splits lines with: see `open_csv`). Every column is text, whatever the metastore
    /// declares (Hive's own reading), and an empty field is an empty string: only a missing
    /// field is NULL.
    Quoted { quote: u8, escape: u8 },
}

impl TextLayout {
    /// LazySimpleSerDe's defaults: `\N` for NULL, no header.
    pub fn plain(delimiter: u8) -> Self {
        Self {
            delimiter,
            header: false,
            fields: TextFields::Plain {
                null: "\\N".to_owned(),
            },
        }
    }

    /// OpenCSVSerde's layout, without a header.
    pub fn quoted(delimiter: u8, quote: u8, escape: u8) -> Self {
        Self {
            delimiter,
            header: false,
            fields: TextFields::Quoted { quote, escape },
        }
    }
}

impl ListedFormat {
    /// How DataFusion reads these files: Parquet with `state`'s options; text a line at a
    /// time (see `lines`), each line split and typed by the view over it (see `typed`).
    async fn scan(
        &self,
        state: &dyn Session,
        table_schema: TableSchema,
        config: impl FnOnce(Arc<dyn FileSource>) -> datafusion::error::Result<FileScanConfig>,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        match self {
            ListedFormat::Parquet => {
                let format =
                    ParquetFormat::default().with_options(state.table_options().parquet.clone());
                let config = config(format.file_source(table_schema))?;
                format.create_physical_plan(state, config).await
            }
            ListedFormat::Text(layout) => {
                let config = config(Arc::new(LineSource::new(table_schema, layout.header)))?;
                Ok(DataSourceExec::from_data_source(config))
            }
        }
    }
}

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
    /// The data columns, for a table without files to infer them from (and for text,
    /// whose files do not say).
    pub declared: Option<SchemaRef>,
    pub format: ListedFormat,
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
        let declared = self.file_schema(&files).await?;
        // Text is read as text and typed by a view over it, as Hive types it (see `typed`).
        let file_schema = match self.format {
            ListedFormat::Parquet => Arc::clone(&declared),
            ListedFormat::Text(_) => {
                Arc::new(Schema::new(vec![Field::new(LINE, DataType::Utf8, true)]))
            }
        };
        let partition_values = self.typed_values()?;
        let snapshot = files_snapshot(files.iter().map(|f| &f.meta));
        let listed: Vec<DataFile> = files
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
            .collect();
        let data_files = match &self.format {
            ListedFormat::Parquet => DataFiles::Parquet {
                files: listed,
                hive_partitioning: false,
            },
            ListedFormat::Text(layout) => DataFiles::Text {
                files: listed,
                layout: layout.clone(),
            },
        };
        let provider = Partitioned {
            format: self.format.clone(),
            store_url: ObjectStoreUrl::parse(&store_url).map_err(|e| self.error(e))?,
            table_schema: TableSchema::new(
                file_schema,
                self.columns.iter().cloned().map(Arc::new).collect(),
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
            format: match self.format {
                ListedFormat::Parquet => TableFormat::Parquet,
                ListedFormat::Text(_) => TableFormat::Csv,
            },
            location: self.location.clone(),
            snapshot,
            provider: match &self.format {
                ListedFormat::Parquet => Arc::new(provider),
                ListedFormat::Text(layout) => {
                    typed(self.name, provider, layout, &declared, &self.columns)
                        .map_err(|e| self.error(e))?
                }
            },
            source: Source::Files(data_files),
            credentials: None,
            bytes: Arc::default(),
            statistics: Arc::default(),
        })
    }

    /// The columns the files hold, merged over all of them as DataFusion's listing table
    /// does; for text and for a table without files, the declared ones (all text for
    /// OpenCSVSerde, whatever their declared types, as Hive reads them).
    async fn file_schema(&self, files: &[File]) -> Result<SchemaRef> {
        if files.is_empty() || self.format != ListedFormat::Parquet {
            let declared = self.declared.clone().ok_or_else(|| {
                self.error("junction cannot read the column list the metastore holds")
            })?;
            return Ok(match &self.format {
                ListedFormat::Text(TextLayout {
                    fields: TextFields::Quoted { .. },
                    ..
                }) => Arc::new(Schema::new(
                    declared
                        .fields()
                        .iter()
                        .map(|field| Field::new(field.name(), DataType::Utf8, true))
                        .collect::<Vec<_>>(),
                )),
                _ => declared,
            });
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

/// A view over `raw` (Hive text read a line at a time) with the `declared` columns, split
/// as the table's SerDe splits lines and typed as it types fields. Partition columns pass
/// through, typed already.
fn typed(
    name: &str,
    raw: Partitioned,
    layout: &TextLayout,
    declared: &SchemaRef,
    partition_columns: &[Field],
) -> datafusion::error::Result<Arc<dyn TableProvider>> {
    const FIELDS: &str = "#fields";
    let line = ident(LINE);
    let fields = match &layout.fields {
        TextFields::Plain { null } => {
            let delimiter = char::from(layout.delimiter).to_string();
            string_to_array(line, lit(delimiter), lit(null.clone()))
        }
        TextFields::Quoted { quote, escape } => {
            let csv = OpenCsv {
                separator: char::from(layout.delimiter),
                quote: char::from(*quote),
                escape: char::from(*escape),
            };
            ScalarUDF::new_from_impl(OpenCsvFields::new(csv)).call(vec![line])
        }
    };
    let mut split = vec![fields.alias(FIELDS)];
    split.extend(partition_columns.iter().map(|field| ident(field.name())));

    // A missing field is NULL, and (as LazySimpleSerDe reads them) so is one that does not
    // parse as its type; OpenCSVSerde's columns are all text.
    let mut columns = Vec::with_capacity(declared.fields().len() + partition_columns.len());
    for (index, field) in (1_i64..).zip(declared.fields()) {
        let text = array_element(ident(FIELDS), lit(index));
        columns.push(
            Expr::TryCast(TryCast::new(Box::new(text), field.data_type().clone()))
                .alias(field.name()),
        );
    }
    columns.extend(partition_columns.iter().map(|field| ident(field.name())));
    let plan = LogicalPlanBuilder::scan(name, provider_as_source(Arc::new(raw)), None)?
        .project(split)?
        .project(columns)?
        .build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}

/// Reads listed files with their partition values, which are not in the files.
#[derive(Debug)]
struct Partitioned {
    format: ListedFormat,
    /// The store every file is in.
    store_url: ObjectStoreUrl,
    table_schema: TableSchema,
    files: Vec<PartitionedFile>,
}

impl Partitioned {
    /// The files whose partition values pass every one of `filters` (partition columns'
    /// only): each filter evaluated once over a batch of every file's values.
    fn files_passing(
        &self,
        state: &dyn Session,
        filters: &[Expr],
    ) -> datafusion::error::Result<Vec<PartitionedFile>> {
        let Some(filter) = conjunction(filters.iter().cloned().map(unnormalize_col)) else {
            return Ok(self.files.clone());
        };
        if self.files.is_empty() {
            return Ok(Vec::new());
        }
        let columns = self.table_schema.table_partition_cols();
        let schema = Arc::new(Schema::new(columns.clone()));
        let values = (0..columns.len())
            .map(|column| {
                ScalarValue::iter_to_array(
                    self.files
                        .iter()
                        .map(|file| file.partition_values[column].clone()),
                )
            })
            .collect::<datafusion::error::Result<Vec<_>>>()?;
        let batch = RecordBatch::try_new_with_options(
            Arc::clone(&schema),
            values,
            &RecordBatchOptions::new().with_row_count(Some(self.files.len())),
        )?;
        let filter = state.create_physical_expr(filter, &DFSchema::try_from(schema)?)?;
        let passing = filter.evaluate(&batch)?.into_array(self.files.len())?;
        let passing = as_boolean_array(&passing)?;
        Ok(self
            .files
            .iter()
            .enumerate()
            .filter(|(i, _)| passing.is_valid(*i) && passing.value(*i))
            .map(|(_, file)| file.clone())
            .collect())
    }
}

/// Whether `filter` can pick files: it reads only the partition `columns`, calls only
/// functions whose answer the arguments alone decide, and holds no subquery.
fn prunes(columns: &[&str], filter: &Expr) -> bool {
    let subquery = filter
        .exists(|e| {
            Ok(matches!(
                e,
                Expr::ScalarSubquery(_)
                    | Expr::Exists(_)
                    | Expr::InSubquery(_)
                    | Expr::SetComparison(_)
                    | Expr::OuterReferenceColumn(..)
            ))
        })
        .unwrap_or(true);
    !subquery && expr_applicable_for_cols(columns, filter)
}

#[async_trait]
impl TableProvider for Partitioned {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(self.table_schema.table_schema())
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    /// Filters on partition columns alone are exact: they pick whole files, by the values
    /// the metastore recorded for them.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> datafusion::error::Result<Vec<TableProviderFilterPushDown>> {
        let columns: Vec<&str> = self
            .table_schema
            .table_partition_cols()
            .iter()
            .map(|field| field.name().as_str())
            .collect();
        Ok(filters
            .iter()
            .map(|filter| {
                if !columns.is_empty() && prunes(&columns, filter) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        // Only filters on partition columns reach here, and the files they leave hold only
        // rows that pass them; DataFusion applies every other filter above the scan, so a
        // `limit` is one no filter stands in front of.
        filters: &[Expr],
        limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        let files = self.files_passing(state, filters)?;
        if files.is_empty() {
            let schema = project_schema(&self.schema(), projection)?;
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        let groups = state.config().target_partitions().max(1);
        let mut file_groups = vec![Vec::new(); groups.min(files.len())];
        let count = file_groups.len();
        for (i, file) in files.into_iter().enumerate() {
            file_groups[i % count].push(file);
        }
        let file_groups = file_groups.into_iter().map(FileGroup::new).collect();
        self.format
            .scan(state, self.table_schema.clone(), |source| {
                Ok(FileScanConfigBuilder::new(self.store_url.clone(), source)
                    .with_file_groups(file_groups)
                    .with_projection_indices(projection.cloned())?
                    .with_limit(limit)
                    .build())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, Int64Array};
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::physical_plan::displayable;
    use datafusion::prelude::SessionContext;

    use super::{ListedFormat, Partition, PartitionedTable, TextLayout};
    use crate::storage::Storage;
    use crate::table::tests::write_parquet;
    use crate::table::Location;

    /// The files a query's plan reads, and its rows' `n` summed.
    async fn files_and_sum(ctx: &SessionContext, sql: &str) -> (String, Option<i64>) {
        let frame = ctx.sql(sql).await.expect("plan");
        let plan = frame
            .clone()
            .create_physical_plan()
            .await
            .expect("physical plan");
        let files = displayable(plan.as_ref()).indent(true).to_string();
        let batches = frame.collect().await.expect("run");
        let sum = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .and_then(|sums| (!sums.is_null(0)).then(|| sums.value(0)));
        (files, sum)
    }

    #[tokio::test]
    async fn filters_on_partition_columns_pick_the_files_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write_parquet(&root.join("icu/000000_0"), &[1, 2]);
        write_parquet(&root.join("er/000000_0"), &[10]);
        write_parquet(&root.join("null/000000_0"), &[100]);
        let partition = |folder: &str, ward: Option<&str>| Partition {
            location: Location::local(&root.join(folder)),
            values: vec![ward.map(str::to_owned)],
        };
        let handle = PartitionedTable {
            name: "vitals",
            location: &Location::local(root),
            storage: &Storage::new(None),
            columns: vec![Field::new("ward", DataType::Utf8, true)],
            partitions: vec![
                partition("icu", Some("icu")),
                partition("er", Some("er")),
                partition("null", None),
            ],
            declared: None,
            format: ListedFormat::Parquet,
        }
        .load()
        .await
        .expect("load");
        let ctx = SessionContext::new();
        ctx.register_table("vitals", handle.provider())
            .expect("register");

        let (files, sum) =
            files_and_sum(&ctx, "SELECT sum(n) FROM vitals WHERE ward = 'icu'").await;
        assert_eq!(sum, Some(3));
        assert!(files.contains("icu/000000_0"), "{files}");
        assert!(
            !files.contains("er/000000_0") && !files.contains("null/"),
            "{files}"
        );

        // NULL partitions pass no comparison, and IS NULL picks them.
        let (files, sum) =
            files_and_sum(&ctx, "SELECT sum(n) FROM vitals WHERE ward IS NULL").await;
        assert_eq!(sum, Some(100));
        assert!(!files.contains("icu/") && !files.contains("er/"), "{files}");
        let (_, sum) = files_and_sum(&ctx, "SELECT sum(n) FROM vitals WHERE ward <> 'icu'").await;
        assert_eq!(sum, Some(10));

        // A filter on data columns too reads every file, and is applied to rows.
        let (files, sum) =
            files_and_sum(&ctx, "SELECT sum(n) FROM vitals WHERE ward = 'er' OR n = 2").await;
        assert_eq!(sum, Some(12));
        assert!(files.contains("icu/") && files.contains("null/"), "{files}");

        // No file passes: an empty scan.
        let (_, sum) = files_and_sum(&ctx, "SELECT sum(n) FROM vitals WHERE ward = 'west'").await;
        assert_eq!(sum, None);
        // A limit after a partition filter counts only the files left.
        let batches = ctx
            .sql("SELECT n FROM vitals WHERE ward = 'er' LIMIT 1")
            .await
            .expect("plan")
            .collect()
            .await
            .expect("run");
        let n = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("n");
        assert_eq!(n.values().to_vec(), vec![10]);
    }

    #[tokio::test]
    async fn partition_filters_reach_hive_text_through_its_view() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for (folder, text) in [("icu", "1\n2\n"), ("er", "10\n")] {
            std::fs::create_dir_all(root.join(folder)).expect("folder");
            std::fs::write(root.join(folder).join("000000_0"), text).expect("write");
        }
        let partition = |ward: &str| Partition {
            location: Location::local(&root.join(ward)),
            values: vec![Some(ward.to_owned())],
        };
        let handle = PartitionedTable {
            name: "notes",
            location: &Location::local(root),
            storage: &Storage::new(None),
            columns: vec![Field::new("ward", DataType::Utf8, true)],
            partitions: vec![partition("icu"), partition("er")],
            declared: Some(Arc::new(Schema::new(vec![Field::new(
                "n",
                DataType::Int64,
                true,
            )]))),
            format: ListedFormat::Text(TextLayout::plain(1)),
        }
        .load()
        .await
        .expect("load");
        let ctx = SessionContext::new();
        ctx.register_table("notes", handle.provider())
            .expect("register");
        let (files, sum) = files_and_sum(&ctx, "SELECT sum(n) FROM notes WHERE ward = 'er'").await;
        assert_eq!(sum, Some(10));
        assert!(files.contains("er/000000_0"), "{files}");
        assert!(!files.contains("icu/"), "{files}");
    }
}
