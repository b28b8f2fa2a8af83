use std::path::PathBuf;

/// Errors of the catalogs crate.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("schema \"{0}\" does not exist")]
    SchemaNotFound(String),

    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot read {location}: {source}")]
    Storage {
        location: String,
        #[source]
        source: object_store::Error,
    },

    #[error("Delta table {table} at {location}: {source}")]
    Delta {
        table: String,
        location: String,
        #[source]
        source: Box<deltalake::DeltaTableError>,
    },

    #[error("Iceberg table {table} at {location}: {source}")]
    Iceberg {
        table: String,
        location: String,
        #[source]
        source: Box<iceberg::Error>,
    },

    #[error("table {table} at {location}: {message}")]
    Files {
        table: String,
        location: String,
        message: String,
    },

    /// A remote catalog did not answer, answered an error, or answered in time what could
    /// not be read.
    #[error("catalog \"{catalog}\" is unavailable: {message}")]
    Unavailable { catalog: String, message: String },

    /// A remote catalog refused junction's credentials (401/403).
    #[error(
        "catalog \"{catalog}\" refused junction's credentials ({status}): its token is \
         missing, wrong or expired"
    )]
    Unauthorized { catalog: String, status: String },

    /// A remote catalog refused a request as malformed (a 4xx other than 401, 403 and 404),
    /// with the server's own message.
    #[error("catalog \"{catalog}\" refused {what}: {message}")]
    Rejected {
        catalog: String,
        what: String,
        status: u16,
        message: String,
    },

    /// A reference a catalog with references cannot take as written.
    #[error("catalog \"{catalog}\" cannot read reference \"{reference}\": {message}")]
    BadReference {
        catalog: String,
        reference: String,
        message: String,
    },

    /// The catalog the configuration names on a remote server is not there.
    #[error("catalog \"{catalog}\" shows {what}, which its server does not have")]
    RemoteCatalogNotFound { catalog: String, what: String },

    /// A branch, tag or commit a catalog with references does not have.
    #[error("catalog \"{catalog}\" has no reference \"{reference}\"")]
    ReferenceNotFound { catalog: String, reference: String },

    #[error("{0}")]
    Unsupported(String),

    /// A table no grant of the session's user reaches, named in a statement (whether or not
    /// it exists: the answer is the same).
    #[error("permission denied for table {table}")]
    PermissionDenied { table: String },

    /// An error met again: a failed lookup kept for `metadata_ttl`.
    #[error(transparent)]
    Repeated(std::sync::Arc<CatalogError>),
}

impl CatalogError {
    /// Maps an I/O error on `path`: `.map_err(CatalogError::io(&path))`.
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| CatalogError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The SQLSTATE clients see for this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            CatalogError::SchemaNotFound(_) => "3F000",
            // A table whose metadata or files cannot be read is a storage failure the
            // user can act on (a missing file, a permission), not a bug of junction.
            CatalogError::Io { .. }
            | CatalogError::Storage { .. }
            | CatalogError::Delta { .. }
            | CatalogError::Iceberg { .. }
            | CatalogError::Files { .. } => "58030",
            CatalogError::Unavailable { .. } | CatalogError::Rejected { .. } => "58000",
            CatalogError::Unauthorized { .. } => "28000",
            CatalogError::BadReference { .. } => "22023",
            CatalogError::RemoteCatalogNotFound { .. } => "3D000",
            CatalogError::ReferenceNotFound { .. } => "42704",
            CatalogError::Unsupported(_) => "0A000",
            CatalogError::PermissionDenied { .. } => "42501",
            CatalogError::Repeated(error) => error.sqlstate(),
        }
    }
}

pub type Result<T, E = CatalogError> = std::result::Result<T, E>;
