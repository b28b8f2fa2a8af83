//! Delta Lake tables, read through deltalake's DataFusion provider.

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use url::Url;

use super::{Snapshot, TableLocation};
use crate::{CatalogError, Result};

/// The newest committed version: the highest `NNNNNNNNNNNNNNNNNNNN.json` in `_delta_log`.
/// A checkpoint alone (log files cleaned up) also counts, through `_last_checkpoint`'s
/// siblings named `N.checkpoint.parquet`.
pub(super) fn latest_version(location: &TableLocation) -> Result<Snapshot> {
    let log = location.path.join("_delta_log");
    let entries = std::fs::read_dir(&log).map_err(CatalogError::io(&log))?;
    let mut newest: Option<u64> = None;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let digits = name
            .strip_suffix(".json")
            .or_else(|| name.strip_suffix(".checkpoint.parquet"));
        if let Some(version) = digits.and_then(|d| d.parse::<u64>().ok()) {
            newest = Some(newest.map_or(version, |n| n.max(version)));
        }
    }
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
        location: location.path.display().to_string(),
        source: Box::new(source),
    };
    let url = Url::from_directory_path(&location.path)
        .map_err(|()| location.error("not an absolute path"))?;
    let table = deltalake::open_table_with_version(url, version)
        .await
        .map_err(error)?;
    let provider = table
        .table_provider()
        .await
        .map_err(|e| error(deltalake::DeltaTableError::from(e)))?;
    Ok((provider, table))
}
