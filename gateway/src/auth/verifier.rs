//! PostgreSQL's SCRAM-SHA-256 password verifiers (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`,
//! RFC 5802 and 7677): what `[[user]] password` holds and `junction hash-password` prints.
//! The server keeps only these two keys, never the password, as PostgreSQL does.

use std::borrow::Cow;
use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use aws_lc_rs::{constant_time, digest, hmac, pbkdf2};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// PostgreSQL's `scram_iterations` default.
pub const DEFAULT_ITERATIONS: NonZeroU32 = match NonZeroU32::new(4096) {
    Some(n) => n,
    None => unreachable!(),
};

/// PostgreSQL's salt length (`SCRAM_DEFAULT_SALT_LEN`).
const SALT_LEN: usize = 16;

/// SHA-256's output: the length of every key here.
pub const KEY_LEN: usize = 32;

const PREFIX: &str = "SCRAM-SHA-256$";

/// A user's SCRAM-SHA-256 secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    pub(super) iterations: NonZeroU32,
    pub(super) salt: Vec<u8>,
    pub(super) stored_key: [u8; KEY_LEN],
    pub(super) server_key: [u8; KEY_LEN],
}

/// Secrets never reach a log, not even derived ones.
impl fmt::Debug for ScramVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramVerifier")
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl ScramVerifier {
    /// The verifier of `password` with a fresh random salt.
    pub fn new(password: &str, iterations: NonZeroU32) -> Self {
        let salt: [u8; SALT_LEN] = rand::random();
        Self::with_salt(password, &salt, iterations)
    }

    pub(super) fn with_salt(password: &str, salt: &[u8], iterations: NonZeroU32) -> Self {
        let salted = salted_password(password, salt, iterations);
        let client_key = hmac_sha256(&salted, b"Client Key");
        Self {
            iterations,
            salt: salt.to_vec(),
            stored_key: sha256(&client_key),
            server_key: hmac_sha256(&salted, b"Server Key"),
        }
    }

    /// Whether `password` is the one this verifier was made from (Basic credentials on
    /// Flight SQL), compared in constant time.
    pub fn matches(&self, password: &str) -> bool {
        let salted = salted_password(password, &self.salt, self.iterations);
        let stored_key = sha256(&hmac_sha256(&salted, b"Client Key"));
        constant_time::verify_slices_are_equal(&stored_key, &self.stored_key).is_ok()
    }
}

/// `Hi(Normalize(password), salt, i)`. Normalize is SASLprep; like PostgreSQL, a password
/// SASLprep refuses is used as its bytes.
fn salted_password(password: &str, salt: &[u8], iterations: NonZeroU32) -> [u8; KEY_LEN] {
    let normalized = stringprep::saslprep(password).unwrap_or(Cow::Borrowed(password));
    let mut out = [0u8; KEY_LEN];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        normalized.as_bytes(),
        &mut out,
    );
    out
}

pub(super) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; KEY_LEN] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), message);
    let mut out = [0u8; KEY_LEN];
    out.copy_from_slice(tag.as_ref());
    out
}

pub(super) fn sha256(message: &[u8]) -> [u8; KEY_LEN] {
    let hash = digest::digest(&digest::SHA256, message);
    let mut out = [0u8; KEY_LEN];
    out.copy_from_slice(hash.as_ref());
    out
}

impl fmt::Display for ScramVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{PREFIX}{}:{}${}:{}",
            self.iterations,
            STANDARD.encode(&self.salt),
            STANDARD.encode(self.stored_key),
            STANDARD.encode(self.server_key)
        )
    }
}

impl FromStr for ScramVerifier {
    /// What is wrong with the text, without repeating it (it is a secret).
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let rest = text.strip_prefix(PREFIX).ok_or_else(|| {
            "not a SCRAM-SHA-256 verifier (it starts with SCRAM-SHA-256$; make one with \
             `junction hash-password`)"
                .to_owned()
        })?;
        let shape = || {
            "a SCRAM-SHA-256 verifier reads SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>"
                .to_owned()
        };
        let (iterations_salt, keys) = rest.split_once('$').ok_or_else(shape)?;
        let (iterations, salt) = iterations_salt.split_once(':').ok_or_else(shape)?;
        let (stored_key, server_key) = keys.split_once(':').ok_or_else(shape)?;
        let iterations = iterations.parse::<NonZeroU32>().map_err(|_| {
            format!("the iteration count \"{iterations}\" is not a positive integer")
        })?;
        let salt = STANDARD
            .decode(salt)
            .map_err(|_| "the salt is not base64".to_owned())?;
        if salt.is_empty() {
            return Err("the salt is empty".to_owned());
        }
        let key = |text: &str, name: &str| -> Result<[u8; KEY_LEN], String> {
            STANDARD
                .decode(text)
                .ok()
                .and_then(|bytes| <[u8; KEY_LEN]>::try_from(bytes).ok())
                .ok_or_else(|| format!("the {name} is not {KEY_LEN} bytes of base64"))
        };
        Ok(Self {
            iterations,
            salt,
            stored_key: key(stored_key, "StoredKey")?,
            server_key: key(server_key, "ServerKey")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_postgresql_writes() {
        // PostgreSQL 15's pg_authid.rolpassword after `CREATE ROLE u PASSWORD 'pencil'`.
        let stored = "SCRAM-SHA-256$4096:n+/WJjMCz34piOZcwsDNvA==$ELPToCojDU6J/RZsK5rgSnV6dY24BwLDikutrlOFcpE=:DACG10mFbg51W5IC4gejaL6ki/P5eieDQ1DovTcjHyg=";
        let verifier: ScramVerifier = stored.parse().expect("PostgreSQL's verifier");
        assert_eq!(verifier.to_string(), stored);
        assert!(verifier.matches("pencil"));
        assert!(!verifier.matches("pencil "));
        let salt = STANDARD.decode("n+/WJjMCz34piOZcwsDNvA==").expect("base64");
        assert_eq!(
            ScramVerifier::with_salt("pencil", &salt, DEFAULT_ITERATIONS),
            verifier
        );
    }

    #[test]
    fn a_new_verifier_has_its_own_salt_and_round_trips() {
        let a = ScramVerifier::new("s3cret", DEFAULT_ITERATIONS);
        let b = ScramVerifier::new("s3cret", DEFAULT_ITERATIONS);
        assert_ne!(a, b, "two salts");
        assert!(a.matches("s3cret") && b.matches("s3cret"));
        let again: ScramVerifier = a.to_string().parse().expect("round trip");
        assert_eq!(again, a);
        assert!(!format!("{a:?}").contains(&STANDARD.encode(a.stored_key)));
    }

    #[test]
    fn malformed_verifiers_say_what_is_wrong_without_echoing() {
        for (text, says) in [
            ("pencil", "not a SCRAM-SHA-256 verifier"),
            ("md5abcdef", "not a SCRAM-SHA-256 verifier"),
            ("SCRAM-SHA-256$4096:c2FsdA==", "reads SCRAM-SHA-256$"),
            ("SCRAM-SHA-256$0:c2FsdA==$AAAA:AAAA", "iteration count"),
            ("SCRAM-SHA-256$4096:***$AAAA:AAAA", "salt"),
            ("SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA", "StoredKey"),
        ] {
            let err = text.parse::<ScramVerifier>().expect_err(text);
            assert!(err.contains(says), "{text}: {err}");
            assert!(!err.contains("pencil"), "{err}");
        }
    }
}
