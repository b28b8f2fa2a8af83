//! CancelRequest handling: a cancel key names a connection; its running statement stops.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use async_trait::async_trait;
use bytes::Bytes;
use pgwire::api::cancel::CancelHandler;
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::startup::SecretKey;

use crate::session::Session;

type Key = (i32, Bytes);

/// Live connections by cancel key.
#[derive(Debug, Default)]
pub struct CancelRegistry {
    sessions: Mutex<HashMap<Key, Weak<Session>>>,
}

impl CancelRegistry {
    /// Registers `session`; the entry lives as long as the returned guard.
    pub fn register(
        self: &Arc<Self>,
        pid: i32,
        secret: &SecretKey,
        session: &Arc<Session>,
    ) -> CancelGuard {
        let key = (pid, secret.to_bytes());
        self.lock().insert(key.clone(), Arc::downgrade(session));
        CancelGuard {
            key,
            registry: Arc::clone(self),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Weak<Session>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl CancelHandler for CancelRegistry {
    async fn on_cancel_request(&self, request: CancelRequest) {
        let key = (request.pid, request.secret_key.to_bytes());
        let session = self.lock().get(&key).and_then(Weak::upgrade);
        // A wrong key is ignored silently, as PostgreSQL does.
        if let Some(session) = session {
            session.cancel();
        }
    }
}

/// Removes a connection's cancel key when the connection ends.
pub struct CancelGuard {
    key: Key,
    registry: Arc<CancelRegistry>,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.key);
    }
}
