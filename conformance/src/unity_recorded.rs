//! A real Unity Catalog OSS 0.6.0 server's answers, replayed. `conformance/data/
//! unity-recorded/` holds what that server answered, byte for byte, to every call a reader
//! makes, with the request behind each (its README's table). [`RecordedUnity`] answers a
//! request with the recorded status and body of the same request (method, path, query,
//! JSON body), the recording's data folder `/srv/uc-data` moved to the test's. Where the
//! same request was recorded more than once, the latest answer holds: the server's final
//! state. A request nobody recorded gets 501 and is remembered, so that a test fails when
//! junction asks something the real server was never asked.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;

use crate::http::{serve, Serving};

/// The folder the recorded server's tables lived in.
const RECORDED_DATA: &str = "/srv/uc-data";

/// The API's base path on the recorded server.
const BASE: &str = "/api/2.1/unity-catalog";

/// One recorded call.
#[derive(Debug)]
pub struct Recording {
    pub method: String,
    /// The path under the API base.
    pub path: String,
    /// The query string, URL-encoded as it was sent.
    pub query: String,
    pub body: Option<Value>,
    /// The status the real server answered with.
    pub status: u16,
    /// The file holding the real server's answer, in [`recordings_folder`].
    pub file: String,
}

struct Replay {
    recordings: Vec<Recording>,
    folder: PathBuf,
    data: String,
    /// Every request, as `METHOD path?query`, in order.
    asked: Mutex<Vec<String>>,
    unrecorded: Mutex<Vec<String>>,
}

/// The replaying server, on a free loopback port until dropped.
pub struct RecordedUnity {
    /// The API base, `http://127.0.0.1:PORT/api/2.1/unity-catalog`.
    pub uri: String,
    replay: Arc<Replay>,
    _serving: Serving,
}

/// The recordings' folder in this repository.
pub fn recordings_folder() -> PathBuf {
    crate::crate_dir().join("data/unity-recorded")
}

impl RecordedUnity {
    /// Replays the recordings, with the tables' data folder at `data`.
    pub async fn start(data: &Path) -> Self {
        let folder = recordings_folder();
        let recordings = recordings();
        let replay = Arc::new(Replay {
            recordings,
            folder,
            data: data.display().to_string(),
            asked: Mutex::new(Vec::new()),
            unrecorded: Mutex::new(Vec::new()),
        });
        let api = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&replay));
        let (uri, serving) = serve(BASE, api).await;
        Self {
            uri,
            replay,
            _serving: serving,
        }
    }

    /// Every request so far, as `METHOD path?query` under the API base.
    pub fn asked(&self) -> Vec<String> {
        lock(&self.replay.asked).clone()
    }

    /// The requests no recording answers.
    pub fn unrecorded(&self) -> Vec<String> {
        lock(&self.replay.unrecorded).clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every recorded call, in the order they were made: the table of the recordings' README,
/// `| file | status | method | path | query | body |`.
pub fn recordings() -> Vec<Recording> {
    let readme = std::fs::read_to_string(recordings_folder().join("README.md"))
        .expect("read conformance/data/unity-recorded/README.md");
    let recordings = calls(&readme);
    assert!(
        recordings.len() > 50,
        "the recordings' README lists {} calls",
        recordings.len()
    );
    recordings
}

fn calls(readme: &str) -> Vec<Recording> {
    readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .strip_prefix('|')?
                .strip_suffix('|')?
                .split(" | ")
                .map(|cell| cell.trim().trim_matches('`'))
                .collect();
            let [file, status, method, path, query, body] = cells[..] else {
                return None;
            };
            let status = status.parse().ok()?;
            Some(Recording {
                method: method.to_owned(),
                path: path.strip_prefix(BASE)?.to_owned(),
                query: query.to_owned(),
                body: serde_json::from_str(body).ok(),
                status,
                file: file.to_owned(),
            })
        })
        .collect()
}

/// A query string's decoded pairs, in a canonical order.
fn pairs(query: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    pairs.sort();
    pairs
}

async fn answer(
    State(replay): State<Arc<Replay>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    // Nested under BASE, the router hands over the path below it.
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or_default();
    let request = if query.is_empty() {
        format!("{method} {path}")
    } else {
        format!("{method} {path}?{query}")
    };
    lock(&replay.asked).push(request.clone());
    let body: Option<Value> = serde_json::from_slice(&body).ok();
    let query = pairs(query);
    let recorded = replay.recordings.iter().rev().find(|r| {
        r.method == method.as_str() && r.path == path && pairs(&r.query) == query && r.body == body
    });
    let Some(recorded) = recorded else {
        lock(&replay.unrecorded).push(request.clone());
        return (
            StatusCode::NOT_IMPLEMENTED,
            format!("not recorded: {request}"),
        )
            .into_response();
    };
    let text = std::fs::read_to_string(replay.folder.join(&recorded.file))
        .unwrap_or_else(|e| panic!("read recording {}: {e}", recorded.file));
    let text = text.replace(RECORDED_DATA, &replay.data);
    let status = StatusCode::from_u16(recorded.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("content-type", "application/json")], text).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recorded_call_has_its_answer() {
        let folder = recordings_folder();
        let recordings = recordings();
        for recording in &recordings {
            let text = std::fs::read_to_string(folder.join(&recording.file))
                .unwrap_or_else(|e| panic!("{}: {e}", recording.file));
            serde_json::from_str::<Value>(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", recording.file));
        }
        let credentials = recordings
            .iter()
            .find(|r| r.file == "temporary-table-credentials-delta-s3-read.json")
            .expect("the credentials call");
        assert_eq!(credentials.method, "POST");
        assert_eq!(credentials.path, "/temporary-table-credentials");
        assert_eq!(
            credentials
                .body
                .as_ref()
                .and_then(|b| b["operation"].as_str()),
            Some("READ")
        );
    }
}
