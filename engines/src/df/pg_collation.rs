//! pg_collation as PostgreSQL 15 shapes it, the release junction reports: datafusion-pg-catalog
//! 0.17 gives PostgreSQL 17's columns (`colllocale`, `collicurules`), and psql 15's `\dO`
//! reads 15's `colliculocale`.

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::datasource::{provider_as_source, ViewTable};
use datafusion::error::Result;
use datafusion::logical_expr::{col, LogicalPlanBuilder};

/// PostgreSQL 15's columns of pg_collation, in order, each with the library's column it is.
const COLUMNS: [(&str, &str); 11] = [
    ("oid", "oid"),
    ("collname", "collname"),
    ("collnamespace", "collnamespace"),
    ("collowner", "collowner"),
    ("collprovider", "collprovider"),
    ("collisdeterministic", "collisdeterministic"),
    ("collencoding", "collencoding"),
    ("collcollate", "collcollate"),
    ("collctype", "collctype"),
    ("colliculocale", "colllocale"),
    ("collversion", "collversion"),
];

/// `pg_collation` (the library's `table`) with PostgreSQL 15's columns.
pub fn as_in_postgresql_15(table: Arc<dyn TableProvider>) -> Result<Arc<dyn TableProvider>> {
    let plan = LogicalPlanBuilder::scan("pg_collation", provider_as_source(table), None)?
        .project(
            COLUMNS
                .iter()
                .map(|(name, source)| col(*source).alias(*name)),
        )?
        .build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}
