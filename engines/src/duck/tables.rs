//! The tables a statement reads, as DuckDB must find them.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Query, Statement, TableFactor, Visit, Visitor};

/// A table named `catalog.schema.table`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableName {
    pub catalog: String,
    pub schema: String,
    pub table: String,
}

/// Schemas that describe the catalog rather than hold its tables; DuckDB's own versions of
/// them describe DuckDB, not junction.
const SYSTEM_SCHEMAS: [&str; 2] = ["pg_catalog", "information_schema"];

#[derive(Default)]
struct Relations {
    names: Vec<Vec<String>>,
    ctes: BTreeSet<String>,
}

impl Visitor for Relations {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_lowercase());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        // Table functions (`generate_series(...)`) carry arguments and are no tables.
        if let TableFactor::Table {
            name, args: None, ..
        } = factor
        {
            self.names.push(
                name.0
                    .iter()
                    .filter_map(|part| part.as_ident())
                    // PostgreSQL folds unquoted names to lower case.
                    .map(|ident| match ident.quote_style {
                        Some(_) => ident.value.clone(),
                        None => ident.value.to_lowercase(),
                    })
                    .collect(),
            );
        }
        ControlFlow::Continue(())
    }
}

/// The tables `statement` reads, qualified with `current_catalog` where it names none;
/// `Err` names a relation DuckDB cannot serve (a system catalog). Unqualified names are CTEs
/// (the router has qualified every table name) and are left out.
pub fn referenced(statement: &Statement, current_catalog: &str) -> Result<Vec<TableName>, String> {
    let mut relations = Relations::default();
    let _ = statement.visit(&mut relations);
    let mut tables = BTreeSet::new();
    for parts in relations.names {
        let (catalog, schema, table) = match parts.as_slice() {
            [table] if relations.ctes.contains(&table.to_lowercase()) => continue,
            [table] => return Err(table.clone()),
            [schema, table] => (current_catalog.to_owned(), schema.clone(), table.clone()),
            [catalog, schema, table] => (catalog.clone(), schema.clone(), table.clone()),
            other => return Err(other.join(".")),
        };
        if SYSTEM_SCHEMAS.contains(&schema.as_str()) {
            return Err(format!("{schema}.{table}"));
        }
        tables.insert(TableName {
            catalog,
            schema,
            table,
        });
    }
    Ok(tables.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(sql: &str) -> Result<Vec<String>, String> {
        let statement = junction_transpiler::parse(sql)
            .expect("valid SQL")
            .remove(0);
        Ok(referenced(&statement, "warehouse")?
            .into_iter()
            .map(|t| format!("{}.{}.{}", t.catalog, t.schema, t.table))
            .collect())
    }

    #[test]
    fn names_are_qualified_with_the_current_catalog() {
        assert_eq!(
            tables("SELECT * FROM silver.vitals JOIN lake.silver.patients USING (patient_id)"),
            Ok(vec![
                "lake.silver.patients".into(),
                "warehouse.silver.vitals".into()
            ])
        );
    }

    #[test]
    fn ctes_are_not_tables() {
        assert_eq!(
            tables("WITH v AS (SELECT * FROM silver.vitals) SELECT * FROM v"),
            Ok(vec!["warehouse.silver.vitals".into()])
        );
    }

    #[test]
    fn table_functions_are_not_tables() {
        assert_eq!(
            tables("SELECT * FROM generate_series(1, 3) AS g"),
            Ok(vec![])
        );
    }

    #[test]
    fn system_catalogs_are_refused() {
        assert_eq!(
            tables("SELECT * FROM pg_catalog.pg_class"),
            Err("pg_catalog.pg_class".into())
        );
        assert_eq!(tables("SELECT * FROM pg_class"), Err("pg_class".into()));
    }
}
