//! What the test servers share of HTTP.

use axum::http::HeaderMap;

/// Whether a request passes bearer authentication: with no `expected` token, every request
/// does; else it must carry `Authorization: Bearer <expected>`.
pub(crate) fn bearer_accepted(expected: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(expected) = expected else {
        return true;
    };
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        == Some(expected)
}
