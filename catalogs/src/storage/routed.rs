//! One S3 bucket's store, choosing the credentials of each request by its key.

use std::fmt;
use std::ops::Range;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

use super::S3Settings;

/// A table folder whose catalog handed out credentials for it, and the store using them.
struct TableGrant {
    root: Path,
    settings: S3Settings,
    store: Arc<dyn ObjectStore>,
}

/// An S3 bucket: `[storage.s3]`'s store for most keys, and a store of their own for the
/// table folders a catalog handed out credentials for (Unity's temporary table credentials).
/// DataFusion finds a scan's store by bucket alone (`s3://bucket`), so the choice by key is
/// made here, per request; a refreshed grant takes effect for requests still to come.
pub(super) struct BucketStore {
    bucket: String,
    configured: Option<(S3Settings, Arc<dyn ObjectStore>)>,
    grants: RwLock<Vec<TableGrant>>,
}

impl fmt::Debug for BucketStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BucketStore")
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for BucketStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S3 bucket {}", self.bucket)
    }
}

impl BucketStore {
    pub(super) fn new(bucket: &str, configured: Option<&S3Settings>) -> object_store::Result<Self> {
        let configured = match configured {
            Some(settings) => Some((settings.clone(), settings.store(bucket)?)),
            None => None,
        };
        Ok(Self {
            bucket: bucket.to_owned(),
            configured,
            grants: RwLock::new(Vec::new()),
        })
    }

    /// From now on, keys under `root` are read with `settings`, replacing an earlier grant
    /// for the same folder.
    pub(super) fn grant(&self, root: Path, settings: S3Settings) -> object_store::Result<()> {
        let store = settings.store(&self.bucket)?;
        let mut grants = self.grants.write().unwrap_or_else(|e| e.into_inner());
        grants.retain(|grant| grant.root != root);
        grants.push(TableGrant {
            root,
            settings,
            store,
        });
        Ok(())
    }

    /// The settings and store for `key`: the grant of the deepest table folder holding it,
    /// else `[storage.s3]`'s; `None` when neither applies.
    pub(super) fn settings_for(&self, key: &Path) -> Option<(S3Settings, Arc<dyn ObjectStore>)> {
        let grants = self.grants.read().unwrap_or_else(|e| e.into_inner());
        grants
            .iter()
            .filter(|grant| key.prefix_matches(&grant.root))
            .max_by_key(|grant| grant.root.as_ref().len())
            .map(|grant| (grant.settings.clone(), Arc::clone(&grant.store)))
            .or_else(|| self.configured.clone())
    }

    fn route(&self, key: &Path) -> Result<Arc<dyn ObjectStore>> {
        self.settings_for(key)
            .map(|(_, store)| store)
            .ok_or_else(|| self.unreachable(key))
    }

    fn route_prefix(&self, prefix: Option<&Path>) -> Result<Arc<dyn ObjectStore>> {
        match prefix {
            Some(prefix) => self.route(prefix),
            None => self.route(&Path::default()),
        }
    }

    fn unreachable(&self, key: &Path) -> object_store::Error {
        object_store::Error::Generic {
            store: "S3",
            source: format!(
                "s3://{}/{key}: no [storage.s3] is configured, and its catalog handed out no \
                 credentials for it",
                self.bucket
            )
            .into(),
        }
    }
}

#[async_trait]
impl ObjectStore for BucketStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.route(location)?
            .put_opts(location, payload, opts)
            .await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.route(location)?
            .put_multipart_opts(location, opts)
            .await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.route(location)?.get_opts(location, options).await
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.route(location)?.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        // junction only reads; a delete goes out with `[storage.s3]`'s credentials, and
        // fails where those do not reach.
        match &self.configured {
            Some((_, store)) => store.delete_stream(locations),
            None => {
                let error = self.unreachable(&Path::default());
                stream::once(async move { Err(error) }).boxed()
            }
        }
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        match self.route_prefix(prefix) {
            Ok(store) => store.list(prefix),
            Err(e) => stream::once(async move { Err(e) }).boxed(),
        }
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        match self.route_prefix(prefix) {
            Ok(store) => store.list_with_offset(prefix, offset),
            Err(e) => stream::once(async move { Err(e) }).boxed(),
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.route_prefix(prefix)?.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.route(from)?.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.route(from)?.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use object_store::path::Path;

    use super::BucketStore;
    use crate::storage::S3Settings;

    fn keyed(key: &str) -> S3Settings {
        S3Settings {
            region: "us-east-1".into(),
            access_key_id: Some(key.into()),
            secret_access_key: Some("secret".into()),
            ..S3Settings::default()
        }
    }

    fn key_for(bucket: &BucketStore, key: &str) -> Option<String> {
        bucket
            .settings_for(&Path::from(key))
            .and_then(|(settings, _)| settings.access_key_id)
    }

    #[test]
    fn each_key_is_read_with_the_grant_of_its_deepest_table_folder() {
        let bucket = BucketStore::new("lake", Some(&keyed("configured"))).expect("bucket");
        bucket
            .grant(Path::from("gold"), keyed("gold"))
            .expect("grant");
        bucket
            .grant(Path::from("gold/vitals"), keyed("vitals"))
            .expect("grant");
        assert_eq!(
            key_for(&bucket, "gold/vitals/part-0.parquet").as_deref(),
            Some("vitals")
        );
        assert_eq!(
            key_for(&bucket, "gold/wards/part-0.parquet").as_deref(),
            Some("gold")
        );
        // Folders match whole segments.
        assert_eq!(key_for(&bucket, "gold/vitals2/x").as_deref(), Some("gold"));
        assert_eq!(key_for(&bucket, "golden/x").as_deref(), Some("configured"));
        assert_eq!(key_for(&bucket, "").as_deref(), Some("configured"));

        // A new grant for a folder replaces the old one.
        bucket
            .grant(Path::from("gold/vitals"), keyed("renewed"))
            .expect("grant");
        assert_eq!(
            key_for(&bucket, "gold/vitals/x").as_deref(),
            Some("renewed")
        );
    }

    #[test]
    fn without_s3_settings_only_granted_folders_are_reachable() {
        let bucket = BucketStore::new("lake", None).expect("bucket");
        assert!(bucket.settings_for(&Path::from("gold/x")).is_none());
        bucket
            .grant(Path::from("gold"), keyed("gold"))
            .expect("grant");
        assert_eq!(key_for(&bucket, "gold/x").as_deref(), Some("gold"));
        assert!(bucket.settings_for(&Path::from("silver/x")).is_none());
    }
}
