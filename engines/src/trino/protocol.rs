//! Trino's client REST protocol (<https://trino.io/docs/current/develop/client-protocol.html>):
//! `POST /v1/statement` with the SQL, then follow each answer's `nextUri` until there is none;
//! `DELETE` on the `nextUri` cancels the query.
//!
//! reqwest directly rather than trino-rust-client: that crate collects a whole result into
//! rows of its own types before handing it over, where junction streams each page as it
//! arrives into Arrow builders; the protocol itself is four calls.

use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::error::TrinoError;

/// One answer of the protocol: a page of a query's columns and rows, or its error.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryResults {
    pub next_uri: Option<String>,
    pub columns: Option<Vec<Column>>,
    pub data: Option<Vec<Vec<serde_json::Value>>>,
    pub error: Option<QueryError>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    pub name: String,
    pub type_signature: TypeSignature,
}

/// A type as Trino describes it: `decimal` with arguments 10 and 2, `array` with a type.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeSignature {
    pub raw_type: String,
    #[serde(default)]
    pub arguments: Vec<TypeArgument>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", content = "value")]
pub enum TypeArgument {
    #[serde(rename = "LONG")]
    Long(i64),
    #[serde(rename = "TYPE")]
    Type(TypeSignature),
    /// A row's named fields, a variable: in types junction does not carry.
    #[serde(other)]
    Other,
}

/// What `GET /v1/info` says of the coordinator.
#[derive(Debug, Deserialize)]
pub struct ServerInfo {
    pub starting: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryError {
    pub message: String,
    pub error_name: Option<String>,
}

/// How junction authenticates to Trino.
#[derive(Clone)]
pub enum Credentials {
    None,
    Basic { password: String },
    Bearer { token: String },
}

/// The kind of credentials only: a logged configuration shows no secret.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credentials::None => "None",
            Credentials::Basic { .. } => "Basic(<redacted>)",
            Credentials::Bearer { .. } => "Bearer(<redacted>)",
        })
    }
}

/// The session headers of one query.
#[derive(Debug, Clone)]
pub struct Session<'a> {
    pub user: &'a str,
    pub time_zone: &'a str,
    /// Bytes the query may hold in the cluster (`[limits] query_memory`), below the
    /// cluster's own `query.max-memory`.
    pub query_max_memory: Option<u64>,
}

/// A Trino coordinator.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    url: String,
    credentials: Credentials,
}

/// Answers worth asking again: the coordinator or a proxy in front of it is busy.
fn retryable(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
    )
}

const RETRIES: u32 = 5;

/// How long a health check waits for the coordinator's answer.
const INFO_TIMEOUT: Duration = Duration::from_secs(5);

impl Client {
    pub fn new(url: &str, credentials: Credentials) -> Result<Self, TrinoError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| TrinoError::Unreachable {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            url: url.trim_end_matches('/').to_owned(),
            credentials,
        })
    }

    /// The coordinator's URL, as errors name it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the coordinator answers, and whether it is still starting.
    pub async fn info(&self) -> Result<ServerInfo, TrinoError> {
        let url = format!("{}/v1/info", self.url);
        self.send(|| self.http.get(&url).timeout(INFO_TIMEOUT))
            .await
    }

    /// Starts `sql`; the answer is the query's first page (often without columns yet).
    pub async fn submit(
        &self,
        sql: &str,
        session: &Session<'_>,
    ) -> Result<QueryResults, TrinoError> {
        let url = format!("{}/v1/statement", self.url);
        self.send(|| {
            let request = self
                .authorized(self.http.post(&url), session.user)
                .header("X-Trino-Source", "junction")
                .header("X-Trino-Time-Zone", session.time_zone)
                .header("X-Trino-Client-Capabilities", "PARAMETRIC_DATETIME");
            let request = match session.query_max_memory {
                Some(bytes) => {
                    request.header("X-Trino-Session", format!("query_max_memory={bytes}B"))
                }
                None => request,
            };
            request.body(sql.to_owned())
        })
        .await
    }

    /// The page at `next_uri`.
    pub async fn follow(&self, next_uri: &str, user: &str) -> Result<QueryResults, TrinoError> {
        self.send(|| self.authorized(self.http.get(next_uri), user))
            .await
    }

    /// Cancels the query whose next page is at `next_uri`, without waiting for the answer.
    pub fn cancel(&self, next_uri: String, user: &str) {
        let request = self.authorized(self.http.delete(&next_uri), user);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            if let Err(e) = request.send().await {
                tracing::debug!(uri = %next_uri, error = %e, "cancelling a trino query failed");
            }
        });
    }

    fn authorized(&self, request: reqwest::RequestBuilder, user: &str) -> reqwest::RequestBuilder {
        let request = request.header("X-Trino-User", user);
        match &self.credentials {
            Credentials::None => request,
            Credentials::Basic { password } => request.basic_auth(user, Some(password)),
            Credentials::Bearer { token } => request.bearer_auth(token),
        }
    }

    fn unreachable(&self, e: reqwest::Error) -> TrinoError {
        TrinoError::Unreachable {
            url: self.url.clone(),
            reason: e.to_string(),
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, TrinoError> {
        let mut attempt = 0;
        loop {
            let response = request().send().await.map_err(|e| self.unreachable(e))?;
            let status = response.status();
            if retryable(status) && attempt < RETRIES {
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                attempt += 1;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(TrinoError::Unauthorized(self.url.clone()));
            }
            if !status.is_success() {
                let body = response.text().await.unwrap_or_default();
                return Err(TrinoError::Unreachable {
                    url: self.url.clone(),
                    reason: format!("HTTP {status}: {}", body.trim()),
                });
            }
            let body = response.bytes().await.map_err(|e| self.unreachable(e))?;
            return serde_json::from_slice(&body).map_err(|e| TrinoError::Malformed {
                url: self.url.clone(),
                reason: e.to_string(),
            });
        }
    }
}
