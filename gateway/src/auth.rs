//! Who may connect: the one place both front ends ask.
//!
//! Permissive for now (DESIGN.md: loopback, no passwords): every non-empty user name is
//! accepted, with or without a password. Real checks (password files, LDAP, tokens) belong
//! here, so that the pg startup and the Flight handshake keep asking the same question.

use crate::error::GatewayError;

/// Checks credentials.
#[derive(Debug, Default)]
pub struct Authenticator;

impl Authenticator {
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
        let auth = Authenticator;
        assert!(auth.authenticate("alice", Some("secret")).is_ok());
        assert!(auth.authenticate("alice", None).is_ok());
        let err = auth.authenticate("", None).expect_err("empty user");
        assert_eq!(err.sqlstate(), "28000");
    }
}
