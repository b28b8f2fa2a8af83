//! How busy this machine is: the statements running on its in-process engines now. They
//! share its cores, so each one running slows a new one here; a remote engine has its own.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Clones share the count.
#[derive(Debug, Clone, Default)]
pub(crate) struct Load {
    running: Arc<AtomicU32>,
}

impl Load {
    /// Statements running in process now.
    pub fn running(&self) -> u32 {
        self.running.load(Ordering::Relaxed)
    }

    /// One more statement runs in process until the returned guard is dropped.
    pub fn start(&self) -> Running {
        self.running.fetch_add(1, Ordering::Relaxed);
        Running { load: self.clone() }
    }
}

/// A statement running in process.
#[derive(Debug)]
pub(crate) struct Running {
    load: Load,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.load.running.fetch_sub(1, Ordering::Relaxed);
    }
}
