//! pg_catalog's `name`, `oid` and `"char"` columns tagged with their PostgreSQL type
//! ([`CatalogType`]), from PostgreSQL 15's own catalog (`pg_catalog_wire_types.txt`).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use datafusion::arrow::array::{RecordBatch, RecordBatchOptions};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::internal_err;
use datafusion::datasource::TableType;
use datafusion::error::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::StreamExt;

use crate::catalog_types::CatalogType;

/// `(table, column)` → the column's type, of the columns PostgreSQL types name, oid or
/// `"char"`.
static COLUMN_TYPES: LazyLock<HashMap<(&'static str, &'static str), CatalogType>> =
    LazyLock::new(|| {
        let mut types = HashMap::new();
        for line in include_str!("pg_catalog_wire_types.txt").lines() {
            let Some((table, columns)) = line.split_once('|').filter(|_| !line.starts_with('#'))
            else {
                continue;
            };
            for column in columns.split(',') {
                if let Some((name, word)) = column.split_once(':') {
                    if let Some(ty) = CatalogType::from_word(word) {
                        types.insert((table, name), ty);
                    }
                }
            }
        }
        types
    });

/// `table`, named `name` in pg_catalog, with each column PostgreSQL types name, oid or
/// `"char"` tagged with that type, where its Arrow type can carry it; `table` itself when no
/// column is.
pub fn with_catalog_types(
    name: &str,
    table: Arc<dyn TableProvider>,
) -> Result<Arc<dyn TableProvider>> {
    let inner = table.schema();
    let mut tagged = false;
    let fields: Vec<Field> = inner
        .fields()
        .iter()
        .map(
            |field| match COLUMN_TYPES.get(&(name, field.name().as_str())) {
                Some(ty) if ty.holds(field.data_type()) => {
                    tagged = true;
                    crate::with_extension(field.as_ref().clone(), ty.extension())
                }
                _ => field.as_ref().clone(),
            },
        )
        .collect();
    if !tagged {
        return Ok(table);
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, inner.metadata().clone()));
    Ok(Arc::new(Tagged {
        inner: table,
        schema,
    }))
}

/// A catalog table served with its columns' types tagged. The tag must be in the scan's own
/// schema: a projection's alias carries field metadata in the logical plan only, and the
/// rows the pg front end encodes are the physical plan's. The library's table is scanned as
/// before (it numbers objects as its tables are built), its batches relabelled as they come.
#[derive(Debug)]
struct Tagged {
    inner: Arc<dyn TableProvider>,
    schema: SchemaRef,
}

#[async_trait]
impl TableProvider for Tagged {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let input = self.inner.scan(state, projection, filters, limit).await?;
        let schema = match projection {
            Some(columns) => Arc::new(self.schema.project(columns)?),
            None => Arc::clone(&self.schema),
        };
        Ok(Arc::new(Relabelled::new(input, schema)))
    }
}

/// `input`'s batches under `schema`: the same columns, their fields tagged.
#[derive(Debug)]
struct Relabelled {
    input: Arc<dyn ExecutionPlan>,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
}

impl Relabelled {
    fn new(input: Arc<dyn ExecutionPlan>, schema: SchemaRef) -> Self {
        let given = input.properties();
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            given.partitioning.clone(),
            given.emission_type,
            given.boundedness,
        );
        Self {
            input,
            schema,
            properties: Arc::new(properties),
        }
    }
}

impl DisplayAs for Relabelled {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("CatalogTypesExec")
    }
}

impl ExecutionPlan for Relabelled {
    fn name(&self) -> &str {
        "CatalogTypesExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        match children.as_slice() {
            [input] => Ok(Arc::new(Relabelled::new(
                Arc::clone(input),
                Arc::clone(&self.schema),
            ))),
            _ => internal_err!("CatalogTypesExec takes one input"),
        }
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let schema = Arc::clone(&self.schema);
        let batches = self.input.execute(partition, context)?.map(move |batch| {
            let batch = batch?;
            // No column at all (`count(*)`): the rows are counted, not held.
            let rows = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
            Ok(RecordBatch::try_new_with_options(
                Arc::clone(&schema),
                batch.columns().to_vec(),
                &rows,
            )?)
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            batches,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_types_catalog_columns_as_postgresql_15_does() {
        assert_eq!(
            COLUMN_TYPES.get(&("pg_class", "relname")),
            Some(&CatalogType::Name)
        );
        assert_eq!(
            COLUMN_TYPES.get(&("pg_class", "oid")),
            Some(&CatalogType::Oid)
        );
        assert_eq!(
            COLUMN_TYPES.get(&("pg_class", "relkind")),
            Some(&CatalogType::Char)
        );
        assert_eq!(COLUMN_TYPES.get(&("pg_class", "relchecks")), None);
        assert!(COLUMN_TYPES.len() > 400, "{}", COLUMN_TYPES.len());
    }
}
