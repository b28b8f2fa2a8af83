//! Table handles: one loaded snapshot of one table, and the provider that reads it.

mod data_files;
mod delta;
mod files;
mod iceberg;
mod lines;
mod location;
mod open_csv;
mod partitioned;
mod statistics;

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use tokio::sync::OnceCell;

use crate::storage::{S3Settings, Storage, TableCredentials};
use crate::{CatalogError, Result};

pub use data_files::{DataFile, DataFiles};
pub(crate) use files::{data_files_exist, is_ignored, FileKind};
pub use location::Location;
pub(crate) use partitioned::{ListedFormat, Partition, PartitionedTable};
pub use partitioned::{TextFields, TextLayout};
pub use statistics::{Bounds, FileStatistics, FileStats};

/// How a table is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Delta,
    Iceberg,
    Parquet,
    Csv,
}

impl fmt::Display for TableFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TableFormat::Delta => "delta",
            TableFormat::Iceberg => "iceberg",
            TableFormat::Parquet => "parquet",
            TableFormat::Csv => "csv",
        })
    }
}

/// Which state of the table a handle describes. Two handles of the same table with equal
/// snapshots read the same rows, so a cached handle is reused while its snapshot is current.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Snapshot {
    /// Delta log version.
    DeltaVersion(u64),
    /// Iceberg metadata file in force.
    IcebergMetadata(Location),
    /// Plain files: how many there are, their total size and newest modification time (ns).
    Files {
        count: usize,
        bytes: u64,
        newest_mtime_ns: i128,
    },
}

/// One loaded snapshot of one table.
#[derive(Debug)]
pub struct TableHandle {
    format: TableFormat,
    location: Location,
    snapshot: Snapshot,
    provider: Arc<dyn TableProvider>,
    source: Source,
    /// S3 settings of this table alone, which its catalog handed out (vended or temporary
    /// credentials), rather than `[storage.s3]`.
    credentials: Option<TableCredentials>,
    /// The snapshot's data bytes, summed the first time the router asks; shared by the
    /// handles that reuse this snapshot.
    bytes: Arc<OnceCell<Option<u64>>>,
    /// Its files' statistics, read the first time the router asks; shared likewise.
    statistics: Arc<OnceCell<Option<Arc<FileStatistics>>>>,
}

/// What a handle keeps to list its snapshot's data files: the table metadata, or the plain
/// files themselves, listed when the snapshot was taken.
#[derive(Debug, Clone)]
enum Source {
    Delta(deltalake::DeltaTable),
    Iceberg(::iceberg::table::Table),
    Files(DataFiles),
}

impl TableHandle {
    /// A handle on an Iceberg table a remote catalog loaded, with the S3 settings the
    /// catalog handed out for it; `name` names it in errors.
    /// `previous` is reused when it is a handle on the same metadata file.
    pub(crate) async fn iceberg(
        name: String,
        table: ::iceberg::table::Table,
        credentials: Option<TableCredentials>,
        previous: Option<Arc<TableHandle>>,
    ) -> Result<Self> {
        let metadata_location = table.metadata_location().unwrap_or_default().to_owned();
        let metadata = Location::readable(&name, &metadata_location)?;
        let location = Location::readable(&name, table.metadata().location())?;
        let snapshot = Snapshot::IcebergMetadata(metadata);
        if let Some(handle) = Self::reuse(previous, TableFormat::Iceberg, &location, &snapshot) {
            return Ok(handle.with_credentials(credentials));
        }
        let provider = iceberg::provider_of(&name, &metadata_location, table.clone()).await?;
        Ok(TableHandle {
            format: TableFormat::Iceberg,
            location,
            snapshot,
            provider,
            source: Source::Iceberg(table),
            credentials,
            bytes: Arc::default(),
            statistics: Arc::default(),
        })
    }

    pub fn format(&self) -> TableFormat {
        self.format
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The S3 settings for this table alone, when its catalog handed some out; else the
    /// table is read with `[storage.s3]`.
    pub fn credentials(&self) -> Option<&S3Settings> {
        self.credentials.as_ref().map(|c| &c.settings)
    }

    /// Whether the credentials this handle reads with are about to expire: then it is
    /// stale, however recently it was loaded.
    pub fn credentials_expiring(&self) -> bool {
        self.credentials
            .as_ref()
            .is_some_and(TableCredentials::expiring)
    }

    /// `previous` again, sharing its provider and metadata but without its credentials (see
    /// [`TableHandle::with_credentials`]), when it is a handle on the table of `format` at
    /// `location` and at `snapshot`: what was read for it still holds.
    pub(crate) fn reuse(
        previous: Option<Arc<TableHandle>>,
        format: TableFormat,
        location: &Location,
        snapshot: &Snapshot,
    ) -> Option<Self> {
        let previous = previous
            .filter(|p| p.format == format && &p.location == location && &p.snapshot == snapshot)?;
        Some(TableHandle {
            format: previous.format,
            location: previous.location.clone(),
            snapshot: previous.snapshot.clone(),
            provider: Arc::clone(&previous.provider),
            source: previous.source.clone(),
            credentials: None,
            bytes: Arc::clone(&previous.bytes),
            statistics: Arc::clone(&previous.statistics),
        })
    }

    /// This handle, reading with `credentials` its catalog handed out (which the storage
    /// was granted before loading it).
    pub(crate) fn with_credentials(mut self, credentials: Option<TableCredentials>) -> Self {
        self.credentials = credentials;
        self
    }

    /// The columns as clients see them.
    pub fn schema(&self) -> SchemaRef {
        self.provider.schema()
    }

    /// A DataFusion provider reading exactly this snapshot.
    pub fn provider(&self) -> Arc<dyn TableProvider> {
        Arc::clone(&self.provider)
    }

    /// The bytes of this snapshot's data files, where the metadata records them.
    pub async fn data_bytes(&self) -> Result<Option<u64>> {
        self.bytes
            .get_or_try_init(|| self.sum_data_bytes())
            .await
            .copied()
    }

    async fn sum_data_bytes(&self) -> Result<Option<u64>> {
        match (&self.source, &self.snapshot) {
            (_, Snapshot::Files { bytes, .. }) => Ok(Some(*bytes)),
            (Source::Delta(table), _) => data_files::delta_bytes(table, &self.location)
                .await
                .map(Some),
            (Source::Iceberg(table), _) => Ok(data_files::iceberg_bytes(table)),
            (Source::Files(_), _) => Ok(None),
        }
    }

    /// What the snapshot's metadata says of each of its data files, where it says (Delta
    /// and Iceberg), bounds typed as the table's columns, for estimating what a statement's
    /// filters leave to read.
    pub async fn file_statistics(&self) -> Result<Option<Arc<FileStatistics>>> {
        self.statistics
            .get_or_try_init(|| async {
                let schema = self.schema();
                Ok(statistics::of(&self.source, &self.location, &schema)
                    .await?
                    .map(Arc::new))
            })
            .await
            .cloned()
    }

    /// This snapshot's data files, for engines that read files themselves.
    pub async fn data_files(&self) -> Result<DataFiles> {
        match &self.source {
            Source::Delta(table) => data_files::delta(table, &self.location).await,
            Source::Iceberg(table) => data_files::iceberg(table, &self.location).await,
            Source::Files(files) => Ok(files.clone()),
        }
    }
}

/// Where a table lives and in which format, and the storage it is read through.
#[derive(Debug, Clone)]
pub(crate) struct TableLocation {
    pub schema_name: String,
    pub table_name: String,
    pub kind: LocationKind,
    pub location: Location,
    pub storage: Storage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LocationKind {
    Delta,
    Iceberg,
    ParquetDir,
    File(FileKind),
}

impl TableLocation {
    pub(crate) fn new(
        schema: &str,
        table: &str,
        kind: LocationKind,
        location: Location,
        storage: &Storage,
    ) -> Self {
        Self {
            schema_name: schema.to_owned(),
            table_name: table.to_owned(),
            kind,
            location,
            storage: storage.clone(),
        }
    }

    /// Loads the table as it is stored now, reusing `previous` (a handle loaded before) when
    /// the table is still at its snapshot.
    pub(crate) async fn load_current_reusing(
        &self,
        previous: Option<Arc<TableHandle>>,
    ) -> Result<TableHandle> {
        let snapshot = self.current_snapshot().await?;
        self.load_reusing(snapshot, previous).await
    }

    /// [`Self::load`], reusing `previous` when it is a handle on this table at `snapshot`:
    /// the metadata, the file listing and the Parquet footers read for it still hold.
    pub(crate) async fn load_reusing(
        &self,
        snapshot: Snapshot,
        previous: Option<Arc<TableHandle>>,
    ) -> Result<TableHandle> {
        let format = match self.kind {
            LocationKind::Delta => TableFormat::Delta,
            LocationKind::Iceberg => TableFormat::Iceberg,
            LocationKind::ParquetDir => TableFormat::Parquet,
            LocationKind::File(kind) => kind.format(),
        };
        match TableHandle::reuse(previous, format, &self.location, &snapshot) {
            Some(handle) => Ok(handle),
            None => self.load(snapshot).await,
        }
    }

    fn display_name(&self) -> String {
        format!("{}.{}", self.schema_name, self.table_name)
    }

    /// An error about this table's files, naming the table and where it lives.
    fn error(&self, message: impl std::fmt::Display) -> CatalogError {
        CatalogError::Files {
            table: self.display_name(),
            location: self.location.to_string(),
            message: message.to_string(),
        }
    }

    /// The snapshot stored now, found without reading table data: a listing of the Delta
    /// log or Iceberg metadata folder, or of the plain files.
    pub(crate) async fn current_snapshot(&self) -> Result<Snapshot> {
        match self.kind {
            LocationKind::Delta => delta::latest_version(self).await,
            LocationKind::Iceberg => iceberg::current_metadata(self).await,
            LocationKind::ParquetDir | LocationKind::File(_) => files::fingerprint(self).await,
        }
    }

    /// Loads the table at `snapshot`, as returned by [`Self::current_snapshot`].
    pub(crate) async fn load(&self, snapshot: Snapshot) -> Result<TableHandle> {
        let (format, provider, source) = match (&self.kind, &snapshot) {
            (LocationKind::Delta, Snapshot::DeltaVersion(v)) => {
                let (provider, table) = delta::provider(self, *v).await?;
                (TableFormat::Delta, provider, Source::Delta(table))
            }
            (LocationKind::Iceberg, Snapshot::IcebergMetadata(metadata)) => {
                let (provider, table) = iceberg::provider(self, metadata).await?;
                (TableFormat::Iceberg, provider, Source::Iceberg(table))
            }
            (LocationKind::ParquetDir, _) => {
                let (provider, files) = files::parquet_dir_provider(self).await?;
                (TableFormat::Parquet, provider, Source::Files(files))
            }
            (LocationKind::File(kind), _) => {
                let files = match kind {
                    FileKind::Parquet => data_files::plain(vec![self.location.clone()], false),
                    FileKind::Csv => DataFiles::Csv(self.location.clone()),
                };
                (
                    kind.format(),
                    files::file_provider(self, *kind).await?,
                    Source::Files(files),
                )
            }
            (kind, snapshot) => {
                return Err(self.error(format!(
                    "snapshot {snapshot:?} does not fit a {kind:?} table"
                )))
            }
        };
        Ok(TableHandle {
            format,
            location: self.location.clone(),
            snapshot,
            provider,
            source,
            credentials: None,
            bytes: Arc::default(),
            statistics: Arc::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use arrow::array::Int64Array;
    use arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::ArrowWriter;

    use super::{Location, LocationKind, TableLocation};
    use crate::storage::Storage;

    /// Writes one Parquet file of a column `n`, making its folder.
    pub(crate) fn write_parquet(path: &Path, values: &[i64]) {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
        let batch =
            RecordBatch::try_from_iter([("n", Arc::new(Int64Array::from(values.to_vec())) as _)])
                .expect("a batch");
        let file = std::fs::File::create(path).expect("create");
        let mut writer = ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
        writer.write(&batch).expect("write");
        writer.close().expect("close");
    }

    #[tokio::test]
    async fn a_handle_is_reused_while_its_table_is_at_its_snapshot() {
        let dir = tempfile::tempdir().expect("temp dir");
        write_parquet(&dir.path().join("part-0.parquet"), &[1, 2]);
        let table = TableLocation::new(
            "clinic",
            "readings",
            LocationKind::ParquetDir,
            Location::local(dir.path()),
            &Storage::new(None),
        );
        let first = Arc::new(table.load_current_reusing(None).await.expect("load"));
        let again = table
            .load_current_reusing(Some(Arc::clone(&first)))
            .await
            .expect("reload");
        assert!(Arc::ptr_eq(&first.provider(), &again.provider()));

        write_parquet(&dir.path().join("part-1.parquet"), &[3]);
        let changed = table
            .load_current_reusing(Some(Arc::clone(&first)))
            .await
            .expect("reload");
        assert!(!Arc::ptr_eq(&first.provider(), &changed.provider()));
        assert_ne!(first.snapshot(), changed.snapshot());

        // Another table is never taken for this one, whatever its snapshot.
        let elsewhere = tempfile::tempdir().expect("temp dir");
        write_parquet(&elsewhere.path().join("part-0.parquet"), &[1, 2]);
        let other = TableLocation {
            location: Location::local(elsewhere.path()),
            ..table
        };
        let loaded = other
            .load_current_reusing(Some(Arc::clone(&first)))
            .await
            .expect("load");
        assert!(!Arc::ptr_eq(&first.provider(), &loaded.provider()));
    }
}
