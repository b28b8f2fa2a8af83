//! What DataFusion's statements may hold in memory: all of them together one pool
//! (`[engines.datafusion] memory_limit`), and each statement its own bound within it
//! (`[limits] query_memory`).
//!
//! Without the shared pool one runaway statement (a `count(distinct)` over billions of
//! values) grows until the kernel kills the server and every session with it; with it, the
//! operators that can spill do, and what cannot fit fails its own statement with 53200.
//!
//! Without either bound the server's resident memory is the last line
//! ([`Memory::stop_largest`]): the gateway watches it, and past its bound the statement
//! holding the most fails with 53200 at its next reservation.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use datafusion::common::{DataFusionError, Result};
use datafusion::execution::memory_pool::{
    FairSpillPool, MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation, TrackConsumersPool,
};

/// How many of the largest consumers an error names.
const NAMED_CONSUMERS: NonZeroUsize = NonZeroUsize::MIN.saturating_add(2);

/// The fair pool gives each operator that can spill an equal share of what the others leave
/// (across statements, for the shared pool); the tracking names the largest consumers.
fn fair_pool(bytes: usize) -> Arc<dyn MemoryPool> {
    Arc::new(TrackConsumersPool::new(
        FairSpillPool::new(bytes),
        NAMED_CONSUMERS,
    ))
}

/// The two bounds, as configured, and the statements running under them.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    /// Every statement's reservations, when DataFusion as a whole is bounded.
    shared: Option<Arc<dyn MemoryPool>>,
    /// Bytes one statement may reserve.
    per_statement: Option<usize>,
    /// The pools of the statements that may still run, for [`Memory::stop_largest`].
    running: Arc<Mutex<Vec<Weak<StatementPool>>>>,
}

/// What [`Memory::stop_largest`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relief {
    /// The statement holding this many bytes fails at its next reservation.
    Stopped { held: usize },
    /// One stopped earlier still runs: its memory comes back once it ends.
    Awaited,
    /// No statement holds enough to be the cause.
    NoCulprit,
}

impl Memory {
    /// `total` bounds every statement together, `per_statement` each one; `None` is no bound.
    pub fn new(total: Option<u64>, per_statement: Option<u64>) -> Self {
        let bytes = |b: u64| usize::try_from(b).unwrap_or(usize::MAX);
        Self {
            shared: total.map(|b| fair_pool(bytes(b))),
            per_statement: per_statement.map(bytes),
            running: Arc::default(),
        }
    }

    /// A new statement's pool: it counts what the statement holds even when nothing
    /// bounds it, so that [`Memory::stop_largest`] can find it.
    pub fn statement_pool(&self) -> Arc<dyn MemoryPool> {
        let pool = Arc::new(StatementPool {
            own: self.per_statement.map(fair_pool),
            shared: self.shared.clone(),
            held: AtomicUsize::new(0),
            stopped: OnceLock::new(),
        });
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|p| p.strong_count() > 0);
        running.push(Arc::downgrade(&pool));
        pool
    }

    /// Fails the running statement that holds the most, if it holds at least `least` bytes,
    /// at its next reservation, with `why` as its 53200 message: the server is over its
    /// memory bound. A statement holding less is a bystander (the allocator may keep freed
    /// memory resident for a while, so the server can stay over its bound with no culprit).
    /// While a statement stopped earlier still runs, none other is stopped: the memory it
    /// frees may be all that was needed.
    pub fn stop_largest(&self, least: usize, why: &str) -> Relief {
        let running: Vec<Arc<StatementPool>> = {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            running.retain(|p| p.strong_count() > 0);
            running.iter().filter_map(Weak::upgrade).collect()
        };
        if running.iter().any(|p| p.stopped.get().is_some()) {
            return Relief::Awaited;
        }
        let Some(largest) = running
            .iter()
            .max_by_key(|p| p.held.load(Ordering::Relaxed))
            .filter(|p| p.held.load(Ordering::Relaxed) >= least)
        else {
            return Relief::NoCulprit;
        };
        let held = largest.held.load(Ordering::Relaxed);
        let _ = largest.stopped.set(format!(
            "{why}; this statement held the most of DataFusion's ({} MB)",
            held >> 20
        ));
        Relief::Stopped { held }
    }

    /// Bytes DataFusion's statements hold now, as the shared pool counts them.
    #[cfg(test)]
    fn reserved(&self) -> Option<usize> {
        self.shared.as_ref().map(|pool| pool.reserved())
    }
}

/// One statement's view: a reservation grows only when both its statement's pool and the
/// shared pool have room, and each refusal says which bound it met.
#[derive(Debug)]
struct StatementPool {
    own: Option<Arc<dyn MemoryPool>>,
    shared: Option<Arc<dyn MemoryPool>>,
    /// What the statement's reservations hold, bounded or not.
    held: AtomicUsize,
    /// Why the statement may reserve nothing more: the server's memory is over its bound.
    stopped: OnceLock<String>,
}

impl StatementPool {
    fn pools(&self) -> impl Iterator<Item = &Arc<dyn MemoryPool>> {
        self.own.iter().chain(self.shared.as_ref())
    }
}

/// DataFusion's refusal in junction's words, naming the bound met.
fn refusal(bound: &str, e: DataFusionError) -> DataFusionError {
    let message = match &e {
        DataFusionError::ResourcesExhausted(m) => super::error::pool_refusal(m).to_owned(),
        other => other.to_string(),
    };
    DataFusionError::ResourcesExhausted(format!("{bound} ({message})"))
}

impl MemoryPool for StatementPool {
    fn register(&self, consumer: &MemoryConsumer) {
        self.pools().for_each(|pool| pool.register(consumer));
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        self.pools().for_each(|pool| pool.unregister(consumer));
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        self.pools()
            .for_each(|pool| pool.grow(reservation, additional));
        self.held.fetch_add(additional, Ordering::Relaxed);
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        self.pools()
            .for_each(|pool| pool.shrink(reservation, shrink));
        self.held.fetch_sub(shrink, Ordering::Relaxed);
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        if let Some(why) = self.stopped.get() {
            return Err(DataFusionError::ResourcesExhausted(why.clone()));
        }
        if let Some(own) = &self.own {
            own.try_grow(reservation, additional)
                .map_err(|e| refusal("the statement needs more than [limits] query_memory", e))?;
        }
        if let Some(shared) = &self.shared {
            if let Err(e) = shared.try_grow(reservation, additional) {
                // The statement's own pool granted it; give it back.
                if let Some(own) = &self.own {
                    own.shrink(reservation, additional);
                }
                return Err(refusal(
                    "DataFusion's statements together need more than [engines.datafusion] \
                     memory_limit",
                    e,
                ));
            }
        }
        self.held.fetch_add(additional, Ordering::Relaxed);
        Ok(())
    }

    fn reserved(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    fn memory_limit(&self) -> MemoryLimit {
        // The tighter of the two; the shared pool's room depends on the other statements.
        self.pools()
            .filter_map(|pool| match pool.memory_limit() {
                MemoryLimit::Finite(bytes) => Some(bytes),
                MemoryLimit::Infinite | MemoryLimit::Unknown => None,
            })
            .min()
            .map_or(
                if self.pools().next().is_none() {
                    MemoryLimit::Infinite
                } else {
                    MemoryLimit::Unknown
                },
                MemoryLimit::Finite,
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consumer(pool: &Arc<dyn MemoryPool>, name: &str) -> MemoryReservation {
        MemoryConsumer::new(name).register(pool)
    }

    #[test]
    fn a_statement_is_bounded_by_its_own_limit() {
        let memory = Memory::new(None, Some(100));
        let pool = memory.statement_pool();
        let reservation = consumer(&pool, "join");
        reservation.try_grow(100).expect("fits");
        let err = reservation.try_grow(1).expect_err("over");
        assert!(err.to_string().contains("[limits] query_memory"), "{err}");
    }

    #[test]
    fn statements_share_the_engines_limit_and_a_refusal_takes_nothing() {
        let memory = Memory::new(Some(100), Some(80));
        let first = memory.statement_pool();
        let second = memory.statement_pool();
        let a = consumer(&first, "a");
        let b = consumer(&second, "b");
        a.try_grow(60).expect("fits both");
        let err = b.try_grow(50).expect_err("the shared pool is short");
        assert!(
            err.to_string()
                .contains("[engines.datafusion] memory_limit"),
            "{err}"
        );
        // The statement's own pool gave the refused bytes back: it still has its 80.
        assert_eq!(second.reserved(), 0);
        b.try_grow(40).expect("what is left");
        assert_eq!(memory.reserved(), Some(100));
        drop(a);
        assert_eq!(memory.reserved(), Some(40));
        b.try_grow(40)
            .expect("within its own 80 once the other let go");
        assert!(b.try_grow(1).is_err(), "over its own 80");
    }

    #[test]
    fn the_shared_bound_alone_bounds_a_statement() {
        let shared_only = Memory::new(Some(10), None).statement_pool();
        let r = consumer(&shared_only, "sort");
        assert!(r.try_grow(11).is_err());
    }

    const LEAST: usize = 1 << 20;

    #[test]
    fn the_statement_holding_the_most_is_stopped_at_its_next_reservation() {
        let memory = Memory::default();
        let small = memory.statement_pool();
        let large = memory.statement_pool();
        let a = consumer(&small, "a");
        let b = consumer(&large, "b");
        a.try_grow(LEAST).expect("unbounded");
        b.try_grow(2 * LEAST).expect("unbounded");
        assert_eq!(
            memory.stop_largest(LEAST, "over"),
            Relief::Stopped { held: 2 * LEAST }
        );
        let err = b.try_grow(1).expect_err("stopped");
        assert!(
            matches!(&err, DataFusionError::ResourcesExhausted(m) if m.starts_with("over; this statement held the most")),
            "{err}"
        );
        a.try_grow(1).expect("the other statement goes on");
        // While the stopped one runs, nothing else is stopped.
        assert_eq!(memory.stop_largest(LEAST, "over"), Relief::Awaited);
        drop(b);
        drop(large);
        assert_eq!(
            memory.stop_largest(LEAST, "over"),
            Relief::Stopped { held: LEAST + 1 }
        );
    }

    #[test]
    fn a_statement_holding_little_is_never_stopped() {
        let memory = Memory::default();
        let pool = memory.statement_pool();
        let r = consumer(&pool, "a");
        r.try_grow(LEAST - 1).expect("unbounded");
        assert_eq!(memory.stop_largest(LEAST, "over"), Relief::NoCulprit);
        r.try_grow(1).expect("not stopped");
        r.shrink(LEAST);
        assert_eq!(pool.reserved(), 0);
    }
}
