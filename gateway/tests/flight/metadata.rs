//! Metadata commands, and their agreement with pg_catalog.

use std::collections::BTreeMap;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Schema, UInt32Type};
use arrow_flight::sql::{
    CommandGetCrossReference, CommandGetDbSchemas, CommandGetExportedKeys, CommandGetImportedKeys,
    CommandGetPrimaryKeys, CommandGetTables, SqlInfo, XdbcDataType,
};
use arrow_flight::IpcMessage;

use crate::client::{authenticated, fetch_info, status_of, strings, Client};
use crate::server::Server;

async fn tables(client: &mut Client, command: CommandGetTables) -> Vec<arrow::array::RecordBatch> {
    let info = client
        .get_tables(command)
        .await
        .map_err(status_of)
        .expect("GetTables");
    fetch_info(client, info).await.expect("DoGet")
}

#[tokio::test]
async fn catalogs_schemas_and_table_types() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let info = client
        .get_catalogs()
        .await
        .map_err(status_of)
        .expect("GetCatalogs");
    assert_eq!(
        strings(&fetch_info(&mut client, info).await.expect("DoGet"), 0),
        ["warehouse"]
    );

    let info = client
        .get_db_schemas(CommandGetDbSchemas {
            catalog: Some("warehouse".to_owned()),
            db_schema_filter_pattern: Some("s%".to_owned()),
        })
        .await
        .map_err(status_of)
        .expect("GetDbSchemas");
    let batches = fetch_info(&mut client, info).await.expect("DoGet");
    assert_eq!(strings(&batches, 0), ["warehouse"]);
    assert_eq!(strings(&batches, 1), ["silver"]);

    let info = client
        .get_db_schemas(CommandGetDbSchemas {
            catalog: Some("nosuch".to_owned()),
            db_schema_filter_pattern: None,
        })
        .await
        .map_err(status_of)
        .expect("GetDbSchemas");
    assert!(strings(&fetch_info(&mut client, info).await.expect("DoGet"), 1).is_empty());

    let info = client
        .get_table_types()
        .await
        .map_err(status_of)
        .expect("GetTableTypes");
    assert_eq!(
        strings(&fetch_info(&mut client, info).await.expect("DoGet"), 0),
        ["TABLE"]
    );
}

#[tokio::test]
async fn get_tables_filters_and_includes_schemas() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let all = tables(&mut client, CommandGetTables::default()).await;
    assert_eq!(
        strings(&all, 2),
        [
            "vitals_raw",
            "vitals_hourly",
            "devices",
            "patients",
            "vitals"
        ],
        "ordered by catalog, schema, table"
    );
    assert_eq!(all[0].num_columns(), 4, "no schemas unless asked for");

    let silver_v = tables(
        &mut client,
        CommandGetTables {
            catalog: Some("warehouse".to_owned()),
            db_schema_filter_pattern: Some("silver".to_owned()),
            table_name_filter_pattern: Some("%v_%s".to_owned()),
            table_types: vec!["TABLE".to_owned()],
            include_schema: true,
        },
    )
    .await;
    assert_eq!(strings(&silver_v, 2), ["devices", "vitals"]);
    let schemas = silver_v[0].column(4).as_binary::<i32>();
    let devices = Schema::try_from(IpcMessage(schemas.value(0).to_vec().into())).expect("IPC");
    let names: Vec<&str> = devices.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["device_id", "model", "ward", "installed_on"]);

    let views = tables(
        &mut client,
        CommandGetTables {
            table_types: vec!["VIEW".to_owned()],
            ..Default::default()
        },
    )
    .await;
    assert_eq!(views.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
}

#[tokio::test]
async fn keys_are_empty_with_the_specs_columns() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let table = || {
        (
            "warehouse".to_owned(),
            "silver".to_owned(),
            "vitals".to_owned(),
        )
    };
    let (catalog, db_schema, name) = table();
    let primary = client
        .get_primary_keys(CommandGetPrimaryKeys {
            catalog: Some(catalog),
            db_schema: Some(db_schema),
            table: name,
        })
        .await
        .map_err(status_of)
        .expect("GetPrimaryKeys");
    let (catalog, db_schema, name) = table();
    let exported = client
        .get_exported_keys(CommandGetExportedKeys {
            catalog: Some(catalog),
            db_schema: Some(db_schema),
            table: name,
        })
        .await
        .map_err(status_of)
        .expect("GetExportedKeys");
    let (catalog, db_schema, name) = table();
    let imported = client
        .get_imported_keys(CommandGetImportedKeys {
            catalog: Some(catalog),
            db_schema: Some(db_schema),
            table: name,
        })
        .await
        .map_err(status_of)
        .expect("GetImportedKeys");
    let cross = client
        .get_cross_reference(CommandGetCrossReference {
            pk_catalog: Some("warehouse".to_owned()),
            pk_db_schema: Some("silver".to_owned()),
            pk_table: "patients".to_owned(),
            fk_catalog: Some("warehouse".to_owned()),
            fk_db_schema: Some("silver".to_owned()),
            fk_table: "vitals".to_owned(),
        })
        .await
        .map_err(status_of)
        .expect("GetCrossReference");
    for (info, first, count) in [
        (primary, "catalog_name", 6),
        (exported, "pk_catalog_name", 13),
        (imported, "pk_catalog_name", 13),
        (cross, "pk_catalog_name", 13),
    ] {
        let schema = info.clone().try_decode_schema().expect("schema");
        assert_eq!(schema.fields().len(), count);
        assert_eq!(schema.field(0).name(), first);
        let batches = fetch_info(&mut client, info).await.expect("DoGet");
        assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
    }
}

#[tokio::test]
async fn sql_info_and_xdbc_types_describe_a_read_only_postgresql_dialect() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let info = client
        .get_sql_info(vec![
            SqlInfo::FlightSqlServerName,
            SqlInfo::FlightSqlServerReadOnly,
            SqlInfo::SqlIdentifierQuoteChar,
        ])
        .await
        .map_err(status_of)
        .expect("GetSqlInfo");
    let batches = fetch_info(&mut client, info).await.expect("DoGet");
    let batch = &batches[0];
    let names = batch.column(0).as_primitive::<UInt32Type>();
    let values = batch.column(1).as_union();
    let mut found = BTreeMap::new();
    for row in 0..batch.num_rows() {
        let value = values.value(row);
        let text = match value.data_type() {
            arrow::datatypes::DataType::Utf8 => value.as_string::<i32>().value(0).to_owned(),
            arrow::datatypes::DataType::Boolean => value.as_boolean().value(0).to_string(),
            other => format!("{other}"),
        };
        found.insert(names.value(row), text);
    }
    assert_eq!(found[&(SqlInfo::FlightSqlServerName as u32)], "junction");
    assert_eq!(found[&(SqlInfo::FlightSqlServerReadOnly as u32)], "true");
    assert_eq!(found[&(SqlInfo::SqlIdentifierQuoteChar as u32)], "\"");

    let info = client
        .get_xdbc_type_info(arrow_flight::sql::CommandGetXdbcTypeInfo {
            data_type: Some(XdbcDataType::XdbcBigint as i32),
        })
        .await
        .map_err(status_of)
        .expect("GetXdbcTypeInfo");
    let batches = fetch_info(&mut client, info).await.expect("DoGet");
    assert_eq!(strings(&batches, 0), ["int8"]);
}

/// Flight's GetTables and pg_catalog describe the same tables with the same columns, in the
/// same order, with the types the pg wire gives those columns.
#[tokio::test]
async fn flight_and_pg_catalog_describe_the_same_columns() {
    let server = Server::start();
    let mut flight = authenticated(&server, "alice").await;
    let batches = tables(
        &mut flight,
        CommandGetTables {
            include_schema: true,
            ..Default::default()
        },
    )
    .await;
    let mut from_flight = Vec::new();
    for batch in &batches {
        let schemas = batch.column(4).as_binary::<i32>();
        let (db_schemas, names) = (
            strings(std::slice::from_ref(batch), 1),
            strings(std::slice::from_ref(batch), 2),
        );
        for row in 0..batch.num_rows() {
            let schema = Schema::try_from(IpcMessage(schemas.value(row).to_vec().into()))
                .expect("IPC schema");
            for field in schema.fields() {
                let pg_type = arrow_pg::datatypes::into_pg_type(field.data_type())
                    .expect("a pg type for every column");
                from_flight.push(format!(
                    "{}.{}.{} {}",
                    db_schemas[row],
                    names[row],
                    field.name(),
                    pg_type.oid()
                ));
            }
        }
    }

    let pg = server.connect().await;
    let rows = pg
        .query(
            "select n.nspname, c.relname, a.attname, a.atttypid::int8 \
             from pg_catalog.pg_attribute a \
             join pg_catalog.pg_class c on a.attrelid = c.oid \
             join pg_catalog.pg_namespace n on c.relnamespace = n.oid \
             where a.attnum > 0 and c.relkind = 'r' \
               and n.nspname not in ('pg_catalog', 'information_schema') \
             order by n.nspname, c.relname, a.attnum",
            &[],
        )
        .await
        .expect("pg_attribute");
    let from_pg: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}.{}.{} {}",
                r.get::<_, String>(0),
                r.get::<_, String>(1),
                r.get::<_, String>(2),
                r.get::<_, i64>(3)
            )
        })
        .collect();
    assert!(from_pg.len() > 30, "{from_pg:?}");
    assert_eq!(from_flight, from_pg);
}
