//! Where table files are read from: local disk, and S3-compatible object storage as
//! `[storage.s3]` configures it, or with the credentials a catalog handed out for a table.
//! DataFusion and deltalake read through object_store, iceberg through opendal; both get
//! their settings from one [`Storage`].

mod routed;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use deltalake::logstore::{
    default_logstore, logstore_factories, LogStore, LogStoreFactory, ObjectStoreRef, StorageConfig,
};
use futures::TryStreamExt;
use iceberg::io::{FileIO, FileIOBuilder, LocalFsStorageFactory};
use iceberg_storage_opendal::OpenDalStorageFactory;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use url::Url;

use crate::table::Location;
use crate::{CatalogError, Result};
use routed::BucketStore;

/// `[storage.s3]`: how to reach S3-compatible storage for `s3://` locations.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    /// `http://127.0.0.1:9000`; AWS's own endpoint for the region when absent.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Temporary credentials carry a session token with their keys.
    pub session_token: Option<String>,
    /// Whether an `http://` endpoint may be used.
    pub allow_http: bool,
    /// `bucket.host/key` rather than `host/bucket/key`.
    pub virtual_hosted_style: bool,
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print a secret.
        let redacted = |secret: &Option<String>| secret.as_ref().map(|_| "<redacted>");
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &redacted(&self.secret_access_key))
            .field("session_token", &redacted(&self.session_token))
            .field("allow_http", &self.allow_http)
            .field("virtual_hosted_style", &self.virtual_hosted_style)
            .finish()
    }
}

impl S3Settings {
    /// The same settings as iceberg's FileIO properties.
    pub fn iceberg_props(&self) -> HashMap<String, String> {
        let mut props = HashMap::from([
            ("s3.region".to_owned(), self.region.clone()),
            (
                "s3.path-style-access".to_owned(),
                (!self.virtual_hosted_style).to_string(),
            ),
        ]);
        let optional = [
            ("s3.endpoint", &self.endpoint),
            ("s3.access-key-id", &self.access_key_id),
            ("s3.secret-access-key", &self.secret_access_key),
            ("s3.session-token", &self.session_token),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                props.insert(key.to_owned(), value.clone());
            }
        }
        props
    }

    /// These settings overlaid with the S3 settings among iceberg FileIO `props` (what a
    /// REST catalog hands out for a table); `None` when `props` hold no endpoint or
    /// credentials of their own.
    pub fn overlaid(base: Option<&S3Settings>, props: &HashMap<String, String>) -> Option<Self> {
        let prop = |key: &str| props.get(key).cloned();
        let own = [
            "s3.endpoint",
            "s3.access-key-id",
            "s3.secret-access-key",
            "s3.session-token",
        ];
        if !own.iter().any(|key| props.contains_key(*key)) {
            return None;
        }
        let mut settings = base.cloned().unwrap_or_else(|| S3Settings {
            region: "us-east-1".to_owned(),
            ..S3Settings::default()
        });
        if let Some(endpoint) = prop("s3.endpoint") {
            // The catalog named the endpoint, scheme and all.
            settings.allow_http = endpoint.starts_with("http://");
            settings.endpoint = Some(endpoint);
        }
        if let Some(key) = prop("s3.access-key-id") {
            // Keys come in sets: a vended key never pairs with a configured token.
            settings.access_key_id = Some(key);
            settings.secret_access_key = prop("s3.secret-access-key");
            settings.session_token = prop("s3.session-token");
        }
        if let Some(region) = prop("s3.region").or_else(|| prop("client.region")) {
            settings.region = region;
        }
        if let Some(path_style) = prop("s3.path-style-access") {
            settings.virtual_hosted_style = !path_style.eq_ignore_ascii_case("true");
        }
        Some(settings)
    }

    fn store(&self, bucket: &str) -> object_store::Result<Arc<dyn ObjectStore>> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(&self.region)
            .with_allow_http(self.allow_http)
            .with_virtual_hosted_style_request(self.virtual_hosted_style);
        if let Some(endpoint) = &self.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(key) = &self.access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &self.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        if let Some(token) = &self.session_token {
            builder = builder.with_token(token);
        }
        Ok(Arc::new(builder.build()?))
    }
}

/// S3 settings a catalog handed out for one table (vended or temporary credentials), and
/// when they stop working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCredentials {
    pub settings: S3Settings,
    pub expires: Option<SystemTime>,
}

impl TableCredentials {
    /// How long before they expire credentials are renewed, so that a query planned with
    /// them has that long to read.
    const RENEWAL: Duration = Duration::from_secs(60);

    /// `settings`, expiring at `expires_at_ms` (milliseconds since the epoch) when given.
    pub(crate) fn new(settings: S3Settings, expires_at_ms: Option<i64>) -> Self {
        let expires = expires_at_ms
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms));
        Self { settings, expires }
    }

    /// Whether these credentials are about to expire, so that a table read with them must
    /// be loaded again (and its catalog asked for new ones).
    pub fn expiring(&self) -> bool {
        self.expires
            .is_some_and(|at| at <= SystemTime::now() + Self::RENEWAL)
    }
}

/// The object stores table files are read through: the local file system, and one S3 store
/// per bucket when S3 is configured. It is also the object store registry of DataFusion
/// sessions, so that a scan of an `s3://` file finds its bucket's store.
#[derive(Clone, Default)]
pub struct Storage {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    s3: Option<S3Settings>,
    local: Arc<LocalFileSystem>,
    buckets: Mutex<HashMap<String, Arc<BucketStore>>>,
    /// Stores registered by others (deltalake registers its tables' stores), by URL.
    registered: DefaultObjectStoreRegistry,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("s3", &self.inner.s3)
            .finish()
    }
}

impl Storage {
    /// Local files and, with `s3`, S3-compatible storage.
    pub fn new(s3: Option<S3Settings>) -> Self {
        if s3.is_some() {
            register_delta_s3();
        }
        Self {
            inner: Arc::new(Inner {
                s3,
                ..Inner::default()
            }),
        }
    }

    /// The S3 settings, when S3 is configured.
    pub fn s3(&self) -> Option<&S3Settings> {
        self.inner.s3.as_ref()
    }

    /// The store holding `location`'s objects.
    pub(crate) fn store(&self, location: &Location) -> Result<Arc<dyn ObjectStore>> {
        if location.is_local() {
            return Ok(Arc::clone(&self.inner.local) as Arc<dyn ObjectStore>);
        }
        let bucket = self.bucket(location)?;
        if bucket.settings_for(&location.store_path()).is_none() {
            return Err(no_s3(location));
        }
        Ok(bucket)
    }

    /// The store of `location`'s bucket.
    fn bucket(&self, location: &Location) -> Result<Arc<BucketStore>> {
        let name = location.url().host_str().unwrap_or_default();
        let mut buckets = self.inner.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get(name) {
            return Ok(Arc::clone(bucket));
        }
        let bucket = BucketStore::new(name, self.inner.s3.as_ref())
            .map(Arc::new)
            .map_err(storage_error(location))?;
        buckets.insert(name.to_owned(), Arc::clone(&bucket));
        Ok(bucket)
    }

    /// From now on, everything under the folder `location` (a table in S3) is read with
    /// `credentials`, which its catalog handed out, rather than `[storage.s3]`: by every
    /// engine that reads through this storage, and by iceberg's FileIO made here.
    pub(crate) fn grant(&self, location: &Location, credentials: &TableCredentials) -> Result<()> {
        register_delta_s3();
        self.bucket(location)?
            .grant(location.store_path(), credentials.settings.clone())
            .map_err(storage_error(location))
    }

    /// Every object under the folder `location`, at any depth.
    pub(crate) async fn list(&self, location: &Location) -> Result<Vec<ObjectMeta>> {
        let store = self.store(location)?;
        // Object stores list nothing under a missing prefix; a missing local folder is an
        // error, as it was when the table was found.
        if let Some(path) = location.as_path().filter(|path| !path.exists()) {
            let source = std::io::Error::from(std::io::ErrorKind::NotFound);
            return Err(storage_error(location)(object_store::Error::NotFound {
                path: path.display().to_string(),
                source: Box::new(source),
            }));
        }
        let prefix = location.store_path();
        store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(storage_error(location))
    }

    /// The names of the objects directly in the folder `location`.
    pub(crate) async fn file_names(&self, location: &Location) -> Result<Vec<String>> {
        let store = self.store(location)?;
        let listed = store
            .list_with_delimiter(Some(&location.store_path()))
            .await
            .map_err(storage_error(location))?;
        Ok(listed
            .objects
            .into_iter()
            .filter_map(|object| object.location.filename().map(str::to_owned))
            .collect())
    }

    /// The object at `location`; `None` when there is none.
    pub(crate) async fn head(&self, location: &Location) -> Result<Option<ObjectMeta>> {
        let store = self.store(location)?;
        match store.head(&location.store_path()).await {
            Ok(meta) => Ok(Some(meta)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(storage_error(location)(e)),
        }
    }

    /// The bytes of the object at `location`; `None` when there is none.
    pub(crate) async fn read(&self, location: &Location) -> Result<Option<Bytes>> {
        let store = self.store(location)?;
        let got = match store.get(&location.store_path()).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(storage_error(location)(e)),
        };
        got.bytes().await.map(Some).map_err(storage_error(location))
    }

    /// iceberg's FileIO for S3 with `settings` (and any other FileIO `props`).
    pub(crate) fn s3_file_io(settings: &S3Settings, props: &HashMap<String, String>) -> FileIO {
        let mut props = props.clone();
        props.extend(settings.iceberg_props());
        let factory = OpenDalStorageFactory::S3 {
            customized_credential_load: None,
        };
        FileIOBuilder::new(Arc::new(factory))
            .with_props(props)
            .build()
    }

    /// iceberg's FileIO for a table whose metadata is at `location`.
    pub(crate) fn file_io(&self, location: &Location) -> Result<FileIO> {
        if location.is_local() {
            return Ok(FileIOBuilder::new(Arc::new(LocalFsStorageFactory)).build());
        }
        let Some((settings, _)) = self.bucket(location)?.settings_for(&location.store_path())
        else {
            return Err(no_s3(location));
        };
        Ok(Self::s3_file_io(&settings, &HashMap::new()))
    }

    /// A deltalake table builder for the table at `location`, reading through this storage.
    pub(crate) fn delta_builder(
        &self,
        location: &Location,
    ) -> Result<deltalake::DeltaTableBuilder> {
        let url = location.url().clone();
        let error = |source| CatalogError::Delta {
            table: location.to_string(),
            location: location.to_string(),
            source: Box::new(source),
        };
        let builder = deltalake::DeltaTableBuilder::from_url(url.clone()).map_err(error)?;
        if url.scheme() == "file" {
            return Ok(builder);
        }
        let root = Location::from_url(bucket_url(&url));
        Ok(builder.with_storage_backend(self.store(&root)?, url))
    }
}

/// `s3://bucket/`: the root of `url`'s bucket.
fn bucket_url(url: &Url) -> Url {
    let mut root = url.clone();
    root.set_path("/");
    root.set_query(None);
    root.set_fragment(None);
    root
}

/// A location in S3 that neither `[storage.s3]` nor a catalog's credentials reach.
fn no_s3(location: &Location) -> CatalogError {
    CatalogError::Unsupported(format!(
        "{location} is in S3, and no [storage.s3] is configured"
    ))
}

/// An object-store error on `location`.
fn storage_error(location: &Location) -> impl FnOnce(object_store::Error) -> CatalogError + '_ {
    move |source| CatalogError::Storage {
        location: location.to_string(),
        source,
    }
}

impl ObjectStoreRegistry for Storage {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.inner.registered.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        self.inner.registered.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.inner.registered.get_store(url) {
            return Ok(store);
        }
        let location = Location::from_url(url.clone());
        self.store(&location)
            .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))
    }
}

/// deltalake finds a log store by scheme, and has none for `s3://` without its AWS crate
/// (which brings the AWS SDK for DynamoDB locking that reads never need). Tables are read
/// through [`Storage`]'s own S3 store, so the plain log store is all it takes.
fn register_delta_s3() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        for scheme in ["s3://", "s3a://"] {
            if let Ok(url) = Url::parse(scheme) {
                logstore_factories().insert(url, Arc::new(ReadLogStoreFactory));
            }
        }
    });
}

struct ReadLogStoreFactory;

impl LogStoreFactory for ReadLogStoreFactory {
    fn with_options(
        &self,
        prefixed_store: ObjectStoreRef,
        root_store: ObjectStoreRef,
        location: &Url,
        options: &StorageConfig,
    ) -> deltalake::DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(
            prefixed_store,
            root_store,
            location,
            options,
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{S3Settings, TableCredentials};

    fn props(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn credentials_expiring_within_a_minute_are_renewed() {
        let now_ms = |offset_s: i64| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after the epoch");
            i64::try_from(now.as_millis()).expect("ms") + offset_s * 1000
        };
        let settings = S3Settings::default();
        let fresh = TableCredentials::new(settings.clone(), Some(now_ms(3600)));
        assert!(!fresh.expiring());
        assert!(TableCredentials::new(settings.clone(), Some(now_ms(30))).expiring());
        assert!(TableCredentials::new(settings.clone(), Some(now_ms(-5))).expiring());
        assert!(
            !TableCredentials::new(settings, None).expiring(),
            "no expiry given"
        );
    }

    #[test]
    fn vended_credentials_replace_the_configured_keys_as_a_set() {
        let configured = S3Settings {
            endpoint: Some("https://s3.example".into()),
            region: "eu-west-1".into(),
            access_key_id: Some("configured".into()),
            secret_access_key: Some("configured-secret".into()),
            session_token: Some("configured-token".into()),
            ..S3Settings::default()
        };
        let vended = props(&[
            ("s3.access-key-id", "vended"),
            ("s3.secret-access-key", "vended-secret"),
        ]);
        let settings = S3Settings::overlaid(Some(&configured), &vended).expect("vended");
        assert_eq!(settings.access_key_id.as_deref(), Some("vended"));
        assert_eq!(settings.secret_access_key.as_deref(), Some("vended-secret"));
        assert_eq!(settings.session_token, None, "never the configured token");
        assert_eq!(settings.endpoint.as_deref(), Some("https://s3.example"));
        assert_eq!(settings.region, "eu-west-1");

        let endpoint = props(&[("s3.endpoint", "http://127.0.0.1:9000")]);
        let settings = S3Settings::overlaid(None, &endpoint).expect("an endpoint");
        assert!(settings.allow_http);
        assert_eq!(settings.region, "us-east-1");

        let unrelated = props(&[("s3.path-style-access", "true"), ("io-impl", "x")]);
        assert_eq!(S3Settings::overlaid(Some(&configured), &unrelated), None);
    }
}
