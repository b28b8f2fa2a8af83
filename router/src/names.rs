//! PostgreSQL name resolution: an unqualified table name means the first schema of the
//! `search_path` that holds a table of that name.

use std::collections::HashMap;
use std::ops::ControlFlow;

use junction_catalogs::{Catalog, CatalogError};
use junction_transpiler::{table_name_parts, table_references};
use sqlparser::ast::{
    Ident, ObjectName, ObjectNamePart, Statement, TableFactor, VisitMut, VisitorMut,
};

/// The folded name of a one-part table reference that is not a table function.
fn plain_table_name(factor: &TableFactor) -> Option<String> {
    match table_name_parts(factor)?.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
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
    let unqualified: Vec<String> = table_references(statement)
        .into_iter()
        .filter_map(|parts| match parts.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        })
        .collect();
    let mut schemas = HashMap::new();
    for table in &unqualified {
        if table.starts_with("pg_") {
            continue;
        }
        let mut resolved = None;
        for schema in search_path {
            match catalog.table(schema, table).await {
                // A schema the session's grants do not reach is skipped, as PostgreSQL
                // skips one without USAGE.
                Ok(None) | Err(CatalogError::PermissionDenied { .. }) => {}
                // An unreadable table still resolves here, so that its own error is reported.
                Ok(Some(_)) | Err(_) => {
                    resolved = Some(schema);
                    break;
                }
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
