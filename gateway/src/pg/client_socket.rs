//! Whether a pg client is still there while its statement runs.
//!
//! pgwire reads the socket only between statements, so a client that hangs up while its
//! statement plans or computes would leave the work running to the end. Its socket is
//! polled for a hang-up (without reading: pipelined messages stay for pgwire) while the
//! statement runs, and the statement stops when the client is gone.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::Mutex;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

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
/// own (pgwire hands handlers the peer address, not the socket), each with the token that
/// ends its connection (`pg_terminate_backend`).
#[derive(Debug, Default)]
pub struct Sockets(Mutex<HashMap<SocketAddr, (RawFd, CancellationToken)>>);

impl Sockets {
    /// Notes the connection from `peer`; the token returned ends it when fired.
    pub fn insert(&self, peer: SocketAddr, fd: RawFd) -> CancellationToken {
        let end = CancellationToken::new();
        self.lock().insert(peer, (fd, end.clone()));
        end
    }

    pub fn remove(&self, peer: &SocketAddr) {
        self.lock().remove(peer);
    }

    pub fn get(&self, peer: &SocketAddr) -> Option<ClientSocket> {
        self.lock().get(peer).map(|(fd, _)| ClientSocket(*fd))
    }

    /// The token that ends the connection from `peer`.
    pub fn ender(&self, peer: &SocketAddr) -> Option<CancellationToken> {
        self.lock().get(peer).map(|(_, end)| end.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, (RawFd, CancellationToken)>> {
        // Plain data: a panic elsewhere cannot leave it inconsistent.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A second handle on a connection's socket, to tell the client why the connection ends
/// after pgwire dropped its own (a malformed message that made its decoder panic).
#[derive(Debug)]
pub struct LastWord(OwnedFd);

impl LastWord {
    /// `None` when the process has no descriptor to spare; the connection works the same.
    pub fn of(socket: &tokio::net::TcpStream) -> Option<Self> {
        socket.as_fd().try_clone_to_owned().ok().map(LastWord)
    }

    /// Sends PostgreSQL's answer to a malformed message, FATAL 08P01; the connection closes
    /// when this handle drops.
    pub fn protocol_violation(self) {
        self.fatal("08P01", "invalid frontend message");
    }

    /// Sends PostgreSQL's word to a connection `pg_terminate_backend` ended, FATAL 57P01.
    pub fn terminated(self) {
        self.fatal(
            "57P01",
            "terminating connection due to administrator command",
        );
    }

    fn fatal(self, sqlstate: &str, message: &str) {
        let mut body = Vec::new();
        for (field, value) in [
            (b'S', "FATAL"),
            (b'V', "FATAL"),
            (b'C', sqlstate),
            (b'M', message),
        ] {
            body.push(field);
            body.extend_from_slice(value.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut message = vec![b'E'];
        message.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
        message.extend_from_slice(&body);
        // The socket is non-blocking; a message this small fits its send buffer unless the
        // client stopped reading, and then it is lost with the connection anyway.
        let mut file = std::fs::File::from(self.0);
        if let Err(e) = file.write_all(&message) {
            tracing::debug!(fd = file.as_raw_fd(), error = %e, "the last word was not sent");
        }
    }
}
