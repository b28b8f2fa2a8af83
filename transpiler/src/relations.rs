//! The tables a statement reads, as PostgreSQL resolves their names: unquoted parts folded to
//! lower case, table functions (`generate_series(...)`) and references to CTEs left out.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Ident, Query, Statement, TableFactor, Visit, Visitor};

/// Schemas that describe the catalog rather than hold its tables.
pub const SYSTEM_SCHEMAS: [&str; 2] = ["pg_catalog", "information_schema"];

/// PostgreSQL folds unquoted identifiers to lower case.
pub fn fold(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

/// The folded name parts of a table reference that is not a table function.
pub fn table_name_parts(factor: &TableFactor) -> Option<Vec<String>> {
    let TableFactor::Table {
        name, args: None, ..
    } = factor
    else {
        return None;
    };
    Some(
        name.0
            .iter()
            .filter_map(|p| p.as_ident())
            .map(fold)
            .collect(),
    )
}

#[derive(Default)]
struct Relations {
    names: BTreeSet<Vec<String>>,
    ctes: BTreeSet<String>,
}

impl Visitor for Relations {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(fold(&cte.alias.name));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if let Some(parts) = table_name_parts(factor) {
            self.names.insert(parts);
        }
        ControlFlow::Continue(())
    }
}

/// The distinct table names `statement` reads, each as its folded parts, in sorted order.
pub fn table_references(statement: &Statement) -> Vec<Vec<String>> {
    let mut relations = Relations::default();
    let _ = statement.visit(&mut relations);
    let ctes = relations.ctes;
    relations
        .names
        .into_iter()
        .filter(|parts| !matches!(parts.as_slice(), [one] if ctes.contains(one)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn references(sql: &str) -> Vec<String> {
        let statement = parse(sql).expect("valid SQL").remove(0);
        table_references(&statement)
            .into_iter()
            .map(|parts| parts.join("."))
            .collect()
    }

    #[test]
    fn names_fold_unless_quoted() {
        assert_eq!(
            references(r#"SELECT * FROM Silver.Vitals JOIN "Lake".silver.patients USING (id)"#),
            ["Lake.silver.patients", "silver.vitals"]
        );
    }

    #[test]
    fn ctes_and_table_functions_are_not_tables() {
        assert_eq!(
            references("WITH v AS (SELECT * FROM t) SELECT * FROM v, generate_series(1, 3) AS g"),
            ["t"]
        );
    }
}
