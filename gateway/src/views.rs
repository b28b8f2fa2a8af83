//! What the server shows of itself through SQL ([`ServerViews`]): its sessions, from
//! [`SessionRegistry`], and what its statements took, from the router's record of them: the
//! figures `auto` ranks engines by are the ones pg_stat_statements shows.

use std::sync::Arc;

use junction_engines::{
    BackendActivity, BackendSignal, ServerViews, SignalRefused, StatementStats,
};
use junction_router::Learned;

use crate::activity::SessionRegistry;

#[derive(Debug)]
pub struct Views {
    pub sessions: Arc<SessionRegistry>,
    pub learned: Learned,
}

impl ServerViews for Views {
    fn backends(&self, viewer: &str) -> Vec<BackendActivity> {
        self.sessions.backends(viewer)
    }

    fn signal(&self, sender: &str, pid: i32, signal: BackendSignal) -> Result<bool, SignalRefused> {
        self.sessions.signal(sender, pid, signal)
    }

    fn statements(&self) -> Vec<StatementStats> {
        let mut stats: Vec<StatementStats> = self
            .learned
            .records()
            .into_iter()
            .map(|record| {
                let observed = record.observed;
                let ms = |micros: f64| micros / 1000.0;
                StatementStats {
                    query_id: record.fingerprint.query_id(),
                    query: record.text.as_deref().unwrap_or_default().to_owned(),
                    engine: record.engine.to_owned(),
                    calls: i64::from(observed.runs),
                    total_ms: ms(observed.total_micros),
                    min_ms: ms(observed.min_micros),
                    max_ms: ms(observed.max_micros),
                    mean_ms: ms(observed.total_micros / f64::from(observed.runs.max(1))),
                    stddev_ms: ms(observed.stddev_micros()),
                    rows: i64::try_from(observed.rows).unwrap_or(i64::MAX),
                }
            })
            .collect();
        stats.sort_by(|a, b| (a.query_id, &a.engine).cmp(&(b.query_id, &b.engine)));
        stats
    }

    fn reset_statements(&self) {
        self.learned.reset();
    }
}
