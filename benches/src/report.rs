//! The benchmark report: a Markdown file with medians and ratios per query, totals per
//! engine, the machine it ran on, and a PNG chart of junction over direct per query.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::latency::Latency;
use crate::suite::{Measurement, SuiteResult, ENGINES};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// junction's time over direct's: 1.0 is no overhead.
fn ratio(junction: Duration, direct: Duration) -> f64 {
    junction.as_secs_f64() / direct.as_secs_f64()
}

/// The median of `times` (zero for none).
pub fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// Where a report's figures come from: the machine, the build and the command that
/// reproduces them.
pub fn provenance() -> String {
    format!(
        "Machine: {}. {} build. Command: `{}`.",
        machine(),
        if cfg!(debug_assertions) {
            "Debug (figures not comparable)"
        } else {
            "Release"
        },
        std::env::args().collect::<Vec<_>>().join(" ")
    )
}

/// The machine, as /proc and uname tell it.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU".to_owned(), |m| m.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or("unknown".to_owned(), |kib| {
            format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or("unknown".to_owned(), |k| k.trim().to_owned());
    format!("{cores} cores ({model}), {memory} RAM, Linux {kernel}")
}

/// The totals of one suite on one engine over the queries both paths answered.
pub struct Total {
    pub engine: &'static str,
    pub junction: Duration,
    pub direct: Duration,
    pub queries: usize,
}

impl Total {
    /// junction's time over direct's, minus one, in percent.
    pub fn overhead_percent(&self) -> f64 {
        (ratio(self.junction, self.direct) - 1.0) * 100.0
    }
}

pub fn totals(suite: &SuiteResult) -> Vec<Total> {
    ENGINES
        .iter()
        .map(|engine| {
            let both: Vec<_> = suite
                .measurements
                .iter()
                .filter(|m| m.engine == *engine)
                .filter_map(|m| Some((m.junction.as_ref().ok()?, m.direct.as_ref().ok()?)))
                .collect();
            Total {
                engine,
                junction: both.iter().map(|(j, _)| j.median()).sum(),
                direct: both.iter().map(|(_, d)| d.median()).sum(),
                queries: both.len(),
            }
        })
        .collect()
}

/// The Markdown of one suite: a row per query, a column group per engine.
pub fn suite_markdown(suite: &SuiteResult) -> String {
    let mut out = format!("### {}\n\n", suite.title);
    out.push_str("| query |");
    for engine in ENGINES {
        let _ = write!(out, " {engine} junction ms | {engine} direct ms | ratio |");
    }
    out.push_str(" rows | result bytes (pg text) |\n|---|");
    for _ in ENGINES {
        out.push_str("---:|---:|---:|");
    }
    out.push_str("---:|---:|\n");
    let queries = suite.query_names();
    let mut notes = Vec::new();
    for query in queries {
        let _ = write!(out, "| {query} |");
        let mut shape = None;
        for engine in ENGINES {
            let Some(m) = suite
                .measurements
                .iter()
                .find(|m| m.query == query && m.engine == engine)
            else {
                out.push_str(" | | |");
                continue;
            };
            out.push_str(&cells(m, &mut notes));
            if let Ok(j) = &m.junction {
                shape.get_or_insert((j.rows, j.bytes));
            }
        }
        match shape {
            Some((rows, bytes)) => {
                let _ = writeln!(out, " {rows} | {bytes} |");
            }
            None => out.push_str(" | |\n"),
        }
    }
    let totals = totals(suite);
    out.push_str("| **total** |");
    for total in &totals {
        let _ = write!(
            out,
            " **{:.1}** | **{:.1}** | **{:.3}** |",
            ms(total.junction),
            ms(total.direct),
            ratio(total.junction, total.direct)
        );
    }
    out.push_str(" | |\n\n");
    for total in &totals {
        let _ = writeln!(
            out,
            "- {}: junction {:.1} ms, direct {:.1} ms over {} queries: overhead **{:+.2}%**",
            total.engine,
            ms(total.junction),
            ms(total.direct),
            total.queries,
            total.overhead_percent()
        );
    }
    for note in notes {
        let _ = writeln!(out, "- {note}");
    }
    out.push('\n');
    out
}

/// `junction | direct | ratio` cells of one measurement; failures and row-count mismatches
/// go to `notes`.
fn cells(m: &Measurement, notes: &mut Vec<String>) -> String {
    match (&m.junction, &m.direct) {
        (Ok(j), Ok(d)) => {
            if j.rows != d.rows {
                notes.push(format!(
                    "{} on {}: junction returned {} rows, direct {}",
                    m.query, m.engine, j.rows, d.rows
                ));
            }
            format!(
                " {:.1} | {:.1} | {:.3} |",
                ms(j.median()),
                ms(d.median()),
                ratio(j.median(), d.median())
            )
        }
        (j, d) => {
            for (path, result) in [("junction", j), ("direct", d)] {
                if let Err(e) = result {
                    notes.push(format!("{} on {} ({path}): {e}", m.query, m.engine));
                }
            }
            let show = |t: &Result<crate::suite::Timing, String>| {
                t.as_ref()
                    .map_or("error".to_owned(), |t| format!("{:.1}", ms(t.median())))
            };
            format!(" {} | {} | – |", show(j), show(d))
        }
    }
}

pub fn latency_markdown(latencies: &[Latency]) -> String {
    let mut out = String::from(
        "### `SELECT 1` round trip (simple protocol, one client, one at a time)\n\n\
         | target | samples | p50 µs | p99 µs |\n|---|---:|---:|---:|\n",
    );
    for l in latencies {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {:.0} |",
            l.target,
            l.samples,
            l.p50.as_secs_f64() * 1e6,
            l.p99.as_secs_f64() * 1e6
        );
    }
    out.push('\n');
    out
}

/// A bar chart per suite of junction's median over direct's, per query and engine: 1.0 is no
/// overhead.
pub fn chart(path: &Path, suites: &[SuiteResult], font: &Path) -> Result<(), String> {
    use_font(font)?;
    let height = 360 * suites.len() as u32;
    let root = BitMapBackend::new(path, (1400, height.max(360))).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| format!("chart: {e}");
    root.fill(&WHITE).map_err(|e| err(&e))?;
    for (area, suite) in root.split_evenly((suites.len(), 1)).iter().zip(suites) {
        draw_suite(area, suite).map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// Registers `font` (TrueType) as the charts' "sans-serif"; once per process.
pub fn use_font(font: &Path) -> Result<(), String> {
    let bytes = std::fs::read(font).map_err(|e| format!("font {}: {e}", font.display()))?;
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| format!("{} is not a TrueType font", font.display()))
}

pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

fn draw_suite(area: &Area<'_>, suite: &SuiteResult) -> Result<(), Box<dyn std::error::Error>> {
    let queries = suite.query_names();
    let ratios: Vec<(usize, usize, f64)> = suite
        .measurements
        .iter()
        .filter_map(|m| {
            let (j, d) = (m.junction.as_ref().ok()?, m.direct.as_ref().ok()?);
            let q = queries.iter().position(|q| *q == m.query)?;
            let e = ENGINES.iter().position(|e| *e == m.engine)?;
            Some((q, e, ratio(j.median(), d.median())))
        })
        .collect();
    let top = ratios
        .iter()
        .map(|(_, _, r)| *r)
        .fold(1.2_f64, f64::max)
        .min(5.0);
    // Labels sit under their bars inside the plot: plotters' own x labels fall on round
    // numbers, not on categories.
    let floor = -0.08 * top;
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{}: junction / direct (median per query)", suite.title),
            ("sans-serif", 22),
        )
        .margin(12)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..queries.len() as f64, floor..top)?;
    chart
        .configure_mesh()
        .y_desc("ratio")
        .disable_x_mesh()
        .disable_x_axis()
        .draw()?;
    let label = ("sans-serif", 13).into_font().color(&BLACK);
    let centered = label.pos(Pos::new(HPos::Center, VPos::Center));
    chart.draw_series(queries.iter().enumerate().map(|(i, q)| {
        Text::new(
            (*q).to_owned(),
            (i as f64 + 0.5, floor / 2.0),
            centered.clone(),
        )
    }))?;
    let colors = [RGBColor(31, 119, 180), RGBColor(255, 127, 14)];
    for (e, engine) in ENGINES.iter().enumerate() {
        let color = colors[e % colors.len()];
        chart
            .draw_series(
                ratios
                    .iter()
                    .filter(|(_, engine_index, _)| *engine_index == e)
                    .map(|(q, _, ratio)| {
                        let left = *q as f64 + 0.1 + 0.4 * e as f64;
                        Rectangle::new([(left, 0.0), (left + 0.38, ratio.min(top))], color.filled())
                    }),
            )?
            .label(*engine)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart.draw_series(LineSeries::new(
        [(0.0, 1.0), (queries.len() as f64, 1.0)],
        BLACK.stroke_width(1),
    ))?;
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
