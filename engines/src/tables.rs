//! The relations a statement reads, as engines look them up.

use std::future::Future;
use std::sync::Arc;

use junction_catalogs::{Catalogs, TableHandle};
use junction_transpiler::SYSTEM_SCHEMAS;
use sqlparser::ast::Statement;

use crate::{EngineError, Result};

/// A table named `catalog.schema.table`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableName {
    pub catalog: String,
    pub schema: String,
    pub table: String,
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.catalog, self.schema, self.table)
    }
}

impl TableName {
    /// The table's current handle.
    pub async fn handle(&self, catalogs: &Catalogs) -> Result<Arc<TableHandle>> {
        let Some(catalog) = catalogs.get(&self.catalog) else {
            return Err(EngineError::CatalogNotFound(self.catalog.clone()));
        };
        catalog
            .table(&self.schema, &self.table)
            .await?
            .ok_or_else(|| EngineError::UnknownTable(format!("{}.{}", self.schema, self.table)))
    }
}

/// A relation a statement reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relation {
    Table(TableName),
    /// A system catalog relation (`pg_catalog.pg_class`, or unqualified `pg_class`: the
    /// router has qualified every warehouse table name).
    System(String),
}

/// The relation a table reference names (its folded name parts), qualified with
/// `current_catalog` where it names none.
pub fn relation(parts: &[String], current_catalog: &str) -> Relation {
    let (catalog, schema, table) = match parts {
        [schema, table] => (current_catalog.to_owned(), schema.clone(), table.clone()),
        [catalog, schema, table] => (catalog.clone(), schema.clone(), table.clone()),
        other => return Relation::System(other.join(".")),
    };
    if SYSTEM_SCHEMAS.contains(&schema.as_str()) {
        return Relation::System(format!("{schema}.{table}"));
    }
    Relation::Table(TableName {
        catalog,
        schema,
        table,
    })
}

/// The relations `statement` reads, tables qualified with `current_catalog` where they name
/// none; sorted, each once.
pub fn relations(statement: &Statement, current_catalog: &str) -> Vec<Relation> {
    let mut relations: Vec<Relation> = junction_transpiler::table_references(statement)
        .iter()
        .map(|parts| relation(parts, current_catalog))
        .collect();
    relations.sort();
    relations.dedup();
    relations
}

/// One line per relation `statement` reads: `schema.table: <how>`, where `table` says how
/// this engine reads a table and `system` how it serves the system catalogs.
pub async fn access<F, Fut>(
    catalogs: &Catalogs,
    statement: &Statement,
    current_catalog: &str,
    system: &str,
    table: F,
) -> Vec<String>
where
    F: Fn(Arc<TableHandle>) -> Fut,
    Fut: Future<Output = String>,
{
    let mut lines = Vec::new();
    for relation in relations(statement, current_catalog) {
        lines.push(match relation {
            Relation::System(name) => format!("{name}: {system}"),
            Relation::Table(name) => {
                let how = match name.handle(catalogs).await {
                    Ok(handle) => table(handle).await,
                    Err(e) => format!("unavailable ({e})"),
                };
                format!("{}.{}: {how}", name.schema, name.table)
            }
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(sql: &str) -> Vec<String> {
        let statement = junction_transpiler::parse(sql)
            .expect("valid SQL")
            .remove(0);
        relations(&statement, "warehouse")
            .iter()
            .map(|r| match r {
                Relation::Table(t) => t.to_string(),
                Relation::System(s) => format!("system {s}"),
            })
            .collect()
    }

    #[test]
    fn names_are_qualified_with_the_current_catalog() {
        assert_eq!(
            tables("SELECT * FROM silver.vitals JOIN lake.silver.patients USING (patient_id)"),
            vec!["lake.silver.patients", "warehouse.silver.vitals"]
        );
    }

    #[test]
    fn ctes_are_not_tables() {
        assert_eq!(
            tables("WITH v AS (SELECT * FROM silver.vitals) SELECT * FROM v"),
            vec!["warehouse.silver.vitals"]
        );
    }

    #[test]
    fn table_functions_are_not_tables() {
        assert_eq!(
            tables("SELECT * FROM generate_series(1, 3) AS g"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn system_catalogs_are_told_apart() {
        assert_eq!(
            tables("SELECT * FROM pg_catalog.pg_class JOIN silver.t ON true"),
            vec!["warehouse.silver.t", "system pg_catalog.pg_class"]
        );
        assert_eq!(tables("SELECT * FROM pg_class"), vec!["system pg_class"]);
    }
}
