//! The server's Prometheus metrics: what runs, where, how long, and how it ended. Counters
//! and histograms are updated as statements run; gauges of what is open now are read from
//! their owners at scrape time (see [`crate::http`]).

use std::time::Duration;

use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// Statement durations span a `SELECT 1` (well under a millisecond) to a long scan.
const DURATION_BUCKETS: &[f64] = &[
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    10.0, 30.0, 60.0, 300.0,
];

/// Catalog requests range from a cached local listing to a remote catalog's round trips.
const CATALOG_BUCKETS: &[f64] = &[
    0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Which protocol a statement came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frontend {
    Pg = 0,
    Flight = 1,
}

impl Frontend {
    pub fn as_str(self) -> &'static str {
        match self {
            Frontend::Pg => "pg",
            Frontend::Flight => "flight",
        }
    }
}

/// How a statement ended: PostgreSQL's SQLSTATE class of its error (`00` for success), as
/// operators group outcomes; or its reader stopped before the end (`dropped`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    Sqlstate(&'a str),
    Dropped,
}

impl std::fmt::Display for Outcome<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Sqlstate(state) => f.write_str(state),
            Outcome::Dropped => f.write_str("dropped"),
        }
    }
}

impl Outcome<'_> {
    fn label(self) -> &'static str {
        match self {
            Outcome::Dropped => "dropped",
            Outcome::Sqlstate(state) => sqlstate_class(state),
        }
    }
}

/// The class of `sqlstate` as a static label (the first two characters); classes junction
/// never raises fold into `other` so that a label's values stay few.
fn sqlstate_class(sqlstate: &str) -> &'static str {
    const CLASSES: &[&str] = &[
        "00", "08", "0A", "22", "25", "26", "28", "34", "3D", "3F", "42", "53", "54", "55", "57",
        "58", "XX",
    ];
    let class = sqlstate.get(..2).unwrap_or("");
    CLASSES
        .iter()
        .find(|c| c.eq_ignore_ascii_case(class))
        .copied()
        .unwrap_or("other")
}

/// Every metric the server exports, in one registry.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    statements: IntCounterVec,
    durations: HistogramVec,
    routes: IntCounterVec,
    fallbacks: IntCounterVec,
    /// Rows and bytes sent, resolved per front end once: they count every batch.
    rows: [IntCounter; 2],
    result_bytes: [IntCounter; 2],
    catalog_requests: HistogramVec,
    catalog_errors: IntCounterVec,
    connections_refused: IntCounterVec,
    cache_lookups: IntCounterVec,
    pub(crate) cache_bytes: IntGauge,
    pub(crate) cache_entries: IntGauge,
    pub(crate) sessions: IntGaugeVec,
    pub(crate) connections: IntGauge,
    pub(crate) running: IntGauge,
    pub(crate) queued: IntGauge,
    pub(crate) engine_up: IntGaugeVec,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("junction".to_owned()), None)
            .unwrap_or_else(|_| Registry::new());
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let metric = IntCounterVec::new(Opts::new(name, help), labels)
                .unwrap_or_else(|e| unreachable!("metric {name}: {e}"));
            register(&registry, metric)
        };
        let histogram = |name: &str, help: &str, labels: &[&str], buckets: &[f64]| {
            let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
            let metric = HistogramVec::new(opts, labels)
                .unwrap_or_else(|e| unreachable!("metric {name}: {e}"));
            register(&registry, metric)
        };
        let gauge_vec = |name: &str, help: &str, labels: &[&str]| {
            let metric = IntGaugeVec::new(Opts::new(name, help), labels)
                .unwrap_or_else(|e| unreachable!("metric {name}: {e}"));
            register(&registry, metric)
        };
        let gauge = |name: &str, help: &str| {
            let metric =
                IntGauge::new(name, help).unwrap_or_else(|e| unreachable!("metric {name}: {e}"));
            register(&registry, metric)
        };
        Self {
            statements: counter(
                "statements_total",
                "Statements ended, by front end, engine and outcome (SQLSTATE class; 00 is success).",
                &["frontend", "engine", "outcome"],
            ),
            durations: histogram(
                "statement_duration_seconds",
                "Time from a statement's start to its last row sent or its error.",
                &["frontend", "engine"],
                DURATION_BUCKETS,
            ),
            routes: counter(
                "route_decisions_total",
                "Statements routed, by the engine chosen and who chose it (auto, session, hint).",
                &["engine", "choice"],
            ),
            fallbacks: counter(
                "route_fallbacks_total",
                "Statements that ran on another engine than the one chosen, and the SQLSTATE that made the first give up.",
                &["from", "to", "reason"],
            ),
            rows: per_frontend(&counter(
                "rows_sent_total",
                "Result rows handed to clients.",
                &["frontend"],
            )),
            result_bytes: per_frontend(&counter(
                "result_bytes_total",
                "Arrow memory size of the result batches handed to clients.",
                &["frontend"],
            )),
            catalog_requests: histogram(
                "catalog_request_duration_seconds",
                "Time of catalog requests (listings and table loads), by catalog and operation.",
                &["catalog", "operation"],
                CATALOG_BUCKETS,
            ),
            catalog_errors: counter(
                "catalog_request_errors_total",
                "Catalog requests that failed, by catalog and operation.",
                &["catalog", "operation"],
            ),
            connections_refused: counter(
                "connections_refused_total",
                "Connections and statements refused by a limit (max_connections, queue_timeout).",
                &["limit"],
            ),
            cache_lookups: counter(
                "result_cache_lookups_total",
                "Result cache lookups of statements it may answer, by result (hit, miss).",
                &["result"],
            ),
            cache_bytes: gauge(
                "result_cache_bytes",
                "Arrow bytes of the answers the result cache keeps.",
            ),
            cache_entries: gauge(
                "result_cache_entries",
                "Answers the result cache keeps.",
            ),
            sessions: gauge_vec("sessions_open", "Sessions open now, by front end.", &["frontend"]),
            connections: gauge("connections_open", "PostgreSQL wire connections open now."),
            running: gauge("statements_running", "Statements running now."),
            queued: gauge(
                "statements_queued",
                "Statements waiting for one of the max_running places.",
            ),
            engine_up: gauge_vec(
                "engine_up",
                "Whether an engine takes statements (1) or is down (0), as last checked.",
                &["engine"],
            ),
            registry,
        }
    }

    /// A statement ended on `engine` (`none` when it failed before any engine ran it).
    pub fn statement(&self, frontend: Frontend, engine: &str, outcome: Outcome, took: Duration) {
        let front = frontend.as_str();
        self.statements
            .with_label_values(&[front, engine, outcome.label()])
            .inc();
        self.durations
            .with_label_values(&[front, engine])
            .observe(took.as_secs_f64());
    }

    /// The router chose `engine`; `choice` says who did.
    pub fn routed(&self, engine: &str, choice: &str) {
        self.routes.with_label_values(&[engine, choice]).inc();
    }

    /// `from` could not run a statement (SQLSTATE `reason`) and `to` did.
    pub fn fell_back(&self, from: &str, to: &str, reason: &str) {
        self.fallbacks.with_label_values(&[from, to, reason]).inc();
    }

    /// A batch of `rows` rows taking `bytes` of Arrow memory went to a client.
    pub fn sent(&self, frontend: Frontend, rows: usize, bytes: usize) {
        self.rows[frontend as usize].inc_by(rows as u64);
        self.result_bytes[frontend as usize].inc_by(bytes as u64);
    }

    /// A catalog request took `took`, and failed or not.
    pub fn catalog_request(&self, catalog: &str, operation: &str, took: Duration, failed: bool) {
        self.catalog_requests
            .with_label_values(&[catalog, operation])
            .observe(took.as_secs_f64());
        if failed {
            self.catalog_errors
                .with_label_values(&[catalog, operation])
                .inc();
        }
    }

    /// The result cache had a statement's answer, or not.
    pub fn cache_lookup(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.cache_lookups.with_label_values(&[result]).inc();
    }

    /// A connection or statement was refused by `limit`.
    pub fn refused(&self, limit: &str) {
        self.connections_refused.with_label_values(&[limit]).inc();
    }

    /// Everything in Prometheus' text format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut text = String::new();
        if let Err(e) = TextEncoder::new().encode_utf8(&self.registry.gather(), &mut text) {
            tracing::error!(error = %e, "encoding the metrics failed");
        }
        text
    }
}

/// `metric`'s counter for each front end, in [`Frontend`]'s order.
fn per_frontend(metric: &IntCounterVec) -> [IntCounter; 2] {
    [Frontend::Pg, Frontend::Flight].map(|f| metric.with_label_values(&[f.as_str()]))
}

/// `metric`, registered; names are constants, distinct by construction.
fn register<M: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: M) -> M {
    if let Err(e) = registry.register(Box::new(metric.clone())) {
        unreachable!("two metrics share a name: {e}");
    }
    metric
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_sqlstate_classes() {
        assert_eq!(Outcome::Sqlstate("00000").label(), "00");
        assert_eq!(Outcome::Sqlstate("42P01").label(), "42");
        assert_eq!(Outcome::Sqlstate("0A000").label(), "0A");
        assert_eq!(Outcome::Sqlstate("HV000").label(), "other");
        assert_eq!(Outcome::Dropped.label(), "dropped");
    }

    #[test]
    fn a_statement_shows_in_the_text_format() {
        let metrics = Metrics::new();
        metrics.statement(
            Frontend::Pg,
            "duckdb",
            Outcome::Sqlstate("00000"),
            Duration::from_millis(3),
        );
        let text = metrics.render();
        assert!(
            text.contains(
                "junction_statements_total{engine=\"duckdb\",frontend=\"pg\",outcome=\"00\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("junction_statement_duration_seconds_bucket{engine=\"duckdb\",frontend=\"pg\",le=\"0.005\"} 1"),
            "{text}"
        );
    }
}
