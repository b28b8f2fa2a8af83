//! Grants: the schemas and tables of each catalog a user may see and read (`[[grant]]`,
//! DESIGN.md "Serving many users").
//!
//! A session's catalogs are read through [`Catalogs::granted`] once per statement, and every
//! engine, the router, pg_catalog, information_schema and the Flight SQL listings resolve
//! names through them: an ungranted table is missing from every listing, and named, it is
//! 42501 whether or not it exists, so that no answer tells which names exist.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;

use crate::{Catalog, CatalogError, Catalogs, Result, TableHandle};

/// One `[[grant]]` entry's reach.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grant {
    pub catalog: String,
    /// `None`: every schema of the catalog.
    pub schema: Option<String>,
    /// `None`: every table of the schema (or schemas).
    pub tables: Option<BTreeSet<String>>,
}

/// Everything granted to one user, by its own grants and its roles'.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Grants(Vec<Grant>);

impl Grants {
    pub fn new(grants: Vec<Grant>) -> Self {
        Self(grants)
    }

    fn in_catalog<'a>(&'a self, catalog: &'a str) -> impl Iterator<Item = &'a Grant> + 'a {
        self.0.iter().filter(move |g| g.catalog == catalog)
    }

    /// Whether anything of `catalog` is granted.
    pub fn catalog(&self, catalog: &str) -> bool {
        self.in_catalog(catalog).next().is_some()
    }

    /// Whether a table of `schema` (or all of it) is granted.
    pub fn schema(&self, catalog: &str, schema: &str) -> bool {
        self.in_catalog(catalog)
            .any(|g| g.schema.as_deref().is_none_or(|s| s == schema))
    }

    pub fn table(&self, catalog: &str, schema: &str, table: &str) -> bool {
        self.in_catalog(catalog).any(|g| {
            g.schema.as_deref().is_none_or(|s| s == schema)
                && g.tables.as_ref().is_none_or(|t| t.contains(table))
        })
    }
}

impl Catalogs {
    /// These catalogs as a user with `grants` sees them: each one read through its grants,
    /// and those with nothing granted left out (but the default, the database a client
    /// lands in, which then shows no schemas).
    pub fn granted(&self, grants: &Arc<Grants>) -> Catalogs {
        let default_name = self.default_catalog().name().to_owned();
        let kept: Vec<Arc<dyn Catalog>> = self
            .iter()
            .filter(|c| c.name() == default_name || grants.catalog(c.name()))
            .map(|c| {
                Arc::new(Granted {
                    inner: Arc::clone(c),
                    grants: Arc::clone(grants),
                }) as Arc<dyn Catalog>
            })
            .collect();
        self.with_grants(kept, &default_name, Arc::clone(grants))
    }
}

/// A catalog seen through a user's grants.
#[derive(Debug)]
struct Granted {
    inner: Arc<dyn Catalog>,
    grants: Arc<Grants>,
}

impl Granted {
    fn allows(&self, schema: &str, table: &str) -> bool {
        self.grants.table(self.inner.name(), schema, table)
    }
}

#[async_trait]
impl Catalog for Granted {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn schema_names(&self) -> Result<Vec<String>> {
        let mut names = self.inner.schema_names().await?;
        names.retain(|schema| self.grants.schema(self.inner.name(), schema));
        Ok(names)
    }

    async fn table_names(&self, schema: &str) -> Result<Vec<String>> {
        // An ungranted schema is as absent as one that does not exist.
        if !self.grants.schema(self.inner.name(), schema) {
            return Err(CatalogError::SchemaNotFound(schema.to_owned()));
        }
        let mut names = self.inner.table_names(schema).await?;
        names.retain(|table| self.allows(schema, table));
        Ok(names)
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<Arc<TableHandle>>> {
        if !self.allows(schema, table) {
            return Err(CatalogError::PermissionDenied {
                table: table.to_owned(),
            });
        }
        self.inner.table(schema, table).await
    }

    async fn known_columns(
        &self,
        schema: &str,
        table: &str,
    ) -> Option<arrow::datatypes::SchemaRef> {
        if !self.allows(schema, table) {
            return None;
        }
        self.inner.known_columns(schema, table).await
    }

    async fn at_reference(&self, reference: &str) -> Option<Arc<dyn Catalog>> {
        let inner = self.inner.at_reference(reference).await?;
        Some(Arc::new(Granted {
            inner,
            grants: Arc::clone(&self.grants),
        }))
    }

    fn has_references(&self) -> bool {
        self.inner.has_references()
    }

    fn is_view(&self, schema: &str, table: &str) -> bool {
        self.allows(schema, table) && self.inner.is_view(schema, table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold_and_two_silver_tables() -> Grants {
        Grants::new(vec![
            Grant {
                catalog: "warehouse".into(),
                schema: Some("gold".into()),
                tables: None,
            },
            Grant {
                catalog: "warehouse".into(),
                schema: Some("silver".into()),
                tables: Some(["patients".to_owned(), "devices".to_owned()].into()),
            },
        ])
    }

    #[test]
    fn grants_reach_schemas_and_tables() {
        let grants = gold_and_two_silver_tables();
        assert!(grants.catalog("warehouse") && !grants.catalog("lake"));
        assert!(grants.schema("warehouse", "gold") && grants.schema("warehouse", "silver"));
        assert!(!grants.schema("warehouse", "bronze"));
        assert!(grants.table("warehouse", "gold", "anything"));
        assert!(grants.table("warehouse", "silver", "patients"));
        assert!(!grants.table("warehouse", "silver", "vitals"));
        assert!(!grants.table("lake", "gold", "anything"));
        let everything = Grants::new(vec![Grant {
            catalog: "lake".into(),
            schema: None,
            tables: None,
        }]);
        assert!(everything.table("lake", "any", "table"));
    }
}
