//! pg_database with junction's catalogs only.
//!
//! datafusion-pg-catalog 0.17 adds a `postgres` database to the catalogs it is given, "for
//! tools that expect it"; psql's `\l` then lists a database that is no catalog (connecting to
//! it selects the default catalog, as any unknown database name does). This view keeps the
//! rows of the catalogs that exist.

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::datasource::{provider_as_source, ViewTable};
use datafusion::error::Result;
use datafusion::logical_expr::{col, lit, LogicalPlanBuilder};

/// `pg_database` (the library's `table`) with the rows of `catalogs` alone.
pub fn with_catalogs_only(
    table: Arc<dyn TableProvider>,
    catalogs: Vec<String>,
) -> Result<Arc<dyn TableProvider>> {
    let names = catalogs.into_iter().map(lit).collect();
    let plan = LogicalPlanBuilder::scan("pg_database", provider_as_source(table), None)?
        .filter(col("datname").in_list(names, false))?
        .build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}
