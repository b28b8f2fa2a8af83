use std::sync::Arc;

use arrow::array::{Int32Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};

use crate::server::Server;

fn write_parquet(path: &std::path::Path, values: &[i32]) {
    let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int32, false)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(Int32Array::from(values.to_vec()))],
    )
    .expect("batch");
    let file = std::fs::File::create(path).expect("create parquet");
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}

#[tokio::test]
async fn tables_and_files_that_appear_are_seen_without_restart() {
    let server = Server::start();
    let client = server.connect().await;
    let dir = server.warehouse.join("extra/numbers");
    std::fs::create_dir_all(&dir).expect("mkdir");
    write_parquet(&dir.join("a.parquet"), &[1, 2, 3]);
    let row = client
        .query_one("select sum(n) from extra.numbers", &[])
        .await
        .expect("new table");
    assert_eq!(row.get::<_, i64>(0), 6);
    write_parquet(&dir.join("b.parquet"), &[10]);
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
