//! pg_attribute with the column types clients see on the wire.
//!
//! datafusion-pg-catalog 0.17 knows a dozen types for `atttypid` and gives every other one
//! (timestamptz, interval, varchar, json, arrays, ...) the OID of `text`, so psql's `\d` and
//! SQLAlchemy's reflection would report text where a query's RowDescription says otherwise.
//! This wrapper recomputes `atttypid` with arrow-pg's mapping, the one result columns use.

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray, Int32Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Int32Type, SchemaRef};
use datafusion::catalog::{SchemaProvider, Session, TableProvider};
use datafusion::datasource::{MemTable, TableType};
use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::{collect, ExecutionPlan};
use datafusion_pg_catalog::pg_catalog::catalog_info::CatalogInfo;

use super::pg_catalog_arrays::with_array_columns;
use super::pg_namespace::with_system_schema_oids;

/// A pg_catalog schema whose `pg_attribute` carries wire types, whose `pg_namespace` numbers
/// the system schemas as the static tables do, whose `pg_database` lists the catalogs alone,
/// whose `pg_class` has 0 where PostgreSQL has, whose `pg_collation` has PostgreSQL 15's
/// columns, which has an (empty) `pg_user_mappings`, whose array columns are arrays
/// ([`with_array_columns`]) and whose name, oid and "char" columns are typed so
/// ([`super::pg_catalog_types`]).
#[derive(Debug)]
pub struct WireTypedSchema<C> {
    inner: Arc<dyn SchemaProvider>,
    info: C,
}

impl<C> WireTypedSchema<C> {
    pub fn new(inner: Arc<dyn SchemaProvider>, info: C) -> Self {
        Self { inner, info }
    }
}

#[async_trait]
impl<C: CatalogInfo + std::fmt::Debug + Clone + 'static> SchemaProvider for WireTypedSchema<C> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn table_names(&self) -> Vec<String> {
        let mut names = self.inner.table_names();
        names.push(super::pg_user_mappings::NAME.to_owned());
        names
    }

    async fn table(&self, name: &str) -> DFResult<Option<Arc<dyn TableProvider>>> {
        if name == super::pg_user_mappings::NAME {
            return super::pg_user_mappings::table().map(Some);
        }
        let Some(table) = self.inner.table(name).await? else {
            return Ok(None);
        };
        let table: Arc<dyn TableProvider> = match name {
            "pg_attribute" => Arc::new(WireTypedAttributes {
                inner: table,
                info: self.info.clone(),
            }),
            "pg_namespace" => with_system_schema_oids(table)?,
            "pg_class" => super::pg_class::with_zeros(table)?,
            "pg_collation" => super::pg_collation::as_in_postgresql_15(table)?,
            "pg_database" => {
                super::pg_database::with_catalogs_only(table, self.info.catalog_names().await?)?
            }
            _ => table,
        };
        super::pg_catalog_types::with_catalog_types(name, with_array_columns(name, table)?)
            .map(Some)
    }

    fn table_exist(&self, name: &str) -> bool {
        name == super::pg_user_mappings::NAME || self.inner.table_exist(name)
    }
}

#[derive(Debug)]
struct WireTypedAttributes<C> {
    inner: Arc<dyn TableProvider>,
    info: C,
}

impl<C: CatalogInfo> WireTypedAttributes<C> {
    /// `(column name, Arrow type)` of every column, in the order datafusion-pg-catalog lists
    /// them: catalogs, schemas, tables, then columns, each as its `CatalogInfo` returns them.
    async fn columns(&self) -> DFResult<Vec<(String, DataType)>> {
        let mut columns = Vec::new();
        for catalog in self.info.catalog_names().await? {
            for schema in self.info.schema_names(&catalog).await?.unwrap_or_default() {
                for table in self
                    .info
                    .table_names(&catalog, &schema)
                    .await?
                    .unwrap_or_default()
                {
                    if let Some(fields) = self.info.table_schema(&catalog, &schema, &table).await? {
                        columns.extend(
                            fields
                                .fields()
                                .iter()
                                .map(|f| (f.name().clone(), f.data_type().clone())),
                        );
                    }
                }
            }
        }
        Ok(columns)
    }
}

/// `batch` with `atttypid` recomputed from `columns`, when the rows are those columns.
fn with_wire_types(batch: RecordBatch, columns: &[(String, DataType)]) -> DFResult<RecordBatch> {
    let schema = batch.schema();
    let (Ok(name_index), Ok(type_index)) =
        (schema.index_of("attname"), schema.index_of("atttypid"))
    else {
        return Ok(batch);
    };
    let names = batch.column(name_index).as_string::<i32>();
    let types = batch.column(type_index).as_primitive::<Int32Type>();
    // A table that changed between the two listings: keep the library's answer for this query.
    let same_rows = names.len() == columns.len()
        && columns
            .iter()
            .enumerate()
            .all(|(i, (name, _))| names.is_valid(i) && names.value(i) == name);
    if !same_rows {
        return Ok(batch);
    }
    let oids: Int32Array = columns
        .iter()
        .enumerate()
        .map(|(i, (_, data_type))| {
            let oid = arrow_pg::datatypes::into_pg_type(data_type)
                .ok()
                .and_then(|t| i32::try_from(t.oid()).ok());
            Some(oid.unwrap_or_else(|| types.value(i)))
        })
        .collect();
    let mut arrays = batch.columns().to_vec();
    arrays[type_index] = Arc::new(oids);
    Ok(RecordBatch::try_new(schema, arrays)?)
}

#[async_trait]
impl<C: CatalogInfo + std::fmt::Debug + 'static> TableProvider for WireTypedAttributes<C> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        // pg_attribute is metadata, built in one batch by the library: patched here whole,
        // then served from memory with the query's projection and limit.
        let plan = self.inner.scan(state, None, &[], None).await?;
        let batches = collect(plan, state.task_ctx()).await?;
        let columns = self.columns().await?;
        let batches = match batches.as_slice() {
            [batch] => vec![with_wire_types(batch.clone(), &columns)?],
            _ => batches,
        };
        let table = MemTable::try_new(self.schema(), vec![batches])
            .map_err(|e| DataFusionError::Context("pg_attribute".into(), Box::new(e)))?;
        table.scan(state, projection, filters, limit).await
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{Field, Schema, TimeUnit};

    use super::*;

    fn batch(names: &[&str]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("attname", DataType::Utf8, false),
            Field::new("atttypid", DataType::Int32, false),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(names.to_vec())),
                Arc::new(Int32Array::from(vec![25; names.len()])),
            ],
        )
        .expect("batch")
    }

    fn oids(batch: &RecordBatch) -> Vec<i32> {
        batch
            .column(1)
            .as_primitive::<Int32Type>()
            .values()
            .to_vec()
    }

    #[test]
    fn columns_get_the_oids_of_their_wire_types() {
        let columns = vec![
            (
                "at".to_owned(),
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            ),
            (
                "took".to_owned(),
                DataType::Interval(datafusion::arrow::datatypes::IntervalUnit::MonthDayNano),
            ),
            (
                "ids".to_owned(),
                DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
            ),
            ("name".to_owned(), DataType::Utf8),
        ];
        let patched =
            with_wire_types(batch(&["at", "took", "ids", "name"]), &columns).expect("patched");
        assert_eq!(oids(&patched), [1184, 1186, 1007, 25]);
    }

    #[test]
    fn rows_that_do_not_match_the_listing_are_left_alone() {
        let columns = vec![("other".to_owned(), DataType::Int64)];
        let patched = with_wire_types(batch(&["at"]), &columns).expect("unchanged");
        assert_eq!(oids(&patched), [25]);
    }
}
