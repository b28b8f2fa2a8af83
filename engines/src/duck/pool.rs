//! A fixed pool of DuckDB instances, one query each at a time.
//!
//! A DuckDB connection runs one query at a time, and its statements borrow it, so a query
//! takes an instance out of the pool for its whole life (until its last batch was sent or
//! the client let go) and gives it back on drop.

use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{EngineError, Result};

#[derive(Debug)]
pub struct Pool<T> {
    idle: Mutex<Vec<T>>,
    available: Arc<Semaphore>,
}

impl<T> Pool<T> {
    pub fn new(items: Vec<T>) -> Self {
        Self {
            available: Arc::new(Semaphore::new(items.len())),
            idle: Mutex::new(items),
        }
    }

    /// Waits for an idle item.
    pub async fn get(self: &Arc<Self>) -> Result<Pooled<T>> {
        let permit = Arc::clone(&self.available)
            .acquire_owned()
            .await
            .map_err(|_| {
                EngineError::Unavailable("duckdb: the connection pool is closed".into())
            })?;
        let item = self
            .idle
            .lock()
            .map_err(|_| {
                EngineError::Unavailable("duckdb: the connection pool is poisoned".into())
            })?
            .pop()
            .ok_or_else(|| EngineError::Unavailable("duckdb: no idle connection".into()))?;
        Ok(Pooled {
            item: Some(item),
            pool: Arc::clone(self),
            _permit: permit,
        })
    }
}

/// An item out of the pool; back in it when dropped.
pub struct Pooled<T> {
    item: Option<T>,
    pool: Arc<Pool<T>>,
    // Released after the item is back (fields drop in declaration order, but `drop` below
    // runs first).
    _permit: OwnedSemaphorePermit,
}

impl<T> std::ops::Deref for Pooled<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // Only `drop` takes the item out.
        self.item
            .as_ref()
            .expect("a pooled item is present until dropped")
    }
}

impl<T> std::ops::DerefMut for Pooled<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.item
            .as_mut()
            .expect("a pooled item is present until dropped")
    }
}

impl<T> Drop for Pooled<T> {
    fn drop(&mut self) {
        if let (Some(item), Ok(mut idle)) = (self.item.take(), self.pool.idle.lock()) {
            idle.push(item);
        }
    }
}
