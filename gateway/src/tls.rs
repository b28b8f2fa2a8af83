//! TLS for both front ends, from `[server] tls_cert` and `tls_key` (PEM; the certificate
//! file may carry its chain after it). Loaded once at start: a file that does not read, holds
//! no certificate or key, or a key that is not the certificate's stops `serve` with a message
//! naming the file.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tonic::transport::{Identity, ServerTlsConfig};

use crate::config::ConfigError;

/// PostgreSQL's ALPN protocol name, which libpq 17's direct TLS start requires.
const POSTGRESQL_ALPN: &[u8] = b"postgresql";

/// What each front end needs to speak TLS.
pub struct Tls {
    pub pg: pgwire::tokio::TlsAcceptor,
    pub flight: ServerTlsConfig,
    /// The certificate's hash for SCRAM's `tls-server-end-point` channel binding.
    pub end_point: Option<Arc<[u8]>>,
}

/// RFC 5929's `tls-server-end-point` data: the certificate hashed with its signature's hash
/// function, SHA-256 where that is MD5 or SHA-1. `None` for a signature without one
/// (Ed25519), for which PostgreSQL offers no channel binding either.
fn end_point(certificate: &CertificateDer<'_>) -> Option<Arc<[u8]>> {
    use aws_lc_rs::digest;
    use x509_certificate::SignatureAlgorithm as Alg;
    let parsed =
        x509_certificate::certificate::CapturedX509Certificate::from_der(certificate.to_vec())
            .ok()?;
    let hash = match parsed.signature_algorithm()? {
        Alg::RsaSha1 | Alg::RsaSha256 | Alg::EcdsaSha256 => &digest::SHA256,
        Alg::RsaSha384 | Alg::EcdsaSha384 => &digest::SHA384,
        Alg::RsaSha512 => &digest::SHA512,
        _ => return None,
    };
    Some(Arc::from(
        digest::digest(hash, certificate.as_ref()).as_ref(),
    ))
}

fn invalid(file: &Path, what: &str) -> ConfigError {
    ConfigError::Invalid(format!("[server] TLS: {}: {what}", file.display()))
}

impl Tls {
    /// The certificate chain in `cert_file` and its key in `key_file`.
    pub fn load(cert_file: &Path, key_file: &Path) -> Result<Self, ConfigError> {
        let read = |file: &Path| {
            std::fs::read(file).map_err(|source| ConfigError::Read {
                path: file.to_path_buf(),
                source,
            })
        };
        let cert_pem = read(cert_file)?;
        let key_pem = read(key_file)?;
        let chain = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(cert_file, &format!("not a PEM certificate: {e}")))?;
        if chain.is_empty() {
            return Err(invalid(cert_file, "holds no PEM certificate"));
        }
        let end_point = end_point(&chain[0]);
        if end_point.is_none() {
            tracing::warn!(
                file = %cert_file.display(),
                "the certificate's signature has no hash for SCRAM channel binding; \
                 SCRAM-SHA-256-PLUS is not offered"
            );
        }
        let key = PrivateKeyDer::from_pem_slice(&key_pem)
            .map_err(|e| invalid(key_file, &format!("no PEM private key: {e}")))?;
        // An explicit provider: both of rustls's are linked into junction, so there is no
        // process default to fall back on.
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ConfigError::Invalid(format!("[server] TLS: {e}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| {
                ConfigError::Invalid(format!(
                    "[server] TLS: the key in {} does not serve the certificate in {}: {e}",
                    key_file.display(),
                    cert_file.display()
                ))
            })?;
        config.alpn_protocols = vec![POSTGRESQL_ALPN.to_vec()];
        Ok(Self {
            pg: pgwire::tokio::TlsAcceptor::from(Arc::new(config)),
            flight: ServerTlsConfig::new().identity(Identity::from_pem(cert_pem, key_pem)),
            end_point,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_not_pem_are_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cert = dir.path().join("server.crt");
        let key = dir.path().join("server.key");
        std::fs::write(&cert, "not a certificate").expect("write");
        std::fs::write(&key, "not a key").expect("write");
        let Err(e) = Tls::load(&cert, &key) else {
            panic!("garbage loaded as TLS");
        };
        assert!(e.to_string().contains("server.crt"), "{e}");
        let missing = dir.path().join("absent.key");
        let Err(e) = Tls::load(&cert, &missing) else {
            panic!("a missing key loaded");
        };
        assert!(e.to_string().contains("absent.key"), "{e}");
    }
}
