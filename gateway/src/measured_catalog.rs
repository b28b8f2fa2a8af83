//! A catalog whose requests `/metrics` times and counts: where a slow or failing metastore
//! shows before its users complain.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use junction_catalogs::{Catalog, Result, TableHandle};

use crate::metrics::Metrics;

#[derive(Debug)]
pub struct MeasuredCatalog {
    inner: Arc<dyn Catalog>,
    metrics: Metrics,
}

impl MeasuredCatalog {
    pub fn wrap(inner: Arc<dyn Catalog>, metrics: &Metrics) -> Arc<dyn Catalog> {
        Arc::new(Self {
            inner,
            metrics: metrics.clone(),
        })
    }

    fn timed<T>(&self, operation: &str, started: Instant, result: &Result<T>) {
        self.metrics.catalog_request(
            self.inner.name(),
            operation,
            started.elapsed(),
            result.is_err(),
        );
    }
}

#[async_trait]
impl Catalog for MeasuredCatalog {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn schema_names(&self) -> Result<Vec<String>> {
        let started = Instant::now();
        let result = self.inner.schema_names().await;
        self.timed("schemas", started, &result);
        result
    }

    async fn table_names(&self, schema: &str) -> Result<Vec<String>> {
        let started = Instant::now();
        let result = self.inner.table_names(schema).await;
        self.timed("tables", started, &result);
        result
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<Arc<TableHandle>>> {
        let started = Instant::now();
        let result = self.inner.table(schema, table).await;
        self.timed("table", started, &result);
        result
    }

    async fn known_columns(
        &self,
        schema: &str,
        table: &str,
    ) -> Option<arrow::datatypes::SchemaRef> {
        self.inner.known_columns(schema, table).await
    }

    async fn at_reference(&self, reference: &str) -> Option<Arc<dyn Catalog>> {
        let at = self.inner.at_reference(reference).await?;
        Some(Self::wrap(at, &self.metrics))
    }

    fn has_references(&self) -> bool {
        self.inner.has_references()
    }

    fn is_view(&self, schema: &str, table: &str) -> bool {
        self.inner.is_view(schema, table)
    }
}
