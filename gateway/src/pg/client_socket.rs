//! Whether a pg client is still there while its statement runs.
//!
//! pgwire reads the socket only between statements, so a client that hangs up while its
//! statement plans or computes would leave the work running to the end. Its socket is
//! polled for a hang-up (without reading: pipelined messages stay for pgwire) while the
//! statement runs, and the statement stops when the client is gone.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::sync::Mutex;
use std::time::Duration;

/// How often a running statement looks for its client.
const INTERVAL: Duration = Duration::from_millis(100);

/// A connection's socket, valid while its connection task runs (and so while any of its
/// statements does).
#[derive(Debug, Clone, Copy)]
pub struct ClientSocket(RawFd);

impl ClientSocket {
    /// Whether the client hung up or the connection broke.
    pub fn gone(self) -> bool {
        let mut poll = libc::pollfd {
            fd: self.0,
            events: libc::POLLRDHUP,
            revents: 0,
        };
        // SAFETY: one valid pollfd, a zero timeout; the descriptor stays open while the
        // connection's task runs, which is the only time this is called.
        let ready = unsafe { libc::poll(&mut poll, 1, 0) };
        let gone = libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR | libc::POLLNVAL;
        ready > 0 && poll.revents & gone != 0
    }

    /// Resolves when the client is gone.
    pub async fn closed(self) {
        let mut interval = tokio::time::interval(INTERVAL);
        loop {
            interval.tick().await;
            if self.gone() {
                return;
            }
        }
    }
}

/// The sockets of live connections by peer address, for the startup handler to find its
/// own (pgwire hands handlers the peer address, not the socket).
#[derive(Debug, Default)]
pub struct Sockets(Mutex<HashMap<SocketAddr, RawFd>>);

impl Sockets {
    pub fn insert(&self, peer: SocketAddr, fd: RawFd) {
        self.lock().insert(peer, fd);
    }

    pub fn remove(&self, peer: &SocketAddr) {
        self.lock().remove(peer);
    }

    pub fn get(&self, peer: &SocketAddr) -> Option<ClientSocket> {
        self.lock().get(peer).copied().map(ClientSocket)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, RawFd>> {
        // Plain data: a panic elsewhere cannot leave it inconsistent.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
