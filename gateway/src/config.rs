//! The configuration file (`--config junction.toml`), typed; unknown keys are errors.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use junction_catalogs::S3Settings;
use serde::Deserialize;

/// A secret of the configuration file (a password, token or client credential): its Debug
/// says only that it is there, so that no log of a configuration shows it.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Defaults of the command line contract.
pub const DEFAULT_PG_ADDR: &str = "127.0.0.1:5433";
pub const DEFAULT_FLIGHT_ADDR: &str = "127.0.0.1:50051";
pub const DEFAULT_CATALOG: &str = "warehouse";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default, rename = "catalog")]
    pub catalogs: Vec<CatalogConfig>,
    #[serde(default)]
    pub engines: EnginesConfig,
    #[serde(default)]
    pub flight: FlightSection,
    #[serde(default)]
    pub storage: StorageSection,
    #[serde(default)]
    pub router: RouterSection,
    #[serde(default)]
    pub limits: LimitsSection,
    #[serde(default)]
    pub cache: CacheSection,
    #[serde(default, rename = "user")]
    pub users: Vec<UserConfig>,
    #[serde(default, rename = "grant")]
    pub grants: Vec<GrantConfig>,
}

/// `[cache]`: the snapshot-exact result cache.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSection {
    /// Arrow bytes of results kept (default 256MB); 0 turns the cache off.
    #[serde(default, with = "bytes")]
    pub result_bytes: Option<u64>,
}

/// The result cache's size unless `[cache] result_bytes` says.
pub const DEFAULT_RESULT_CACHE_BYTES: u64 = 256 << 20;

impl CacheSection {
    /// The bytes of results the cache keeps; 0 for none.
    pub fn result_bytes(&self) -> u64 {
        self.result_bytes.unwrap_or(DEFAULT_RESULT_CACHE_BYTES)
    }
}

/// A `[[grant]]` entry: a schema of a catalog (or every one), or some of its tables, for a
/// user or a role.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantConfig {
    pub to: String,
    pub catalog: String,
    /// `"*"`: every schema of the catalog.
    pub schema: String,
    /// Default (or `["*"]`): every table of the schema.
    pub tables: Option<Vec<String>>,
}

/// A `[[user]]` entry: a login and its SCRAM-SHA-256 verifier.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub name: String,
    /// PostgreSQL's verifier format, from `junction hash-password`; never a password.
    pub password: Secret,
    /// Roles the user holds: a `[[grant]]` to a role reaches every user that holds it.
    #[serde(default)]
    pub roles: Vec<String>,
}

impl Config {
    /// Refuses to trust every login on `addr` unless there are users to check, `addr` is
    /// loopback, or `[server] trust` says so.
    pub fn check_trust(&self, addr: SocketAddr) -> Result<(), ConfigError> {
        if !self.users.is_empty() || self.server.trust || addr.ip().is_loopback() {
            return Ok(());
        }
        Err(ConfigError::Invalid(format!(
            "junction would accept any user without a password on {addr}, which is not a \
             loopback address: listen on 127.0.0.1 (or ::1), add [[user]] entries (passwords \
             from `junction hash-password`), or say that the network is trusted with \
             `trust = true` under [server] in the configuration file"
        )))
    }

    /// What each user may see: everything without `[[grant]]` entries, else each user's
    /// own grants and its roles'. `catalogs` are the configured catalogs' names.
    pub fn access<'a>(
        &self,
        catalogs: impl IntoIterator<Item = &'a str>,
    ) -> Result<crate::access::Access, ConfigError> {
        use std::collections::{BTreeSet, HashMap};
        use std::sync::Arc;

        if self.grants.is_empty() {
            return Ok(crate::access::Access::Everything);
        }
        let catalogs: BTreeSet<&str> = catalogs.into_iter().collect();
        let principals: BTreeSet<&str> = self
            .users
            .iter()
            .flat_map(|u| {
                std::iter::once(u.name.as_str()).chain(u.roles.iter().map(String::as_str))
            })
            .collect();
        let mut grants = Vec::with_capacity(self.grants.len());
        for grant in &self.grants {
            let invalid = |message: String| {
                ConfigError::Invalid(format!("[[grant]] to \"{}\": {message}", grant.to))
            };
            if !principals.contains(grant.to.as_str()) {
                return Err(invalid(
                    "to: no [[user]] has this name or role (grants need users)".to_owned(),
                ));
            }
            if !catalogs.contains(grant.catalog.as_str()) {
                return Err(invalid(format!(
                    "catalog: \"{}\" is not a configured catalog",
                    grant.catalog
                )));
            }
            let tables = grant
                .tables
                .as_ref()
                .filter(|t| !t.iter().any(|t| t == "*"));
            if tables.is_some_and(|t| t.is_empty()) {
                return Err(invalid(
                    "tables: empty (leave it out for every table)".to_owned(),
                ));
            }
            grants.push((
                grant.to.as_str(),
                junction_catalogs::Grant {
                    catalog: grant.catalog.clone(),
                    schema: (grant.schema != "*").then(|| grant.schema.clone()),
                    tables: tables.map(|t| t.iter().cloned().collect()),
                },
            ));
        }
        let by_user: HashMap<String, Arc<junction_catalogs::Grants>> = self
            .users
            .iter()
            .map(|user| {
                let holds = |to: &str| to == user.name || user.roles.iter().any(|r| r == to);
                let own = grants
                    .iter()
                    .filter(|(to, _)| holds(to))
                    .map(|(_, grant)| grant.clone())
                    .collect();
                (
                    user.name.clone(),
                    Arc::new(junction_catalogs::Grants::new(own)),
                )
            })
            .collect();
        Ok(crate::access::Access::Granted(by_user))
    }

    /// The `[[user]]` entries' verifiers by name; empty when every login is trusted.
    pub fn users(
        &self,
    ) -> Result<std::collections::HashMap<String, crate::auth::ScramVerifier>, ConfigError> {
        let mut users = std::collections::HashMap::with_capacity(self.users.len());
        for user in &self.users {
            let invalid = |message: String| {
                ConfigError::Invalid(format!("[[user]] \"{}\": {message}", user.name))
            };
            if user.name.is_empty() {
                return Err(ConfigError::Invalid("[[user]]: name is empty".to_owned()));
            }
            let verifier = user
                .password
                .expose()
                .parse()
                .map_err(|e: String| invalid(format!("password: {e}")))?;
            if users.insert(user.name.clone(), verifier).is_some() {
                return Err(invalid("name: listed twice".to_owned()));
            }
        }
        Ok(users)
    }
}

/// `[limits]`: what one statement, and the server as a whole, may take (DESIGN.md, "Serving
/// many users"); each absent key has its default from [`crate::limits::Limits`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    /// `"0"` for none.
    #[serde(default, with = "duration")]
    pub statement_timeout: Option<Duration>,
    /// What one statement may hold in memory on any engine (`"4GB"`); no bound when absent.
    #[serde(default, with = "bytes")]
    pub query_memory: Option<u64>,
    /// The server's resident memory past which the DataFusion statement holding the most
    /// fails (`"20GB"`, `"0"` for none); default 80% of the machine's.
    #[serde(default, with = "bytes")]
    pub server_memory: Option<u64>,
    pub max_connections: Option<usize>,
    pub max_running: Option<usize>,
    #[serde(default, with = "duration")]
    pub queue_timeout: Option<Duration>,
}

impl LimitsSection {
    pub fn limits(&self) -> crate::limits::Limits {
        let defaults = crate::limits::Limits::default();
        crate::limits::Limits {
            statement_timeout: match self.statement_timeout {
                Some(timeout) if timeout.is_zero() => None,
                Some(timeout) => Some(timeout),
                None => defaults.statement_timeout,
            },
            max_connections: self.max_connections.unwrap_or(defaults.max_connections),
            max_running: self.max_running.unwrap_or(defaults.max_running),
            queue_timeout: self.queue_timeout.unwrap_or(defaults.queue_timeout),
        }
    }

    /// The bound on the server's resident memory, if any.
    pub fn server_memory(&self) -> Option<u64> {
        match self.server_memory {
            Some(0) => None,
            Some(bytes) => Some(bytes),
            None => crate::resident_memory::default_bound(),
        }
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |message: &str| Err(ConfigError::Invalid(format!("[limits]: {message}")));
        if self.max_connections == Some(0) {
            return invalid("max_connections = 0 would refuse every client");
        }
        if self.max_running == Some(0) {
            return invalid("max_running = 0 would run no statement");
        }
        // The statement_timeout setting holds milliseconds up to i32::MAX, as PostgreSQL's.
        if self
            .statement_timeout
            .is_some_and(|t| t.as_millis() > i32::MAX as u128)
        {
            return invalid("statement_timeout is at most 24 days (2147483647 ms)");
        }
        if self.query_memory == Some(0) {
            return invalid("query_memory = 0 would fail every statement");
        }
        Ok(())
    }
}

/// `[router]`: how `auto` chooses.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterSection {
    /// A cost model written by `junction calibrate`; the built-in profiles otherwise.
    pub calibration: Option<PathBuf>,
    /// Every n-th run of a statement goes to the runner-up engine while it has fewer runs on
    /// record, to learn its time (default 0: never).
    #[serde(default)]
    pub explore_every: u32,
    /// The memory a statement may work in on this machine (`"12GB"`): one expected to need
    /// more runs on a remote engine when one can run it. Default: half the machine's memory.
    #[serde(default, with = "bytes")]
    pub local_memory: Option<u64>,
}

impl RouterSection {
    /// What a statement runs in when the machine's size cannot be read.
    const FALLBACK_LOCAL_MEMORY: u64 = 8 << 30;

    pub fn local_memory(&self) -> u64 {
        self.local_memory.unwrap_or_else(|| {
            crate::resident_memory::machine_memory()
                .map_or(Self::FALLBACK_LOCAL_MEMORY, |total| total / 2)
        })
    }
}

/// `[storage]`: where table files outside the local disk are read from.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSection {
    pub s3: Option<S3Section>,
}

/// `[storage.s3]`: S3-compatible storage for `s3://` locations, for every catalog and engine.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Section {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    #[serde(default)]
    pub allow_http: bool,
    #[serde(default)]
    pub virtual_hosted_style: bool,
}

/// AWS's region when `region` is absent, as the AWS SDKs default it.
const DEFAULT_S3_REGION: &str = "us-east-1";

impl S3Section {
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: self.endpoint.clone(),
            region: self
                .region
                .clone()
                .unwrap_or_else(|| DEFAULT_S3_REGION.to_owned()),
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: self.session_token.clone(),
            allow_http: self.allow_http,
            virtual_hosted_style: self.virtual_hosted_style,
        }
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid =
            |message: String| Err(ConfigError::Invalid(format!("[storage.s3]: {message}")));
        if self.access_key_id.is_some() != self.secret_access_key.is_some() {
            return invalid("access_key_id and secret_access_key go together".to_owned());
        }
        let Some(endpoint) = &self.endpoint else {
            return Ok(());
        };
        match url::Url::parse(endpoint).map(|url| url.scheme().to_owned()) {
            Ok(scheme) if scheme == "https" => Ok(()),
            Ok(scheme) if scheme == "http" && self.allow_http => Ok(()),
            Ok(scheme) if scheme == "http" => invalid(format!(
                "endpoint {endpoint} is http://, which needs allow_http = true"
            )),
            _ => invalid(format!(
                "endpoint {endpoint} is not an http:// or https:// URL"
            )),
        }
    }
}

impl std::fmt::Debug for S3Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // S3Settings never prints a secret.
        self.settings().fmt(f)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub pg_addr: Option<SocketAddr>,
    pub flight_addr: Option<SocketAddr>,
    /// GET /metrics (Prometheus text), /health and /ready; none without it.
    pub http_addr: Option<SocketAddr>,
    pub default_catalog: Option<String>,
    /// Statements that take at least this long are logged with their SQL (PostgreSQL's
    /// log_min_duration_statement); none by default.
    #[serde(default, with = "duration")]
    pub log_min_duration: Option<Duration>,
    /// Whether logged SQL keeps its literals; by default each is replaced by `$n`, for
    /// literals are where values users would not log live (names, ids, secrets).
    #[serde(default)]
    pub log_literals: bool,
    /// How long SIGTERM lets running statements finish before they are stopped (default 30s).
    #[serde(default, with = "duration")]
    pub shutdown_timeout: Option<Duration>,
    /// The server's certificate (PEM, its chain after it) and key: TLS on both front ends.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Refuse plaintext pg connections (28000).
    #[serde(default)]
    pub tls_required: bool,
    /// Without `[[user]]` entries every login is trusted; listening on an address other
    /// than loopback that way must be said with `trust = true`.
    #[serde(default)]
    pub trust: bool,
}

impl ServerConfig {
    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |message: &str| Err(ConfigError::Invalid(format!("[server]: {message}")));
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => return invalid("tls_cert needs tls_key"),
            (None, Some(_)) => return invalid("tls_key needs tls_cert"),
            (None, None) if self.tls_required => {
                return invalid("tls_required needs tls_cert and tls_key")
            }
            _ => {}
        }
        Ok(())
    }
}

/// How long SIGTERM waits for running statements unless `[server] shutdown_timeout` says.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// `[flight]`: how long the Flight SQL front end keeps what it handed out.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlightSection {
    /// How long a ticket from GetFlightInfo stays valid for its DoGet (default 5m).
    #[serde(default, with = "duration")]
    pub ticket_ttl: Option<Duration>,
    /// How long an idle session (bearer token) lives (default 1h).
    #[serde(default, with = "duration")]
    pub session_idle_timeout: Option<Duration>,
    /// How long a bearer token lives at most, busy or not (default 12h).
    #[serde(default, with = "duration")]
    pub token_lifetime: Option<Duration>,
}

impl FlightSection {
    pub fn settings(&self) -> crate::flight::FlightSettings {
        let defaults = crate::flight::FlightSettings::default();
        crate::flight::FlightSettings {
            ticket_ttl: self.ticket_ttl.unwrap_or(defaults.ticket_ttl),
            session_idle_timeout: self
                .session_idle_timeout
                .unwrap_or(defaults.session_idle_timeout),
            token_lifetime: self.token_lifetime.unwrap_or(defaults.token_lifetime),
        }
    }
}

/// Durations written as `"5s"`, `"250ms"`, `"1h 30m"`.
mod duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        humantime::parse_duration(&text)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("\"{text}\": {e}")))
    }
}

/// A size as PostgreSQL writes memory settings: a whole number with `B`, `kB`, `MB`, `GB` or
/// `TB` (powers of 1024; any case, `KiB`-style spellings too).
mod bytes {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        parse(&text).map(Some).map_err(serde::de::Error::custom)
    }

    pub fn parse(text: &str) -> Result<u64, String> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let invalid = || format!("\"{text}\": a size is a whole number and a unit, as \"12GB\"");
        let number: u64 = number.parse().map_err(|_| invalid())?;
        let shift = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "kb" | "kib" => 10,
            "mb" | "mib" => 20,
            "gb" | "gib" => 30,
            "tb" | "tib" => 40,
            _ => return Err(invalid()),
        };
        number
            .checked_mul(1 << shift)
            .ok_or_else(|| format!("\"{text}\" is too large"))
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn sizes_read_as_postgresql_memory_settings() {
            assert_eq!(super::parse("12GB"), Ok(12 << 30));
            assert_eq!(super::parse("1 kB"), Ok(1024));
            assert_eq!(super::parse("512MiB"), Ok(512 << 20));
            assert_eq!(super::parse("100"), Ok(100));
            assert!(super::parse("1.5GB").is_err());
            assert!(super::parse("GB").is_err());
            assert!(super::parse("99999999999TB").is_err());
        }
    }
}

/// `[engines.*]`: the in-process engines' settings; each engine runs with its defaults when
/// its section is absent.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnginesConfig {
    pub datafusion: Option<DataFusionSection>,
    pub duckdb: Option<DuckDbSection>,
    pub trino: Option<TrinoSection>,
}

/// `[engines.trino]`: the remote engine, present only when configured.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrinoSection {
    pub url: String,
    #[serde(default = "TrinoSection::default_user")]
    pub user: String,
    #[serde(default)]
    pub impersonate: bool,
    pub password: Option<Secret>,
    pub token: Option<Secret>,
    /// junction catalog → the Trino catalog that reads the same tables.
    #[serde(default)]
    pub catalogs: std::collections::BTreeMap<String, String>,
    /// How often the coordinator's `/v1/info` is checked (default 5s).
    #[serde(default, with = "duration")]
    pub health_interval: Option<Duration>,
}

impl TrinoSection {
    fn default_user() -> String {
        "junction".to_owned()
    }

    pub fn engine_config(
        &self,
        query_memory: Option<u64>,
    ) -> Result<junction_engines::TrinoConfig, String> {
        let credentials = match (&self.password, &self.token) {
            (None, None) => junction_engines::TrinoCredentials::None,
            (Some(password), None) => junction_engines::TrinoCredentials::Basic {
                password: password.expose().to_owned(),
            },
            (None, Some(token)) => junction_engines::TrinoCredentials::Bearer {
                token: token.expose().to_owned(),
            },
            (Some(_), Some(_)) => {
                return Err("[engines.trino]: password or token, not both".to_owned())
            }
        };
        Ok(junction_engines::TrinoConfig {
            url: self.url.clone(),
            user: self.user.clone(),
            impersonate: self.impersonate,
            credentials,
            catalogs: self.catalogs.clone(),
            health_interval: self.health_interval.unwrap_or(Duration::from_secs(5)),
            query_memory,
        })
    }
}

/// `[engines.datafusion]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataFusionSection {
    /// What DataFusion's statements together may hold, as DataFusion counts it; no bound
    /// when absent. No default: DataFusion counts buffers that batches share once per batch
    /// (string views into one page), so a bound of 40% of this machine (9.6 GB) failed
    /// TPC-H SF1's Q18 and Q21, which hold 680 MB, and a statement is already bounded in
    /// time by `statement_timeout` (benches/README.md, "memory").
    #[serde(default, with = "bytes")]
    pub memory_limit: Option<u64>,
}

/// `[engines.duckdb]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuckDbSection {
    pub threads: Option<u32>,
    /// What DuckDB's statements together may hold; default DuckDB's own, 80% of the machine.
    #[serde(default, with = "bytes")]
    pub memory_limit: Option<u64>,
    pub extension_directory: Option<PathBuf>,
    pub connections: Option<usize>,
}

impl DuckDbSection {
    /// DuckDB's configuration, each statement bounded by `query_memory`.
    pub fn engine_config(&self, query_memory: Option<u64>) -> junction_engines::DuckDbConfig {
        junction_engines::DuckDbConfig {
            threads: self.threads,
            // DuckDB's default is per database, and the engine has a database per connection.
            memory_limit: self
                .memory_limit
                .or_else(|| crate::resident_memory::machine_memory().map(|total| total / 5 * 4)),
            query_memory,
            extension_directory: self.extension_directory.clone(),
            connections: self.connections,
        }
    }
}

/// One `[[catalog]]`. The keys of catalog types junction does not serve yet are parsed (so a
/// misspelt key is an error) and refused by [`Config::check`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConfig {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub path: Option<PathBuf>,
    pub uri: Option<String>,
    #[serde(default, with = "duration")]
    pub metadata_ttl: Option<Duration>,
    #[serde(default, with = "duration")]
    pub timeout: Option<Duration>,
    pub token: Option<Secret>,
    pub warehouse: Option<String>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub catalog: Option<String>,
    /// OAuth2 client credentials (`client_id:client_secret`), iceberg-rest only.
    pub credential: Option<Secret>,
    /// The OAuth2 scope asked for with `credential`, iceberg-rest only.
    pub scope: Option<String>,
    /// unity only: read a table whose temporary credentials the server refuses with
    /// `[storage.s3]` (default: the refusal is the query's error).
    pub fallback_to_storage: Option<bool>,
}

/// How long a remote catalog's answers are reused, unless `metadata_ttl` says otherwise.
pub const DEFAULT_METADATA_TTL: Duration = Duration::from_secs(5);
/// How long a call to a remote catalog may take, unless `timeout` says otherwise.
pub const DEFAULT_CATALOG_TIMEOUT: Duration = Duration::from_secs(10);

impl CatalogConfig {
    fn required<'a>(
        &self,
        key: &str,
        value: &'a Option<String>,
    ) -> Result<&'a String, ConfigError> {
        value.as_ref().ok_or_else(|| {
            ConfigError::Invalid(format!(
                "catalog \"{}\": a {} catalog needs `{key}`",
                self.name, self.kind
            ))
        })
    }

    /// The server of a remote catalog: `uri`, `token`, `timeout`, `metadata_ttl`.
    fn endpoint(&self) -> Result<junction_catalogs::Endpoint, ConfigError> {
        Ok(junction_catalogs::Endpoint {
            uri: self.required("uri", &self.uri)?.clone(),
            token: self.token.as_ref().map(|t| t.expose().to_owned()),
            timeout: self.timeout.unwrap_or(DEFAULT_CATALOG_TIMEOUT),
            metadata_ttl: self.metadata_ttl.unwrap_or(DEFAULT_METADATA_TTL),
        })
    }

    /// What the entry configures, by its `type`; an unknown type or a missing key is an
    /// error naming the catalog.
    pub fn source(&self) -> Result<CatalogSource, ConfigError> {
        if self.fallback_to_storage.is_some() && self.kind != "unity" {
            return Err(ConfigError::Invalid(format!(
                "catalog \"{}\": only unity catalogs take `fallback_to_storage`",
                self.name
            )));
        }
        let oauth = self.credential.is_some() || self.scope.is_some();
        if oauth && self.kind != "iceberg-rest" {
            return Err(ConfigError::Invalid(format!(
                "catalog \"{}\": only iceberg-rest catalogs take `credential` and `scope`",
                self.name
            )));
        }
        Ok(match self.kind.as_str() {
            "warehouse" => CatalogSource::Warehouse,
            "iceberg-rest" => CatalogSource::IcebergRest(self.rest_settings()?),
            "unity" => CatalogSource::Unity(self.unity_settings()?),
            "hive" => CatalogSource::Hive(self.hive_settings()?),
            "nessie" => CatalogSource::Nessie(self.nessie_settings()?),
            other => {
                return Err(ConfigError::Invalid(format!(
                    "catalog \"{}\": unknown type \"{other}\" (warehouse, hive, iceberg-rest, nessie, unity)",
                    self.name
                )))
            }
        })
    }

    /// The settings of a `unity` catalog.
    fn unity_settings(&self) -> Result<junction_catalogs::UnitySettings, ConfigError> {
        Ok(junction_catalogs::UnitySettings {
            endpoint: self.endpoint()?,
            catalog: self.required("catalog", &self.catalog)?.clone(),
            fallback_to_storage: self.fallback_to_storage.unwrap_or(false),
        })
    }

    /// The settings of a `hive` catalog: a Thrift `uri`; the metastore takes no token.
    fn hive_settings(&self) -> Result<junction_catalogs::HiveSettings, ConfigError> {
        if self.token.is_some() {
            return Err(ConfigError::Invalid(format!(
                "catalog \"{}\": a hive catalog takes no `token` (the metastore's Thrift API has none)",
                self.name
            )));
        }
        Ok(junction_catalogs::HiveSettings {
            endpoint: self.endpoint()?,
        })
    }

    /// The settings of a `nessie` catalog: the API v2 `uri` and the `ref` to read (the
    /// server's default branch when absent).
    fn nessie_settings(&self) -> Result<junction_catalogs::NessieSettings, ConfigError> {
        Ok(junction_catalogs::NessieSettings {
            endpoint: self.endpoint()?,
            reference: self.reference.clone(),
        })
    }

    /// The settings of an `iceberg-rest` catalog.
    fn rest_settings(&self) -> Result<junction_catalogs::RestSettings, ConfigError> {
        if self.token.is_some() && self.credential.is_some() {
            return Err(ConfigError::Invalid(format!(
                "catalog \"{}\": `token` and `credential` are two ways to authenticate; give one",
                self.name
            )));
        }
        if self.scope.is_some() && self.credential.is_none() {
            return Err(ConfigError::Invalid(format!(
                "catalog \"{}\": `scope` is asked for with `credential`",
                self.name
            )));
        }
        Ok(junction_catalogs::RestSettings {
            endpoint: self.endpoint()?,
            warehouse: self.warehouse.clone(),
            credential: self.credential.as_ref().map(|c| c.expose().to_owned()),
            scope: self.scope.clone(),
        })
    }
}

/// What a `[[catalog]]` entry configures. Warehouse catalogs are built from their `path`
/// with `--warehouse` applied, so they carry nothing here.
#[derive(Debug)]
pub enum CatalogSource {
    Warehouse,
    IcebergRest(junction_catalogs::RestSettings),
    Hive(junction_catalogs::HiveSettings),
    Nessie(junction_catalogs::NessieSettings),
    Unity(junction_catalogs::UnitySettings),
}

/// Errors of configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Every secret value of the configuration, which no client message may repeat.
    pub fn secrets(&self) -> Vec<&str> {
        let mut secrets = Vec::new();
        if let Some(s3) = &self.storage.s3 {
            secrets.extend(s3.secret_access_key.as_deref());
            secrets.extend(s3.session_token.as_deref());
        }
        if let Some(trino) = &self.engines.trino {
            secrets.extend(trino.password.as_ref().map(Secret::expose));
            secrets.extend(trino.token.as_ref().map(Secret::expose));
        }
        for catalog in &self.catalogs {
            secrets.extend(catalog.token.as_ref().map(Secret::expose));
            secrets.extend(catalog.credential.as_ref().map(Secret::expose));
        }
        secrets
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        config.check()?;
        Ok(config)
    }

    /// Rejects settings this build cannot honour, rather than ignoring them.
    fn check(&self) -> Result<(), ConfigError> {
        self.server.check()?;
        self.users()?;
        self.limits.check()?;
        let engine_memory = [
            (
                "datafusion",
                self.engines
                    .datafusion
                    .as_ref()
                    .and_then(|s| s.memory_limit),
            ),
            (
                "duckdb",
                self.engines.duckdb.as_ref().and_then(|s| s.memory_limit),
            ),
        ];
        if let Some((engine, _)) = engine_memory.iter().find(|(_, bytes)| *bytes == Some(0)) {
            return Err(ConfigError::Invalid(format!(
                "[engines.{engine}]: memory_limit = 0 would fail every statement"
            )));
        }
        if let Some(s3) = &self.storage.s3 {
            s3.check()?;
        }
        for catalog in &self.catalogs {
            if let CatalogSource::Warehouse = catalog.source()? {
                if catalog.path.is_none() {
                    return Err(ConfigError::Invalid(format!(
                        "catalog \"{}\": a warehouse catalog needs `path`",
                        catalog.name
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "test.toml".into(),
            message: e.to_string(),
        })?;
        config.check()?;
        Ok(config)
    }

    #[test]
    fn trusting_everyone_beyond_loopback_must_be_said() {
        let default = parse("").expect("empty config");
        let any: SocketAddr = "0.0.0.0:5433".parse().expect("address");
        assert!(default
            .check_trust("127.0.0.1:5433".parse().expect("address"))
            .is_ok());
        assert!(default
            .check_trust("[::1]:5433".parse().expect("address"))
            .is_ok());
        let refused = default.check_trust(any).expect_err("0.0.0.0");
        assert!(refused.to_string().contains("trust = true"), "{refused}");
        assert!(refused.to_string().contains("[[user]]"), "{refused}");
        let trusting = parse("[server]\ntrust = true\n").expect("trust");
        assert!(trusting.check_trust(any).is_ok());
        let verifier = crate::auth::ScramVerifier::new("pw", crate::auth::DEFAULT_ITERATIONS);
        let with_users = parse(&format!(
            "[[user]]\nname = \"a\"\npassword = \"{verifier}\"\n"
        ))
        .expect("a user");
        assert!(with_users.check_trust(any).is_ok());
    }

    #[test]
    fn users_carry_verifiers_and_errors_name_the_user_and_key() {
        let verifier = crate::auth::ScramVerifier::new("pw", crate::auth::DEFAULT_ITERATIONS);
        let config = parse(&format!(
            "[[user]]\nname = \"alice\"\npassword = \"{verifier}\"\nroles = [\"analyst\"]\n"
        ))
        .expect("a user");
        let users = config.users().expect("users");
        assert!(users["alice"].matches("pw"));
        assert!(!format!("{config:?}").contains(&verifier.to_string()));
        let err = parse("[[user]]\nname = \"bob\"\npassword = \"hunter2\"\n").expect_err("plain");
        let message = err.to_string();
        assert!(
            message.contains("\"bob\": password") && message.contains("hash-password"),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
        let twice = format!(
            "[[user]]\nname = \"a\"\npassword = \"{verifier}\"\n[[user]]\nname = \"a\"\npassword = \"{verifier}\"\n"
        );
        assert!(parse(&twice)
            .expect_err("twice")
            .to_string()
            .contains("twice"));
    }

    #[test]
    fn grants_reach_users_by_name_and_role() {
        let verifier = crate::auth::ScramVerifier::new("pw", crate::auth::DEFAULT_ITERATIONS);
        let config = parse(&format!(
            "[[user]]\nname = \"alice\"\npassword = \"{verifier}\"\nroles = [\"analyst\"]\n\
             [[user]]\nname = \"bob\"\npassword = \"{verifier}\"\n\
             [[grant]]\nto = \"analyst\"\ncatalog = \"warehouse\"\nschema = \"gold\"\n\
             [[grant]]\nto = \"bob\"\ncatalog = \"warehouse\"\nschema = \"*\"\ntables = [\"*\"]\n"
        ))
        .expect("users and grants");
        let crate::access::Access::Granted(by_user) = config.access(["warehouse"]).expect("grants")
        else {
            panic!("grants configured, everything granted");
        };
        assert!(by_user["alice"].table("warehouse", "gold", "t"));
        assert!(!by_user["alice"].table("warehouse", "silver", "t"));
        assert!(by_user["bob"].table("warehouse", "silver", "t"));
        let err = config.access(["lake"]).expect_err("unknown catalog");
        assert!(
            err.to_string()
                .contains("\"warehouse\" is not a configured catalog"),
            "{err}"
        );
        assert!(matches!(
            parse("").expect("empty").access(["warehouse"]),
            Ok(crate::access::Access::Everything)
        ));
    }

    #[test]
    fn tls_keys_come_in_pairs() {
        let err = parse("[server]\ntls_cert = \"a.crt\"\n").expect_err("no key");
        assert!(err.to_string().contains("tls_key"), "{err}");
        let err = parse("[server]\ntls_required = true\n").expect_err("nothing to require");
        assert!(err.to_string().contains("tls_required"), "{err}");
    }

    #[test]
    fn a_logged_configuration_shows_no_secret() {
        let config = parse(
            // The access key's id names the key (as a user name does) and helps find which
            // is wrong; its secret and session token are what must not show.
            "[storage.s3]\naccess_key_id = \"AKIDVISIBLE\"\nsecret_access_key = \"SECRET2\"\n\
             session_token = \"SECRET3\"\n\
             [engines.trino]\nurl = \"http://127.0.0.1:1\"\npassword = \"SECRET4\"\n\
             [[catalog]]\nname = \"lake\"\ntype = \"iceberg-rest\"\nuri = \"http://127.0.0.1:1\"\n\
             credential = \"id:SECRET5\"\n\
             [[catalog]]\nname = \"uc\"\ntype = \"unity\"\nuri = \"http://127.0.0.1:1\"\n\
             catalog = \"main\"\ntoken = \"SECRET6\"\n",
        )
        .expect("a configuration with secrets");
        let logged = format!("{config:?}");
        for secret in ["SECRET2", "SECRET3", "SECRET4", "SECRET5", "SECRET6"] {
            assert!(!logged.contains(secret), "{secret} in {logged}");
        }
        let trino = config.engines.trino.as_ref().expect("trino");
        assert!(!format!("{:?}", trino.engine_config(None)).contains("SECRET4"));
    }

    #[test]
    fn unknown_keys_name_the_key() {
        let err = parse("[server]\npg_adr = \"127.0.0.1:1\"\n").expect_err("typo");
        assert!(err.to_string().contains("pg_adr"), "{err}");
    }

    #[test]
    fn warehouse_catalogs_parse() {
        let config = parse(
            "[server]\ndefault_catalog = \"lake\"\n[[catalog]]\nname = \"lake\"\ntype = \"warehouse\"\npath = \"/tmp/w\"\n",
        )
        .expect("valid");
        assert_eq!(config.catalogs[0].name, "lake");
    }

    #[test]
    fn iceberg_rest_catalogs_parse_with_defaults_and_need_a_uri() {
        let config = parse(
            "[[catalog]]\nname = \"ice\"\ntype = \"iceberg-rest\"\nuri = \"http://127.0.0.1:8181\"\ntoken = \"t\"\ntimeout = \"2s\"\n",
        )
        .expect("valid");
        let settings = config.catalogs[0].rest_settings().expect("settings");
        assert_eq!(settings.endpoint.timeout, Duration::from_secs(2));
        assert_eq!(settings.endpoint.metadata_ttl, DEFAULT_METADATA_TTL);
        assert_eq!(settings.endpoint.token.as_deref(), Some("t"));
        let err =
            parse("[[catalog]]\nname = \"ice\"\ntype = \"iceberg-rest\"\n").expect_err("no uri");
        assert!(err.to_string().contains("`uri`"), "{err}");
        let err = parse(
            "[[catalog]]\nname = \"ice\"\ntype = \"iceberg-rest\"\nuri = \"http://x\"\nmetadata_ttl = \"soon\"\n",
        )
        .expect_err("bad duration");
        assert!(err.to_string().contains("soon"), "{err}");
    }

    #[test]
    fn hive_catalogs_need_a_uri_and_take_no_token() {
        let config = parse(
            "[[catalog]]\nname = \"hms\"\ntype = \"hive\"\nuri = \"thrift://127.0.0.1:9083\"\ntimeout = \"2s\"\n",
        )
        .expect("valid");
        let settings = config.catalogs[0].hive_settings().expect("settings");
        assert_eq!(settings.endpoint.uri, "thrift://127.0.0.1:9083");
        assert_eq!(settings.endpoint.timeout, Duration::from_secs(2));
        let err = parse("[[catalog]]\nname = \"hms\"\ntype = \"hive\"\n").expect_err("no uri");
        assert!(err.to_string().contains("`uri`"), "{err}");
        let err = parse(
            "[[catalog]]\nname = \"hms\"\ntype = \"hive\"\nuri = \"thrift://x:1\"\ntoken = \"t\"\n",
        )
        .expect_err("token");
        assert!(err.to_string().contains("`token`"), "{err}");
    }

    #[test]
    fn nessie_catalogs_take_a_reference() {
        let config = parse(
            "[[catalog]]\nname = \"n\"\ntype = \"nessie\"\nuri = \"http://x/api/v2\"\nref = \"dev\"\n",
        )
        .expect("valid");
        let settings = config.catalogs[0].nessie_settings().expect("settings");
        assert_eq!(settings.reference.as_deref(), Some("dev"));
        let config =
            parse("[[catalog]]\nname = \"n\"\ntype = \"nessie\"\nuri = \"http://x/api/v2\"\n")
                .expect("valid");
        let settings = config.catalogs[0].nessie_settings().expect("settings");
        assert_eq!(settings.reference, None, "the server's default branch");
    }

    #[test]
    fn unavailable_features_are_refused() {
        assert!(parse("[engines.trino]\nuri = \"http://x\"\n").is_err());
        assert!(parse("[storage.gcs]\nbucket = \"x\"\n").is_err());
    }

    #[test]
    fn only_unity_catalogs_fall_back_to_storage() {
        let unity = parse(
            "[[catalog]]\nname = \"u\"\ntype = \"unity\"\nuri = \"http://x\"\ncatalog = \"c\"\n\
             fallback_to_storage = true\n",
        )
        .expect("valid");
        let CatalogSource::Unity(settings) = unity.catalogs[0].source().expect("source") else {
            panic!("a unity catalog");
        };
        assert!(settings.fallback_to_storage);
        let error = parse(
            "[[catalog]]\nname = \"n\"\ntype = \"nessie\"\nuri = \"http://x\"\n\
             fallback_to_storage = true\n",
        )
        .expect_err("refused")
        .to_string();
        assert!(error.contains("only unity catalogs"), "{error}");
    }

    #[test]
    fn rest_catalogs_take_oauth_client_credentials() {
        let entry = |keys: &str| {
            format!(
                "[[catalog]]\nname = \"r\"\ntype = \"iceberg-rest\"\nuri = \"http://x\"\n{keys}"
            )
        };
        let config = parse(&entry(
            "credential = \"id:secret\"\nscope = \"PRINCIPAL_ROLE:ALL\"\n",
        ))
        .expect("valid");
        let CatalogSource::IcebergRest(settings) = config.catalogs[0].source().expect("source")
        else {
            panic!("an iceberg-rest catalog");
        };
        assert_eq!(settings.credential.as_deref(), Some("id:secret"));
        assert!(
            !format!("{settings:?}").contains("id:secret"),
            "{settings:?}"
        );
        for keys in [
            "credential = \"id:secret\"\ntoken = \"t\"\n",
            "scope = \"catalog\"\n",
        ] {
            assert!(parse(&entry(keys)).is_err(), "{keys}");
        }
        assert!(parse(
            "[[catalog]]\nname = \"u\"\ntype = \"unity\"\nuri = \"http://x\"\ncatalog = \"c\"\n\
             credential = \"id:secret\"\n"
        )
        .is_err());
    }

    #[test]
    fn s3_settings_parse_and_are_checked() {
        let config = parse(
            "[storage.s3]\nendpoint = \"http://127.0.0.1:9000\"\naccess_key_id = \"ak\"\n\
             secret_access_key = \"sk\"\nallow_http = true\n",
        )
        .expect("valid");
        let settings = config.storage.s3.expect("section").settings();
        assert_eq!(settings.region, "us-east-1");
        assert!(!settings.virtual_hosted_style);
        assert!(
            !format!("{settings:?}").contains("sk"),
            "secrets are redacted"
        );
        for (text, why) in [
            ("endpoint = \"http://x:9000\"\n", "allow_http"),
            ("endpoint = \"x:9000\"\n", "not an http"),
            ("access_key_id = \"ak\"\n", "go together"),
            ("endpoint_url = \"http://x\"\n", "unknown field"),
        ] {
            let error = parse(&format!("[storage.s3]\n{text}"))
                .expect_err(text)
                .to_string();
            assert!(error.contains(why), "{text}: {error}");
        }
    }

    #[test]
    fn duckdb_settings_parse_and_misspellings_fail() {
        let config =
            parse("[engines.duckdb]\nthreads = 2\nmemory_limit = \"1GB\"\n").expect("valid");
        let duckdb = config.engines.duckdb.expect("section present");
        assert_eq!(duckdb.threads, Some(2));
        assert_eq!(duckdb.memory_limit, Some(1 << 30));
        assert!(parse("[engines.duckdb]\nthread = 2\n").is_err());
        let config = parse("[engines.datafusion]\nmemory_limit = \"8GB\"\n").expect("valid");
        let datafusion = config.engines.datafusion.expect("section present");
        assert_eq!(datafusion.memory_limit, Some(8 << 30));
        assert!(parse("[engines.datafusion]\nmemory_limit = \"0\"\n").is_err());
    }
}
