//! Delta Lake tables, read through deltalake's DataFusion provider.

use std::sync::Arc;

use datafusion::catalog::TableProvider;

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
    Ok((provider, table))
}
