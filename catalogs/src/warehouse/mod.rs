//! The embedded warehouse: a directory whose layout says what each table is (DESIGN.md,
//! "Embedded warehouse layout").

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::storage::Storage;
use crate::table::{data_files_exist, is_ignored, FileKind, Location, LocationKind, TableLocation};
use crate::{Catalog, CatalogError, Result, TableHandle};

/// A catalog over one local directory: `DIR/<schema>/<table>`.
#[derive(Debug)]
pub struct WarehouseCatalog {
    name: String,
    root: PathBuf,
    /// Local files only: the warehouse is a local folder.
    storage: Storage,
    /// Loaded handles by (schema, table); reused while their snapshot is still current.
    loaded: Mutex<HashMap<(String, String), Arc<TableHandle>>>,
    /// The schema names as of the root folder's modification time: every statement asks for
    /// them, and one `stat` tells whether a schema came or went since.
    schemas: Mutex<Option<SchemaListing>>,
}

/// The root folder's schema names, read when it had modification time `modified`.
#[derive(Debug)]
struct SchemaListing {
    modified: SystemTime,
    names: Vec<String>,
}

/// How far apart two changes of a folder must be for its modification time to tell them
/// apart: file systems keep it in ticks of the kernel's coarse clock (a few milliseconds on
/// ext4, two seconds on FAT). A listing read within this of the folder's last change is not
/// kept, since a change in the same tick would leave the time as it was.
const MTIME_RESOLUTION: Duration = Duration::from_secs(2);

impl WarehouseCatalog {
    /// A catalog named `name` over the directory `root`, which need not exist yet.
    pub fn new(name: impl Into<String>, root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        // Absolute paths keep table URLs valid whatever the process's working directory.
        let root = std::path::absolute(&root).unwrap_or(root);
        Self {
            name: name.into(),
            root,
            storage: Storage::default(),
            loaded: Mutex::new(HashMap::new()),
            schemas: Mutex::new(None),
        }
    }

    /// The schema folders' names, read afresh from the root folder.
    fn read_schema_names(&self) -> Result<Vec<String>> {
        let mut names = BTreeSet::new();
        for (name, path) in Self::read_dir(&self.root)? {
            if path.is_dir() {
                names.insert(name.strip_suffix(".db").unwrap_or(&name).to_owned());
            }
        }
        Ok(names.into_iter().collect())
    }

    /// The folders that hold `schema`: `DIR/<schema>` and the Hive-style `DIR/<schema>.db`.
    fn schema_dirs(&self, schema: &str) -> Vec<PathBuf> {
        [
            self.root.join(schema),
            self.root.join(format!("{schema}.db")),
        ]
        .into_iter()
        .filter(|p| p.is_dir())
        .collect()
    }

    fn read_dir(path: &Path) -> Result<Vec<(String, PathBuf)>> {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(path).map_err(CatalogError::io(path))? {
            let entry = entry.map_err(CatalogError::io(path))?;
            if let Some(name) = entry.file_name().to_str() {
                if !is_ignored(name) {
                    entries.push((name.to_owned(), entry.path()));
                }
            }
        }
        Ok(entries)
    }

    /// What lives at `DIR/<schema>/<table>`, by the layout's first-match-wins order.
    fn locate(&self, schema: &str, table: &str) -> Result<Option<TableLocation>> {
        // A table in a schema that does not exist simply does not exist: PostgreSQL answers
        // 42P01 for `nosuch.t`, not 3F000.
        for dir in self.schema_dirs(schema) {
            if let Some(kind) = classify(&dir.join(table))? {
                let path = match kind {
                    LocationKind::File(FileKind::Parquet) => dir.join(format!("{table}.parquet")),
                    LocationKind::File(FileKind::Csv) => dir.join(format!("{table}.csv")),
                    _ => dir.join(table),
                };
                return Ok(Some(TableLocation::new(
                    schema,
                    table,
                    kind,
                    Location::local(&path),
                    &self.storage,
                )));
            }
        }
        Ok(None)
    }
}

/// The kind of table at `path` (a folder, or the stem of a single file), if any.
fn classify(path: &Path) -> Result<Option<LocationKind>> {
    // Something is there that cannot be followed (a dangling link, a link loop, a directory
    // without permission): report that rather than call the table missing.
    if let Err(e) = std::fs::metadata(path) {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(CatalogError::io(path)(e));
        }
    }
    if path.join("_delta_log").is_dir() {
        return Ok(Some(LocationKind::Delta));
    }
    let metadata = path.join("metadata");
    if metadata.is_dir() {
        let has_metadata_json = std::fs::read_dir(&metadata)
            .map_err(CatalogError::io(&metadata))?
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".metadata.json"));
        if has_metadata_json {
            return Ok(Some(LocationKind::Iceberg));
        }
    }
    if path.is_dir() {
        let found = data_files_exist(path).map_err(CatalogError::io(path))?;
        return Ok(found.then_some(LocationKind::ParquetDir));
    }
    let with_extension = |ext: &str| {
        let mut file = path.as_os_str().to_owned();
        file.push(ext);
        PathBuf::from(file).is_file()
    };
    if with_extension(".parquet") {
        return Ok(Some(LocationKind::File(FileKind::Parquet)));
    }
    if with_extension(".csv") {
        return Ok(Some(LocationKind::File(FileKind::Csv)));
    }
    Ok(None)
}

#[async_trait]
impl Catalog for WarehouseCatalog {
    fn name(&self) -> &str {
        &self.name
    }

    async fn schema_names(&self) -> Result<Vec<String>> {
        let modified = match std::fs::metadata(&self.root) {
            Ok(metadata) => metadata.modified().ok(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CatalogError::io(&self.root)(e)),
        };
        // The listing only caches; a panic elsewhere cannot leave it half-written.
        let mut listing = self.schemas.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(kept), Some(modified)) = (listing.as_ref(), modified) {
            if kept.modified == modified {
                return Ok(kept.names.clone());
            }
        }
        let names = self.read_schema_names()?;
        *listing = modified
            .filter(|&m| {
                SystemTime::now()
                    .duration_since(m)
                    .is_ok_and(|age| age > MTIME_RESOLUTION)
            })
            .map(|modified| SchemaListing {
                modified,
                names: names.clone(),
            });
        Ok(names)
    }

    async fn table_names(&self, schema: &str) -> Result<Vec<String>> {
        let dirs = self.schema_dirs(schema);
        if dirs.is_empty() {
            return Err(CatalogError::SchemaNotFound(schema.to_owned()));
        }
        let mut names = BTreeSet::new();
        for dir in dirs {
            for (name, _) in Self::read_dir(&dir)? {
                let stem = name
                    .strip_suffix(".parquet")
                    .or_else(|| name.strip_suffix(".csv"))
                    .unwrap_or(&name);
                if classify(&dir.join(stem))?.is_some() {
                    names.insert(stem.to_owned());
                }
            }
        }
        Ok(names.into_iter().collect())
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<Arc<TableHandle>>> {
        let Some(location) = self.locate(schema, table)? else {
            return Ok(None);
        };
        let snapshot = location.current_snapshot().await?;
        let key = (schema.to_owned(), table.to_owned());
        // The map only caches; a panic elsewhere cannot leave it half-written.
        let cached = self
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        if let Some(handle) = cached {
            if *handle.snapshot() == snapshot && *handle.location() == location.location {
                return Ok(Some(handle));
            }
        }
        let handle = Arc::new(location.load(snapshot).await?);
        self.loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, Arc::clone(&handle));
        Ok(Some(handle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets the modification time of the folder at `path`.
    fn touch(path: &Path, to: SystemTime) {
        std::fs::File::open(path)
            .and_then(|dir| dir.set_modified(to))
            .expect("set the folder's modification time");
    }

    fn modified(path: &Path) -> SystemTime {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .expect("the folder's modification time")
    }

    #[tokio::test]
    async fn schemas_are_listed_again_when_one_comes_or_goes() {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(root.path().join("silver")).expect("mkdir");
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        touch(root.path(), an_hour_ago);
        let catalog = WarehouseCatalog::new("w", root.path());
        assert_eq!(catalog.schema_names().await.expect("list"), ["silver"]);

        std::fs::create_dir(root.path().join("gold.db")).expect("mkdir");
        assert_eq!(
            catalog.schema_names().await.expect("list"),
            ["gold", "silver"]
        );
        std::fs::remove_dir(root.path().join("silver")).expect("rmdir");
        assert_eq!(catalog.schema_names().await.expect("list"), ["gold"]);
    }

    /// A schema created in the same clock tick as the listing's read leaves the folder's time
    /// as it was; the listing must not be trusted then.
    #[tokio::test]
    async fn a_listing_read_just_after_a_change_is_not_kept() {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(root.path().join("silver")).expect("mkdir");
        let catalog = WarehouseCatalog::new("w", root.path());
        let at = modified(root.path());
        assert_eq!(catalog.schema_names().await.expect("list"), ["silver"]);

        std::fs::create_dir(root.path().join("gold")).expect("mkdir");
        touch(root.path(), at);
        assert_eq!(
            catalog.schema_names().await.expect("list"),
            ["gold", "silver"]
        );
    }

    #[tokio::test]
    async fn a_missing_root_has_no_schemas() {
        let root = tempfile::tempdir().expect("temp dir");
        let catalog = WarehouseCatalog::new("w", root.path().join("nothing"));
        assert!(catalog.schema_names().await.expect("list").is_empty());
    }
}
