//! Flight sessions: each is a [`Session`] named by the bearer token handed to its client.
//!
//! A client authenticates with Basic credentials (Handshake, or on any call); the response
//! carries `authorization: Bearer <token>`, and later calls that present the token share
//! the session's settings and prepared statements. Tokens expire when idle and after a
//! fixed lifetime. Without `[[user]]` entries a call with no credentials at all gets a
//! session of its own the same way, so clients that never handshake (ADBC without a user)
//! still keep their settings: ADBC adopts a bearer header the server sends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use moka::sync::Cache;
use tonic::metadata::MetadataMap;

use super::prepared::PreparedStatement;
use crate::activity::{Origin, SessionRegistry};
use crate::auth::Authenticator;
use crate::error::GatewayError;
use crate::metrics::Frontend;
use crate::session::{next_backend_pid, ServerDefaults, Session, SessionHandle};

/// The user of sessions whose client sent no credentials (as on the pg front end).
const ANONYMOUS_USER: &str = "junction";

/// At most this many live sessions; the least recently used go first beyond it.
const MAX_SESSIONS: u64 = 100_000;

/// One client's Flight session.
#[derive(Debug)]
pub struct FlightSession {
    pub token: String,
    pub session: Session,
    prepared: Mutex<HashMap<Bytes, Arc<PreparedStatement>>>,
}

impl FlightSession {
    pub fn prepared(&self) -> MutexGuard<'_, HashMap<Bytes, Arc<PreparedStatement>>> {
        // Plain data: a panic elsewhere cannot leave it inconsistent.
        self.prepared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A request's session, and whether it was opened by this request (so the response must
/// tell the client its token).
impl SessionHandle for Arc<FlightSession> {
    fn session(&self) -> &Session {
        &self.session
    }
}

impl SessionHandle for FlightSession {
    fn session(&self) -> &Session {
        &self.session
    }
}

pub struct Resolved {
    pub session: Arc<FlightSession>,
    pub opened: bool,
}

/// Live sessions by token; idle ones expire.
pub struct Sessions {
    live: Cache<String, Arc<FlightSession>>,
    authenticator: Arc<Authenticator>,
    catalog: String,
    defaults: Arc<ServerDefaults>,
    /// Where every session of the server is listed (pg_stat_activity).
    registry: Arc<SessionRegistry>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("live", &self.live.entry_count())
            .field("catalog", &self.catalog)
            .finish()
    }
}

impl Sessions {
    /// Sessions in `catalog` (the default catalog: Flight has no database to connect to),
    /// each living until it has been idle for `idle_timeout`, and no longer than `lifetime`
    /// (then its token is refused and the client authenticates again).
    pub fn new(
        authenticator: Arc<Authenticator>,
        catalog: String,
        idle_timeout: Duration,
        lifetime: Duration,
        defaults: Arc<ServerDefaults>,
    ) -> Self {
        Self {
            live: Cache::builder()
                .max_capacity(MAX_SESSIONS)
                .time_to_idle(idle_timeout)
                .time_to_live(lifetime)
                .build(),
            authenticator,
            catalog,
            defaults,
            registry: Arc::default(),
        }
    }

    /// Lists the sessions in `registry`.
    pub fn with_registry(mut self, registry: Arc<SessionRegistry>) -> Self {
        self.registry = registry;
        self
    }

    /// The session of a request with these headers: the one its bearer token names, or a new
    /// one for Basic credentials or none.
    pub fn resolve(&self, headers: &MetadataMap) -> Result<Resolved, GatewayError> {
        match credentials(headers)? {
            Credentials::Bearer(token) => {
                let session = self.live.get(&token).ok_or_else(|| {
                    GatewayError::Unauthenticated(
                        "the bearer token names no live session (it expired, or the server \
                         restarted): authenticate again"
                            .to_owned(),
                    )
                })?;
                if session.session.is_terminated() {
                    self.live.invalidate(&token);
                    return Err(GatewayError::Unauthenticated(
                        "the session was terminated by an administrator command \
                         (pg_terminate_backend): authenticate again"
                            .to_owned(),
                    ));
                }
                Ok(Resolved {
                    session,
                    opened: false,
                })
            }
            Credentials::Basic { user, password } => {
                self.authenticator.authenticate(&user, Some(&password))?;
                Ok(self.open(user))
            }
            Credentials::None => {
                self.authenticator.authenticate(ANONYMOUS_USER, None)?;
                Ok(self.open(ANONYMOUS_USER.to_owned()))
            }
        }
    }

    fn open(&self, user: String) -> Resolved {
        let token = new_token();
        let session = Arc::new(FlightSession {
            token: token.clone(),
            session: Session::new(
                Origin::new(Frontend::Flight, None),
                user,
                self.catalog.clone(),
                next_backend_pid(),
                Arc::clone(&self.defaults),
            ),
            prepared: Mutex::new(HashMap::new()),
        });
        self.live.insert(token, Arc::clone(&session));
        self.registry.register(&session);
        Resolved {
            session,
            opened: true,
        }
    }
}

enum Credentials {
    Bearer(String),
    Basic { user: String, password: String },
    None,
}

/// Base64 as Basic credentials arrive: padded (RFC 7617) or not, as the ADBC driver sends
/// them.
const BASIC_CREDENTIALS: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

fn credentials(headers: &MetadataMap) -> Result<Credentials, GatewayError> {
    let Some(value) = headers.get("authorization") else {
        return Ok(Credentials::None);
    };
    let bad = |why: &str| GatewayError::Unauthenticated(format!("authorization header: {why}"));
    let value = value.to_str().map_err(|_| bad("not ASCII"))?;
    let (scheme, rest) = value.split_once(' ').ok_or_else(|| bad("no scheme"))?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Ok(Credentials::Bearer(rest.trim().to_owned()));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = BASIC_CREDENTIALS
            .decode(rest.trim())
            .map_err(|_| bad("Basic credentials are not base64"))?;
        let decoded = String::from_utf8(decoded).map_err(|_| bad("credentials are not UTF-8"))?;
        let (user, password) = decoded
            .split_once(':')
            .ok_or_else(|| bad("Basic credentials lack a ':'"))?;
        return Ok(Credentials::Basic {
            user: user.to_owned(),
            password: password.to_owned(),
        });
    }
    Err(bad(&format!(
        "unsupported scheme \"{scheme}\" (use Basic or Bearer)"
    )))
}

/// 256 random bits, URL-safe: unguessable, so a token is the session's capability.
fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions() -> Sessions {
        Sessions::new(
            Arc::new(Authenticator::default()),
            "warehouse".into(),
            Duration::from_secs(60),
            Duration::from_secs(3600),
            Arc::new(ServerDefaults::default()),
        )
    }

    fn headers(authorization: &str) -> MetadataMap {
        let mut map = MetadataMap::new();
        map.insert("authorization", authorization.parse().expect("ascii"));
        map
    }

    #[test]
    fn basic_credentials_open_a_session_its_bearer_token_finds_again() {
        let sessions = sessions();
        let basic = base64::engine::general_purpose::STANDARD.encode("alice:secret");
        let opened = sessions
            .resolve(&headers(&format!("Basic {basic}")))
            .expect("permissive");
        assert!(opened.opened);
        assert_eq!(opened.session.session.user, "alice");
        let again = sessions
            .resolve(&headers(&format!("Bearer {}", opened.session.token)))
            .expect("live token");
        assert!(!again.opened);
        assert!(Arc::ptr_eq(&opened.session, &again.session));
    }

    #[test]
    fn basic_credentials_are_read_with_or_without_padding() {
        let sessions = sessions();
        // "anyone:x" is 8 bytes: its base64 has padding, which the ADBC driver leaves out.
        for basic in ["YW55b25lOng=", "YW55b25lOng"] {
            let opened = sessions
                .resolve(&headers(&format!("Basic {basic}")))
                .expect("permissive");
            assert_eq!(opened.session.session.user, "anyone", "{basic}");
        }
    }

    #[test]
    fn an_unknown_token_is_28000_and_a_bare_call_gets_its_own_session() {
        let sessions = sessions();
        let err = sessions
            .resolve(&headers("Bearer forged"))
            .err()
            .expect("unknown token");
        assert_eq!(err.sqlstate(), "28000");
        let a = sessions.resolve(&MetadataMap::new()).expect("anonymous");
        let b = sessions.resolve(&MetadataMap::new()).expect("anonymous");
        assert!(a.opened && b.opened);
        assert_ne!(a.session.token, b.session.token);
        assert_eq!(a.session.session.user, ANONYMOUS_USER);
    }

    #[test]
    fn malformed_authorization_is_28000() {
        let sessions = sessions();
        for bad in ["Basic !!!", "Digest abc", "Bearer"] {
            let err = sessions.resolve(&headers(bad)).err().expect(bad);
            assert_eq!(err.sqlstate(), "28000", "{bad}");
        }
    }
}
