//! JSON over HTTP, as the REST catalogs junction calls itself (Unity, Nessie) answer it:
//! each call through [`Remote::call`], the endpoint's token as a bearer token.

use reqwest::Url;
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

/// One page of a listing: its items and the token that asks for the next page, if any.
pub(crate) trait Page: DeserializeOwned {
    type Item;

    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
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

    /// GET the path `segments` (under the endpoint's URI, each percent-encoded) with
    /// `query`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        remote: &Remote,
        what: &str,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Got<T>> {
        let url = url_of(&remote.endpoint().uri, segments).map_err(|e| remote.failed(what, e))?;
        self.answer(remote, what, self.http.get(url).query(query))
            .await
    }

    /// POST `body` as JSON to the path `segments`.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        remote: &Remote,
        what: &str,
        segments: &[&str],
        body: &serde_json::Value,
    ) -> Result<Got<T>> {
        let url = url_of(&remote.endpoint().uri, segments).map_err(|e| remote.failed(what, e))?;
        self.answer(remote, what, self.http.post(url).json(body))
            .await
    }

    /// Sends `request` with the endpoint's token: its JSON answer, or the 404's body.
    async fn answer<T: DeserializeOwned>(
        &self,
        remote: &Remote,
        what: &str,
        mut request: reqwest::RequestBuilder,
    ) -> Result<Got<T>> {
        if let Some(token) = &remote.endpoint().token {
            request = request.bearer_auth(token);
        }
        let response = remote.ask(what, request.send()).await?;
        let status = response.status();
        let body = remote.ask(what, response.bytes()).await?;
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(Got::NotFound(body.to_vec()));
        }
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(CatalogError::Unauthorized {
                catalog: remote.catalog().to_owned(),
                status: status.to_string(),
            });
        }
        if status.is_client_error() {
            return Err(CatalogError::Rejected {
                catalog: remote.catalog().to_owned(),
                what: what.to_owned(),
                status: status.as_u16(),
                message: server_message(&body).unwrap_or_else(|| status.to_string()),
            });
        }
        if !status.is_success() {
            let message = server_message(&body).unwrap_or_default();
            return Err(remote.failed(what, format!("{status}: {message}")));
        }
        serde_json::from_slice(&body)
            .map(Got::Found)
            .map_err(|e| remote.failed(what, format!("unreadable answer: {e}")))
    }

    /// Every page of a listing at `path`, the next asked for by passing the previous page's
    /// token as `token_parameter`; a 404 on any page ends it.
    pub(crate) async fn pages<P: Page>(
        &self,
        remote: &Remote,
        what: &str,
        segments: &[&str],
        query: &[(&str, &str)],
        token_parameter: &str,
    ) -> Result<Got<Vec<P::Item>>> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = query.to_vec();
            if let Some(token) = &token {
                query.push((token_parameter, token));
            }
            let page = match self.get::<P>(remote, what, segments, &query).await? {
                Got::Found(page) => page,
                Got::NotFound(body) => return Ok(Got::NotFound(body)),
            };
            let (page, next) = page.into_parts();
            items.extend(page);
            match next.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(Got::Found(items)),
            }
        }
    }
}

/// The message in an error body, as the REST catalogs spell it: `message` (Nessie, Unity),
/// `error.message` (Iceberg REST), or the body itself when it is short text.
fn server_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        let message = json
            .get("message")
            .or_else(|| json.get("error").and_then(|e| e.get("message")))
            .and_then(serde_json::Value::as_str);
        if let Some(message) = message {
            return Some(message.to_owned());
        }
    }
    (!text.is_empty() && text.len() <= 500).then(|| text.to_owned())
}

/// `base` with `segments` appended, each percent-encoded as one path segment.
pub(crate) fn url_of(base: &str, segments: &[&str]) -> std::result::Result<Url, String> {
    let mut url = Url::parse(base).map_err(|e| format!("bad URI {base}: {e}"))?;
    url.path_segments_mut()
        .map_err(|()| format!("bad URI {base}: it cannot have a path"))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::{server_message, url_of};

    #[test]
    fn server_messages_from_each_catalogs_error_body() {
        let nessie = br#"{"status":400,"reason":"Bad Request","message":"bad ref","errorCode":"BAD_REQUEST"}"#;
        assert_eq!(server_message(nessie).as_deref(), Some("bad ref"));
        let iceberg =
            br#"{"error":{"message":"no such table","type":"NoSuchTableException","code":404}}"#;
        assert_eq!(server_message(iceberg).as_deref(), Some("no such table"));
        assert_eq!(server_message(b"").as_deref(), None);
        assert_eq!(
            server_message(b"gateway down").as_deref(),
            Some("gateway down")
        );
    }

    #[test]
    fn segments_are_percent_encoded_one_by_one() {
        let url = url_of(
            "http://h/api/v2/",
            &["trees", "feature/x@abc", "contents", "a\u{1D}b.t 1"],
        )
        .expect("a URL");
        assert_eq!(
            url.as_str(),
            "http://h/api/v2/trees/feature%2Fx@abc/contents/a%1Db.t%201"
        );
        assert!(url_of("not a uri", &["x"]).is_err());
    }
}
