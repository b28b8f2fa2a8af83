//! JSON over HTTP, as the REST catalogs junction calls itself (Unity, Nessie) answer it:
//! each call through [`Remote::call`], the endpoint's token as a bearer token.

use serde::de::DeserializeOwned;

use crate::remote::{Endpoint, Remote};
use crate::{CatalogError, Result};

/// What a GET found: the answer, or a 404 with its body (servers say there what is missing).
pub(crate) enum Got<T> {
    Found(T),
    NotFound(Vec<u8>),
}

impl<T> Got<T> {
    /// The answer; `None` for a 404.
    pub(crate) fn found(self) -> Option<T> {
        match self {
            Got::Found(value) => Some(value),
            Got::NotFound(_) => None,
        }
    }
}

#[derive(Clone)]
pub(crate) struct JsonClient {
    http: reqwest::Client,
}

impl JsonClient {
    pub(crate) fn new(catalog: &str, endpoint: &Endpoint) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(endpoint.timeout)
            .build()
            .map_err(|e| CatalogError::Unavailable {
                catalog: catalog.to_owned(),
                message: format!("HTTP client: {e}"),
            })?;
        Ok(Self { http })
    }

    /// GET `path` (under the endpoint's URI) with `query`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        remote: &Remote,
        what: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Got<T>> {
        let endpoint = remote.endpoint();
        let url = format!("{}/{path}", endpoint.uri.trim_end_matches('/'));
        let mut request = self.http.get(&url).query(query);
        if let Some(token) = &endpoint.token {
            request = request.bearer_auth(token);
        }
        let response = remote
            .call(what, request.send())
            .await?
            .map_err(|e| remote.failed(what, e))?;
        let status = response.status();
        let body = remote
            .call(what, response.bytes())
            .await?
            .map_err(|e| remote.failed(what, e))?;
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(Got::NotFound(body.to_vec()));
        }
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            return Err(remote.failed(what, format!("{status}: {text}")));
        }
        serde_json::from_slice(&body)
            .map(Got::Found)
            .map_err(|e| remote.failed(what, format!("unreadable answer: {e}")))
    }
}
