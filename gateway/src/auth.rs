//! Who may connect: the one place both front ends ask.
//!
//! Permissive for now (DESIGN.md: loopback, no passwords): every non-empty user name is
//! accepted, with or without a password. Real checks (password files, LDAP, tokens) belong
//! here, so that the pg startup and the Flight handshake keep asking the same question.

use crate::error::GatewayError;

/// Checks credentials.
#[derive(Debug, Default)]
pub struct Authenticator {
    /// Plaintext pg connections are refused (`[server] tls_required`).
    tls_required: bool,
}

impl Authenticator {
    pub fn new(tls_required: bool) -> Self {
        Self { tls_required }
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

    /// Accepts `user` (with `password` when the protocol carried one) or says why not.
    pub fn authenticate(&self, user: &str, _password: Option<&str>) -> Result<(), GatewayError> {
        if user.is_empty() {
            return Err(GatewayError::Unauthenticated(
                "the user name is empty".to_owned(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_named_user_is_accepted_and_an_empty_name_is_28000() {
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
        let required = Authenticator::new(true);
        assert!(required
            .admit_transport(true, "127.0.0.1", "alice", "junction")
            .is_ok());
        let err = required
            .admit_transport(false, "127.0.0.1", "alice", "junction")
            .expect_err("plaintext");
        assert_eq!(err.sqlstate(), "28000");
        assert!(err.to_string().contains("no encryption"), "{err}");
    }
}
