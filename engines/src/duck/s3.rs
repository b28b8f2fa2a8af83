//! S3 for DuckDB: its httpfs extension, given `[storage.s3]` as a secret.

use std::hash::{DefaultHasher, Hash, Hasher};

use junction_catalogs::S3Settings;

use super::views::literal;
use crate::tables::TableName;

/// The secret of `[storage.s3]`, for every `s3://` path no table secret covers.
pub const CONFIGURED: &str = "junction_s3";

/// The secret of one table's own credentials.
pub fn table_secret_name(table: &TableName) -> String {
    let mut hasher = DefaultHasher::new();
    (&table.catalog, &table.schema, &table.table).hash(&mut hasher);
    format!("junction_table_{:016x}", hasher.finish())
}

/// Why DuckDB cannot read a table in S3.
pub const UNREADABLE: &str = "the table is in S3, and DuckDB reads S3 only through its httpfs \
     extension with [storage.s3] configured (load it from [engines.duckdb] extension_directory)";

/// `CREATE SECRET name` for `settings`, for the `s3://` paths under `scope` (all without).
pub fn secret(name: &str, settings: &S3Settings, scope: Option<&str>) -> String {
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
    if let Some(scope) = scope {
        options.push(format!("SCOPE {}", literal(scope)));
    }
    format!("CREATE OR REPLACE SECRET {name} ({})", options.join(", "))
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
            secret(CONFIGURED, &settings, None),
            "CREATE OR REPLACE SECRET junction_s3 (TYPE s3, REGION 'us-east-1', \
             URL_STYLE 'path', KEY_ID 'AK', SECRET 'it''s', ENDPOINT '127.0.0.1:9000', \
             USE_SSL false)"
        );
    }

    #[test]
    fn aws_itself_needs_no_endpoint_and_tables_get_scoped_secrets() {
        let settings = S3Settings {
            region: "eu-west-1".into(),
            virtual_hosted_style: true,
            ..S3Settings::default()
        };
        assert_eq!(
            secret("t", &settings, Some("s3://b/t")),
            "CREATE OR REPLACE SECRET t (TYPE s3, REGION 'eu-west-1', \
             URL_STYLE 'vhost', SCOPE 's3://b/t')"
        );
    }
}
