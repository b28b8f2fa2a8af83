//! S3 for DuckDB: its httpfs extension, given `[storage.s3]` as a secret.

use junction_catalogs::S3Settings;

use super::views::literal;

/// Why DuckDB cannot read a table in S3.
pub const UNREADABLE: &str = "the table is in S3, and DuckDB reads S3 only through its httpfs \
     extension with [storage.s3] configured (load it from [engines.duckdb] extension_directory)";

/// `CREATE SECRET` for `settings`: every `s3://` path DuckDB reads uses it.
pub fn secret(settings: &S3Settings) -> String {
    let mut options = vec![
        "TYPE s3".to_owned(),
        format!("REGION {}", literal(&settings.region)),
        format!(
            "URL_STYLE {}",
            literal(if settings.virtual_hosted_style {
                "vhost"
            } else {
                "path"
            })
        ),
    ];
    let keys = [
        ("KEY_ID", &settings.access_key_id),
        ("SECRET", &settings.secret_access_key),
        ("SESSION_TOKEN", &settings.session_token),
    ];
    for (key, value) in keys {
        if let Some(value) = value {
            options.push(format!("{key} {}", literal(value)));
        }
    }
    if let Some(endpoint) = &settings.endpoint {
        // DuckDB takes the host and port, and whether to use TLS, separately.
        let (tls, host) = match endpoint.split_once("://") {
            Some((scheme, host)) => (!scheme.eq_ignore_ascii_case("http"), host),
            None => (true, endpoint.as_str()),
        };
        options.push(format!("ENDPOINT {}", literal(host.trim_end_matches('/'))));
        options.push(format!("USE_SSL {tls}"));
    }
    format!(
        "CREATE OR REPLACE SECRET junction_s3 ({})",
        options.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_endpoint_is_path_style_without_tls() {
        let settings = S3Settings {
            endpoint: Some("http://127.0.0.1:9000/".into()),
            region: "us-east-1".into(),
            access_key_id: Some("AK".into()),
            secret_access_key: Some("it's".into()),
            allow_http: true,
            ..S3Settings::default()
        };
        assert_eq!(
            secret(&settings),
            "CREATE OR REPLACE SECRET junction_s3 (TYPE s3, REGION 'us-east-1', \
             URL_STYLE 'path', KEY_ID 'AK', SECRET 'it''s', ENDPOINT '127.0.0.1:9000', \
             USE_SSL false)"
        );
    }

    #[test]
    fn aws_itself_needs_no_endpoint() {
        let settings = S3Settings {
            region: "eu-west-1".into(),
            virtual_hosted_style: true,
            ..S3Settings::default()
        };
        assert_eq!(
            secret(&settings),
            "CREATE OR REPLACE SECRET junction_s3 (TYPE s3, REGION 'eu-west-1', \
             URL_STYLE 'vhost')"
        );
    }
}
