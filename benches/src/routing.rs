//! `junction-bench routing`: does `auto` run each statement where it runs best?
//!
//! For TPC-H (Parquet and Delta) and the dashboards: every query pinned on each engine, and
//! in `auto` twice: cold (the first run of each statement on a fresh server, so the router
//! has only its cost model) and warm (after the pinned runs, which it learned from). Also
//! the time `Router::route` takes to decide, in this process, over the same warehouse.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use junction_conformance::peers::Junction;
use junction_conformance::tpch::{self, DELTA_SCHEMA, PARQUET_SCHEMA};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use tokio_postgres::Client;

use crate::queries::{self, Query};
use crate::report::{median, provenance, use_font, Area};
use crate::suite::{Direct, ENGINES};

#[derive(clap::Args)]
pub struct Args {
    /// TPC-H scale factor.
    #[arg(long, default_value_t = 1.0)]
    sf: f64,
    /// Timed runs per query, pinned and warm auto (medians).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The warehouse (the demo and TPC-H are written there if missing), as `report` uses.
    #[arg(long, default_value = "/tmp/junction-bench-warehouse")]
    warehouse: PathBuf,
    /// Where `routing.md` and `routing.png` go.
    #[arg(long, default_value = "benches/results")]
    out: PathBuf,
    /// A TrueType font for the chart's labels.
    #[arg(
        long,
        default_value = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    )]
    font: PathBuf,
    /// Routing decisions timed per query for the decision-time percentiles.
    #[arg(long, default_value_t = 2000)]
    decisions: usize,
    /// Only these queries (`Q07,ward_load`); all when absent.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// One query's figures.
struct Row {
    query: String,
    /// Pinned medians, in [`ENGINES`] order.
    pinned: Vec<Duration>,
    cold_engine: String,
    cold: Duration,
    warm_engine: String,
    warm: Duration,
}

impl Row {
    fn best(&self) -> Duration {
        self.pinned.iter().copied().min().unwrap_or_default()
    }

    /// The pinned median of the engine the cold run chose: the cold choice's quality,
    /// apart from the first-run costs every engine pays once (caches, views).
    fn cold_choice(&self) -> Duration {
        ENGINES
            .iter()
            .position(|e| *e == self.cold_engine)
            .and_then(|i| self.pinned.get(i).copied())
            .unwrap_or(self.cold)
    }
}

struct Suite {
    title: String,
    rows: Vec<Row>,
}

pub async fn run(junction: &Path, args: Args) -> Result<(), String> {
    let warehouse = std::path::absolute(&args.warehouse).map_err(|e| e.to_string())?;
    crate::run_report::ensure_demo(junction, &warehouse)?;
    tpch::ensure(&warehouse, args.sf).await?;
    let mut sets: Vec<(String, Vec<Query>)> = Vec::new();
    for (format, schema) in [("Parquet", PARQUET_SCHEMA), ("Delta", DELTA_SCHEMA)] {
        let title = format!("TPC-H SF{}, {format}", args.sf);
        sets.push((
            title,
            crate::run_report::selected(queries::tpch(args.sf, schema), &args.only),
        ));
    }
    sets.push((
        "dashboards (100 patients, 7 days)".to_owned(),
        crate::run_report::selected(queries::iot(), &args.only),
    ));

    // The page cache warm for every file, on a server that is then stopped: the measured
    // server starts with no records, as a cold router does.
    {
        let server = Junction::serve_uncached(junction, &warehouse)?;
        for engine in ENGINES {
            let client = crate::pinned_client(server.port, engine).await?;
            for (_, queries) in &sets {
                for query in queries {
                    timed(&client, &query.sql).await?;
                }
            }
        }
    }
    let server = Junction::serve_uncached(junction, &warehouse)?;
    let auto = junction_conformance::peers::connect(server.port, "bench", "junction")
        .await
        .map_err(|e| e.to_string())?;
    let mut suites = Vec::new();
    for (title, queries) in &sets {
        let mut rows = Vec::new();
        for query in queries {
            let (cold, cold_engine) = auto_run(&auto, &query.sql).await?;
            rows.push(Row {
                query: query.name.clone(),
                pinned: Vec::new(),
                cold_engine,
                cold,
                warm_engine: String::new(),
                warm: Duration::ZERO,
            });
        }
        suites.push(Suite {
            title: title.clone(),
            rows,
        });
    }
    for engine in ENGINES {
        let client = crate::pinned_client(server.port, engine).await?;
        for ((_, queries), suite) in sets.iter().zip(&mut suites) {
            for (query, row) in queries.iter().zip(&mut suite.rows) {
                timed(&client, &query.sql).await?;
                let mut runs = Vec::with_capacity(args.runs);
                for _ in 0..args.runs {
                    runs.push(timed(&client, &query.sql).await?);
                }
                row.pinned.push(median(&runs));
                eprintln!(
                    "{} {} on {engine}: {:?}",
                    suite.title,
                    query.name,
                    median(&runs)
                );
            }
        }
    }
    for ((_, queries), suite) in sets.iter().zip(&mut suites) {
        for (query, row) in queries.iter().zip(&mut suite.rows) {
            let mut runs = Vec::with_capacity(args.runs);
            for _ in 0..args.runs {
                let (took, engine) = auto_run(&auto, &query.sql).await?;
                runs.push(took);
                row.warm_engine = engine;
            }
            row.warm = median(&runs);
        }
    }
    let decisions = decision_times(&warehouse, &sets, args.decisions).await?;

    let mut markdown = format!(
        "## Routing\n\n{} Pinned and warm auto: medians of {} runs (pinned after one \
         warm-up run). Cold auto: the first run of each statement on a fresh server (the page \
         cache warmed by an earlier server).\n\n",
        provenance(),
        args.runs
    );
    for suite in &suites {
        markdown.push_str(&suite_markdown(suite));
    }
    let all: Vec<&Row> = suites.iter().flat_map(|s| &s.rows).collect();
    markdown.push_str(&totals_markdown("all suites", &all));
    markdown.push_str(&decisions);
    markdown.push_str("![each query's time over its best engine's](routing.png)\n");
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let path = args.out.join("routing.md");
    std::fs::write(&path, &markdown).map_err(|e| format!("{}: {e}", path.display()))?;
    chart(&args.out.join("routing.png"), &suites, &args.font)?;
    println!("{markdown}");
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Runs `sql` to its last row through the simple protocol; the time it took.
async fn timed(client: &Client, sql: &str) -> Result<Duration, String> {
    let started = Instant::now();
    client
        .simple_query(sql)
        .await
        .map_err(|e| format!("{e}: {sql}"))?;
    Ok(started.elapsed())
}

/// Runs `sql` in `auto`; its time and the engine that ran it.
async fn auto_run(client: &Client, sql: &str) -> Result<(Duration, String), String> {
    let took = timed(client, sql).await?;
    let engine = client
        .simple_query("SHOW junction.last_engine")
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .ok_or("no last engine")?;
    Ok((took, engine))
}

/// Percentiles of `Router::route` (name resolution, each table's current snapshot and its
/// size from the local warehouse's metadata, fingerprint, shape, ranking) over every query,
/// and of the decision alone (fingerprint, shape and ranking of a resolved statement).
async fn decision_times(
    warehouse: &Path,
    sets: &[(String, Vec<Query>)],
    samples: usize,
) -> Result<String, String> {
    let direct = Direct::new(warehouse)?;
    let (router, ctx) = direct.router();
    let mut routes = Vec::new();
    let mut decisions = Vec::new();
    for (_, queries) in sets {
        for query in queries {
            let statement = junction_transpiler::parse(&query.sql)
                .map_err(|e| e.to_string())?
                .pop()
                .ok_or("no statement")?;
            let route = router
                .route(&ctx, &statement, junction_router::Choice::Auto)
                .await
                .map_err(|e| e.to_string())?;
            for i in 0..samples + 10 {
                let started = Instant::now();
                router
                    .route(&ctx, &statement, junction_router::Choice::Auto)
                    .await
                    .map_err(|e| e.to_string())?;
                let routed = started.elapsed();
                let started = Instant::now();
                let inputs = junction_router::Inputs {
                    fingerprint: junction_router::Fingerprint::of(&route.statement),
                    work: junction_router::Work {
                        shape: junction_router::Shape::of(&route.statement),
                        ..route.inputs.work
                    },
                    relations: route.inputs.relations.clone(),
                };
                std::hint::black_box(router.rank(&inputs));
                let decided = started.elapsed();
                if i >= 10 {
                    routes.push(routed);
                    decisions.push(decided);
                }
            }
        }
    }
    let line = |what: &str, times: &mut Vec<Duration>| {
        times.sort();
        let at = |q: f64| {
            times
                .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
                .as_secs_f64()
                * 1e6
        };
        format!(
            "| {what} | {} | {:.1} | {:.1} | {:.1} |\n",
            times.len(),
            at(0.5),
            at(0.99),
            times.last().copied().unwrap_or_default().as_secs_f64() * 1e6
        )
    };
    Ok(format!(
        "### Routing decision time\n\nIn process over the same warehouse, {samples} per query \
         after 10 warm-ups.\n\n| what | samples | p50 µs | p99 µs | max µs |\n|---|---:|---:|---:|---:|\n{}{}\n",
        line("`Router::route`: names, tables, statistics, decision", &mut routes),
        line("the decision: fingerprint, shape, ranking", &mut decisions),
    ))
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn suite_markdown(suite: &Suite) -> String {
    let mut md = format!(
        "### {}\n\n| query | {} | best | cold auto engine | cold auto ms | warm auto engine | warm auto ms |\n|---|{}---:|---|---:|---|---:|\n",
        suite.title,
        ENGINES.map(|e| format!("{e} ms")).join(" | "),
        "---:|".repeat(ENGINES.len()),
    );
    for row in &suite.rows {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            row.query,
            row.pinned
                .iter()
                .map(|d| ms(*d))
                .collect::<Vec<_>>()
                .join(" | "),
            ms(row.best()),
            row.cold_engine,
            ms(row.cold),
            row.warm_engine,
            ms(row.warm),
        ));
    }
    md.push('\n');
    let rows: Vec<&Row> = suite.rows.iter().collect();
    md.push_str(&totals_markdown(&suite.title, &rows));
    md
}

fn totals_markdown(title: &str, rows: &[&Row]) -> String {
    let sum = |f: &dyn Fn(&Row) -> Duration| rows.iter().map(|r| f(r)).sum::<Duration>();
    let best = sum(&|r| r.best());
    let warm = sum(&|r| r.warm);
    let cold = sum(&|r| r.cold);
    let cold_choice = sum(&|r| r.cold_choice());
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    let mut md = format!("Totals, {title}:\n\n");
    let singles: Vec<(&str, Duration)> = ENGINES
        .iter()
        .enumerate()
        .map(|(i, e)| (*e, sum(&|r| r.pinned.get(i).copied().unwrap_or_default())))
        .collect();
    let best_single = singles.iter().map(|(_, d)| *d).min().unwrap_or_default();
    for (engine, total) in &singles {
        md.push_str(&format!("- pinned {engine}: {} ms\n", ms(*total)));
    }
    md.push_str(&format!(
        "- best engine per query: {} ms\n\
         - warm auto: {} ms = **{:.3}× the per-query best**, **{:.3}× the best single engine**\n\
         - cold auto: {} ms wall ({:.3}× the per-query best); its choices at their pinned \
         medians: {} ms = **{:.3}× the per-query best**\n\n",
        ms(best),
        ms(warm),
        ratio(warm, best),
        ratio(warm, best_single),
        ms(cold),
        ratio(cold, best),
        ms(cold_choice),
        ratio(cold_choice, best),
    ));
    md
}

/// Per suite, each query's time over its best engine's: pinned on each engine, and warm auto.
fn chart(path: &Path, suites: &[Suite], font: &Path) -> Result<(), String> {
    use_font(font)?;
    let height = 360 * suites.len() as u32;
    let root = BitMapBackend::new(path, (1400, height.max(360))).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| format!("chart: {e}");
    root.fill(&WHITE).map_err(|e| err(&e))?;
    for (area, suite) in root.split_evenly((suites.len(), 1)).iter().zip(suites) {
        draw_suite(area, suite).map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))
}

fn draw_suite(area: &Area<'_>, suite: &Suite) -> Result<(), Box<dyn std::error::Error>> {
    let over_best = |row: &Row, d: Duration| d.as_secs_f64() / row.best().as_secs_f64().max(1e-9);
    // Bars per query: each engine pinned, then warm auto.
    let series: Vec<(String, RGBColor, Vec<f64>)> = ENGINES
        .iter()
        .enumerate()
        .map(|(i, engine)| {
            let color = [RGBColor(31, 119, 180), RGBColor(255, 127, 14)][i % 2];
            let values = suite
                .rows
                .iter()
                .map(|r| over_best(r, r.pinned.get(i).copied().unwrap_or_default()))
                .collect();
            (format!("{engine} pinned"), color, values)
        })
        .chain(std::iter::once((
            "auto (warm)".to_owned(),
            RGBColor(44, 160, 44),
            suite.rows.iter().map(|r| over_best(r, r.warm)).collect(),
        )))
        .collect();
    let top = series
        .iter()
        .flat_map(|(_, _, v)| v.iter().copied())
        .fold(1.2_f64, f64::max)
        .min(6.0);
    let floor = -0.08 * top;
    let n = suite.rows.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{}: time over the query's best engine", suite.title),
            ("sans-serif", 22),
        )
        .margin(12)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..n, floor..top)?;
    chart
        .configure_mesh()
        .y_desc("ratio")
        .disable_x_mesh()
        .disable_x_axis()
        .draw()?;
    let label = ("sans-serif", 13).into_font().color(&BLACK);
    let centered = label.pos(Pos::new(HPos::Center, VPos::Center));
    chart.draw_series(suite.rows.iter().enumerate().map(|(i, r)| {
        Text::new(
            r.query.clone(),
            (i as f64 + 0.5, floor / 2.0),
            centered.clone(),
        )
    }))?;
    let width = 0.8 / series.len() as f64;
    for (s, (name, color, values)) in series.iter().enumerate() {
        let color = *color;
        chart
            .draw_series(values.iter().enumerate().map(|(q, value)| {
                let left = q as f64 + 0.1 + width * s as f64;
                Rectangle::new(
                    [(left, 0.0), (left + width * 0.95, value.min(top))],
                    color.filled(),
                )
            }))?
            .label(name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart.draw_series(LineSeries::new(
        [(0.0, 1.0), (n, 1.0)],
        BLACK.stroke_width(1),
    ))?;
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
