//! One DuckDB database of the engine's pool, set up to answer as PostgreSQL does.
//!
//! Each connection of the pool is a database of its own because DuckDB bounds memory per
//! database (`memory_limit` is a global setting), and `[limits] query_memory` bounds each
//! statement: a statement holds one instance for its whole life, so an instance's limit is
//! the statement's. The instances share nothing but the extension directory.

use std::collections::HashMap;
use std::path::PathBuf;

use duckdb::Connection;
use junction_catalogs::{Catalogs, S3Settings, Snapshot, Storage};

use super::views::ident;
use super::{functions, s3, DuckDbConfig};
use crate::tables::TableName;
use crate::Result;

/// DuckDB's table-format extensions that loaded from the configured directory; the tables
/// of a format whose extension did not load are read through file-list views.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Extensions {
    pub delta: bool,
    pub iceberg: bool,
    /// httpfs, which reads `s3://`.
    pub httpfs: bool,
    /// `[storage.s3]` is a secret of the database: S3 tables without credentials of their
    /// own are readable.
    pub s3: bool,
    /// ICU: time zones, and timestamptz read in the session's.
    pub icu: bool,
}

impl Extensions {
    /// Loads what the extension directory offers; a failure (no such file, another DuckDB
    /// version or platform) is logged and leaves the file-list path in place, or S3 tables
    /// to other engines.
    fn load(connection: &Connection, storage: &Storage) -> Self {
        let load = |name: &str, sql: &str| match connection.execute_batch(sql) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(extension = name, error = %e, "DuckDB extension not loaded");
                false
            }
        };
        let httpfs = load("httpfs", "LOAD httpfs");
        // Time zones (`AT TIME ZONE`, timestamptz arithmetic); without ICU those statements
        // answer 0A000 here. ICU sets the database's time zone to the machine's: UTC until a
        // statement sets its session's.
        let icu = load("icu", "LOAD icu; SET GLOBAL TimeZone = 'UTC'");
        Self {
            icu,
            delta: load("delta", "LOAD delta"),
            // iceberg reads its manifests through avro.
            iceberg: load("iceberg", "LOAD avro; LOAD iceberg"),
            httpfs,
            s3: httpfs
                && storage.s3().is_some_and(|settings| {
                    load("httpfs", &s3::secret(s3::CONFIGURED, settings, None))
                }),
        }
    }
}

/// What a table's view was created from.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewState {
    pub snapshot: Snapshot,
    pub credentials: Option<S3Settings>,
}

/// One in-memory DuckDB database and the views queries on it have created.
#[derive(Debug)]
pub struct Instance {
    pub connection: Connection,
    /// The snapshot each table's view reads, as created, and the S3 credentials of the table
    /// alone it was given.
    pub views: HashMap<TableName, ViewState>,
    /// The catalog the last `USE` made current; none before the first statement. Queries
    /// cannot change it, so a statement of the same catalog need not say `USE` again.
    pub catalog_in_use: Option<String>,
    /// The `TimeZone` the last statement set (ICU's); none before the first.
    pub time_zone_in_use: Option<String>,
}

/// The memory each instance may hold: its share of `[engines.duckdb] memory_limit`, and no
/// more than one statement may take.
pub fn memory_per_instance(config: &DuckDbConfig, instances: usize) -> Option<u64> {
    let share = config
        .memory_limit
        .map(|total| total / instances.max(1) as u64);
    match (share, config.query_memory) {
        (Some(share), Some(statement)) => Some(share.min(statement)),
        (share, statement) => share.or(statement),
    }
}

impl Instance {
    /// The `index`-th database of the pool, with junction's functions, one attached database
    /// per catalog (holding the transpiler's macros) and the extensions that load.
    pub fn open(
        catalogs: &Catalogs,
        config: &DuckDbConfig,
        storage: &Storage,
        memory: Option<u64>,
        index: usize,
    ) -> Result<(Self, Extensions)> {
        let mut duck_config = duckdb::Config::default()
            .enable_autoload_extension(config.extension_directory.is_some())?
            // Nothing may be downloaded at run time; extensions come from the directory only.
            .with("autoinstall_known_extensions", "false")?
            // PostgreSQL's meaning of `/` on integers (truncating division; DuckDB's default
            // is float division) and of ORDER BY without NULLS FIRST/LAST (NULLs last
            // ascending, first descending; DuckDB's default puts them last both ways).
            .with("integer_division", "true")?
            .with("default_null_order", "postgres")?
            // Errors as their exception type, subtype and names (duck/error.rs).
            .with("errors_as_json", "true")?
            // An in-memory database spills to `.tmp` under the working directory by default,
            // which may not be writable, and would be shared by the instances.
            .with(
                "temp_directory",
                temp_directory(index).display().to_string(),
            )?;
        if let Some(threads) = config.threads {
            duck_config = duck_config.threads(i64::from(threads))?;
        }
        if let Some(bytes) = memory {
            // DuckDB reads a size in whole units; KiB keeps a limit exact enough.
            duck_config = duck_config.max_memory(&format!("{}KiB", (bytes / 1024).max(1)))?;
        }
        if let Some(dir) = &config.extension_directory {
            duck_config = duck_config.with("extension_directory", dir.display().to_string())?;
        }
        let connection = Connection::open_in_memory_with_flags(duck_config)?;
        functions::register(&connection)?;
        for catalog in catalogs.iter() {
            let name = ident(catalog.name());
            connection.execute_batch(&format!("ATTACH ':memory:' AS {name}"))?;
            // Queries run after `USE <catalog>`, so the rules' macros live in each catalog.
            connection.execute_batch(&format!("USE {name}"))?;
            for definition in junction_transpiler::duckdb::MACROS {
                connection.execute_batch(definition)?;
            }
            for definition in junction_transpiler::identifiers::duckdb_macros() {
                connection.execute_batch(&definition)?;
            }
        }
        let extensions = match config.extension_directory {
            Some(_) => Extensions::load(&connection, storage),
            None => Extensions::default(),
        };
        let instance = Self {
            connection,
            views: HashMap::new(),
            catalog_in_use: None,
            time_zone_in_use: None,
        };
        Ok((instance, extensions))
    }
}

/// Where the `index`-th instance of this process spills.
fn temp_directory(index: usize) -> PathBuf {
    std::env::temp_dir().join(format!("junction-duckdb-{}-{index}", std::process::id()))
}
