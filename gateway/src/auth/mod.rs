//! Who may connect: the one place both front ends ask.
//!
//! Without `[[user]]` entries every non-empty user name is trusted (DESIGN.md: loopback,
//! or `[server] trust = true`). With them, a pg login proves its password with SCRAM-SHA-256
//! against the user's verifier, and a Flight client sends it as Basic credentials.

mod scram;
mod verifier;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub use scram::{ScramExchange, SCRAM_SHA_256, SCRAM_SHA_256_PLUS};
pub use verifier::{ScramVerifier, DEFAULT_ITERATIONS};

use crate::error::GatewayError;

/// How long a failed login waits before it hears so: a fixed time, so that guessing
/// passwords is slow and a wrong password and an unknown user take equally long.
pub const FAILED_LOGIN_DELAY: Duration = Duration::from_millis(250);

/// Checks credentials.
#[derive(Debug, Default)]
pub struct Authenticator {
    /// Plaintext pg connections are refused (`[server] tls_required`).
    tls_required: bool,
    /// Each `[[user]]`'s verifier by name; empty: every login is trusted.
    users: HashMap<String, ScramVerifier>,
    /// The hash of the server's TLS certificate that SCRAM-SHA-256-PLUS binds to (RFC 5929);
    /// `None` without TLS, or for a certificate whose signature has no such hash.
    tls_end_point: Option<Arc<[u8]>>,
    /// Made-up salts for names no user has derive from this, so that a name gets the same
    /// salt each time it is tried, as a real user does.
    mock_key: [u8; 32],
}

impl Authenticator {
    pub fn new(
        tls_required: bool,
        users: HashMap<String, ScramVerifier>,
        tls_end_point: Option<Arc<[u8]>>,
    ) -> Self {
        Self {
            tls_required,
            users,
            tls_end_point,
            mock_key: rand::random(),
        }
    }

    /// Whether logins must prove a password (there are `[[user]]` entries).
    pub fn requires_password(&self) -> bool {
        !self.users.is_empty()
    }

    /// Whether a pg connection over TLS (`secure`) or not may log in, in PostgreSQL's words
    /// for a `hostssl`-only pg_hba.conf.
    pub fn admit_transport(
        &self,
        secure: bool,
        host: &str,
        user: &str,
        database: &str,
    ) -> Result<(), GatewayError> {
        if self.tls_required && !secure {
            return Err(GatewayError::PlaintextRefused {
                host: host.to_owned(),
                user: user.to_owned(),
                database: database.to_owned(),
            });
        }
        Ok(())
    }

    /// The SASL mechanisms offered to a pg connection, in PostgreSQL's order: with channel
    /// binding first where the connection is TLS.
    pub fn mechanisms(&self, secure: bool) -> Vec<String> {
        let mut mechanisms = Vec::with_capacity(2);
        if secure && self.tls_end_point.is_some() {
            mechanisms.push(SCRAM_SHA_256_PLUS.to_owned());
        }
        mechanisms.push(SCRAM_SHA_256.to_owned());
        mechanisms
    }

    /// Starts `user`'s SCRAM exchange from its client-first message; the exchange and the
    /// server-first message.
    pub fn start_scram(
        &self,
        user: &str,
        secure: bool,
        mechanism: &str,
        client_first: &[u8],
    ) -> Result<(ScramExchange, String), GatewayError> {
        let claimant = match self.users.get(user) {
            Some(known) => scram::Claimant::Known(known),
            None => scram::Claimant::Unknown(self.mock_verifier(user)),
        };
        let end_point = if secure {
            self.tls_end_point.as_ref()
        } else {
            None
        };
        ScramExchange::start(user, claimant, mechanism, client_first, end_point)
    }

    /// A verifier for a name no user has: its salt is fixed per name, its keys match no
    /// password (the exchange is doomed anyway).
    fn mock_verifier(&self, user: &str) -> ScramVerifier {
        let digest = verifier::hmac_sha256(&self.mock_key, user.as_bytes());
        ScramVerifier {
            iterations: DEFAULT_ITERATIONS,
            salt: digest[..16].to_vec(),
            stored_key: digest,
            server_key: digest,
        }
    }

    /// Accepts `user` with `password` when the protocol carried one (Flight SQL's Basic
    /// credentials), or says why not.
    pub fn authenticate(&self, user: &str, password: Option<&str>) -> Result<(), GatewayError> {
        if user.is_empty() {
            return Err(GatewayError::Unauthenticated(
                "the user name is empty".to_owned(),
            ));
        }
        if !self.requires_password() {
            return Ok(());
        }
        let Some(password) = password else {
            return Err(GatewayError::Unauthenticated(
                "this server requires a user name and password".to_owned(),
            ));
        };
        let proven = match self.users.get(user) {
            Some(known) => known.matches(password),
            None => {
                // The same key derivation as for a known name: timing does not tell.
                let _ = self.mock_verifier(user).matches(password);
                false
            }
        };
        if proven {
            Ok(())
        } else {
            Err(GatewayError::PasswordFailed {
                user: user.to_owned(),
            })
        }
    }
}

/// `error` after the fixed wait that every failed login pays.
pub async fn failed_login(error: GatewayError) -> GatewayError {
    tokio::time::sleep(FAILED_LOGIN_DELAY).await;
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_users_any_named_user_is_accepted_and_an_empty_name_is_28000() {
        let auth = Authenticator::default();
        assert!(auth.authenticate("alice", Some("secret")).is_ok());
        assert!(auth.authenticate("alice", None).is_ok());
        let err = auth.authenticate("", None).expect_err("empty user");
        assert_eq!(err.sqlstate(), "28000");
    }

    #[test]
    fn plaintext_is_28000_only_when_tls_is_required() {
        assert!(Authenticator::default()
            .admit_transport(false, "127.0.0.1", "alice", "junction")
            .is_ok());
        let required = Authenticator::new(true, HashMap::new(), None);
        assert!(required
            .admit_transport(true, "127.0.0.1", "alice", "junction")
            .is_ok());
        let err = required
            .admit_transport(false, "127.0.0.1", "alice", "junction")
            .expect_err("plaintext");
        assert_eq!(err.sqlstate(), "28000");
        assert!(err.to_string().contains("no encryption"), "{err}");
    }

    fn alice() -> Authenticator {
        let users = HashMap::from([(
            "alice".to_owned(),
            ScramVerifier::new("wonderland", DEFAULT_ITERATIONS),
        )]);
        Authenticator::new(false, users, None)
    }

    #[test]
    fn with_users_a_password_is_required_and_checked() {
        let auth = alice();
        assert!(auth.authenticate("alice", Some("wonderland")).is_ok());
        let wrong = auth
            .authenticate("alice", Some("looking-glass"))
            .expect_err("wrong password");
        let unknown = auth
            .authenticate("bob", Some("wonderland"))
            .expect_err("unknown user");
        assert_eq!(wrong.sqlstate(), "28P01");
        assert_eq!(unknown.sqlstate(), "28P01");
        assert_eq!(
            unknown.to_string(),
            "password authentication failed for user \"bob\""
        );
        let none = auth.authenticate("alice", None).expect_err("no password");
        assert_eq!(none.sqlstate(), "28000");
    }

    #[test]
    fn an_unknown_name_gets_the_same_salt_each_time() {
        let auth = alice();
        let salt = |user: &str| {
            let (_, first) = auth
                .start_scram(user, false, SCRAM_SHA_256, b"n,,n=,r=abc")
                .expect("first");
            first.split(',').nth(1).expect("salt").to_owned()
        };
        assert_eq!(salt("mallory"), salt("mallory"));
        assert_ne!(salt("mallory"), salt("trent"));
    }

    #[test]
    fn channel_binding_is_offered_only_over_tls_with_a_certificate_hash() {
        let bound = Authenticator::new(false, HashMap::new(), Some(Arc::from(&[1u8; 32][..])));
        assert_eq!(bound.mechanisms(true), [SCRAM_SHA_256_PLUS, SCRAM_SHA_256]);
        assert_eq!(bound.mechanisms(false), [SCRAM_SHA_256]);
        assert_eq!(alice().mechanisms(true), [SCRAM_SHA_256]);
    }
}
