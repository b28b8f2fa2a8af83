use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, RecordBatch};

use crate::server::{write_parquet, Server};

fn write_numbers(path: &std::path::Path, values: &[i32]) {
    let numbers: ArrayRef = Arc::new(Int32Array::from(values.to_vec()));
    let batch = RecordBatch::try_from_iter([("n", numbers)]).expect("batch");
    write_parquet(path, &batch);
}

#[tokio::test]
async fn tables_and_files_that_appear_are_seen_without_restart() {
    let server = Server::start();
    let client = server.connect().await;
    let dir = server.warehouse.join("extra/numbers");
    std::fs::create_dir_all(&dir).expect("mkdir");
    write_numbers(&dir.join("a.parquet"), &[1, 2, 3]);
    let row = client
        .query_one("select sum(n) from extra.numbers", &[])
        .await
        .expect("new table");
    assert_eq!(row.get::<_, i64>(0), 6);
    write_numbers(&dir.join("b.parquet"), &[10]);
    let row = client
        .query_one("select sum(n) from extra.numbers", &[])
        .await
        .expect("new file");
    assert_eq!(row.get::<_, i64>(0), 16);

    std::fs::write(
        server.warehouse.join("extra/wards.csv"),
        "ward,beds\nicu,12\ncardiology,30\n",
    )
    .expect("csv");
    let row = client
        .query_one("select beds from extra.wards where ward = 'icu'", &[])
        .await
        .expect("csv table");
    assert_eq!(row.get::<_, i64>(0), 12);
}
