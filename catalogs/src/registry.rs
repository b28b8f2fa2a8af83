//! The set of configured catalogs, and which one a connection's database name selects.

use std::sync::Arc;

use crate::{Catalog, Grants};

/// Every configured catalog, by name, with the default one.
#[derive(Debug, Clone)]
pub struct Catalogs {
    catalogs: Vec<Arc<dyn Catalog>>,
    default: usize,
    /// The reference the catalogs with references are read at; `None` as configured.
    reference: Option<String>,
    /// The grants these catalogs are read through ([`Catalogs::granted`]); `None`: all.
    grants: Option<Arc<Grants>>,
}

impl Catalogs {
    /// `default` must name one of `catalogs`; `None` when it does not, or when two share a name.
    pub fn new(catalogs: Vec<Arc<dyn Catalog>>, default: &str) -> Option<Self> {
        for (i, c) in catalogs.iter().enumerate() {
            if catalogs[..i].iter().any(|o| o.name() == c.name()) {
                return None;
            }
        }
        let default = catalogs.iter().position(|c| c.name() == default)?;
        Some(Self {
            catalogs,
            default,
            reference: None,
            grants: None,
        })
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Catalog>> {
        self.catalogs.iter().find(|c| c.name() == name)
    }

    pub fn default_catalog(&self) -> &Arc<dyn Catalog> {
        &self.catalogs[self.default]
    }

    /// The catalog a client's database name selects: the one of that name, else the default
    /// (so `psql -d junction`, `-d postgres` or `-d <user>` all work).
    pub fn for_database(&self, database: Option<&str>) -> &Arc<dyn Catalog> {
        database
            .and_then(|name| self.get(name))
            .unwrap_or_else(|| self.default_catalog())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.catalogs.iter().map(|c| c.name())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Catalog>> {
        self.catalogs.iter()
    }

    /// Whether any catalog has references, so that `junction.nessie_ref` means something.
    pub fn have_references(&self) -> bool {
        self.catalogs.iter().any(|c| c.has_references())
    }

    /// These catalogs with each one that has references read at `reference`; all as
    /// configured for `None`.
    pub async fn at_reference(&self, reference: Option<&str>) -> Catalogs {
        let Some(reference) = reference else {
            return self.clone();
        };
        let mut catalogs = Vec::with_capacity(self.catalogs.len());
        for catalog in &self.catalogs {
            let at = catalog.at_reference(reference).await;
            catalogs.push(at.unwrap_or_else(|| Arc::clone(catalog)));
        }
        Catalogs {
            catalogs,
            default: self.default,
            reference: Some(reference.to_owned()),
            grants: self.grants.clone(),
        }
    }

    /// These catalogs read through `grants` (`catalogs`, found by name), at the same
    /// reference.
    pub(crate) fn with_grants(
        &self,
        catalogs: Vec<Arc<dyn Catalog>>,
        default: &str,
        grants: Arc<Grants>,
    ) -> Catalogs {
        let default = catalogs
            .iter()
            .position(|c| c.name() == default)
            .unwrap_or(0);
        Catalogs {
            catalogs,
            default,
            reference: self.reference.clone(),
            grants: Some(grants),
        }
    }

    /// These catalogs, each seen through `wrap` (at the same reference, through the same
    /// grants).
    pub fn wrapped(&self, wrap: impl Fn(&Arc<dyn Catalog>) -> Arc<dyn Catalog>) -> Catalogs {
        Catalogs {
            catalogs: self.catalogs.iter().map(wrap).collect(),
            default: self.default,
            reference: self.reference.clone(),
            grants: self.grants.clone(),
        }
    }

    /// The grants these catalogs are read through; `None` when they show everything.
    pub fn grants(&self) -> Option<&Arc<Grants>> {
        self.grants.as_ref()
    }

    /// The reference [`Catalogs::at_reference`] read these at; `None` as configured.
    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }
}
