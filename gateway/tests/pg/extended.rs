use futures::{pin_mut, TryStreamExt};
use tokio_postgres::types::Type;

use crate::server::{use_engine, Server};

#[tokio::test]
async fn parameters_binary_results_and_types() {
    let server = Server::start();
    let client = server.connect().await;
    let statement = client
        .prepare("select patient_id, name, birth_date, admitted_at from silver.patients where patient_id = $1")
        .await
        .expect("prepare");
    assert_eq!(statement.params(), &[Type::INT4]);
    let columns: Vec<(&str, Type)> = statement
        .columns()
        .iter()
        .map(|c| (c.name(), c.type_().clone()))
        .collect();
    assert_eq!(
        columns,
        vec![
            ("patient_id", Type::INT4),
            ("name", Type::TEXT),
            ("birth_date", Type::DATE),
            ("admitted_at", Type::TIMESTAMP),
        ]
    );
    // tokio-postgres asks for binary results.
    let row = client.query_one(&statement, &[&3i32]).await.expect("query");
    assert_eq!(row.get::<_, i32>(0), 3);
    let _: chrono::NaiveDate = row.get(2);
    let _: chrono::NaiveDateTime = row.get(3);
}

#[tokio::test]
async fn result_types_cover_the_common_oids() {
    let server = Server::start();
    let client = server.connect().await;
    let row = client
        .query_one(
            "select 1::smallint, 2::int, 3::bigint, 1.5::real, 2.5::double precision, true, 'x'::text,
                    date '2026-01-02', timestamp '2026-01-02 03:04:05', cast(null as int)",
            &[],
        )
        .await
        .expect("query");
    let types: Vec<Type> = row.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(
        types,
        vec![
            Type::INT2,
            Type::INT4,
            Type::INT8,
            Type::FLOAT4,
            Type::FLOAT8,
            Type::BOOL,
            Type::TEXT,
            Type::DATE,
            Type::TIMESTAMP,
            Type::INT4
        ]
    );
    assert_eq!(row.get::<_, i16>(0), 1);
    assert_eq!(row.get::<_, i64>(2), 3);
    assert_eq!(row.get::<_, f64>(4), 2.5);
    assert!(row.get::<_, bool>(5));
    assert_eq!(row.get::<_, Option<i32>>(9), None);
}

#[tokio::test]
async fn portals_fetch_in_pieces() {
    let server = Server::start();
    let mut client = server.connect().await;
    let transaction = client.transaction().await.expect("begin");
    let statement = transaction
        .prepare("select reading_id from silver.vitals order by reading_id")
        .await
        .expect("prepare");
    let portal = transaction.bind(&statement, &[]).await.expect("bind");
    let first = transaction
        .query_portal(&portal, 100)
        .await
        .expect("first 100");
    let second = transaction
        .query_portal(&portal, 100)
        .await
        .expect("next 100");
    assert_eq!(first.len(), 100);
    assert_eq!(second.len(), 100);
    let last_of_first: i64 = first[99].get(0);
    let first_of_second: i64 = second[0].get(0);
    assert!(first_of_second > last_of_first);
    transaction.commit().await.expect("commit");
}

#[tokio::test]
async fn rows_stream_to_the_client() {
    let server = Server::start();
    let client = server.connect().await;
    let rows = client
        .query_raw(
            "select reading_id from silver.vitals",
            std::iter::empty::<i32>(),
        )
        .await
        .expect("query");
    pin_mut!(rows);
    let mut count = 0;
    while let Some(_row) = rows.try_next().await.expect("row") {
        count += 1;
    }
    assert!(count > 14_000);
}

/// A LIMIT or OFFSET parameter is bigint, as PostgreSQL describes it, on every engine: a
/// driver that binds by the described types sends an int8.
#[tokio::test]
async fn limit_and_offset_parameters_are_bigint() {
    let server = Server::start();
    let client = server.connect().await;
    let sql = "select patient_id from silver.patients order by 1 limit $1 offset $2";
    for engine in ["datafusion", "duckdb"] {
        use_engine(&client, engine).await;
        let statement = client.prepare(sql).await.expect("prepare");
        assert_eq!(statement.params(), [Type::INT8, Type::INT8], "{engine}");
        let rows = client
            .query(&statement, &[&2_i64, &1_i64])
            .await
            .expect("bound");
        let ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(ids, [2, 3], "{engine}");
    }
}

/// A parameter written with a cast has the cast's type, as PostgreSQL describes it: asyncpg
/// and tokio-postgres bind by the described type, and refused an integer for `$1::int8`
/// described as text.
#[tokio::test]
async fn a_cast_parameter_has_the_casts_type() {
    let server = Server::start();
    let client = server.connect().await;
    let sql = "select patient_id from silver.patients \
               where patient_id = $1::int8 and admitted_at < $2::timestamp and $3::bool";
    for engine in ["datafusion", "duckdb"] {
        use_engine(&client, engine).await;
        let statement = client.prepare(sql).await.expect("prepare");
        assert_eq!(
            statement.params(),
            [Type::INT8, Type::TIMESTAMP, Type::BOOL],
            "{engine}"
        );
        let before = chrono::NaiveDate::from_ymd_opt(2030, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("a date");
        let rows = client
            .query(&statement, &[&4_i64, &before, &true])
            .await
            .expect("bound");
        assert_eq!(rows.len(), 1, "{engine}");
        assert_eq!(rows[0].get::<_, i32>(0), 4, "{engine}");
    }
}

/// PostgreSQL names both columns of `SELECT *, ward` and of `SELECT id, id` as written; the
/// engines need them unique (DataFusion refused the second, and a catalog rewrite showed the
/// client `__alias_ward`).
#[tokio::test]
async fn a_column_selected_twice_keeps_its_name() {
    let server = Server::start();
    let client = server.connect().await;
    for engine in ["datafusion", "duckdb"] {
        use_engine(&client, engine).await;
        let row = client
            .query_one(
                "select *, ward from silver.patients where patient_id = 1",
                &[],
            )
            .await
            .expect(engine);
        let names: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "patient_id",
                "name",
                "birth_date",
                "sex",
                "ward",
                "admitted_at",
                "discharged_at",
                "ward"
            ],
            "{engine}"
        );
        assert_eq!(row.get::<_, String>(4), row.get::<_, String>(7), "{engine}");
        let row = client
            .query_one(
                "select patient_id, patient_id from silver.patients where patient_id = 1",
                &[],
            )
            .await
            .expect(engine);
        let names: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
        assert_eq!(names, ["patient_id", "patient_id"], "{engine}");
    }
}
