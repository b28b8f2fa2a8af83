//! Where a table or one of its files is: on local disk or in S3-compatible storage.

use std::fmt;
use std::path::{Path, PathBuf};

use object_store::path::Path as StorePath;
use url::Url;

use crate::{CatalogError, Result};

/// A local path or an `s3://bucket/key`, kept as a URL so that every reader gets one value;
/// shown as a plain path when local, as DuckDB and error messages want it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location(Url);

impl Location {
    /// A local path; a relative one is taken from the current directory.
    pub fn local(path: &Path) -> Self {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        // Only a relative path fails, and `absolute` made it absolute.
        Self(Url::from_file_path(&absolute).unwrap_or_else(|()| root_url()))
    }

    /// A location as a catalog or table metadata records it: a `file:` or `s3:` URL (also
    /// `s3a:`/`s3n:`, Hadoop's names for S3), or an absolute path. `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match Url::parse(text) {
            Ok(url) if url.scheme() == "file" => Some(Self(url)),
            Ok(url) if matches!(url.scheme(), "s3" | "s3a" | "s3n") => {
                let mut url = url;
                if url.scheme() != "s3" {
                    // `set_scheme` refuses no change between these special-less schemes.
                    let text = format!("s3{}", &url.as_str()[url.scheme().len()..]);
                    url = Url::parse(&text).ok()?;
                }
                url.host_str().filter(|h| !h.is_empty())?;
                Some(Self(url))
            }
            Ok(_) => None,
            Err(_) if Path::new(text).is_absolute() => Some(Self::local(Path::new(text))),
            Err(_) => None,
        }
    }

    /// [`Location::parse`] of a location a catalog recorded for `table`; one junction cannot
    /// read from is 0A000 naming the table.
    pub(crate) fn readable(table: &str, text: &str) -> Result<Self> {
        Self::parse(text).ok_or_else(|| {
            CatalogError::Unsupported(format!(
                "table {table} is stored at {text}: junction reads local files and s3:// only"
            ))
        })
    }

    pub(crate) fn from_url(url: Url) -> Self {
        Self(url)
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The local path, for a location on local disk.
    pub fn as_path(&self) -> Option<PathBuf> {
        match self.0.scheme() {
            "file" => self.0.to_file_path().ok(),
            _ => None,
        }
    }

    pub fn is_local(&self) -> bool {
        self.0.scheme() == "file"
    }

    /// `relative` (`/`-separated, not encoded) under this location.
    pub fn join(&self, relative: &str) -> Self {
        let mut url = self.0.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(relative.split('/').filter(|s| !s.is_empty()));
        }
        Self(url)
    }

    /// The folder holding this location.
    pub fn parent(&self) -> Self {
        let mut url = self.0.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().pop();
        }
        Self(url)
    }

    /// The last segment: a file's name.
    pub fn file_name(&self) -> String {
        self.store_path().filename().unwrap_or_default().to_owned()
    }

    /// The key of this location within its store.
    pub(crate) fn store_path(&self) -> StorePath {
        StorePath::from_url_path(self.0.path()).unwrap_or_else(|_| StorePath::from(self.0.path()))
    }

    /// The location of `path`, a key of this location's store.
    pub(crate) fn at_store_path(&self, path: &StorePath) -> Self {
        let mut url = self.0.clone();
        url.set_path(&format!("/{path}"));
        Self(url)
    }

    /// `scheme://bucket/`: the store this location is in, as DataFusion names stores.
    pub(crate) fn store_url(&self) -> String {
        match self.0.scheme() {
            "file" => "file:///".to_owned(),
            scheme => format!("{scheme}://{}/", self.0.host_str().unwrap_or_default()),
        }
    }
}

fn root_url() -> Url {
    Url::parse("file:///").expect("file:/// is a URL")
}

impl fmt::Display for Location {
    /// A local path as a path, an object by its bucket and key as stored (not URL-encoded),
    /// which is how DuckDB and people write them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_path() {
            Some(path) => write!(f, "{}", path.display()),
            None => write!(f, "{}{}", self.store_url(), self.store_path()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::Location;

    #[test]
    fn locations_catalogs_record() {
        let local = Location::parse("file:///w/a%20b").expect("file URL");
        assert_eq!(local.as_path(), Some(PathBuf::from("/w/a b")));
        assert_eq!(local, Location::parse("/w/a b").expect("path"));
        assert_eq!(local.to_string(), "/w/a b");

        let s3 = Location::parse("s3a://bucket/t/v").expect("s3a URL");
        assert_eq!(s3.to_string(), "s3://bucket/t/v");
        assert_eq!(s3.store_url(), "s3://bucket/");
        assert_eq!(s3.store_path().as_ref(), "t/v");
        assert!(Location::parse("s3:///no-bucket").is_none());
        assert!(Location::parse("hdfs://nn/t").is_none());
        assert!(Location::parse("relative/t").is_none());
    }

    #[test]
    fn joins_and_parents() {
        let root = Location::parse("s3://b/t/").expect("URL");
        let file = root.join("day=2026-01-01/part 0.parquet");
        assert_eq!(file.to_string(), "s3://b/t/day=2026-01-01/part 0.parquet");
        assert_eq!(
            file.store_path().as_ref(),
            "t/day=2026-01-01/part 0.parquet"
        );
        assert_eq!(file.file_name(), "part 0.parquet");
        assert_eq!(
            file.parent().parent(),
            Location::parse("s3://b/t").expect("URL")
        );
        let local = Location::local(Path::new("/w/t")).join("_delta_log");
        assert_eq!(local.as_path(), Some(PathBuf::from("/w/t/_delta_log")));
    }
}
