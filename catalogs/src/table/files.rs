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
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use object_store::path::Path as StorePath;
use object_store::ObjectMeta;

use super::{DataFiles, Location, LocationKind, Snapshot, TableFormat, TableLocation};
use crate::storage::Storage;
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

/// Whether `dir` holds at least one Parquet file, at any depth; stops at the first.
pub(crate) fn data_files_exist(dir: &Path) -> std::io::Result<bool> {
    let mut found = false;
    walk(dir, FileKind::Parquet.extension(), |_| {
        found = true;
        ControlFlow::Break(())
    })?;
    Ok(found)
}

/// Every object under the folder `dir` whose name ends with `suffix`, hidden and
/// bookkeeping names at any depth aside, sorted.
pub(super) async fn listed_files(
    storage: &Storage,
    dir: &Location,
    suffix: &str,
) -> Result<Vec<ObjectMeta>> {
    let root = dir.store_path();
    let mut files: Vec<ObjectMeta> = storage
        .list(dir)
        .await?
        .into_iter()
        .filter(|meta| {
            let Some(mut parts) = meta.location.prefix_match(&root) else {
                return false;
            };
            parts.all(|part| !is_ignored(part.as_ref())) && meta.location.as_ref().ends_with(suffix)
        })
        .collect();
    files.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(files)
}

async fn files_of(location: &TableLocation) -> Result<Vec<ObjectMeta>> {
    match location.kind {
        LocationKind::File(_) => match location.storage.head(&location.location).await? {
            Some(meta) => Ok(vec![meta]),
            None => Err(location.error("the file does not exist")),
        },
        _ => {
            let suffix = FileKind::Parquet.extension();
            listed_files(&location.storage, &location.location, suffix).await
        }
    }
}

/// The snapshot of plain files: how many, their bytes and newest modification.
pub(super) fn files_snapshot<'a>(files: impl IntoIterator<Item = &'a ObjectMeta>) -> Snapshot {
    let (mut count, mut bytes, mut newest_mtime_ns) = (0, 0, 0);
    for meta in files {
        count += 1;
        bytes += meta.size;
        let mtime = meta.last_modified.timestamp_nanos_opt().unwrap_or(i64::MAX);
        newest_mtime_ns = newest_mtime_ns.max(i128::from(mtime));
    }
    Snapshot::Files {
        count,
        bytes,
        newest_mtime_ns,
    }
}

pub(super) async fn fingerprint(location: &TableLocation) -> Result<Snapshot> {
    Ok(files_snapshot(&files_of(location).await?))
}

/// Hive-style partition columns (`k=v` folders) between the table folder and its files.
fn partition_columns(root: &StorePath, files: &[ObjectMeta]) -> Vec<String> {
    let Some(first) = files.first() else {
        return Vec::new();
    };
    let Some(relative) = first.location.prefix_match(root) else {
        return Vec::new();
    };
    let mut parts: Vec<_> = relative.collect();
    parts.pop(); // the file itself
    parts
        .iter()
        .filter_map(|part| part.as_ref().split_once('=').map(|(k, _)| k.to_owned()))
        .collect()
}

/// A session to infer schemas in, reading through `storage`.
pub(super) fn inference_state(storage: &Storage) -> Result<SessionState> {
    let runtime = RuntimeEnvBuilder::new()
        .with_object_store_registry(Arc::new(storage.clone()))
        .build_arc()
        .map_err(|e| CatalogError::Unsupported(e.to_string()))?;
    Ok(SessionStateBuilder::new().with_runtime_env(runtime).build())
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
    let state = inference_state(&location.storage)?;
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
    let files = files_of(location).await?;
    let partitions = partition_columns(&location.location.store_path(), &files);
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
    let files = files
        .iter()
        .map(|meta| location.location.at_store_path(&meta.location))
        .collect();
    Ok((provider, super::data_files::plain(files, hive_partitioning)))
}

pub(super) async fn file_provider(
    location: &TableLocation,
    kind: FileKind,
) -> Result<Arc<dyn TableProvider>> {
    let url =
        ListingTableUrl::parse(location.location.url().as_str()).map_err(|e| location.error(e))?;
    let format: Arc<dyn FileFormat> = match kind {
        FileKind::Parquet => Arc::new(ParquetFormat::default()),
        FileKind::Csv => Arc::new(CsvFormat::default().with_has_header(true)),
    };
    listing_table(location, url, format, kind.extension(), Vec::new()).await
}

fn directory_url(location: &TableLocation) -> Result<ListingTableUrl> {
    // A trailing slash makes the listing table treat the path as a folder of files.
    let url = location.location.url().as_str().trim_end_matches('/');
    ListingTableUrl::parse(format!("{url}/")).map_err(|e| location.error(e))
}

#[cfg(test)]
mod tests {
    use object_store::path::Path;
    use object_store::ObjectMeta;

    use super::partition_columns;

    fn file(path: &str) -> ObjectMeta {
        ObjectMeta {
            location: Path::from(path),
            last_modified: Default::default(),
            size: 0,
            e_tag: None,
            version: None,
        }
    }

    #[test]
    fn hive_folders_become_partition_columns() {
        let root = Path::from("w/silver/t");
        let files = [file("w/silver/t/day=2026-01-01/ward=icu/part-0.parquet")];
        assert_eq!(partition_columns(&root, &files), vec!["day", "ward"]);
        let flat = [file("w/silver/t/part-0.parquet")];
        assert!(partition_columns(&root, &flat).is_empty());
    }
}
