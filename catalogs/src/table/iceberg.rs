//! Apache Iceberg tables: the metadata file in force, read through iceberg-datafusion.

use std::any::Any;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::datasource::TableType;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use iceberg::spec::{DataFileFormat, FormatVersion, ManifestContentType, TableMetadata};
use iceberg::table::StaticTable;
use iceberg::TableIdent;
use iceberg_datafusion::IcebergStaticTableProvider;

use super::{Location, Snapshot, TableLocation};
use crate::{CatalogError, Result};

/// The metadata file in force: the one `version-hint.text` names, else the highest version
/// number among `metadata/*.metadata.json` (`v3.metadata.json` or `00003-<uuid>.metadata.json`).
pub(super) async fn current_metadata(location: &TableLocation) -> Result<Snapshot> {
    let dir = location.location.join("metadata");
    let names = location.storage.file_names(&dir).await?;
    let metadata = match version_hint(location, &dir, &names).await? {
        Some(name) => dir.join(&name),
        None => names
            .iter()
            .filter_map(|name| Some((metadata_version(name)?, name)))
            .max_by_key(|(version, _)| *version)
            .map(|(_, name)| dir.join(name))
            .ok_or_else(|| location.error("metadata/ holds no *.metadata.json"))?,
    };
    Ok(Snapshot::IcebergMetadata(metadata))
}

/// The metadata file `version-hint.text` names, among `names` (the folder's files).
async fn version_hint(
    location: &TableLocation,
    dir: &Location,
    names: &[String],
) -> Result<Option<String>> {
    const HINT: &str = "version-hint.text";
    if !names.iter().any(|name| name == HINT) {
        return Ok(None);
    }
    let Some(text) = location.storage.read(&dir.join(HINT)).await? else {
        return Ok(None);
    };
    let version = String::from_utf8_lossy(&text).trim().to_owned();
    // Hadoop tables write `v<N>.metadata.json`; some writers put the file name itself.
    Ok([format!("v{version}.metadata.json"), version]
        .into_iter()
        .find(|candidate| names.contains(candidate)))
}

fn metadata_version(file_name: &str) -> Option<u64> {
    let stem = file_name.strip_suffix(".metadata.json")?;
    let stem = stem.strip_suffix(".gz").unwrap_or(stem);
    let digits = stem.strip_prefix('v').unwrap_or(stem);
    let digits = digits.split('-').next()?;
    digits.parse().ok()
}

/// The table described by `metadata` and a DataFusion provider reading it.
pub(super) async fn provider(
    location: &TableLocation,
    metadata: &Location,
) -> Result<(Arc<dyn TableProvider>, iceberg::table::Table)> {
    let error = |source: iceberg::Error| CatalogError::Iceberg {
        table: location.display_name(),
        location: metadata.to_string(),
        source: Box::new(source),
    };
    let file_io = location.storage.file_io(metadata)?;
    // iceberg's local storage takes plain paths, opendal's S3 storage URLs.
    let metadata_location = metadata.to_string();
    let table_metadata = TableMetadata::read_from(&file_io, &metadata_location)
        .await
        .map_err(error)?;
    let ident =
        TableIdent::from_strs([location.schema_name.as_str(), location.table_name.as_str()])
            .map_err(error)?;
    let table = StaticTable::from_metadata(table_metadata, ident, file_io)
        .await
        .map_err(error)?
        .into_table();
    let provider = provider_of(&location.display_name(), &metadata_location, table.clone()).await?;
    Ok((provider, table))
}

/// A DataFusion provider reading `table` at its current snapshot; one that refuses to scan
/// when iceberg-rust would read the snapshot wrong.
pub(super) async fn provider_of(
    name: &str,
    metadata_location: &str,
    table: iceberg::table::Table,
) -> Result<Arc<dyn TableProvider>> {
    let error = |source| CatalogError::Iceberg {
        table: name.to_owned(),
        location: metadata_location.to_owned(),
        source: Box::new(source),
    };
    let unreadable = deletion_vectors(&table).await.map_err(error)?;
    let provider = IcebergStaticTableProvider::try_new_from_table(table)
        .await
        .map_err(error)?;
    Ok(match unreadable {
        false => Arc::new(CastFiltersKept {
            inner: Arc::new(provider),
        }),
        true => Arc::new(Refused {
            schema: provider.schema(),
            reason: format!(
                "table {name} has Iceberg v3 deletion vectors, which iceberg-rust 0.10 cannot \
                 apply: datafusion cannot read it"
            ),
        }),
    })
}

/// Whether the current snapshot of a v3 table has deletion vectors (Puffin delete files),
/// which iceberg-rust 0.10 reads as Parquet and fails on.
async fn deletion_vectors(table: &iceberg::table::Table) -> iceberg::Result<bool> {
    let metadata = table.metadata();
    if metadata.format_version() < FormatVersion::V3 {
        return Ok(false);
    }
    let Some(snapshot) = metadata.current_snapshot() else {
        return Ok(false);
    };
    let manifests = table.manifest_list_reader(snapshot).load().await?;
    for manifest in manifests.entries() {
        if manifest.content != ManifestContentType::Deletes {
            continue;
        }
        let manifest = manifest.load_manifest(table.file_io()).await?;
        let puffin = manifest
            .entries()
            .iter()
            .any(|entry| entry.is_alive() && entry.file_format() == DataFileFormat::Puffin);
        if puffin {
            return Ok(true);
        }
    }
    Ok(false)
}

/// iceberg-datafusion's provider, given no filter that casts a column.
///
/// iceberg-datafusion turns `CAST(c AS float8) BETWEEN 0.1 AND 2.5` into a predicate on `c`
/// itself and then converts the constants to `c`'s type, which fails for an int `c`
/// ("Can't convert datum from double type to int type", 58030) where PostgreSQL answers.
/// Such filters run above the scan only; the others still prune files (all are applied again
/// above the scan: the provider calls them inexact).
#[derive(Debug)]
struct CastFiltersKept {
    inner: Arc<dyn TableProvider>,
}

#[async_trait]
impl TableProvider for CastFiltersKept {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        self.inner.schema()
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
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        self.inner.scan(state, projection, filters, limit).await
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> datafusion::error::Result<Vec<TableProviderFilterPushDown>> {
        let inner = self.inner.supports_filters_pushdown(filters)?;
        Ok(filters
            .iter()
            .zip(inner)
            .map(|(filter, support)| match casts_a_column(filter) {
                true => TableProviderFilterPushDown::Unsupported,
                false => support,
            })
            .collect())
    }

    fn statistics(&self) -> Option<datafusion::common::Statistics> {
        self.inner.statistics()
    }
}

/// Whether `filter` casts an expression of the table's columns.
fn casts_a_column(filter: &Expr) -> bool {
    let mut found = false;
    let _ = filter.apply(|e| {
        found = match e {
            Expr::Cast(cast) => !cast.expr.column_refs().is_empty(),
            Expr::TryCast(cast) => !cast.expr.column_refs().is_empty(),
            _ => false,
        };
        Ok(match found {
            true => TreeNodeRecursion::Stop,
            false => TreeNodeRecursion::Continue,
        })
    });
    found
}

/// A table DataFusion must not read: planning a scan of it fails with the reason, so the
/// router sees DataFusion as unable and another engine can serve it.
#[derive(Debug)]
struct Refused {
    schema: SchemaRef,
    reason: String,
}

#[async_trait]
impl TableProvider for Refused {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        _projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        Err(DataFusionError::External(Box::new(
            CatalogError::Unsupported(self.reason.clone()),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::metadata_version;

    #[test]
    fn metadata_file_versions() {
        assert_eq!(metadata_version("v3.metadata.json"), Some(3));
        assert_eq!(
            metadata_version("00012-6c2ab1f4-87f3-4a45-9a53-4d1e24b8fd6e.metadata.json"),
            Some(12)
        );
        assert_eq!(metadata_version("00002-abc.gz.metadata.json"), Some(2));
        assert_eq!(metadata_version("snap-1.avro"), None);
        assert_eq!(metadata_version("version-hint.text"), None);
    }
}
