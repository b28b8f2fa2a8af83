//! Prepared statements: their schemas, parameter binding through DoPut, and closing.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::DataType;
use prost::Message;
use tonic::Code;

use crate::client::{authenticated, fetch_info, int64s, status_of};
use crate::server::Server;

fn one_row(columns: Vec<(&str, arrow::array::ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).expect("a batch")
}

#[tokio::test]
async fn a_prepared_query_describes_itself_and_runs_with_bound_parameters() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let mut prepared = client
        .prepare(
            "select count(*) as n from silver.vitals where patient_id = $1 and quality = $2"
                .to_owned(),
            None,
        )
        .await
        .map_err(status_of)
        .expect("CreatePreparedStatement");
    let dataset = prepared.dataset_schema().expect("dataset schema").clone();
    assert_eq!(dataset.field(0).name(), "n");
    assert_eq!(dataset.field(0).data_type(), &DataType::Int64);
    let parameters = prepared
        .parameter_schema()
        .expect("parameter schema")
        .clone();
    assert_eq!(parameters.fields().len(), 2);
    assert_eq!(parameters.field(0).name(), "$1");
    assert_eq!(parameters.field(0).data_type(), &DataType::Int32);

    let mut counts = Vec::new();
    for patient in [1_i64, 2] {
        // An int8 value for an int4 parameter is cast, as pg drivers' values are.
        prepared
            .set_parameters(one_row(vec![
                ("p", Arc::new(Int64Array::from(vec![patient]))),
                ("q", Arc::new(StringArray::from(vec!["ok"]))),
            ]))
            .expect("set");
        let info = prepared
            .execute()
            .await
            .map_err(status_of)
            .expect("execute");
        counts.extend(int64s(&fetch_info(&mut client, info).await.expect("DoGet")));
    }
    assert_eq!(counts.len(), 2);
    assert!(counts.iter().all(|&n| n > 1000), "{counts:?}");
    prepared.close().await.map_err(status_of).expect("close");
}

#[tokio::test]
async fn wrong_bindings_are_invalid_arguments_and_the_statement_stays_usable() {
    let server = Server::start();
    let mut client = authenticated(&server, "alice").await;
    let mut prepared = client
        .prepare(
            "select count(*) as n from silver.patients where patient_id = $1".to_owned(),
            None,
        )
        .await
        .map_err(status_of)
        .expect("prepare");

    let err = prepared
        .execute()
        .await
        .map_err(status_of)
        .expect_err("unbound");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("none were bound"), "{err}");

    prepared
        .set_parameters(one_row(vec![
            ("a", Arc::new(Int32Array::from(vec![1]))),
            ("b", Arc::new(Int32Array::from(vec![2]))),
        ]))
        .expect("set");
    let err = prepared
        .execute()
        .await
        .map_err(status_of)
        .expect_err("two for one");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("1 parameter, but 2 values"), "{err}");

    // A million rows: refused at the second, however much more the client sends.
    let many = RecordBatch::try_from_iter(vec![(
        "a",
        Arc::new(Int32Array::from_iter_values(0..1_000_000)) as ArrayRef,
    )])
    .expect("batch");
    prepared.set_parameters(many).expect("set");
    let err = prepared
        .execute()
        .await
        .map_err(status_of)
        .expect_err("many for one");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("more than one row"), "{err}");

    prepared
        .set_parameters(one_row(vec![("a", Arc::new(StringArray::from(vec!["x"])))]))
        .expect("set");
    let err = prepared
        .execute()
        .await
        .map_err(status_of)
        .expect_err("text for int4");
    assert_eq!(err.code(), Code::InvalidArgument);

    prepared
        .set_parameters(one_row(vec![("a", Arc::new(Int32Array::from(vec![3])))]))
        .expect("set");
    let info = prepared.execute().await.map_err(status_of).expect("fits");
    let batches = fetch_info(&mut client, info).await.expect("DoGet");
    assert_eq!(int64s(&batches), [1], "patient 3 exists once");
}

#[tokio::test]
async fn a_closed_or_foreign_prepared_statement_is_not_found() {
    let server = Server::start();
    let mut alice = authenticated(&server, "alice").await;
    let mut bob = authenticated(&server, "bob").await;
    let handle = prepared_handle(&mut alice).await;
    let get_info = |client: &mut crate::client::Client| {
        let cmd = arrow_flight::sql::CommandPreparedStatementQuery {
            prepared_statement_handle: handle.clone(),
        };
        let descriptor = arrow_flight::FlightDescriptor::new_cmd(prost::Message::encode_to_vec(
            &arrow_flight::sql::ProstMessageExt::as_any(&cmd),
        ));
        let mut request = tonic::Request::new(descriptor);
        let token = client.token().expect("token").clone();
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("ascii"),
        );
        let mut inner = client.inner().clone();
        async move { inner.get_flight_info(request).await }
    };
    get_info(&mut alice).await.expect("alice's own statement");
    let err = get_info(&mut bob).await.expect_err("alice's statement");
    assert_eq!(err.code(), Code::NotFound, "{err}");

    let close = arrow_flight::Action {
        r#type: "ClosePreparedStatement".to_owned(),
        body: arrow_flight::sql::ProstMessageExt::as_any(
            &arrow_flight::sql::ActionClosePreparedStatementRequest {
                prepared_statement_handle: handle.clone(),
            },
        )
        .encode_to_vec()
        .into(),
    };
    alice
        .do_action(close)
        .await
        .map_err(status_of)
        .expect("close");
    let err = get_info(&mut alice).await.expect_err("closed");
    assert_eq!(err.code(), Code::NotFound, "{err}");
}

/// The handle of a fresh prepared statement of `client` (made through the raw action, as
/// the typed client keeps handles private).
async fn prepared_handle(client: &mut crate::client::Client) -> bytes::Bytes {
    use arrow_flight::sql::{ActionCreatePreparedStatementRequest, Any, ProstMessageExt};
    use futures::TryStreamExt;

    let action = arrow_flight::Action {
        r#type: "CreatePreparedStatement".to_owned(),
        body: ActionCreatePreparedStatementRequest {
            query: "select 1".to_owned(),
            transaction_id: None,
        }
        .as_any()
        .encode_to_vec()
        .into(),
    };
    let results: Vec<arrow_flight::Result> = client
        .do_action(action)
        .await
        .map_err(status_of)
        .expect("create")
        .try_collect()
        .await
        .expect("results");
    let any = Any::decode(results[0].body.clone()).expect("an Any");
    any.unpack::<arrow_flight::sql::ActionCreatePreparedStatementResult>()
        .expect("the result")
        .expect("present")
        .prepared_statement_handle
}
