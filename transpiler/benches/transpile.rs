//! Transpile time per query: parsing PostgreSQL's SQL and rendering it for each dialect, for
//! the 22 TPC-H queries of benches/queries/tpch, with the column types of the TPC-H schema
//! known to the rules as the router would supply them.
//!
//! `cargo bench -p junction-transpiler --bench transpile` prints p50 and p99 per query and
//! dialect (microseconds), over `JUNCTION_BENCH_RUNS` runs each (default 2000).

use std::path::Path;
use std::time::Instant;

use junction_transpiler::{parse, rewrite, Dialect, SqlType, TableTypes};

// The allocator the gateway runs the transpiler with (gateway/src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// TPC-H's columns, by the types the specification gives them.
fn tpch_types() -> TableTypes {
    use SqlType::*;
    let tables: &[(&str, &[(&str, SqlType)])] = &[
        (
            "region",
            &[("r_regionkey", Int8), ("r_name", Text), ("r_comment", Text)],
        ),
        (
            "nation",
            &[
                ("n_nationkey", Int8),
                ("n_name", Text),
                ("n_regionkey", Int8),
                ("n_comment", Text),
            ],
        ),
        (
            "supplier",
            &[
                ("s_suppkey", Int8),
                ("s_name", Text),
                ("s_address", Text),
                ("s_nationkey", Int8),
                ("s_phone", Text),
                ("s_acctbal", Numeric),
                ("s_comment", Text),
            ],
        ),
        (
            "customer",
            &[
                ("c_custkey", Int8),
                ("c_name", Text),
                ("c_address", Text),
                ("c_nationkey", Int8),
                ("c_phone", Text),
                ("c_acctbal", Numeric),
                ("c_mktsegment", Text),
                ("c_comment", Text),
            ],
        ),
        (
            "part",
            &[
                ("p_partkey", Int8),
                ("p_name", Text),
                ("p_mfgr", Text),
                ("p_brand", Text),
                ("p_type", Text),
                ("p_size", Int4),
                ("p_container", Text),
                ("p_retailprice", Numeric),
                ("p_comment", Text),
            ],
        ),
        (
            "partsupp",
            &[
                ("ps_partkey", Int8),
                ("ps_suppkey", Int8),
                ("ps_availqty", Int4),
                ("ps_supplycost", Numeric),
                ("ps_comment", Text),
            ],
        ),
        (
            "orders",
            &[
                ("o_orderkey", Int8),
                ("o_custkey", Int8),
                ("o_orderstatus", Text),
                ("o_totalprice", Numeric),
                ("o_orderdate", Date),
                ("o_orderpriority", Text),
                ("o_clerk", Text),
                ("o_shippriority", Int4),
                ("o_comment", Text),
            ],
        ),
        (
            "lineitem",
            &[
                ("l_orderkey", Int8),
                ("l_partkey", Int8),
                ("l_suppkey", Int8),
                ("l_linenumber", Int4),
                ("l_quantity", Numeric),
                ("l_extendedprice", Numeric),
                ("l_discount", Numeric),
                ("l_tax", Numeric),
                ("l_returnflag", Text),
                ("l_linestatus", Text),
                ("l_shipdate", Date),
                ("l_commitdate", Date),
                ("l_receiptdate", Date),
                ("l_shipinstruct", Text),
                ("l_shipmode", Text),
                ("l_comment", Text),
            ],
        ),
    ];
    let mut types = TableTypes::default();
    for (table, columns) in tables {
        types.insert(
            vec!["tpch".to_owned(), (*table).to_owned()],
            columns.iter().map(|(c, t)| ((*c).to_owned(), *t)).collect(),
        );
    }
    types
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() {
    let runs: usize = std::env::var("JUNCTION_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2000)
        .max(1);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/queries/tpch");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let types = tpch_types();
    println!(
        "| query | dialect | parse p50 / p99 µs | transpile (rewrite + to_string) | of which to_string | parse + transpile |"
    );
    println!("|---|---|---|---|---|---|");
    const DIALECTS: [Dialect; 3] = [Dialect::DataFusion, Dialect::DuckDb, Dialect::Trino];
    let queries: Vec<(String, String)> = files
        .iter()
        .map(|file| {
            // Q11's threshold is 0.0001 / SF (benches/src/queries.rs); SF 1 here.
            let sql = std::fs::read_to_string(file)
                .expect("query file")
                .replace("{fraction}", "0.0001");
            let name = file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            (name.to_owned(), sql)
        })
        .collect();
    // Phase times per (query, dialect). The runs go round-robin over all of them, so that a
    // pause of this VM's host lands on many queries a little, not on one query a lot.
    let mut times = vec![[const { Vec::new() }; 4]; queries.len() * DIALECTS.len()];
    for _ in 0..runs {
        for (q, (_, sql)) in queries.iter().enumerate() {
            for (d, dialect) in DIALECTS.into_iter().enumerate() {
                let started = Instant::now();
                let statements = parse(sql).expect("TPC-H parses");
                let parsed = Instant::now();
                let mut rewritten = Vec::with_capacity(statements.len());
                for statement in &statements {
                    let mut statement = statement.clone();
                    rewrite(&mut statement, dialect, &types).expect("rewrites");
                    rewritten.push(statement);
                }
                let rewritten_at = Instant::now();
                for statement in &rewritten {
                    std::hint::black_box(statement.to_string());
                }
                let done = Instant::now();
                let micros = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1e6;
                let phases = &mut times[q * DIALECTS.len() + d];
                phases[0].push(micros(started, parsed));
                phases[1].push(micros(parsed, done));
                phases[2].push(micros(rewritten_at, done));
                phases[3].push(micros(started, done));
            }
        }
    }
    let mut worst: f64 = 0.0;
    let mut worst_transpile: f64 = 0.0;
    let mut transpile_medians = Vec::new();
    for (i, phases) in times.into_iter().enumerate() {
        let (name, dialect) = (&queries[i / DIALECTS.len()].0, DIALECTS[i % DIALECTS.len()]);
        let [parse_p, transpile_p, render_p, total_p] = phases.map(|mut times| {
            times.sort_by(f64::total_cmp);
            (percentile(&times, 0.5), percentile(&times, 0.99))
        });
        worst = worst.max(total_p.1);
        worst_transpile = worst_transpile.max(transpile_p.1);
        transpile_medians.push(transpile_p.0);
        println!(
            "| {name} | {dialect} | {:.1} / {:.1} | {:.1} / {:.1} | {:.1} / {:.1} | {:.1} / {:.1} |",
            parse_p.0, parse_p.1, transpile_p.0, transpile_p.1, render_p.0, render_p.1, total_p.0,
            total_p.1
        );
    }
    transpile_medians.sort_by(f64::total_cmp);
    println!(
        "\nmedian over queries and dialects of the transpile p50: {:.1} µs",
        percentile(&transpile_medians, 0.5)
    );
    println!(
        "worst p99 over {runs} runs per query and dialect: transpile {worst_transpile:.1} µs, \
         parse + transpile {worst:.1} µs"
    );
}
