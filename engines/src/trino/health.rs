//! Whether the Trino coordinator takes queries, as `auto` reads it: a `GET /v1/info` at
//! start and every interval after, and any request of a statement that could not reach it.

use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;

use super::protocol::Client;
use crate::Health;

/// The last known health of one coordinator; checking stops when the engine is dropped.
#[derive(Debug, Clone)]
pub(super) struct Monitor {
    state: Arc<RwLock<Health>>,
}

impl Monitor {
    /// Checks `client`'s coordinator now and every `interval`. Down until the first answer:
    /// a statement in `auto` that arrives before it runs in process rather than wait.
    pub fn start(client: Arc<Client>, interval: Duration) -> Self {
        let state = Arc::new(RwLock::new(Health::Down(format!(
            "trino at {} has not answered a health check yet",
            client.url()
        ))));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(watch(client, Arc::downgrade(&state), interval));
        }
        Self { state }
    }

    pub fn get(&self) -> Health {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A statement found the coordinator unreachable: down until a check says otherwise.
    pub fn down(&self, why: String) {
        set(&self.state, Health::Down(why));
    }
}

fn set(state: &RwLock<Health>, health: Health) {
    *state.write().unwrap_or_else(PoisonError::into_inner) = health;
}

async fn watch(client: Arc<Client>, state: Weak<RwLock<Health>>, interval: Duration) {
    loop {
        let health = match client.info().await {
            Ok(info) if info.starting => {
                Health::Down(format!("trino at {} is still starting", client.url()))
            }
            Ok(_) => Health::Up,
            Err(e) => Health::Down(e.to_string()),
        };
        let Some(state) = state.upgrade() else {
            return;
        };
        if let Health::Down(why) = &health {
            tracing::debug!(%why, "trino health check");
        }
        set(&state, health);
        drop(state);
        tokio::time::sleep(interval).await;
    }
}
