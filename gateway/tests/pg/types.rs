//! Every Arrow type a table can hold reaches clients with PostgreSQL's type OID, in text
//! and binary format, NULLs included.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array,
    Int16Array, Int32Array, Int64Array, ListArray, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow::datatypes::Int32Type;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use tokio_postgres::types::Type;

use crate::server::{text_rows, use_engine, write_parquet, Server};

/// 2026-01-01 08:00:00.25 UTC.
const AT_MICROS: i64 = 1_767_254_400_250_000;

/// One row of values and one row of NULLs, one column per type.
fn write_types_table(path: &std::path::Path) {
    let list = |values: Option<Vec<Option<i32>>>| {
        ListArray::from_iter_primitive::<Int32Type, _, _>([values, None])
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("i2", Arc::new(Int16Array::from(vec![Some(-2), None]))),
        ("i4", Arc::new(Int32Array::from(vec![Some(40_000), None]))),
        (
            "i8",
            Arc::new(Int64Array::from(vec![Some(5_000_000_000), None])),
        ),
        ("f4", Arc::new(Float32Array::from(vec![Some(1.5), None]))),
        ("f8", Arc::new(Float64Array::from(vec![Some(1e20), None]))),
        (
            "num",
            Arc::new(
                Decimal128Array::from(vec![Some(12_345), None])
                    .with_precision_and_scale(10, 2)
                    .expect("decimal(10,2)"),
            ),
        ),
        (
            "txt",
            Arc::new(StringArray::from(vec![Some("héllo"), None])),
        ),
        ("flag", Arc::new(BooleanArray::from(vec![Some(true), None]))),
        ("day", Arc::new(Date32Array::from(vec![Some(20_454), None]))),
        (
            "at",
            Arc::new(TimestampMicrosecondArray::from(vec![Some(AT_MICROS), None])),
        ),
        (
            "at_tz",
            Arc::new(
                TimestampMicrosecondArray::from(vec![Some(AT_MICROS), None]).with_timezone("UTC"),
            ),
        ),
        (
            "raw",
            Arc::new(BinaryArray::from(vec![Some(&[1u8, 2][..]), None])),
        ),
        ("ints", Arc::new(list(Some(vec![Some(1), None, Some(3)])))),
    ];
    let batch = RecordBatch::try_from_iter(columns).expect("batch");
    write_parquet(path, &batch);
}

/// A server whose warehouse holds `types.every`, and a client of it.
async fn serve_types_table() -> (Server, tokio_postgres::Client) {
    let server = Server::start();
    let dir = server.warehouse.join("types");
    std::fs::create_dir_all(&dir).expect("mkdir");
    write_types_table(&dir.join("every.parquet"));
    let client = server.connect().await;
    (server, client)
}

#[tokio::test]
async fn column_types_reach_clients_with_postgresqls_oids_in_text_and_binary() {
    let (_server, client) = serve_types_table().await;

    let sql = "select * from types.every order by i2 nulls last";
    let statement = client.prepare(sql).await.expect("describe");
    let types: Vec<Type> = statement
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    assert_eq!(
        types,
        [
            Type::INT2,
            Type::INT4,
            Type::INT8,
            Type::FLOAT4,
            Type::FLOAT8,
            Type::NUMERIC,
            Type::TEXT,
            Type::BOOL,
            Type::DATE,
            Type::TIMESTAMP,
            Type::TIMESTAMPTZ,
            Type::BYTEA,
            Type::INT4_ARRAY,
        ]
    );

    // Binary format (tokio-postgres asks for it); numeric is checked in text below.
    let rows = client.query(&statement, &[]).await.expect("query");
    let row = &rows[0];
    assert_eq!(row.get::<_, i16>("i2"), -2);
    assert_eq!(row.get::<_, i32>("i4"), 40_000);
    assert_eq!(row.get::<_, i64>("i8"), 5_000_000_000);
    assert_eq!(row.get::<_, f32>("f4"), 1.5);
    assert_eq!(row.get::<_, f64>("f8"), 1e20);
    assert_eq!(row.get::<_, &str>("txt"), "héllo");
    assert!(row.get::<_, bool>("flag"));
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    assert_eq!(row.get::<_, NaiveDate>("day"), day);
    let at = DateTime::<Utc>::from_timestamp_micros(AT_MICROS).expect("instant");
    assert_eq!(row.get::<_, NaiveDateTime>("at"), at.naive_utc());
    assert_eq!(row.get::<_, DateTime<Utc>>("at_tz"), at);
    assert_eq!(row.get::<_, Vec<u8>>("raw"), [1, 2]);
    assert_eq!(
        row.get::<_, Vec<Option<i32>>>("ints"),
        [Some(1), None, Some(3)]
    );
    let nulls = &rows[1];
    assert_eq!(nulls.get::<_, Option<i64>>("i8"), None);
    assert_eq!(nulls.get::<_, Option<Vec<Option<i32>>>>("ints"), None);
    assert_eq!(nulls.get::<_, Option<DateTime<Utc>>>("at_tz"), None);

    // Text format, as psql shows it.
    let text = text_rows(&client.simple_query(sql).await.expect("simple query"));
    let expected = [
        "-2",
        "40000",
        "5000000000",
        "1.5",
        "1e+20",
        "123.45",
        "héllo",
        "t",
        "2026-01-01",
        "2026-01-01 08:00:00.25",
        "2026-01-01 08:00:00.25+00",
        "\\x0102",
        "{1,NULL,3}",
    ];
    assert_eq!(
        text[0],
        expected.map(|v| Some(v.to_owned())).to_vec(),
        "text values"
    );
    assert!(text[1].iter().all(Option::is_none), "NULLs: {:?}", text[1]);
}

#[tokio::test]
async fn interval_arrays_and_the_session_time_zone() {
    let server = Server::start();
    let client = server.connect().await;
    let statement = client
        .prepare("select interval '1 day 2 hours' as i, array['x', 'y'] as t")
        .await
        .expect("describe");
    let types: Vec<&Type> = statement.columns().iter().map(|c| c.type_()).collect();
    assert_eq!(types, [&Type::INTERVAL, &Type::TEXT_ARRAY]);

    client
        .batch_execute("SET TimeZone = 'Asia/Kolkata'")
        .await
        .expect("set time zone");
    let dir = server.warehouse.join("types");
    std::fs::create_dir_all(&dir).expect("mkdir");
    write_types_table(&dir.join("every.parquet"));
    let messages = client
        .simple_query(
            "select interval '1 day 2 hours', array['x', 'y'], at_tz from types.every where i2 = -2",
        )
        .await
        .expect("simple query");
    let expected = ["1 day 02:00:00", "{x,y}", "2026-01-01 13:30:00.25+05:30"];
    assert_eq!(
        text_rows(&messages).concat(),
        expected.map(|v| Some(v.to_owned()))
    );
}

/// psql's `\d`, SQLAlchemy and JDBC metadata read column types from pg_attribute: it must
/// say what a query's RowDescription says.
#[tokio::test]
async fn pg_attribute_gives_columns_their_wire_types() {
    let (_server, client) = serve_types_table().await;

    let statement = client
        .prepare("select * from types.every")
        .await
        .expect("describe");
    let wire: Vec<i64> = statement
        .columns()
        .iter()
        .map(|c| i64::from(c.type_().oid()))
        .collect();
    let rows = client
        .query(
            "select a.atttypid::int8, pg_catalog.format_type(a.atttypid, a.atttypmod) \
             from pg_catalog.pg_attribute a \
             join pg_catalog.pg_class c on c.oid = a.attrelid \
             join pg_catalog.pg_namespace n on n.oid = c.relnamespace \
             where n.nspname = 'types' and c.relname = 'every' and a.attnum > 0 \
             order by a.attnum",
            &[],
        )
        .await
        .expect("pg_attribute");
    let catalog: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(catalog, wire);
    let names: Vec<String> = rows.iter().map(|r| r.get(1)).collect();
    assert_eq!(
        names,
        [
            "smallint",
            "integer",
            "bigint",
            "real",
            "double precision",
            "numeric",
            "text",
            "boolean",
            "date",
            "timestamp without time zone",
            "timestamp with time zone",
            "bytea",
            "integer[]",
        ]
    );
}

/// pg_catalog's name, oid and "char" columns reach clients as PostgreSQL types them, in both
/// formats, through aliases, joins and a count of no column at all.
#[tokio::test]
async fn catalog_columns_are_name_oid_and_char_on_the_wire() {
    let (_server, client) = serve_types_table().await;
    let sql = "select c.oid as id, c.relname, c.relkind, n.nspname as schema, c.relchecks \
               from pg_catalog.pg_class c \
               left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = 1 \
               join pg_catalog.pg_namespace n on n.oid = c.relnamespace \
               where n.nspname = 'types'";
    let statement = client.prepare(sql).await.expect("describe");
    let types: Vec<&Type> = statement.columns().iter().map(|c| c.type_()).collect();
    assert_eq!(
        types,
        [
            &Type::OID,
            &Type::NAME,
            &Type::CHAR,
            &Type::NAME,
            &Type::INT2
        ]
    );
    // Binary: the oid as four bytes, name and "char" as their text.
    let row = client.query_one(&statement, &[]).await.expect("binary");
    assert!(row.get::<_, u32>(0) > 0);
    assert_eq!(row.get::<_, String>(1), "every");
    assert_eq!(row.get::<_, i8>(2), b'r' as i8);
    assert_eq!(row.get::<_, String>(3), "types");
    // Text (the simple query's types are checked by the tool corpus's psycopg replay).
    let rows = text_rows(&client.simple_query(sql).await.expect("simple"));
    let text: Vec<Option<&str>> = rows[0][1..4].iter().map(Option::as_deref).collect();
    assert_eq!(text, [Some("every"), Some("r"), Some("types")]);
    let count = client
        .query_one("select count(*) from pg_catalog.pg_attribute", &[])
        .await
        .expect("a count of no column");
    assert!(count.get::<_, i64>(0) > 0);
}

/// PostgreSQL answers who and where the client is, a table's owner and a cast to `name` with
/// names (pgJDBC's getTables and getColumns read `current_database()` so), clipped to 63
/// bytes of whole characters. DuckDB's result types cannot say name, so its answers are
/// the same text.
#[tokio::test]
async fn identities_and_casts_to_name_are_names() {
    let (_server, client) = serve_types_table().await;
    let sql = "select current_database(), current_user, current_catalog, \
               pg_catalog.pg_get_userbyid(c.relowner), repeat('é', 40)::name, \
               CAST(12 AS pg_catalog.name), current_user || '!' \
               from pg_catalog.pg_class c where c.relname = 'every'";
    let statement = client.prepare(sql).await.expect("describe");
    let types: Vec<&Type> = statement.columns().iter().map(|c| c.type_()).collect();
    assert_eq!(types[..6], [&Type::NAME; 6]);
    assert_eq!(types[6], &Type::TEXT);
    let row = client.query_one(&statement, &[]).await.expect("binary");
    assert_eq!(row.get::<_, String>(4), "é".repeat(31));
    assert_eq!(row.get::<_, String>(5), "12");
    // A name constant and a text one for the same value are one value: DataFusion folded the
    // name into a constant it took for another, and each filter answered no row.
    for filter in [
        "select count(*) from pg_catalog.pg_class where relname = 'every'::name \
         and relname = 'every'",
        "select count(*) from (values ('tester'), ('other')) t(u) \
         where u = current_user and u = 'tester'",
        "select count(*) from information_schema.tables \
         where table_catalog = current_database() and table_name = 'every'",
    ] {
        let count: i64 = client.query_one(filter, &[]).await.expect(filter).get(0);
        assert_eq!(count, 1, "{filter}");
    }
    use_engine(&client, "duckdb").await;
    let row = client
        .query_one("select repeat('é', 40)::name, current_user", &[])
        .await
        .expect("duckdb");
    assert_eq!(row.get::<_, String>(0), "é".repeat(31));
    assert_eq!(row.get::<_, String>(1), "tester");
}

/// A navigator reads the schemas, then their tables by the schema's OID, and a table's
/// columns in between: reading pg_attribute must not renumber the schemas
/// (vendor/datafusion-pg-catalog/JUNCTION.md).
#[tokio::test]
async fn schema_oids_stay_the_same_after_columns_are_read() {
    let (_server, client) = serve_types_table().await;
    let schema_oid = "select oid::int8 from pg_catalog.pg_namespace where nspname = 'types'";
    let before: i64 = client
        .query_one(schema_oid, &[])
        .await
        .expect("pg_namespace")
        .get(0);
    client
        .query("select attname from pg_catalog.pg_attribute", &[])
        .await
        .expect("pg_attribute");
    let after: i64 = client
        .query_one(schema_oid, &[])
        .await
        .expect("pg_namespace")
        .get(0);
    assert_eq!(after, before);
    let tables = client
        .query(
            &format!("select relname from pg_catalog.pg_class where relnamespace = {before}"),
            &[],
        )
        .await
        .expect("pg_class by the schema's OID");
    assert_eq!(tables.len(), 1);
}

/// Client catalog queries read subqueries over column defaults and sequences as NULL
/// (gateway/src/compat/subqueries.rs): true only while these tables stay empty.
#[tokio::test]
async fn the_catalog_has_no_column_defaults_or_sequences() {
    let server = Server::start();
    let client = server.connect().await;
    for table in ["pg_catalog.pg_attrdef", "pg_catalog.pg_sequence"] {
        let row = client
            .query_one(&format!("select count(*) from {table}"), &[])
            .await
            .expect(table);
        assert_eq!(row.get::<_, i64>(0), 0, "{table}");
    }
}

/// A regtype in binary format: its OID.
struct RegtypeOid(u32);

impl<'a> tokio_postgres::types::FromSql<'a> for RegtypeOid {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Self(u32::from_be_bytes(raw.try_into()?)))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::REGTYPE
    }
}

/// `pg_typeof` names each column's type as the wire types it, as a regtype: the name in
/// text format, the OID in binary. DuckDB's would name DuckDB's types: DataFusion answers it
/// in `auto` and with the session pinned to DuckDB.
#[tokio::test]
async fn pg_typeof_is_the_wire_type_as_a_regtype() {
    let (_server, client) = serve_types_table().await;
    let columns = [
        ("i2", Type::INT2, "smallint"),
        ("i4", Type::INT4, "integer"),
        ("i8", Type::INT8, "bigint"),
        ("f4", Type::FLOAT4, "real"),
        ("f8", Type::FLOAT8, "double precision"),
        ("num", Type::NUMERIC, "numeric"),
        ("txt", Type::TEXT, "text"),
        ("flag", Type::BOOL, "boolean"),
        ("day", Type::DATE, "date"),
        ("at", Type::TIMESTAMP, "timestamp without time zone"),
        ("at_tz", Type::TIMESTAMPTZ, "timestamp with time zone"),
        ("raw", Type::BYTEA, "bytea"),
        ("ints", Type::INT4_ARRAY, "integer[]"),
    ];
    let calls: Vec<String> = columns
        .iter()
        .map(|(c, ..)| format!("pg_typeof({c})"))
        .chain(
            [
                "1",
                "-1",
                "3000000000",
                "1.5",
                "'x'",
                "NULL",
                "'x'::varchar(3)",
                "'{}'::jsonb",
            ]
            .map(|e| format!("pg_typeof({e})")),
        )
        .collect();
    let sql = format!("select {} from types.every", calls.join(", "));
    let literals = [
        ("integer", Type::INT4),
        ("integer", Type::INT4),
        ("bigint", Type::INT8),
        ("numeric", Type::NUMERIC),
        ("unknown", Type::UNKNOWN),
        ("unknown", Type::UNKNOWN),
        ("character varying", Type::VARCHAR),
        ("jsonb", Type::JSONB),
    ];
    let expected: Vec<(&str, u32)> = columns
        .iter()
        .map(|(_, ty, name)| (*name, ty.oid()))
        .chain(literals.iter().map(|(name, ty)| (*name, ty.oid())))
        .collect();

    for engine in ["auto", "datafusion"] {
        use_engine(&client, engine).await;
        let statement = client.prepare(&sql).await.expect("describe");
        assert!(statement
            .columns()
            .iter()
            .all(|c| *c.type_() == Type::REGTYPE));
        assert!(statement.columns().iter().all(|c| c.name() == "pg_typeof"));
        let rows = client.query(&statement, &[]).await.expect("binary");
        let oids: Vec<u32> = (0..expected.len())
            .map(|i| rows[0].get::<_, RegtypeOid>(i).0)
            .collect();
        assert_eq!(
            oids,
            expected.iter().map(|(_, oid)| *oid).collect::<Vec<_>>()
        );
        let text = text_rows(&client.simple_query(&sql).await.expect("text"));
        let names: Vec<Option<String>> = expected
            .iter()
            .map(|(name, _)| Some((*name).to_owned()))
            .collect();
        assert_eq!(text[0], names, "{engine}");
    }
    // DuckDB's own pg_typeof names DuckDB's types: pinned to DuckDB, DataFusion answers.
    use_engine(&client, "duckdb").await;
    let text = text_rows(&client.simple_query(&sql).await.expect("duckdb pinned"));
    let names: Vec<Option<String>> = expected
        .iter()
        .map(|(name, _)| Some((*name).to_owned()))
        .collect();
    assert_eq!(text[0], names, "duckdb pinned");
}

/// Arrays print their elements as PostgreSQL prints each alone (a timestamptz in the
/// session's zone, no `.000000`, an interval's words), quoted where the array syntax needs
/// it, on every engine. The answers are PostgreSQL 15's.
#[tokio::test]
async fn arrays_print_their_elements_as_postgresql_does() {
    let server = Server::start();
    let client = server.connect().await;
    let sql = "select array[timestamptz '2026-07-01 10:00:00+00', null], \
               array[timestamp '2026-07-01 10:00:00.5'], array[interval '1 day'], \
               array[time '10:00', time '10:00:01.25'], array[1.5::float8, 'Infinity'], \
               array['a b', 'c']";
    for (zone, first) in [
        ("UTC", "{\"2026-07-01 10:00:00+00\",NULL}"),
        ("Europe/Warsaw", "{\"2026-07-01 12:00:00+02\",NULL}"),
    ] {
        for engine in ["datafusion", "duckdb"] {
            client
                .batch_execute(&format!(
                    "SET TimeZone = '{zone}'; SET junction.engine = '{engine}'; \
                     SET junction.result_cache = off"
                ))
                .await
                .expect("session");
            let rows = client.simple_query(sql).await.expect(engine);
            let expected = [
                first,
                "{\"2026-07-01 10:00:00.5\"}",
                "{\"1 day\"}",
                "{10:00:00,10:00:01.25}",
                "{1.5,Infinity}",
                "{\"a b\",c}",
            ];
            assert_eq!(
                text_rows(&rows).concat(),
                expected.map(|v| Some(v.to_owned())),
                "{engine} in {zone}"
            );
        }
    }
}
