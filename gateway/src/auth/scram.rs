//! The server's side of a SCRAM-SHA-256 exchange (RFC 5802, 7677), with the
//! `tls-server-end-point` channel binding of SCRAM-SHA-256-PLUS (RFC 5929) on TLS, checked
//! against a PostgreSQL verifier's StoredKey and ServerKey as PostgreSQL does.
//!
//! Two steps: [`ScramExchange::start`] reads the client-first message and answers the
//! server-first; [`ScramExchange::finish`] checks the client's proof and answers the
//! server-final. Messages and errors are PostgreSQL's.

use std::sync::Arc;

use aws_lc_rs::constant_time;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::verifier::{hmac_sha256, sha256, ScramVerifier, KEY_LEN};
use crate::error::GatewayError;

pub const SCRAM_SHA_256: &str = "SCRAM-SHA-256";
pub const SCRAM_SHA_256_PLUS: &str = "SCRAM-SHA-256-PLUS";
const TLS_SERVER_END_POINT: &str = "tls-server-end-point";

fn malformed(detail: impl std::fmt::Display) -> GatewayError {
    GatewayError::AuthProtocol(format!("malformed SCRAM message: {detail}"))
}

/// Whose password is checked: a configured user, or a name no user has, whose exchange runs
/// to its end with a made-up verifier and then fails like a wrong password, so that a client
/// cannot tell the two apart (PostgreSQL's mock authentication).
pub enum Claimant<'a> {
    Known(&'a ScramVerifier),
    Unknown(ScramVerifier),
}

/// An exchange waiting for the client-final message.
pub struct ScramExchange {
    user: String,
    verifier: ScramVerifier,
    doomed: bool,
    client_first_bare: String,
    server_first: String,
    nonce: String,
    /// What `c=` must carry: base64 of the GS2 header and, for channel binding, the
    /// certificate hash.
    channel_binding: String,
}

impl ScramExchange {
    /// Reads the client-first message of `mechanism` (a SASLInitialResponse). On a TLS
    /// connection `tls_end_point` is the hash of the server's certificate, and -PLUS was
    /// offered.
    pub fn start(
        user: &str,
        claimant: Claimant<'_>,
        mechanism: &str,
        client_first: &[u8],
        tls_end_point: Option<&Arc<[u8]>>,
    ) -> Result<(Self, String), GatewayError> {
        let server_nonce = STANDARD.encode(rand::random::<[u8; 18]>());
        Self::start_with_nonce(
            user,
            claimant,
            mechanism,
            client_first,
            tls_end_point,
            &server_nonce,
        )
    }

    fn start_with_nonce(
        user: &str,
        claimant: Claimant<'_>,
        mechanism: &str,
        client_first: &[u8],
        tls_end_point: Option<&Arc<[u8]>>,
        server_nonce: &str,
    ) -> Result<(Self, String), GatewayError> {
        let plus = match mechanism {
            SCRAM_SHA_256 => false,
            SCRAM_SHA_256_PLUS => true,
            other => {
                return Err(GatewayError::AuthProtocol(format!(
                    "client selected an invalid SASL authentication mechanism \"{other}\""
                )))
            }
        };
        let text = std::str::from_utf8(client_first).map_err(|_| malformed("not UTF-8"))?;
        let (flag, rest) = text
            .split_once(',')
            .ok_or_else(|| malformed("no GS2 header"))?;
        let (authzid, bare) = rest
            .split_once(',')
            .ok_or_else(|| malformed("no GS2 header"))?;
        if !authzid.is_empty() {
            return Err(GatewayError::AuthProtocol(
                "client uses authorization identity, but it is not supported".to_owned(),
            ));
        }
        let gs2_header = &text[..flag.len() + 1 + authzid.len() + 1];
        let binding = match flag {
            "n" if !plus => None,
            "y" if !plus => {
                if tls_end_point.is_some() {
                    return Err(GatewayError::AuthProtocol(
                        "SCRAM channel binding negotiation error: the client supports SCRAM \
                         channel binding but thinks the server does not; this server does"
                            .to_owned(),
                    ));
                }
                None
            }
            "n" | "y" => {
                return Err(malformed(
                    "the client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not \
                     include channel binding data",
                ))
            }
            flag => match flag.strip_prefix("p=") {
                Some(_) if !plus => {
                    return Err(malformed(
                        "the client selected SCRAM-SHA-256 without channel binding, but the \
                         SCRAM message includes channel binding data",
                    ))
                }
                Some(TLS_SERVER_END_POINT) => Some(tls_end_point.ok_or_else(|| {
                    GatewayError::AuthProtocol(
                        "SCRAM channel binding is only offered over TLS".to_owned(),
                    )
                })?),
                Some(other) => {
                    return Err(GatewayError::AuthProtocol(format!(
                        "unsupported SCRAM channel-binding type \"{other}\""
                    )))
                }
                None => return Err(malformed(format!("unexpected GS2 flag \"{flag}\""))),
            },
        };
        let mut attributes = bare.split(',');
        let first = attributes.next().unwrap_or_default();
        if first.starts_with("m=") {
            return Err(malformed("mandatory extensions are not supported"));
        }
        if !first.starts_with("n=") {
            return Err(malformed("expected attribute \"n\""));
        }
        let client_nonce = attributes
            .next()
            .and_then(|a| a.strip_prefix("r="))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| (0x21..=0x7e).contains(&b)))
            .ok_or_else(|| malformed("expected a printable nonce in attribute \"r\""))?;

        let mut expected_binding = gs2_header.as_bytes().to_vec();
        if let Some(end_point) = binding {
            expected_binding.extend_from_slice(end_point);
        }
        let (verifier, doomed) = match claimant {
            Claimant::Known(verifier) => (verifier.clone(), false),
            Claimant::Unknown(mock) => (mock, true),
        };
        let nonce = format!("{client_nonce}{server_nonce}");
        let server_first = format!(
            "r={nonce},s={},i={}",
            STANDARD.encode(&verifier.salt),
            verifier.iterations
        );
        let exchange = Self {
            user: user.to_owned(),
            verifier,
            doomed,
            client_first_bare: bare.to_owned(),
            server_first: server_first.clone(),
            nonce,
            channel_binding: STANDARD.encode(expected_binding),
        };
        Ok((exchange, server_first))
    }

    /// Checks the client-final message (a SASLResponse); the server-final message to send
    /// when the proof holds.
    pub fn finish(self, client_final: &[u8]) -> Result<String, GatewayError> {
        let text = std::str::from_utf8(client_final).map_err(|_| malformed("not UTF-8"))?;
        let (without_proof, proof) = text
            .rsplit_once(",p=")
            .ok_or_else(|| malformed("no proof (attribute \"p\")"))?;
        let mut attributes = without_proof.split(',');
        let binding = attributes
            .next()
            .and_then(|a| a.strip_prefix("c="))
            .ok_or_else(|| malformed("expected attribute \"c\""))?;
        let nonce = attributes
            .next()
            .and_then(|a| a.strip_prefix("r="))
            .ok_or_else(|| malformed("expected attribute \"r\""))?;
        if binding != self.channel_binding {
            return Err(GatewayError::AuthProtocol(
                "SCRAM channel binding check failed".to_owned(),
            ));
        }
        if nonce != self.nonce {
            return Err(GatewayError::AuthProtocol(
                "invalid SCRAM response: nonce does not match".to_owned(),
            ));
        }
        let proof = STANDARD
            .decode(proof)
            .ok()
            .and_then(|p| <[u8; KEY_LEN]>::try_from(p).ok())
            .ok_or_else(|| malformed("the proof is not 32 bytes of base64"))?;

        let auth_message = format!(
            "{},{},{without_proof}",
            self.client_first_bare, self.server_first
        );
        let signature = hmac_sha256(&self.verifier.stored_key, auth_message.as_bytes());
        let mut client_key = proof;
        for (k, s) in client_key.iter_mut().zip(signature) {
            *k ^= s;
        }
        let proven =
            constant_time::verify_slices_are_equal(&sha256(&client_key), &self.verifier.stored_key)
                .is_ok();
        if self.doomed || !proven {
            return Err(GatewayError::PasswordFailed { user: self.user });
        }
        let server_signature = hmac_sha256(&self.verifier.server_key, auth_message.as_bytes());
        Ok(format!("v={}", STANDARD.encode(server_signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::verifier::DEFAULT_ITERATIONS;
    use super::*;

    /// RFC 7677's example exchange: user "user", password "pencil".
    const SALT: &str = "W22ZaJ0SNY7soEsUEjb6gQ==";
    const CLIENT_FIRST: &str = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    const SERVER_NONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";

    fn pencil() -> ScramVerifier {
        let salt = STANDARD.decode(SALT).expect("base64");
        ScramVerifier::with_salt("pencil", &salt, DEFAULT_ITERATIONS)
    }

    fn start(
        claimant: Claimant<'_>,
        mechanism: &str,
        first: &str,
        end_point: Option<&Arc<[u8]>>,
    ) -> Result<(ScramExchange, String), GatewayError> {
        ScramExchange::start_with_nonce(
            "user",
            claimant,
            mechanism,
            first.as_bytes(),
            end_point,
            SERVER_NONCE,
        )
    }

    #[test]
    fn rfc_7677_example() {
        let verifier = pencil();
        let (exchange, server_first) = start(
            Claimant::Known(&verifier),
            SCRAM_SHA_256,
            CLIENT_FIRST,
            None,
        )
        .expect("first");
        assert_eq!(
            server_first,
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        );
        let server_final = exchange.finish(CLIENT_FINAL.as_bytes()).expect("proof");
        assert_eq!(
            server_final,
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
    }

    #[test]
    fn a_wrong_proof_and_an_unknown_user_fail_alike_with_28p01() {
        let other = ScramVerifier::with_salt(
            "not pencil",
            &STANDARD.decode(SALT).expect("base64"),
            DEFAULT_ITERATIONS,
        );
        let (exchange, _) =
            start(Claimant::Known(&other), SCRAM_SHA_256, CLIENT_FIRST, None).expect("first");
        let wrong = exchange
            .finish(CLIENT_FINAL.as_bytes())
            .expect_err("wrong password");
        // The right password against a made-up verifier still fails: the user is unknown.
        let (exchange, _) = start(
            Claimant::Unknown(pencil()),
            SCRAM_SHA_256,
            CLIENT_FIRST,
            None,
        )
        .expect("first");
        let unknown = exchange
            .finish(CLIENT_FINAL.as_bytes())
            .expect_err("unknown user");
        for err in [wrong, unknown] {
            assert_eq!(err.sqlstate(), "28P01");
            assert_eq!(
                err.to_string(),
                "password authentication failed for user \"user\""
            );
        }
    }

    #[test]
    fn channel_binding_carries_the_certificate_hash() {
        let verifier = pencil();
        let end_point: Arc<[u8]> = Arc::from(&[7u8; 32][..]);
        let first = "p=tls-server-end-point,,n=,r=abc";
        let (exchange, server_first) = start(
            Claimant::Known(&verifier),
            SCRAM_SHA_256_PLUS,
            first,
            Some(&end_point),
        )
        .expect("first");
        let mut binding = b"p=tls-server-end-point,,".to_vec();
        binding.extend_from_slice(&end_point);
        let without_proof = format!("c={},r=abc{SERVER_NONCE}", STANDARD.encode(&binding));
        // The client's proof, computed as a client does from the salted password.
        let salt = STANDARD.decode(SALT).expect("base64");
        let mut salted = [0u8; KEY_LEN];
        aws_lc_rs::pbkdf2::derive(
            aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
            DEFAULT_ITERATIONS,
            &salt,
            b"pencil",
            &mut salted,
        );
        let client_key = hmac_sha256(&salted, b"Client Key");
        let auth_message = format!("n=,r=abc,{server_first},{without_proof}");
        let signature = hmac_sha256(&sha256(&client_key), auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let client_final = format!("{without_proof},p={}", STANDARD.encode(proof));
        assert!(exchange.finish(client_final.as_bytes()).is_ok());

        // The same proof over a binding of another certificate fails the check.
        let (exchange, _) = start(
            Claimant::Known(&verifier),
            SCRAM_SHA_256_PLUS,
            first,
            Some(&Arc::from(&[8u8; 32][..])),
        )
        .expect("first");
        let err = exchange
            .finish(client_final.as_bytes())
            .expect_err("other certificate");
        assert_eq!(err.to_string(), "SCRAM channel binding check failed");
    }

    #[test]
    fn negotiation_mistakes_are_protocol_violations() {
        let verifier = pencil();
        let end_point: Arc<[u8]> = Arc::from(&[7u8; 32][..]);
        for (mechanism, first, end_point, says) in [
            // A client that could bind, told (by a man in the middle) that we cannot.
            (
                SCRAM_SHA_256,
                "y,,n=,r=abc",
                Some(&end_point),
                "negotiation error",
            ),
            (
                SCRAM_SHA_256_PLUS,
                "n,,n=,r=abc",
                Some(&end_point),
                "does not include",
            ),
            (
                SCRAM_SHA_256,
                "p=tls-server-end-point,,n=,r=abc",
                None,
                "includes channel",
            ),
            (
                SCRAM_SHA_256_PLUS,
                "p=tls-unique,,n=,r=abc",
                Some(&end_point),
                "tls-unique",
            ),
            (
                SCRAM_SHA_256_PLUS,
                "p=tls-server-end-point,,n=,r=abc",
                None,
                "only offered",
            ),
            (
                SCRAM_SHA_256,
                "n,a=admin,n=,r=abc",
                None,
                "authorization identity",
            ),
            (SCRAM_SHA_256, "n,,n=,r=", None, "nonce"),
            (
                SCRAM_SHA_256,
                "n,,m=x,n=,r=abc",
                None,
                "mandatory extensions",
            ),
            (SCRAM_SHA_256, "garbage", None, "GS2 header"),
            ("SCRAM-SHA-1", "n,,n=,r=abc", None, "SCRAM-SHA-1"),
        ] {
            let Err(err) = start(Claimant::Known(&verifier), mechanism, first, end_point) else {
                panic!("{mechanism} {first} accepted");
            };
            assert_eq!(err.sqlstate(), "08P01", "{first}");
            assert!(err.to_string().contains(says), "{first}: {err}");
        }
        let (exchange, _) = start(
            Claimant::Known(&verifier),
            SCRAM_SHA_256,
            CLIENT_FIRST,
            None,
        )
        .expect("first");
        let err = exchange
            .finish(CLIENT_FINAL.replace("%hv", "%hw").as_bytes())
            .expect_err("nonce");
        assert!(err.to_string().contains("nonce"), "{err}");
    }
}
