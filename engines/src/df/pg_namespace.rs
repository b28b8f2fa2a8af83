//! pg_namespace with the system schemas at the OIDs the rest of pg_catalog names them by.
//!
//! datafusion-pg-catalog 0.17 numbers every schema from a counter, `pg_catalog` included,
//! while its static tables (pg_type, pg_proc, pg_operator, ...) say `typnamespace = 11`, as
//! PostgreSQL does. A join of the two found nothing: pgJDBC's `getTypeInfo` listed no types
//! and psql's `\dfS` no schema. This view gives `pg_catalog` and `information_schema` the OIDs
//! of the static tables.

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::common::Column;
use datafusion::datasource::{provider_as_source, ViewTable};
use datafusion::error::Result;
use datafusion::logical_expr::{col, lit, when, Expr, LogicalPlanBuilder};

/// The OIDs the static tables give the system schemas: PostgreSQL's fixed OID of
/// `pg_catalog`, and the one `information_schema` had where the library's tables were dumped.
pub const SYSTEM_SCHEMA_OIDS: [(&str, i32); 2] =
    [("pg_catalog", 11), ("information_schema", 13283)];

/// `pg_namespace` (the library's `table`) with [`SYSTEM_SCHEMA_OIDS`].
pub fn with_system_schema_oids(table: Arc<dyn TableProvider>) -> Result<Arc<dyn TableProvider>> {
    let schema = table.schema();
    let mut oid = when(
        col("nspname").eq(lit(SYSTEM_SCHEMA_OIDS[0].0)),
        lit(SYSTEM_SCHEMA_OIDS[0].1),
    );
    for (name, value) in &SYSTEM_SCHEMA_OIDS[1..] {
        oid = oid.when(col("nspname").eq(lit(*name)), lit(*value));
    }
    let oid = oid.otherwise(col("oid"))?.alias("oid");
    let exprs: Vec<Expr> = schema
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            "oid" => oid.clone(),
            name => Expr::Column(Column::from_name(name)),
        })
        .collect();
    let plan = LogicalPlanBuilder::scan("pg_namespace", provider_as_source(table), None)?
        .project(exprs)?
        .build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Int32Type;
    use datafusion_pg_catalog::pg_catalog::PgCatalogStaticTables;

    use super::*;

    /// The static tables name no schema but these two: a library release that dumps them
    /// from another PostgreSQL must update [`SYSTEM_SCHEMA_OIDS`].
    #[test]
    fn static_tables_name_the_system_schemas_by_these_oids() {
        let tables = PgCatalogStaticTables::try_new().expect("static tables");
        let mut namespaces = HashSet::new();
        for (table, column) in [
            (&tables.pg_type, "typnamespace"),
            (&tables.pg_proc, "pronamespace"),
        ] {
            for batch in table.data() {
                let values = batch
                    .column_by_name(column)
                    .expect("namespace column")
                    .as_primitive::<Int32Type>();
                namespaces.extend(values.iter().flatten());
            }
        }
        let known: HashSet<i32> = SYSTEM_SCHEMA_OIDS.iter().map(|(_, oid)| *oid).collect();
        assert_eq!(namespaces, known);
    }
}
