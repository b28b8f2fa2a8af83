//! What DataFusion's statements may hold in memory: all of them together one pool
//! (`[engines.datafusion] memory_limit`), and each statement its own bound within it
//! (`[limits] query_memory`).
//!
//! Without the shared pool one runaway statement (a `count(distinct)` over billions of
//! values) grows until the kernel kills the server and every session with it; with it, the
//! operators that can spill do, and what cannot fit fails its own statement with 53200.

use std::num::NonZeroUsize;
use std::sync::Arc;

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

/// The two bounds, as configured.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    /// Every statement's reservations, when DataFusion as a whole is bounded.
    shared: Option<Arc<dyn MemoryPool>>,
    /// Bytes one statement may reserve.
    per_statement: Option<usize>,
}

impl Memory {
    /// `total` bounds every statement together, `per_statement` each one; `None` is no bound.
    pub fn new(total: Option<u64>, per_statement: Option<u64>) -> Self {
        let bytes = |b: u64| usize::try_from(b).unwrap_or(usize::MAX);
        Self {
            shared: total.map(|b| fair_pool(bytes(b))),
            per_statement: per_statement.map(bytes),
        }
    }

    /// A new statement's pool, or `None` when nothing bounds it.
    pub fn statement_pool(&self) -> Option<Arc<dyn MemoryPool>> {
        if self.per_statement.is_none() && self.shared.is_none() {
            return None;
        }
        Some(Arc::new(StatementPool {
            own: self.per_statement.map(fair_pool),
            shared: self.shared.clone(),
        }))
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
}

impl StatementPool {
    fn pools(&self) -> impl Iterator<Item = &Arc<dyn MemoryPool>> {
        self.own.iter().chain(self.shared.as_ref())
    }
}

/// DataFusion's refusal in junction's words, naming the bound met.
fn refusal(bound: &str, e: DataFusionError) -> DataFusionError {
    let message = match &e {
        DataFusionError::ResourcesExhausted(m) => crate::error::pool_refusal(m).to_owned(),
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
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        self.pools()
            .for_each(|pool| pool.shrink(reservation, shrink));
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
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
        Ok(())
    }

    fn reserved(&self) -> usize {
        self.own.as_ref().map_or(0, |own| own.reserved())
    }

    fn memory_limit(&self) -> MemoryLimit {
        // The tighter of the two; the shared pool's room depends on the other statements.
        self.pools()
            .filter_map(|pool| match pool.memory_limit() {
                MemoryLimit::Finite(bytes) => Some(bytes),
                MemoryLimit::Infinite | MemoryLimit::Unknown => None,
            })
            .min()
            .map_or(MemoryLimit::Unknown, MemoryLimit::Finite)
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
        let pool = memory.statement_pool().expect("a pool");
        let reservation = consumer(&pool, "join");
        reservation.try_grow(100).expect("fits");
        let err = reservation.try_grow(1).expect_err("over");
        assert!(err.to_string().contains("[limits] query_memory"), "{err}");
    }

    #[test]
    fn statements_share_the_engines_limit_and_a_refusal_takes_nothing() {
        let memory = Memory::new(Some(100), Some(80));
        let first = memory.statement_pool().expect("a pool");
        let second = memory.statement_pool().expect("a pool");
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
    fn without_bounds_there_is_no_pool() {
        assert!(Memory::new(None, None).statement_pool().is_none());
        let shared_only = Memory::new(Some(10), None)
            .statement_pool()
            .expect("a pool");
        let r = consumer(&shared_only, "sort");
        assert!(r.try_grow(11).is_err());
    }
}
