use crate::server::{text_rows as rows, Server};

#[tokio::test]
async fn the_readme_query_answers() {
    let server = Server::start();
    let client = server.connect().await;
    let messages = client
        .simple_query(
            "select ward, count(*) from silver.vitals join silver.patients using (patient_id) group by 1 order by 1",
        )
        .await
        .expect("query");
    let rows = rows(&messages);
    assert!(!rows.is_empty());
    let total: i64 = rows
        .iter()
        .map(|r| {
            r[1].as_deref()
                .expect("count")
                .parse::<i64>()
                .expect("number")
        })
        .sum();
    // 10 patients, one reading a minute for a day, less events dropped for lack of a timestamp.
    assert!((14_300..=14_400).contains(&total), "{total} readings");
}

#[tokio::test]
async fn several_statements_in_one_message() {
    let server = Server::start();
    let client = server.connect().await;
    let messages = client
        .simple_query("set search_path = silver; select count(*) from patients; select 2 as two")
        .await
        .expect("query");
    assert_eq!(
        rows(&messages),
        vec![vec![Some("10".to_owned())], vec![Some("2".to_owned())]]
    );
}

#[tokio::test]
async fn identity_functions_follow_the_session() {
    let server = Server::start();
    let client = server.connect().await;
    let row = client
        .query_one(
            "select version(), current_database(), current_schema(), pg_backend_pid()",
            &[],
        )
        .await
        .expect("query");
    let version: String = row.get(0);
    assert!(
        version.starts_with("PostgreSQL 15.0 (junction "),
        "{version}"
    );
    assert_eq!(row.get::<_, String>(1), "warehouse");
    // Neither "$user" nor public exist in the demo warehouse: PostgreSQL answers NULL.
    assert_eq!(row.get::<_, Option<String>>(2), None);
    let pid = row.get::<_, i32>(3);
    assert!(pid > 0);

    // Who and where the client is are the session's on every engine, under PostgreSQL's
    // column names.
    let identity = "select current_user, session_user, user, current_role, current_catalog, \
                    current_database(), pg_backend_pid()";
    for engine in ["datafusion", "duckdb"] {
        client
            .batch_execute(&format!("set junction.engine = '{engine}'"))
            .await
            .expect("engine");
        let row = client.query_one(identity, &[]).await.expect(engine);
        let names: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "current_user",
                "session_user",
                "user",
                "current_role",
                "current_catalog",
                "current_database",
                "pg_backend_pid"
            ],
            "{engine}"
        );
        for i in 0..4 {
            assert_eq!(row.get::<_, String>(i), "tester", "{engine}");
        }
        assert_eq!(row.get::<_, String>(4), "warehouse", "{engine}");
        assert_eq!(row.get::<_, String>(5), "warehouse", "{engine}");
        assert_eq!(row.get::<_, i32>(6), pid, "{engine}");
    }
    // DuckDB's schemas are its own: pinned to DuckDB, current_schema is the warehouse's still
    // (SQLAlchemy asks it on connecting), answered by DataFusion, and so is search_path's.
    let row = client
        .query_one("select current_schema(), current_schemas(false)", &[])
        .await
        .expect("current_schema with DuckDB pinned");
    assert_eq!(row.get::<_, Option<String>>(0), None);
    assert_eq!(row.get::<_, Vec<String>>(1), Vec::<String>::new());
    client
        .batch_execute("set search_path = gold, silver")
        .await
        .expect("search_path");
    let row = client
        .query_one("select current_schema()", &[])
        .await
        .expect("current_schema with DuckDB pinned");
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some("gold"));
    assert_eq!(
        client
            .query_one("show junction.last_engine", &[])
            .await
            .expect("last_engine")
            .get::<_, String>(0),
        "datafusion"
    );
}

#[tokio::test]
async fn session_controls() {
    let server = Server::start();
    let client = server.connect().await;
    let show = |sql: &'static str| {
        let client = &client;
        async move {
            let row = client.query_one(sql, &[]).await.expect(sql);
            row.get::<_, String>(0)
        }
    };
    assert_eq!(show("show junction.engine").await, "auto");
    assert_eq!(show("show junction.last_engine").await, "none");
    client
        .batch_execute("set junction.engine = 'DataFusion'")
        .await
        .expect("set");
    assert_eq!(show("show junction.engine").await, "datafusion");
    client
        .batch_execute("reset junction.engine")
        .await
        .expect("reset");
    assert_eq!(show("show junction.engine").await, "auto");
    let err = client
        .batch_execute("set junction.engine = 'nope'")
        .await
        .expect_err("unknown engine");
    let db = err.as_db_error().expect("db error");
    assert_eq!(db.code().code(), "22023");
    assert!(db.message().contains("datafusion"), "{}", db.message());
    client.batch_execute("select 1").await.expect("query");
    assert_eq!(show("show junction.last_engine").await, "datafusion");
    // SET, SHOW and BEGIN leave last_engine as it was.
    client
        .batch_execute("begin; set search_path = gold; commit")
        .await
        .expect("gateway-only");
    assert_eq!(show("show junction.last_engine").await, "datafusion");
    assert_eq!(show("show search_path").await, "gold");
}

#[tokio::test]
async fn each_table_format_reads() {
    let server = Server::start();
    let client = server.connect().await;
    for (table, min_rows) in [
        ("bronze.vitals_raw", 14_000),
        ("silver.vitals", 14_000),
        ("silver.patients", 10),
        ("silver.devices", 10),
        ("gold.vitals_hourly", 240),
    ] {
        let row = client
            .query_one(&format!("select count(*) from {table}"), &[])
            .await
            .expect(table);
        let count: i64 = row.get(0);
        assert!(count >= min_rows, "{table}: {count}");
    }
}

#[tokio::test]
async fn database_name_selects_the_catalog() {
    let server = Server::start();
    for database in ["junction", "postgres", "warehouse", "tester"] {
        let client = server.connect_to(database).await;
        let row = client
            .query_one("select current_database()", &[])
            .await
            .expect("query");
        assert_eq!(row.get::<_, String>(0), "warehouse", "database {database}");
    }
}
