//! `junction calibrate`: measures the router's cost model on this machine.
//!
//! Writes the demo warehouse twice into a temporary directory, small (10 patients, 1 day)
//! and large (by default 300 patients, 7 days), and times five statements on every engine,
//! in process, as the server runs them (routed, rewritten, the result drained batch by
//! batch; no wire): `SELECT 1` for the fixed cost; a global aggregate over the readings of
//! each warehouse, whose difference is the cost per MiB and whose rest the cost per table;
//! a join with a grouped aggregate and a sort for the operators; every reading for the cost
//! per row. Each figure is solved from the model's own formula (`router/src/cost.rs`), so the
//! model reproduces these timings.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use junction_catalogs::{Catalog, Catalogs, Storage, WarehouseCatalog};
use junction_engines::{Engine, NoServer, QueryContext};
use junction_router::{Choice, CostModel, EngineProfile, Router};

use crate::config::Config;
use crate::demo;

const SCAN: &str = "SELECT count(*), sum(heart_rate), avg(spo2) FROM silver.vitals";
const OPERATORS: &str = "SELECT p.ward, count(*), avg(v.heart_rate) FROM silver.vitals v \
     JOIN silver.patients p ON p.patient_id = v.patient_id GROUP BY p.ward ORDER BY p.ward";
const ROWS: &str = "SELECT * FROM silver.vitals";

/// The small warehouse, against which the large one's scan gives the cost per MiB.
fn small() -> demo::DemoSize {
    demo::DemoSize {
        patients: 10,
        days: 1,
        first_day: demo::fixed_first_day(),
    }
}

/// What one statement took on one engine (the median), and what the model sees of it.
struct Timed {
    took: Duration,
    tables: f64,
    mib: f64,
    operators: f64,
    rows: f64,
}

/// The five timings of one engine.
struct Timings {
    startup: Timed,
    small_scan: Timed,
    scan: Timed,
    operators: Timed,
    rows: Timed,
}

pub async fn run(
    config_path: Option<&Path>,
    out: &Path,
    runs: usize,
    size: demo::DemoSize,
) -> Result<(), String> {
    let config = match config_path {
        Some(path) => Config::load(path).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    let temp = tempfile::tempdir().map_err(|e| format!("a temporary directory: {e}"))?;
    let mut catalogs: Vec<Arc<dyn Catalog>> = Vec::new();
    for (name, size) in [("small", small()), ("large", size)] {
        let warehouse = temp.path().join(name);
        eprintln!(
            "junction: writing the demo warehouse ({} patients, {} days) to {}",
            size.patients,
            size.days,
            warehouse.display()
        );
        demo::write(&warehouse, size, false)
            .await
            .map_err(|e| e.to_string())?;
        catalogs.push(Arc::new(WarehouseCatalog::new(name, &warehouse)));
    }
    let catalogs = Catalogs::new(catalogs, "large").ok_or("no catalog")?;
    let storage = Storage::new(config.storage.s3.as_ref().map(|s3| s3.settings()));
    let engines = crate::engines(&catalogs, &storage, &config, Arc::new(NoServer))?.all;
    let router = Router::new(catalogs.clone(), engines.clone());
    let ctx = |catalog: &str| QueryContext {
        catalog: catalog.to_owned(),
        search_path: vec!["public".to_owned()],
        user: "calibrate".to_owned(),
        backend_pid: 0,
        catalogs: catalogs.clone(),
        settings: Vec::new(),
    };
    let (small, large) = (ctx("small"), ctx("large"));
    let mut model = CostModel::default();
    for engine in &engines {
        let timings = Timings {
            startup: timed(&router, &large, engine, "SELECT 1", runs).await?,
            small_scan: timed(&router, &small, engine, SCAN, runs).await?,
            scan: timed(&router, &large, engine, SCAN, runs).await?,
            operators: timed(&router, &large, engine, OPERATORS, runs).await?,
            rows: timed(&router, &large, engine, ROWS, runs).await?,
        };
        let t = &timings;
        eprintln!(
            "junction: {}: SELECT 1 {:?}; scan {:?} ({:.2} MiB) and {:?} ({:.1} MiB); join {:?}; \
             {} rows {:?}",
            engine.name(),
            t.startup.took,
            t.small_scan.took,
            t.small_scan.mib,
            t.scan.took,
            t.scan.mib,
            t.operators.took,
            t.rows.rows,
            t.rows.took
        );
        model
            .engine
            .insert(engine.name().to_owned(), solve(&timings));
    }
    let text = format!(
        "# The router's cost model, measured by `junction calibrate` on this machine\n\
         # (medians of {runs} runs). Load it with `[router] calibration = \"{}\"`.\n{}",
        out.display(),
        model.to_toml()
    );
    std::fs::write(out, text).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!("junction: wrote {}", out.display());
    Ok(())
}

/// Routes `sql` pinned to `engine` and runs it `runs` times after one warm-up run.
async fn timed(
    router: &Router,
    ctx: &QueryContext,
    engine: &Arc<dyn Engine>,
    sql: &str,
    runs: usize,
) -> Result<Timed, String> {
    let statement = junction_transpiler::parse(sql)
        .map_err(|e| e.to_string())?
        .pop()
        .ok_or("no statement")?;
    let mut times = Vec::with_capacity(runs);
    let mut seen = None;
    for run in 0..=runs.max(1) {
        let started = Instant::now();
        let route = router
            .route(ctx, &statement, Choice::Session(engine.name()))
            .await
            .map_err(|e| e.to_string())?;
        let mut stream = engine
            .execute(ctx, &route.statement, &route.types, &[])
            .await
            .map_err(|e| format!("{}: {e}", engine.name()))?;
        let mut rows = 0;
        while let Some(batch) = stream.next().await {
            rows += batch
                .map_err(|e| format!("{}: {e}", engine.name()))?
                .num_rows();
        }
        if run > 0 {
            times.push(started.elapsed());
        }
        let work = route.inputs.work;
        seen = Some((
            f64::from(work.tables),
            work.scan_bytes as f64 / (1024.0 * 1024.0),
            f64::from(work.shape.operators() + work.shape.subqueries),
            rows as f64,
        ));
    }
    times.sort();
    let (tables, mib, operators, rows) = seen.ok_or("no run")?;
    Ok(Timed {
        took: times[times.len() / 2],
        tables,
        mib,
        operators,
        rows,
    })
}

/// The profile under which the model's formula gives the measured times:
/// `startup + tables * table + mib * (scan + operators * operator) + rows * row`.
fn solve(t: &Timings) -> EngineProfile {
    let us = |t: &Timed| t.took.as_secs_f64() * 1e6;
    let startup_us = us(&t.startup);
    // The two scans differ only in size: their difference is the cost per MiB of a scan
    // with its operators (one aggregation), the rest of the small one the cost per table.
    let per_mib =
        ((us(&t.scan) - us(&t.small_scan)) / (t.scan.mib - t.small_scan.mib).max(1e-6)).max(0.0);
    let table_us = ((us(&t.small_scan) - startup_us - t.small_scan.mib * per_mib)
        / t.small_scan.tables.max(1.0))
    .max(0.0);
    // The join's cost per MiB, with its own operators.
    let join_per_mib = ((us(&t.operators) - startup_us - t.operators.tables * table_us)
        / t.operators.mib.max(1e-6))
    .max(0.0);
    let (ka, kb) = (t.scan.operators, t.operators.operators);
    let operator_us_per_mib = if kb > ka {
        ((join_per_mib - per_mib) / (kb - ka)).max(0.0)
    } else {
        0.0
    };
    let scan_us_per_mib = (per_mib - ka * operator_us_per_mib).max(0.0);
    let row_us =
        ((us(&t.rows) - startup_us - t.rows.tables * table_us - t.rows.mib * scan_us_per_mib)
            / t.rows.rows.max(1.0))
        .max(0.0);
    EngineProfile {
        startup_us,
        table_us,
        scan_us_per_mib,
        operator_us_per_mib,
        row_us,
    }
}

/// Where `junction calibrate` writes by default.
pub fn default_out() -> PathBuf {
    PathBuf::from("junction-calibration.toml")
}
