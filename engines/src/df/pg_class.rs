//! pg_class with PostgreSQL's zeros.
//!
//! datafusion-pg-catalog 0.17 leaves `reloftype` and `relrewrite` NULL for the tables it
//! lists, where PostgreSQL has 0 ("none"): psql's `\d` asks `CASE WHEN c.reloftype = 0 THEN
//! '' ELSE ... END` and got NULL. This view gives them 0.

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::datasource::{provider_as_source, ViewTable};
use datafusion::error::Result;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{col, lit, Expr, LogicalPlanBuilder};

/// The OID columns PostgreSQL fills with 0 where the library leaves NULL.
const ZERO_WHEN_NONE: [&str; 2] = ["reloftype", "relrewrite"];

/// `pg_class` (the library's `table`) with 0 for none in [`ZERO_WHEN_NONE`].
pub fn with_zeros(table: Arc<dyn TableProvider>) -> Result<Arc<dyn TableProvider>> {
    let columns: Vec<Expr> = table
        .schema()
        .fields()
        .iter()
        .map(|field| {
            let name = field.name().as_str();
            if ZERO_WHEN_NONE.contains(&name) {
                coalesce(vec![col(name), lit(0i32)]).alias(name)
            } else {
                col(name)
            }
        })
        .collect();
    let plan = LogicalPlanBuilder::scan("pg_class", provider_as_source(table), None)?
        .project(columns)?
        .build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}
