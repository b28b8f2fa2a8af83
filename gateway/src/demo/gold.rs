//! gold.vitals_hourly: silver.vitals aggregated per patient and hour, written as an Iceberg
//! table through iceberg-datafusion's INSERT support.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use datafusion::prelude::SessionContext;
use deltalake::DeltaTable;
use iceberg::io::LocalFsStorageFactory;
use iceberg::memory::MemoryCatalogBuilder;
use iceberg::spec::{NestedField, PrimitiveType, Schema, Type};
use iceberg::{Catalog, CatalogBuilder, NamespaceIdent, TableCreation};
use iceberg_datafusion::IcebergCatalogProvider;
use url::Url;

use super::DemoError;

const TABLE: &str = "gold.vitals_hourly";

fn err(e: impl std::fmt::Display) -> DemoError {
    DemoError::write(TABLE, e)
}

fn schema() -> Result<Schema, DemoError> {
    let field = |id, name: &str, ty| Arc::new(NestedField::optional(id, name, Type::Primitive(ty)));
    Schema::builder()
        .with_fields(vec![
            field(1, "patient_id", PrimitiveType::Int),
            field(2, "hour", PrimitiveType::Timestamp),
            field(3, "readings", PrimitiveType::Long),
            field(4, "hr_avg", PrimitiveType::Double),
            field(5, "hr_min", PrimitiveType::Int),
            field(6, "hr_max", PrimitiveType::Int),
            field(7, "spo2_min", PrimitiveType::Double),
            field(8, "anomalies", PrimitiveType::Long),
        ])
        .build()
        .map_err(err)
}

pub async fn write(dir: &Path) -> Result<(), DemoError> {
    let catalog = MemoryCatalogBuilder::default()
        .with_storage_factory(Arc::new(LocalFsStorageFactory))
        .load(
            "demo",
            HashMap::from([("warehouse".to_owned(), dir.display().to_string())]),
        )
        .await
        .map_err(err)?;
    let namespace = NamespaceIdent::new("gold".to_owned());
    catalog
        .create_namespace(&namespace, HashMap::new())
        .await
        .map_err(err)?;
    let creation = TableCreation::builder()
        .name("vitals_hourly".to_owned())
        .location(dir.join("gold/vitals_hourly").display().to_string())
        .schema(schema()?)
        .build();
    catalog
        .create_table(&namespace, creation)
        .await
        .map_err(err)?;

    let ctx = SessionContext::new();
    let silver_url = Url::from_directory_path(dir.join("silver/vitals"))
        .map_err(|()| err("not an absolute path"))?;
    let silver = deltalake::open_table(silver_url).await.map_err(err)?;
    let provider = DeltaTable::table_provider(&silver).await.map_err(err)?;
    ctx.register_table("vitals", provider).map_err(err)?;
    let iceberg = IcebergCatalogProvider::try_new(Arc::new(catalog))
        .await
        .map_err(err)?;
    ctx.register_catalog("demo", Arc::new(iceberg));
    ctx.sql(
        "INSERT INTO demo.gold.vitals_hourly
         SELECT patient_id,
                date_trunc('hour', recorded_at),
                count(*),
                avg(heart_rate),
                min(heart_rate),
                max(heart_rate),
                min(spo2),
                count(*) FILTER (WHERE quality = 'suspect' OR heart_rate > 120 OR spo2 < 90)
         FROM vitals
         GROUP BY 1, 2",
    )
    .await
    .map_err(err)?
    .collect()
    .await
    .map_err(err)?;
    Ok(())
}
