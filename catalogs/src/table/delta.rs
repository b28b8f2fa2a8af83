//! Delta Lake tables, read through deltalake's DataFusion provider.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Constraints, Statistics};
use datafusion::datasource::physical_plan::{FileScanConfig, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::TableType;
use datafusion::error::Result as DataFusionResult;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::TableProviderFilterPushDown;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use datafusion::prelude::Expr;

use super::{Snapshot, TableLocation};
use crate::{CatalogError, Result};

/// The newest committed version: the highest `NNNNNNNNNNNNNNNNNNNN.json` in `_delta_log`.
/// A checkpoint alone (log files cleaned up) also counts, through `_last_checkpoint`'s
/// siblings named `N.checkpoint.parquet`.
pub(super) async fn latest_version(location: &TableLocation) -> Result<Snapshot> {
    let log = location.location.join("_delta_log");
    let names = location.storage.file_names(&log).await?;
    let newest = names
        .iter()
        .filter_map(|name| {
            name.strip_suffix(".json")
                .or_else(|| name.strip_suffix(".checkpoint.parquet"))
        })
        .filter_map(|digits| digits.parse::<u64>().ok())
        .max();
    newest
        .map(Snapshot::DeltaVersion)
        .ok_or_else(|| location.error("_delta_log holds no commit"))
}

/// The table at `version` and a DataFusion provider reading it.
pub(super) async fn provider(
    location: &TableLocation,
    version: u64,
) -> Result<(Arc<dyn TableProvider>, deltalake::DeltaTable)> {
    let error = |source: deltalake::DeltaTableError| CatalogError::Delta {
        table: location.display_name(),
        location: location.location.to_string(),
        source: Box::new(source),
    };
    let table = location
        .storage
        .delta_builder(&location.location)?
        .with_version(version)
        .load()
        .await
        .map_err(error)?;
    let provider = table
        .table_provider()
        .await
        .map_err(|e| error(deltalake::DeltaTableError::from(e)))?;
    Ok((LimitHonoured::wrap(provider), table))
}

/// deltalake's provider, with a limit over its metadata-only scan kept, its filters
/// applied again, and none evaluated while Parquet is decoded.
///
/// deltalake 0.32 answers a scan of no columns (`SELECT 1 FROM t LIMIT 2`, `count(*)`) from
/// the log's row counts, with an operator that says it takes limits pushed into it
/// (`supports_limit_pushdown`) yet has no input to pass them to and ignores them: every
/// row came back. Behind [`NoLimitPushdown`], DataFusion keeps its own limit above it.
#[derive(Debug)]
pub(super) struct LimitHonoured {
    inner: Arc<dyn TableProvider>,
}

impl LimitHonoured {
    pub(super) fn wrap(inner: Arc<dyn TableProvider>) -> Arc<dyn TableProvider> {
        Arc::new(Self { inner })
    }
}

#[async_trait::async_trait]
impl TableProvider for LimitHonoured {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn constraints(&self) -> Option<&Constraints> {
        self.inner.constraints()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DataFusionResult<Arc<dyn ExecutionPlan>> {
        let plan = self.inner.scan(state, projection, filters, limit).await?;
        // The operator of the metadata-only path, by name: deltalake does not export it.
        if plan.name() == "DeltaScanMetaExec" {
            return Ok(Arc::new(NoLimitPushdown { input: plan }));
        }
        without_row_filters(plan)
    }

    /// deltalake's, but never `Exact`: it claims a filter on partition columns alone as
    /// exact, which a filter on no column at all is too, and then does not apply it
    /// (`WHERE NULL AND x` answered every row). DataFusion applies every filter again
    /// above the scan, which still prunes files with it.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DataFusionResult<Vec<TableProviderFilterPushDown>> {
        Ok(self
            .inner
            .supports_filters_pushdown(filters)?
            .into_iter()
            .map(|support| match support {
                TableProviderFilterPushDown::Exact => TableProviderFilterPushDown::Inexact,
                other => other,
            })
            .collect())
    }

    fn statistics(&self) -> Option<Statistics> {
        self.inner.statistics()
    }
}

/// `plan` with its Parquet scans pruning by the filters but not filtering rows as they
/// decode them (DataFusion's default, which deltalake turns on).
///
/// An error while a row filter runs reaches DataFusion as text inside a Parquet error:
/// `WHERE x / y > 1` over a zero `y` was 58030 "Parquet error: External: Compute error:
/// Error evaluating filter predicate: External(SqlError { ... })". The filters are applied
/// again above the scan anyway ([`LimitHonoured::supports_filters_pushdown`]), where such an
/// error keeps its type (22012 "division by zero").
fn without_row_filters(plan: Arc<dyn ExecutionPlan>) -> DataFusionResult<Arc<dyn ExecutionPlan>> {
    plan.transform_down(|node| {
        let Some(scan) = node.as_any().downcast_ref::<DataSourceExec>() else {
            return Ok(Transformed::no(node));
        };
        let Some(config) = scan.data_source().as_any().downcast_ref::<FileScanConfig>() else {
            return Ok(Transformed::no(node));
        };
        let Some(parquet) = config
            .file_source()
            .as_any()
            .downcast_ref::<ParquetSource>()
        else {
            return Ok(Transformed::no(node));
        };
        if !parquet.table_parquet_options().global.pushdown_filters {
            return Ok(Transformed::no(node));
        }
        let source = parquet.clone().with_pushdown_filters(false);
        let config = FileScanConfigBuilder::from(config.clone())
            .with_source(Arc::new(source))
            .build();
        Ok(Transformed::yes(
            DataSourceExec::from_data_source(config) as Arc<dyn ExecutionPlan>
        ))
    })
    .map(|transformed| transformed.data)
}

/// Its input's rows, unchanged; a limit above it stays above it.
#[derive(Debug)]
struct NoLimitPushdown {
    input: Arc<dyn ExecutionPlan>,
}

impl DisplayAs for NoLimitPushdown {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoLimitPushdown")
    }
}

impl ExecutionPlan for NoLimitPushdown {
    fn name(&self) -> &str {
        "NoLimitPushdown"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.input.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DataFusionResult<Arc<dyn ExecutionPlan>> {
        match (children.pop(), children.is_empty()) {
            (Some(input), true) => Ok(Arc::new(Self { input })),
            _ => datafusion::common::internal_err!("NoLimitPushdown takes one input"),
        }
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DataFusionResult<SendableRecordBatchStream> {
        self.input.execute(partition, context)
    }

    fn partition_statistics(&self, partition: Option<usize>) -> DataFusionResult<Statistics> {
        self.input.partition_statistics(partition)
    }
}
