//! Catalogs: where junction finds tables, and the handles it reads them through.
//!
//! A [`Catalog`] maps `schema.table` names to [`TableHandle`]s. A handle knows the table's
//! format, location, schema and current snapshot, and builds a DataFusion `TableProvider`
//! for it (the Delta and Iceberg providers come from the deltalake and iceberg crates).

mod error;
mod grants;
mod hive;
mod http;
mod nessie;
mod registry;
mod remote;
mod rest;
mod storage;
mod table;
mod unity;
mod warehouse;

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;

pub use error::{CatalogError, Result};
pub use grants::{Grant, Grants};
pub use hive::{HiveCatalog, HiveSettings};
pub use nessie::{NessieCatalog, NessieSettings};
pub use registry::Catalogs;
pub use remote::{Endpoint, RemoteCatalog};
pub use rest::{IcebergRestCatalog, RestSettings};
pub use storage::{S3Settings, Storage, TableCredentials};
pub use table::{
    Bounds, DataFile, DataFiles, FileStatistics, FileStats, Location, Snapshot, TableFormat,
    TableHandle, TextFields, TextLayout,
};
pub use unity::{UnityCatalog, UnitySettings};
pub use warehouse::WarehouseCatalog;

/// A source of schemas and tables; each one is a PostgreSQL database to clients.
#[async_trait]
pub trait Catalog: Send + Sync + Debug {
    /// The catalog's name, which clients use as the database name.
    fn name(&self) -> &str;

    /// Schema names, sorted.
    async fn schema_names(&self) -> Result<Vec<String>>;

    /// Table names of one schema, sorted; [`CatalogError::SchemaNotFound`] if it does not exist.
    async fn table_names(&self, schema: &str) -> Result<Vec<String>>;

    /// The table's current handle, reflecting every commit finished before the call.
    /// `Ok(None)` when no such table exists, also when its schema does not (PostgreSQL
    /// answers 42P01 for `nosuch.t`).
    async fn table(&self, schema: &str, table: &str) -> Result<Option<Arc<TableHandle>>>;

    /// The columns of a table as last loaded, without asking anyone: what pg_catalog shows
    /// of a table whose catalog cannot be reached now. Catalogs that are never unreachable
    /// (local ones) know nothing beyond [`Catalog::table`].
    async fn known_columns(
        &self,
        _schema: &str,
        _table: &str,
    ) -> Option<arrow::datatypes::SchemaRef> {
        None
    }

    /// This catalog as of another reference (a Nessie branch, tag or commit), for sessions
    /// that `SET junction.nessie_ref`; `None` for catalogs without references.
    async fn at_reference(&self, _reference: &str) -> Option<Arc<dyn Catalog>> {
        None
    }

    /// Whether [`Catalog::at_reference`] reads other references.
    fn has_references(&self) -> bool {
        false
    }

    /// Whether the catalog's last listing of `schema` named `table` a view (Unity lists
    /// views beside tables), for information_schema and pg_class to say so.
    fn is_view(&self, _schema: &str, _table: &str) -> bool {
        false
    }
}
