//! PostgreSQL name resolution: an unqualified table name means the first schema of the
//! `search_path` that holds a table of that name.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use junction_catalogs::Catalog;
use sqlparser::ast::{
    Ident, ObjectName, ObjectNamePart, Query, Statement, TableFactor, Visit, VisitMut, Visitor,
    VisitorMut,
};

/// Table names written without a schema, and the names of CTEs (which are not tables).
#[derive(Default)]
struct Unqualified {
    tables: HashSet<String>,
    ctes: HashSet<String>,
}

impl Visitor for Unqualified {
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
        if let Some(name) = plain_table_name(factor) {
            self.tables.insert(name);
        }
        ControlFlow::Continue(())
    }
}

/// The folded name of a one-part table reference that is not a table function.
fn plain_table_name(factor: &TableFactor) -> Option<String> {
    let TableFactor::Table {
        name, args: None, ..
    } = factor
    else {
        return None;
    };
    match name.0.as_slice() {
        [ObjectNamePart::Identifier(ident)] => Some(fold(ident)),
        _ => None,
    }
}

/// PostgreSQL folds unquoted identifiers to lower case.
fn fold(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

struct Qualify<'a> {
    schemas: &'a HashMap<String, String>,
}

impl VisitorMut for Qualify<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let Some(table) = plain_table_name(factor) {
            if let (Some(schema), TableFactor::Table { name, .. }) =
                (self.schemas.get(&table), factor)
            {
                let ident = name.0.remove(0);
                *name = ObjectName(vec![
                    ObjectNamePart::Identifier(Ident::with_quote('"', schema.clone())),
                    ident,
                ]);
            }
        }
        ControlFlow::Continue(())
    }
}

/// Writes the schema into every unqualified table name that the search path resolves.
/// Returns a name it cannot resolve. Names starting `pg_` are left to pg_catalog,
/// which PostgreSQL searches before the search path.
pub async fn qualify_unqualified(
    statement: &mut Statement,
    catalog: &dyn Catalog,
    search_path: &[String],
) -> Result<(), String> {
    let mut found = Unqualified::default();
    let _ = Visit::visit(&*statement, &mut found);
    let mut schemas = HashMap::new();
    for table in found.tables.difference(&found.ctes) {
        if table.starts_with("pg_") {
            continue;
        }
        let mut resolved = None;
        for schema in search_path {
            // An unreadable table still resolves here, so that its own error is reported.
            if !matches!(catalog.table(schema, table).await, Ok(None)) {
                resolved = Some(schema);
                break;
            }
        }
        let schema = resolved.ok_or_else(|| table.clone())?;
        schemas.insert(table.clone(), schema.clone());
    }
    if !schemas.is_empty() {
        let _ = VisitMut::visit(statement, &mut Qualify { schemas: &schemas });
    }
    Ok(())
}
