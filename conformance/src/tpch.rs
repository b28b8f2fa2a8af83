//! TPC-H tables from the `tpchgen` crate, written into a warehouse twice: as Parquet folders
//! (`tpch/<table>/`) and as Delta tables (`tpch_delta/<table>/`).
//!
//! tpchgen yields rows; the Arrow batches are built here (tpchgen-arrow has no arrow-58
//! release). Column types follow the TPC-H specification: identifiers int8, money and
//! quantities decimal(15,2), dates date, text as text.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Date32Array, Decimal128Array, Int32Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use deltalake::DeltaTable;
use parquet::arrow::ArrowWriter;
use tpchgen::dates::TPCHDate;
use tpchgen::decimal::TPCHDecimal;
use tpchgen::generators::{
    CustomerGenerator, LineItemGenerator, NationGenerator, OrderGenerator, PartGenerator,
    PartSuppGenerator, RegionGenerator, SupplierGenerator,
};

/// Rows per batch, per Parquet file and per Delta commit.
const CHUNK: usize = 1 << 20;

/// Where the Parquet and the Delta copies live inside the warehouse.
pub const PARQUET_SCHEMA: &str = "tpch";
pub const DELTA_SCHEMA: &str = "tpch_delta";

/// Marks a finished generation: `sf` it was made at. A run that stopped half-way leaves none.
const DONE_MARKER: &str = ".tpch-sf";

/// Writes TPC-H at `sf` into `warehouse` unless a finished copy at that scale is there.
pub async fn ensure(warehouse: &Path, sf: f64) -> Result<(), String> {
    let marker = warehouse.join(DONE_MARKER);
    if std::fs::read_to_string(&marker).is_ok_and(|done| done.trim() == sf.to_string()) {
        eprintln!("TPC-H SF{sf} already in {}", warehouse.display());
        return Ok(());
    }
    for schema in [PARQUET_SCHEMA, DELTA_SCHEMA] {
        let dir = warehouse.join(schema);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
    }
    let mut writer = Writer { warehouse };
    let started = std::time::Instant::now();
    writer
        .table(
            "region",
            region_schema(),
            chunks(RegionGenerator::new(sf, 1, 1).iter()),
            |rows| {
                vec![
                    i64s(rows, |r| r.r_regionkey),
                    texts(rows, |r| r.r_name),
                    texts(rows, |r| r.r_comment),
                ]
            },
        )
        .await?;
    writer
        .table(
            "nation",
            nation_schema(),
            chunks(NationGenerator::new(sf, 1, 1).iter()),
            |rows| {
                vec![
                    i64s(rows, |r| r.n_nationkey),
                    texts(rows, |r| r.n_name),
                    i64s(rows, |r| r.n_regionkey),
                    texts(rows, |r| r.n_comment),
                ]
            },
        )
        .await?;
    writer
        .table(
            "supplier",
            supplier_schema(),
            chunks(SupplierGenerator::new(sf, 1, 1).iter()),
            |rows| {
                vec![
                    i64s(rows, |r| r.s_suppkey),
                    texts(rows, |r| r.s_name.to_string()),
                    texts(rows, |r| r.s_address.to_string()),
                    i64s(rows, |r| r.s_nationkey),
                    texts(rows, |r| r.s_phone.to_string()),
                    decimals(rows, |r| r.s_acctbal),
                    texts(rows, |r| r.s_comment.clone()),
                ]
            },
        )
        .await?;
    writer
        .table(
            "customer",
            customer_schema(),
            chunks(CustomerGenerator::new(sf, 1, 1).iter()),
            |rows| {
                vec![
                    i64s(rows, |r| r.c_custkey),
                    texts(rows, |r| r.c_name.to_string()),
                    texts(rows, |r| r.c_address.to_string()),
                    i64s(rows, |r| r.c_nationkey),
                    texts(rows, |r| r.c_phone.to_string()),
                    decimals(rows, |r| r.c_acctbal),
                    texts(rows, |r| r.c_mktsegment),
                    texts(rows, |r| r.c_comment),
                ]
            },
        )
        .await?;
    writer
        .table(
            "part",
            part_schema(),
            chunks(PartGenerator::new(sf, 1, 1).iter()),
            |rows| {
                vec![
                    i64s(rows, |r| r.p_partkey),
                    texts(rows, |r| r.p_name.to_string()),
                    texts(rows, |r| r.p_mfgr.to_string()),
                    texts(rows, |r| r.p_brand.to_string()),
                    texts(rows, |r| r.p_type),
                    i32s(rows, |r| r.p_size),
                    texts(rows, |r| r.p_container),
                    decimals(rows, |r| r.p_retailprice),
                    texts(rows, |r| r.p_comment),
                ]
            },
        )
        .await?;
    writer
        .table(
            "partsupp",
            partsupp_schema(),
            chunks(PartSuppGenerator::new(sf, 1, 1).iter()),
            |rows| {
                vec![
                    i64s(rows, |r| r.ps_partkey),
                    i64s(rows, |r| r.ps_suppkey),
                    i32s(rows, |r| r.ps_availqty),
                    decimals(rows, |r| r.ps_supplycost),
                    texts(rows, |r| r.ps_comment),
                ]
            },
        )
        .await?;
    writer
        .table(
            "orders",
            orders_schema(),
            chunks(OrderGenerator::new(sf, 1, 1).iter()),
            |rows| {
                vec![
                    i64s(rows, |r| r.o_orderkey),
                    i64s(rows, |r| r.o_custkey),
                    texts(rows, |r| r.o_orderstatus.as_str()),
                    decimals(rows, |r| r.o_totalprice),
                    dates(rows, |r| r.o_orderdate),
                    texts(rows, |r| r.o_orderpriority),
                    texts(rows, |r| r.o_clerk.to_string()),
                    i32s(rows, |r| r.o_shippriority),
                    texts(rows, |r| r.o_comment),
                ]
            },
        )
        .await?;
    writer
        .table(
            "lineitem",
            lineitem_schema(),
            chunks(LineItemGenerator::new(sf, 1, 1).iter()),
            |rows| {
                vec![
                    i64s(rows, |r| r.l_orderkey),
                    i64s(rows, |r| r.l_partkey),
                    i64s(rows, |r| r.l_suppkey),
                    i32s(rows, |r| r.l_linenumber),
                    // tpchgen counts whole units; the specification's type is decimal.
                    decimals(rows, |r| TPCHDecimal(r.l_quantity * 100)),
                    decimals(rows, |r| r.l_extendedprice),
                    decimals(rows, |r| r.l_discount),
                    decimals(rows, |r| r.l_tax),
                    texts(rows, |r| r.l_returnflag),
                    texts(rows, |r| r.l_linestatus),
                    dates(rows, |r| r.l_shipdate),
                    dates(rows, |r| r.l_commitdate),
                    dates(rows, |r| r.l_receiptdate),
                    texts(rows, |r| r.l_shipinstruct),
                    texts(rows, |r| r.l_shipmode),
                    texts(rows, |r| r.l_comment),
                ]
            },
        )
        .await?;
    std::fs::write(&marker, sf.to_string()).map_err(|e| format!("{}: {e}", marker.display()))?;
    eprintln!(
        "TPC-H SF{sf} written to {} in {:.1} s",
        warehouse.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `rows` in vectors of [`CHUNK`] rows.
fn chunks<R>(mut rows: impl Iterator<Item = R>) -> impl Iterator<Item = Vec<R>> {
    std::iter::from_fn(move || {
        let chunk: Vec<R> = rows.by_ref().take(CHUNK).collect();
        (!chunk.is_empty()).then_some(chunk)
    })
}

struct Writer<'a> {
    warehouse: &'a Path,
}

impl Writer<'_> {
    /// Writes one table's chunks as `part-N.parquet` files and as one Delta commit each.
    async fn table<R>(
        &mut self,
        name: &str,
        schema: SchemaRef,
        chunks: impl Iterator<Item = Vec<R>>,
        columns: impl Fn(&[R]) -> Vec<ArrayRef>,
    ) -> Result<(), String> {
        let err = |e: &dyn std::fmt::Display| format!("writing {name}: {e}");
        let parquet_dir = self.warehouse.join(PARQUET_SCHEMA).join(name);
        let delta_dir = self.warehouse.join(DELTA_SCHEMA).join(name);
        std::fs::create_dir_all(&parquet_dir).map_err(|e| err(&e))?;
        std::fs::create_dir_all(&delta_dir).map_err(|e| err(&e))?;
        let url = url::Url::from_directory_path(&delta_dir)
            .map_err(|()| err(&"the warehouse path must be absolute"))?;
        let mut rows = 0;
        for (i, chunk) in chunks.enumerate() {
            let batch =
                RecordBatch::try_new(Arc::clone(&schema), columns(&chunk)).map_err(|e| err(&e))?;
            rows += batch.num_rows();
            let file = std::fs::File::create(parquet_dir.join(format!("part-{i}.parquet")))
                .map_err(|e| err(&e))?;
            let mut parquet =
                ArrowWriter::try_new(file, Arc::clone(&schema), None).map_err(|e| err(&e))?;
            parquet.write(&batch).map_err(|e| err(&e))?;
            parquet.close().map_err(|e| err(&e))?;
            DeltaTable::try_from_url(url.clone())
                .await
                .map_err(|e| err(&e))?
                .write(vec![batch])
                .with_save_mode(deltalake::protocol::SaveMode::Append)
                .await
                .map_err(|e| err(&e))?;
        }
        eprintln!("  {name}: {rows} rows");
        Ok(())
    }
}

fn i64s<R>(rows: &[R], f: impl Fn(&R) -> i64) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(rows.iter().map(f)))
}

fn i32s<R>(rows: &[R], f: impl Fn(&R) -> i32) -> ArrayRef {
    Arc::new(Int32Array::from_iter_values(rows.iter().map(f)))
}

fn decimals<R>(rows: &[R], f: impl Fn(&R) -> TPCHDecimal) -> ArrayRef {
    let values = Decimal128Array::from_iter_values(rows.iter().map(|r| i128::from(f(r).0)));
    Arc::new(values.with_data_type(MONEY))
}

fn dates<R>(rows: &[R], f: impl Fn(&R) -> TPCHDate) -> ArrayRef {
    Arc::new(Date32Array::from_iter_values(
        rows.iter()
            .map(|r| f(r).into_inner() + TPCHDate::UNIX_EPOCH_OFFSET),
    ))
}

fn texts<R, S: AsRef<str>>(rows: &[R], f: impl Fn(&R) -> S) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
}

fn schema(columns: &[(&str, DataType)]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, ty)| Field::new(*name, ty.clone(), false))
            .collect::<Vec<_>>(),
    ))
}

const KEY: DataType = DataType::Int64;
const INT: DataType = DataType::Int32;
const MONEY: DataType = DataType::Decimal128(15, 2);
const DATE: DataType = DataType::Date32;
const TEXT: DataType = DataType::Utf8;

fn region_schema() -> SchemaRef {
    schema(&[("r_regionkey", KEY), ("r_name", TEXT), ("r_comment", TEXT)])
}

fn nation_schema() -> SchemaRef {
    schema(&[
        ("n_nationkey", KEY),
        ("n_name", TEXT),
        ("n_regionkey", KEY),
        ("n_comment", TEXT),
    ])
}

fn supplier_schema() -> SchemaRef {
    schema(&[
        ("s_suppkey", KEY),
        ("s_name", TEXT),
        ("s_address", TEXT),
        ("s_nationkey", KEY),
        ("s_phone", TEXT),
        ("s_acctbal", MONEY),
        ("s_comment", TEXT),
    ])
}

fn customer_schema() -> SchemaRef {
    schema(&[
        ("c_custkey", KEY),
        ("c_name", TEXT),
        ("c_address", TEXT),
        ("c_nationkey", KEY),
        ("c_phone", TEXT),
        ("c_acctbal", MONEY),
        ("c_mktsegment", TEXT),
        ("c_comment", TEXT),
    ])
}

fn part_schema() -> SchemaRef {
    schema(&[
        ("p_partkey", KEY),
        ("p_name", TEXT),
        ("p_mfgr", TEXT),
        ("p_brand", TEXT),
        ("p_type", TEXT),
        ("p_size", INT),
        ("p_container", TEXT),
        ("p_retailprice", MONEY),
        ("p_comment", TEXT),
    ])
}

fn partsupp_schema() -> SchemaRef {
    schema(&[
        ("ps_partkey", KEY),
        ("ps_suppkey", KEY),
        ("ps_availqty", INT),
        ("ps_supplycost", MONEY),
        ("ps_comment", TEXT),
    ])
}

fn orders_schema() -> SchemaRef {
    schema(&[
        ("o_orderkey", KEY),
        ("o_custkey", KEY),
        ("o_orderstatus", TEXT),
        ("o_totalprice", MONEY),
        ("o_orderdate", DATE),
        ("o_orderpriority", TEXT),
        ("o_clerk", TEXT),
        ("o_shippriority", INT),
        ("o_comment", TEXT),
    ])
}

fn lineitem_schema() -> SchemaRef {
    schema(&[
        ("l_orderkey", KEY),
        ("l_partkey", KEY),
        ("l_suppkey", KEY),
        ("l_linenumber", INT),
        ("l_quantity", MONEY),
        ("l_extendedprice", MONEY),
        ("l_discount", MONEY),
        ("l_tax", MONEY),
        ("l_returnflag", TEXT),
        ("l_linestatus", TEXT),
        ("l_shipdate", DATE),
        ("l_commitdate", DATE),
        ("l_receiptdate", DATE),
        ("l_shipinstruct", TEXT),
        ("l_shipmode", TEXT),
        ("l_comment", TEXT),
    ])
}
