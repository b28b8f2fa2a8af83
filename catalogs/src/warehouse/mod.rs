//! The embedded warehouse: a directory whose layout says what each table is (DESIGN.md,
//! "Embedded warehouse layout").

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
}

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
        }
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
        if !self.root.exists() {
            return Ok(Vec::new());
        }
        let mut names = BTreeSet::new();
        for (name, path) in Self::read_dir(&self.root)? {
            if path.is_dir() {
                names.insert(name.strip_suffix(".db").unwrap_or(&name).to_owned());
            }
        }
        Ok(names.into_iter().collect())
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
