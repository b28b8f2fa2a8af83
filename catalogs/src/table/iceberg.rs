//! Apache Iceberg tables: the metadata file in force, read through iceberg-datafusion.

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;
use iceberg::io::FileIO;
use iceberg::spec::{DataFileFormat, FormatVersion, ManifestContentType, TableMetadata};
use iceberg::table::StaticTable;
use iceberg::TableIdent;
use iceberg_datafusion::IcebergStaticTableProvider;

use super::{Snapshot, TableLocation};
use crate::{CatalogError, Result};

/// The metadata file in force: the one `version-hint.text` names, else the highest version
/// number among `metadata/*.metadata.json` (`v3.metadata.json` or `00003-<uuid>.metadata.json`).
pub(super) fn current_metadata(location: &TableLocation) -> Result<Snapshot> {
    let dir = location.path.join("metadata");
    let path = match version_hint(&dir)? {
        Some(path) => path,
        None => newest_metadata_file(&dir)?
            .ok_or_else(|| location.error("metadata/ holds no *.metadata.json"))?,
    };
    Ok(Snapshot::IcebergMetadata(path))
}

fn version_hint(dir: &Path) -> Result<Option<PathBuf>> {
    let hint = dir.join("version-hint.text");
    let text = match std::fs::read_to_string(&hint) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(CatalogError::Io { path: hint, source }),
    };
    let version = text.trim();
    // Hadoop tables write `v<N>.metadata.json`; some writers put the file name itself.
    for candidate in [format!("v{version}.metadata.json"), version.to_owned()] {
        let path = dir.join(&candidate);
        if path.is_file() {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

fn metadata_version(file_name: &str) -> Option<u64> {
    let stem = file_name.strip_suffix(".metadata.json")?;
    let stem = stem.strip_suffix(".gz").unwrap_or(stem);
    let digits = stem.strip_prefix('v').unwrap_or(stem);
    let digits = digits.split('-').next()?;
    digits.parse().ok()
}

fn newest_metadata_file(dir: &Path) -> Result<Option<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(CatalogError::io(dir))?;
    let mut newest: Option<(u64, PathBuf)> = None;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(version) = name.to_str().and_then(metadata_version) else {
            continue;
        };
        if newest.as_ref().is_none_or(|(v, _)| version > *v) {
            newest = Some((version, entry.path()));
        }
    }
    Ok(newest.map(|(_, path)| path))
}

/// The table described by `metadata` and a DataFusion provider reading it.
pub(super) async fn provider(
    location: &TableLocation,
    metadata: &Path,
) -> Result<(Arc<dyn TableProvider>, iceberg::table::Table)> {
    let error = |source: iceberg::Error| CatalogError::Iceberg {
        table: location.display_name(),
        location: metadata.display().to_string(),
        source: Box::new(source),
    };
    let file_io = FileIO::new_with_fs();
    let metadata_location = metadata.display().to_string();
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
        false => Arc::new(provider),
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
