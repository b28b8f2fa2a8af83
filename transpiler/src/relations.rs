//! The tables a statement reads, as PostgreSQL resolves their names: unquoted parts folded to
//! lower case, table functions (`generate_series(...)`) and references to CTEs left out. A
//! call of a function that reads the system catalogs (`format_type`, `pg_get_expr`, ...)
//! counts as reading `pg_catalog.<function>`: only the engine that serves the catalogs
//! answers it as PostgreSQL does.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Ident, Query, Statement, TableFactor, Visit, Visitor};

use crate::ast::function_name;

/// Schemas that describe the catalog rather than hold its tables.
pub const SYSTEM_SCHEMAS: [&str; 2] = ["pg_catalog", "information_schema"];

/// Functions that answer from the system catalogs (or, for sizes, would), and those that act
/// on the server's sessions and statistics, which only the engine serving pg_catalog reaches.
/// Other engines have some of them too (DuckDB's describe DuckDB's own catalog: its
/// `format_type(23, -1)` is `float8`).
pub const CATALOG_FUNCTIONS: [&str; 50] = [
    "format_type",
    "pg_get_expr",
    "pg_get_constraintdef",
    "pg_get_indexdef",
    "pg_get_viewdef",
    "pg_get_userbyid",
    "pg_get_function_result",
    "pg_get_function_arguments",
    "pg_get_function_identity_arguments",
    "pg_get_function_sqlbody",
    "obj_description",
    "col_description",
    "shobj_description",
    "pg_table_is_visible",
    "pg_type_is_visible",
    "pg_function_is_visible",
    "pg_operator_is_visible",
    "pg_opclass_is_visible",
    "pg_opfamily_is_visible",
    "pg_conversion_is_visible",
    "pg_statistics_obj_is_visible",
    "pg_ts_config_is_visible",
    "pg_ts_dict_is_visible",
    "pg_ts_parser_is_visible",
    "pg_ts_template_is_visible",
    "pg_table_size",
    "pg_relation_size",
    "pg_total_relation_size",
    "pg_indexes_size",
    "pg_database_size",
    "pg_tablespace_size",
    "pg_tablespace_location",
    "has_table_privilege",
    "has_schema_privilege",
    "has_database_privilege",
    "has_column_privilege",
    "has_function_privilege",
    "pg_cancel_backend",
    "pg_terminate_backend",
    "pg_stat_statements_reset",
    "pg_blocking_pids",
    "pg_get_functiondef",
    "pg_describe_object",
    "junction_regproc",
    "junction_regproc_name",
    "junction_regprocedure",
    "junction_regprocedure_name",
    "junction_regtype",
    "junction_regtype_name",
    "junction_regclass_found",
];

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

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Function(function) = expr {
            let name = function_name(function).map(str::to_lowercase);
            if let Some(name) = name.filter(|n| CATALOG_FUNCTIONS.contains(&n.as_str())) {
                self.names.insert(vec!["pg_catalog".to_owned(), name]);
            }
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

    #[test]
    fn catalog_function_calls_read_pg_catalog() {
        assert_eq!(
            references(
                "SELECT name, pg_catalog.format_type(tp, -1) FROM (VALUES ('a', 23)) AS s(name, tp) \
                 WHERE pg_table_is_visible(1) AND upper(name) <> ''"
            ),
            ["pg_catalog.format_type", "pg_catalog.pg_table_is_visible"]
        );
    }

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
