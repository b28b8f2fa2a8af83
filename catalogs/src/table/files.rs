//! Plain Parquet and CSV tables, read through DataFusion's listing table.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::TableProvider;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::SessionContext;

use super::{DataFiles, LocationKind, Snapshot, TableFormat, TableLocation};
use crate::{CatalogError, Result};

/// A table stored as one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Parquet,
    Csv,
}

impl FileKind {
    pub(crate) fn format(self) -> TableFormat {
        match self {
            FileKind::Parquet => TableFormat::Parquet,
            FileKind::Csv => TableFormat::Csv,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            FileKind::Parquet => ".parquet",
            FileKind::Csv => ".csv",
        }
    }
}

/// Names the warehouse never serves: hidden files and engine bookkeeping.
pub(crate) fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

/// Calls `visit` with each data file under `dir` (hive-style subfolders included) until it
/// breaks.
fn walk(
    dir: &Path,
    extension: &str,
    mut visit: impl FnMut(PathBuf) -> ControlFlow<()>,
) -> std::io::Result<()> {
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if is_ignored(name) {
                continue;
            }
            let path = entry.path();
            // `metadata` follows symbolic links, which the layout says to follow.
            let meta = std::fs::metadata(&path)?;
            if meta.is_dir() {
                pending.push(path);
            } else if name.ends_with(extension) && visit(path).is_break() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Every data file under `dir` whose name ends with `extension`, in a stable order.
pub(super) fn data_files(dir: &Path, extension: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    walk(dir, extension, |path| {
        found.push(path);
        ControlFlow::Continue(())
    })?;
    found.sort();
    Ok(found)
}

/// Whether `dir` holds at least one Parquet file, at any depth; stops at the first.
pub(crate) fn data_files_exist(dir: &Path) -> std::io::Result<bool> {
    let mut found = false;
    walk(dir, FileKind::Parquet.extension(), |_| {
        found = true;
        ControlFlow::Break(())
    })?;
    Ok(found)
}

fn files_of(location: &TableLocation) -> std::io::Result<Vec<PathBuf>> {
    match location.kind {
        LocationKind::File(_) => Ok(vec![location.path.clone()]),
        _ => data_files(&location.path, FileKind::Parquet.extension()),
    }
}

pub(super) fn fingerprint(location: &TableLocation) -> Result<Snapshot> {
    let files = files_of(location).map_err(CatalogError::io(&location.path))?;
    let mut bytes = 0;
    let mut newest_mtime_ns = 0;
    for file in &files {
        let meta = std::fs::metadata(file).map_err(CatalogError::io(file))?;
        bytes += meta.len();
        if let Ok(mtime) = meta.modified() {
            let ns = match mtime.duration_since(std::time::UNIX_EPOCH) {
                Ok(d) => d.as_nanos() as i128,
                Err(e) => -(e.duration().as_nanos() as i128),
            };
            newest_mtime_ns = newest_mtime_ns.max(ns);
        }
    }
    Ok(Snapshot::Files {
        count: files.len(),
        bytes,
        newest_mtime_ns,
    })
}

/// Hive-style partition columns (`k=v` folders) between the table folder and its files.
fn partition_columns(root: &Path, files: &[PathBuf]) -> Vec<String> {
    let Some(first) = files.first() else {
        return Vec::new();
    };
    let Ok(relative) = first.strip_prefix(root) else {
        return Vec::new();
    };
    let mut parts: Vec<_> = relative.components().collect();
    parts.pop(); // the file itself
    parts
        .iter()
        .filter_map(|c| c.as_os_str().to_str())
        .filter_map(|c| c.split_once('=').map(|(k, _)| k.to_owned()))
        .collect()
}

async fn listing_table(
    location: &TableLocation,
    url: ListingTableUrl,
    format: Arc<dyn FileFormat>,
    extension: &str,
    partitions: Vec<String>,
) -> Result<Arc<dyn TableProvider>> {
    let options = ListingOptions::new(format)
        .with_file_extension(extension)
        .with_table_partition_cols(
            partitions
                .into_iter()
                .map(|name| (name, DataType::Utf8))
                .collect(),
        );
    // Inference runs once, here, so that every engine and every query sees one schema.
    let state = SessionContext::new().state();
    let schema = options
        .infer_schema(&state, &url)
        .await
        .map_err(|e| location.error(e))?;
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    let table = ListingTable::try_new(config).map_err(|e| location.error(e))?;
    Ok(Arc::new(table))
}

/// A provider over a folder of Parquet files, and the files it read them from.
pub(super) async fn parquet_dir_provider(
    location: &TableLocation,
) -> Result<(Arc<dyn TableProvider>, DataFiles)> {
    let files = files_of(location).map_err(CatalogError::io(&location.path))?;
    let partitions = partition_columns(&location.path, &files);
    let hive_partitioning = !partitions.is_empty();
    let url = directory_url(location)?;
    let provider = listing_table(
        location,
        url,
        Arc::new(ParquetFormat::default()),
        FileKind::Parquet.extension(),
        partitions,
    )
    .await?;
    Ok((provider, super::data_files::plain(files, hive_partitioning)))
}

pub(super) async fn file_provider(
    location: &TableLocation,
    kind: FileKind,
) -> Result<Arc<dyn TableProvider>> {
    let url = ListingTableUrl::parse(location.path.display().to_string())
        .map_err(|e| location.error(e))?;
    let format: Arc<dyn FileFormat> = match kind {
        FileKind::Parquet => Arc::new(ParquetFormat::default()),
        FileKind::Csv => Arc::new(CsvFormat::default().with_has_header(true)),
    };
    listing_table(location, url, format, kind.extension(), Vec::new()).await
}

fn directory_url(location: &TableLocation) -> Result<ListingTableUrl> {
    // A trailing slash makes the listing table treat the path as a folder of files.
    let path = format!("{}/", location.path.display());
    ListingTableUrl::parse(path).map_err(|e| location.error(e))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::partition_columns;

    #[test]
    fn hive_folders_become_partition_columns() {
        let root = Path::new("/w/silver/t");
        let files = vec![PathBuf::from(
            "/w/silver/t/day=2026-01-01/ward=icu/part-0.parquet",
        )];
        assert_eq!(partition_columns(root, &files), vec!["day", "ward"]);
        let flat = vec![PathBuf::from("/w/silver/t/part-0.parquet")];
        assert!(partition_columns(root, &flat).is_empty());
    }
}
