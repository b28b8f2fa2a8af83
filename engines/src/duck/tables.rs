//! The tables a statement reads, as DuckDB must find them.

use sqlparser::ast::Statement;

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

/// The tables `statement` reads, qualified with `current_catalog` where it names none;
/// `Err` names a relation DuckDB cannot serve: a system catalog, qualified or not (the
/// router has qualified every other table name).
pub fn referenced(statement: &Statement, current_catalog: &str) -> Result<Vec<TableName>, String> {
    let mut tables = Vec::new();
    for parts in junction_transpiler::table_references(statement) {
        let (catalog, schema, table) = match parts.as_slice() {
            [table] => return Err(table.clone()),
            [schema, table] => (current_catalog.to_owned(), schema.clone(), table.clone()),
            [catalog, schema, table] => (catalog.clone(), schema.clone(), table.clone()),
            other => return Err(other.join(".")),
        };
        if SYSTEM_SCHEMAS.contains(&schema.as_str()) {
            return Err(format!("{schema}.{table}"));
        }
        tables.push(TableName {
            catalog,
            schema,
            table,
        });
    }
    tables.sort();
    tables.dedup();
    Ok(tables)
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
