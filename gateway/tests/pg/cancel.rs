use std::time::Duration;

use tokio_postgres::NoTls;

use crate::server::Server;

#[tokio::test]
async fn cancel_request_stops_a_running_query() {
    let server = Server::start();
    let client = server.connect().await;
    let token = client.cancel_token();
    // A cross join big enough to run for minutes unless cancelled.
    let query = client.simple_query(
        "select count(*) from silver.vitals a, silver.vitals b where a.heart_rate + b.heart_rate = 7",
    );
    let canceller = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        token.cancel_query(NoTls).await.expect("send cancel");
    };
    let (result, ()) = tokio::join!(query, canceller);
    let err = result.expect_err("cancelled");
    assert_eq!(err.as_db_error().expect("db error").code().code(), "57014");
    let row = client
        .query_one("select 1", &[])
        .await
        .expect("usable after cancel");
    assert_eq!(row.get::<_, i64>(0), 1);
}
