//! Tickets: what GetFlightInfo hands out and DoGet redeems.
//!
//! A ticket carries 128 random bits and nothing else; the statement it stands for stays on
//! the server. It is bound to the session that asked for it, used once, and expires after
//! the configured TTL, so it can be neither forged, nor replayed, nor used by another
//! client. While its results stream, the ticket's cancellation token is what a cancel
//! request fires.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use arrow::datatypes::SchemaRef;
use arrow_flight::sql::{Any, ProstMessageExt, TicketStatementQuery};
use arrow_flight::{FlightInfo, Ticket};
use bytes::Bytes;
use datafusion::scalar::ScalarValue;
use moka::sync::Cache;
use prost::Message;
use tokio_util::sync::CancellationToken;

use crate::command::Command;
use crate::error::GatewayError;

type TicketId = [u8; 16];

/// At most this many unredeemed tickets; the oldest go first beyond it.
const MAX_TICKETS: u64 = 100_000;

/// A statement waiting for its DoGet.
#[derive(Debug)]
pub struct Issued {
    owner: String,
    pub command: Command,
    pub parameters: Vec<ScalarValue>,
    /// The result schema GetFlightInfo announced, which DoGet's stream must carry.
    pub schema: SchemaRef,
    pub cancel: CancellationToken,
}

/// Issued and running tickets.
pub struct Tickets {
    issued: Cache<TicketId, Arc<Issued>>,
    /// Tickets whose results are streaming: owner token and cancellation.
    running: Arc<Mutex<HashMap<TicketId, (String, CancellationToken)>>>,
}

impl std::fmt::Debug for Tickets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tickets")
            .field("issued", &self.issued.entry_count())
            .finish()
    }
}

/// What a cancel request found.
#[derive(Debug, PartialEq, Eq)]
pub enum Cancelled {
    /// The statement will not run, or stops now.
    Yes,
    /// None of the tickets is known any more (finished, expired, or never issued).
    Unknown,
}

/// A redeemed ticket: the statement, and the registration as running that ends with it.
pub struct Redeemed {
    pub issued: Arc<Issued>,
    pub running: RunningGuard,
}

impl Tickets {
    pub fn new(ttl: Duration) -> Self {
        Self {
            issued: Cache::builder()
                .max_capacity(MAX_TICKETS)
                .time_to_live(ttl)
                .build(),
            running: Arc::default(),
        }
    }

    /// A ticket for running `command` with `parameters` in the session of `owner`, its
    /// results announced as `schema`.
    pub fn issue(
        &self,
        owner: &str,
        command: Command,
        parameters: Vec<ScalarValue>,
        schema: SchemaRef,
    ) -> Ticket {
        let id: TicketId = rand::random();
        self.issued.insert(
            id,
            Arc::new(Issued {
                owner: owner.to_owned(),
                command,
                parameters,
                schema,
                cancel: CancellationToken::new(),
            }),
        );
        let handle = TicketStatementQuery {
            statement_handle: Bytes::copy_from_slice(&id),
        };
        Ticket::new(handle.as_any().encode_to_vec())
    }

    /// Takes the statement of `ticket` for the session of `owner`; a ticket of another
    /// session stays where it is, for its owner.
    pub fn redeem(
        &self,
        ticket: &TicketStatementQuery,
        owner: &str,
    ) -> Result<Redeemed, GatewayError> {
        let id = ticket_id(&ticket.statement_handle).ok_or_else(unknown_ticket)?;
        let issued = self.issued.get(&id).ok_or_else(unknown_ticket)?;
        if issued.owner != owner {
            return Err(GatewayError::PermissionDenied(
                "the ticket was issued to another session".to_owned(),
            ));
        }
        // Two concurrent redeems of one ticket: only the one that removes it runs.
        let issued = self.issued.remove(&id).ok_or_else(unknown_ticket)?;
        if issued.cancel.is_cancelled() {
            return Err(GatewayError::Cancelled);
        }
        lock(&self.running).insert(id, (owner.to_owned(), issued.cancel.clone()));
        Ok(Redeemed {
            issued,
            running: RunningGuard {
                id,
                running: Arc::clone(&self.running),
            },
        })
    }

    /// Cancels the statements of `info`'s tickets that belong to `owner`.
    pub fn cancel(&self, info: &FlightInfo, owner: &str) -> Cancelled {
        let mut found = Cancelled::Unknown;
        for endpoint in &info.endpoint {
            let Some(id) = endpoint
                .ticket
                .as_ref()
                .and_then(|t| Any::decode(t.ticket.clone()).ok())
                .and_then(|any| any.unpack::<TicketStatementQuery>().ok().flatten())
                .and_then(|t| ticket_id(&t.statement_handle))
            else {
                continue;
            };
            if let Some(issued) = self.issued.get(&id).filter(|i| i.owner == owner) {
                issued.cancel.cancel();
                self.issued.invalidate(&id);
                found = Cancelled::Yes;
            }
            if let Some((_, cancel)) = lock(&self.running).get(&id).filter(|(o, _)| o == owner) {
                cancel.cancel();
                found = Cancelled::Yes;
            }
        }
        found
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Plain data: a panic elsewhere cannot leave it inconsistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn ticket_id(handle: &[u8]) -> Option<TicketId> {
    handle.try_into().ok()
}

fn unknown_ticket() -> GatewayError {
    GatewayError::UnknownHandle(
        "the ticket is unknown, expired or already used; call GetFlightInfo again".to_owned(),
    )
}

/// Keeps a ticket registered as running until its stream ends or is dropped.
pub struct RunningGuard {
    id: TicketId,
    running: Arc<Mutex<HashMap<TicketId, (String, CancellationToken)>>>,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        lock(&self.running).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use arrow::datatypes::Schema;
    use arrow_flight::FlightEndpoint;

    use super::*;

    fn statement_of(ticket: &Ticket) -> TicketStatementQuery {
        Any::decode(ticket.ticket.clone())
            .expect("an Any")
            .unpack()
            .expect("a TicketStatementQuery")
            .expect("present")
    }

    #[test]
    fn a_ticket_is_single_use_and_bound_to_its_session() {
        let tickets = Tickets::new(Duration::from_secs(60));
        let ticket = tickets.issue("alice", Command::Begin, vec![], Arc::new(Schema::empty()));
        let statement = statement_of(&ticket);
        let err = tickets
            .redeem(&statement, "mallory")
            .err()
            .expect("foreign");
        assert_eq!(err.sqlstate(), "42501");
        let redeemed = tickets.redeem(&statement, "alice").expect("the owner's");
        assert!(matches!(redeemed.issued.command, Command::Begin));
        let err = tickets.redeem(&statement, "alice").err().expect("replayed");
        assert_eq!(err.sqlstate(), "26000");
    }

    #[test]
    fn forged_and_expired_tickets_are_unknown() {
        let tickets = Tickets::new(Duration::from_millis(1));
        let forged = TicketStatementQuery {
            statement_handle: Bytes::from_static(&[7; 16]),
        };
        assert_eq!(
            tickets
                .redeem(&forged, "alice")
                .err()
                .expect("forged")
                .sqlstate(),
            "26000"
        );
        let ticket = tickets.issue("alice", Command::Begin, vec![], Arc::new(Schema::empty()));
        std::thread::sleep(Duration::from_millis(20));
        let err = tickets
            .redeem(&statement_of(&ticket), "alice")
            .err()
            .expect("expired");
        assert_eq!(err.sqlstate(), "26000");
    }

    #[test]
    fn cancel_fires_waiting_and_running_tickets_of_the_owner_only() {
        let tickets = Tickets::new(Duration::from_secs(60));
        let waiting = tickets.issue("alice", Command::Begin, vec![], Arc::new(Schema::empty()));
        let info =
            FlightInfo::new().with_endpoint(FlightEndpoint::new().with_ticket(waiting.clone()));
        assert_eq!(tickets.cancel(&info, "mallory"), Cancelled::Unknown);
        assert_eq!(tickets.cancel(&info, "alice"), Cancelled::Yes);
        assert!(tickets.redeem(&statement_of(&waiting), "alice").is_err());

        let running = tickets.issue("alice", Command::Begin, vec![], Arc::new(Schema::empty()));
        let redeemed = tickets
            .redeem(&statement_of(&running), "alice")
            .expect("fresh");
        let info = FlightInfo::new().with_endpoint(FlightEndpoint::new().with_ticket(running));
        assert_eq!(tickets.cancel(&info, "alice"), Cancelled::Yes);
        assert!(redeemed.issued.cancel.is_cancelled());
        drop(redeemed);
        assert_eq!(tickets.cancel(&info, "alice"), Cancelled::Unknown);
    }
}
