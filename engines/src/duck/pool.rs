//! A fixed pool of connections to the one in-process DuckDB database.
//!
//! A DuckDB connection runs one query at a time, and its statements borrow it, so a query
//! takes a connection out of the pool for its whole life (until its last batch was sent or
//! the client let go) and gives it back on drop.

use std::sync::{Arc, Mutex};

use duckdb::Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{EngineError, Result};

#[derive(Debug)]
pub struct Pool {
    idle: Mutex<Vec<Connection>>,
    available: Arc<Semaphore>,
}

impl Pool {
    /// `size` connections to the database `first` is connected to.
    pub fn new(first: Connection, size: usize) -> Result<Self> {
        let mut idle = Vec::with_capacity(size.max(1));
        for _ in 1..size.max(1) {
            idle.push(first.try_clone().map_err(EngineError::from)?);
        }
        idle.push(first);
        Ok(Self {
            available: Arc::new(Semaphore::new(idle.len())),
            idle: Mutex::new(idle),
        })
    }

    /// Waits for an idle connection.
    pub async fn get(self: &Arc<Self>) -> Result<Pooled> {
        let permit = Arc::clone(&self.available)
            .acquire_owned()
            .await
            .map_err(|_| {
                EngineError::Unavailable("duckdb: the connection pool is closed".into())
            })?;
        let connection = self
            .idle
            .lock()
            .map_err(|_| {
                EngineError::Unavailable("duckdb: the connection pool is poisoned".into())
            })?
            .pop()
            .ok_or_else(|| EngineError::Unavailable("duckdb: no idle connection".into()))?;
        Ok(Pooled {
            connection: Some(connection),
            pool: Arc::clone(self),
            _permit: permit,
        })
    }
}

/// A connection out of the pool; back in it when dropped.
pub struct Pooled {
    connection: Option<Connection>,
    pool: Arc<Pool>,
    // Released after the connection is back (fields drop in declaration order, but `drop`
    // below runs first).
    _permit: OwnedSemaphorePermit,
}

impl std::ops::Deref for Pooled {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        // Only `drop` takes the connection out.
        self.connection
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let (Some(connection), Ok(mut idle)) = (self.connection.take(), self.pool.idle.lock()) {
            idle.push(connection);
        }
    }
}
