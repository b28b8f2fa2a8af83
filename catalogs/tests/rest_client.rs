//! The Iceberg REST catalog client against servers that misbehave, and the token it sends.
//! Apache Iceberg's own REST server (conformance/tests/iceberg_rest.rs) has no tokens and
//! never misbehaves on purpose, so these tests serve hand-written HTTP over a local socket.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use junction_catalogs::{
    Catalog, CatalogError, Endpoint, IcebergRestCatalog, RestSettings, Storage,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How a fake server answers.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Reads the request and never answers.
    Silent,
    /// Answers every request with a body that is not JSON.
    Malformed,
    /// Answers the REST spec's config and namespace listing.
    Catalog,
    /// As `Catalog`, and mints `minted` at the spec's OAuth2 token endpoint.
    OAuth,
}

/// A fake REST server on a free local port; the request heads it read are kept.
async fn serve(behaviour: Behaviour) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let uri = format!("http://{}", listener.local_addr().expect("address"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let requests = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let requests = Arc::clone(&requests);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let path = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                requests.lock().expect("lock").push(head);
                let body = match behaviour {
                    Behaviour::Silent => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        return;
                    }
                    Behaviour::Malformed => "{\"defaults\": [oops".to_owned(),
                    Behaviour::OAuth if path.starts_with("/v1/oauth/tokens") => {
                        "{\"access_token\": \"minted\", \"token_type\": \"bearer\", \
                         \"issued_token_type\": \"urn:ietf:params:oauth:token-type:access_token\", \
                         \"expires_in\": 3600}"
                            .to_owned()
                    }
                    Behaviour::Catalog | Behaviour::OAuth if path.starts_with("/v1/config") => {
                        "{\"defaults\": {}, \"overrides\": {}}".to_owned()
                    }
                    Behaviour::Catalog | Behaviour::OAuth => {
                        "{\"namespaces\": [[\"clinic\"], [\"ops\"]]}".to_owned()
                    }
                };
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (uri, seen)
}

fn settings(uri: String, token: Option<&str>) -> RestSettings {
    RestSettings {
        endpoint: Endpoint {
            uri,
            token: token.map(str::to_owned),
            timeout: Duration::from_millis(500),
            metadata_ttl: Duration::from_secs(5),
        },
        warehouse: None,
        credential: None,
        scope: None,
    }
}

fn assert_unavailable(error: CatalogError, what: &str) {
    assert_eq!(error.sqlstate(), "58000", "{what}: {error}");
    assert!(
        error.to_string().contains("catalog \"lake\""),
        "{what}: {error}"
    );
}

#[tokio::test]
async fn a_silent_server_fails_within_the_timeout() {
    let (uri, _) = serve(Behaviour::Silent).await;
    let catalog = IcebergRestCatalog::new("lake", settings(uri, None), &Storage::default())
        .await
        .expect("the client is built without asking the server");
    let started = Instant::now();
    let error = catalog.schema_names().await.expect_err("no answer");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_unavailable(error, "silent");
    // The next lookups of the same query do not wait out the timeout again.
    let started = Instant::now();
    let again = catalog
        .table("clinic", "vitals")
        .await
        .expect_err("still silent");
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "took {:?}",
        started.elapsed()
    );
    assert!(again.to_string().contains("no answer within"), "{again}");
}

#[tokio::test]
async fn a_malformed_answer_is_an_error_naming_the_catalog() {
    let (uri, _) = serve(Behaviour::Malformed).await;
    let catalog = IcebergRestCatalog::new("lake", settings(uri, None), &Storage::default())
        .await
        .expect("client");
    assert_unavailable(
        catalog.schema_names().await.expect_err("not JSON"),
        "malformed",
    );
    assert_unavailable(
        catalog
            .table("clinic", "vitals")
            .await
            .expect_err("not JSON"),
        "malformed",
    );
}

#[tokio::test]
async fn a_closed_port_is_an_error_naming_the_catalog() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let uri = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let catalog = IcebergRestCatalog::new("lake", settings(uri, None), &Storage::default())
        .await
        .expect("client");
    assert_unavailable(catalog.schema_names().await.expect_err("refused"), "closed");
}

#[tokio::test]
async fn the_token_goes_to_the_server_as_a_bearer_and_never_to_logs() {
    let (uri, seen) = serve(Behaviour::Catalog).await;
    let settings = settings(uri, Some("s3cret"));
    assert!(!format!("{settings:?}").contains("s3cret"));
    let catalog = IcebergRestCatalog::new("lake", settings, &Storage::default())
        .await
        .expect("client");
    assert!(!format!("{catalog:?}").contains("s3cret"));
    assert_eq!(
        catalog.schema_names().await.expect("namespaces"),
        vec!["clinic".to_owned(), "ops".to_owned()]
    );
    let seen = seen.lock().expect("lock").clone();
    assert!(!seen.is_empty());
    for head in &seen {
        assert!(
            head.lines()
                .any(|l| l.eq_ignore_ascii_case("authorization: Bearer s3cret")),
            "{head}"
        );
    }
}

#[tokio::test]
async fn client_credentials_are_exchanged_for_the_bearer_token_requests_carry() {
    let (uri, seen) = serve(Behaviour::OAuth).await;
    let mut settings = settings(uri, None);
    settings.credential = Some("junction:cl1ent-secret".to_owned());
    assert!(!format!("{settings:?}").contains("cl1ent-secret"));
    let catalog = IcebergRestCatalog::new("lake", settings, &Storage::default())
        .await
        .expect("client");
    assert!(!format!("{catalog:?}").contains("cl1ent-secret"));
    assert_eq!(
        catalog.schema_names().await.expect("namespaces"),
        vec!["clinic".to_owned(), "ops".to_owned()]
    );
    let seen = seen.lock().expect("lock").clone();
    let (tokens, catalog_calls): (Vec<_>, Vec<_>) = seen
        .iter()
        .partition(|head| head.starts_with("POST /v1/oauth/tokens"));
    assert_eq!(tokens.len(), 1, "one exchange: {seen:?}");
    assert!(!catalog_calls.is_empty());
    for head in catalog_calls {
        assert!(
            head.lines()
                .any(|l| l.eq_ignore_ascii_case("authorization: Bearer minted")),
            "{head}"
        );
        assert!(!head.contains("cl1ent-secret"), "{head}");
    }
}
