//! What error messages must not tell clients: where the server keeps its tables on its own
//! disk, and the secrets of its configuration. The engines and table-format libraries name
//! the files they failed on (`/srv/lake/silver/vitals/part-0.parquet`); a client sees the
//! table's path inside its catalog (`silver/vitals/part-0.parquet`). The server's log keeps
//! the messages whole.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A secret shorter than this is not searched for: replacing a few common characters would
/// garble every message, and says nothing a guess would not.
const SHORTEST_SECRET: usize = 4;

/// The replacements made in every message a client receives.
#[derive(Debug, Default)]
pub struct Redactions {
    /// (text, replacement), longest text first so that a root inside another root is not
    /// replaced halfway.
    replacements: Vec<(String, &'static str)>,
}

impl Redactions {
    /// Hides the directories `roots` (as configured and as the file system resolves them)
    /// and the values of `secrets`.
    pub fn new<'a>(
        roots: impl IntoIterator<Item = &'a Path>,
        secrets: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut replacements = Vec::new();
        for root in roots {
            // Absolute forms only: a relative one (`warehouse`) is also a catalog's name.
            let forms: Vec<PathBuf> = [std::path::absolute(root).ok(), root.canonicalize().ok()]
                .into_iter()
                .flatten()
                .collect();
            for form in forms {
                let text = form.display().to_string();
                let text = text.trim_end_matches('/');
                if text.is_empty() {
                    continue;
                }
                // A file under the root reads as its path inside the catalog.
                replacements.push((format!("{text}/"), ""));
                replacements.push((text.to_owned(), "<catalog root>"));
            }
        }
        for secret in secrets {
            if secret.len() >= SHORTEST_SECRET {
                replacements.push((secret.to_owned(), "<redacted>"));
            }
        }
        replacements.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        replacements.dedup();
        Self { replacements }
    }

    pub fn apply(&self, message: &str) -> String {
        let mut message = message.to_owned();
        for (text, replacement) in &self.replacements {
            if message.contains(text.as_str()) {
                message = message.replace(text.as_str(), replacement);
            }
        }
        message
    }
}

static INSTALLED: OnceLock<Redactions> = OnceLock::new();

/// Makes `redactions` apply to every client message of this process; once, at start.
pub fn install(redactions: Redactions) {
    if INSTALLED.set(redactions).is_err() {
        tracing::warn!("error message redactions were already installed");
    }
}

/// `message` as a client may read it.
pub fn redact(message: String) -> String {
    match INSTALLED.get() {
        Some(redactions) => redactions.apply(&message),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_under_a_root_read_as_their_place_in_the_catalog() {
        let redactions = Redactions::new(
            [Path::new("/srv/lake"), Path::new("/srv/lake/nested")],
            ["s3cr3t-key", "ab"],
        );
        assert_eq!(
            redactions
                .apply("table silver.devices at /srv/lake/silver/devices.parquet: Corrupt footer"),
            "table silver.devices at silver/devices.parquet: Corrupt footer"
        );
        assert_eq!(
            redactions.apply("file '/srv/lake/nested/x.parquet'"),
            "file 'x.parquet'"
        );
        assert_eq!(
            redactions.apply("cannot list /srv/lake"),
            "cannot list <catalog root>"
        );
        assert_eq!(
            redactions.apply("signature for s3cr3t-key does not match (ab)"),
            "signature for <redacted> does not match (ab)"
        );
    }
}
