//! HTTPS and WSS on the listening port with rustls: the certificate pair is read from PEM files, and read again when they change or on SIGHUP; open connections keep theirs.
//!
//! rustls' safe defaults are what the NCSC's TLS guidelines ask for: TLS 1.2 and 1.3 only, with
//! AEAD cipher suites and forward secrecy (ECDHE) only.

use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::config::TlsFiles;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads the pair and checks that the key belongs to the certificate.
pub fn load(files: &TlsFiles) -> Result<Arc<CertifiedKey>, String> {
    let (cert, key) = (&files.cert, &files.key);
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("cannot read the certificate {}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the certificate {} is not a PEM certificate: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no certificate (BEGIN CERTIFICATE)", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("cannot read a private key from {}: {e}", key.display()))?;
    let pair = CertifiedKey::from_der(certs, key, &provider())
        .map_err(|e| format!("the key {} does not fit the certificate {}: {e}", files.key.display(), cert.display()))?;
    Ok(Arc::new(pair))
}

/// The pair in use; replaced whole when a new one has been read.
#[derive(Debug)]
pub struct Certificates {
    files: TlsFiles,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().expect("certificate lock").clone())
    }
}

impl Certificates {
    /// Reads the pair for the start: an error here stops the server with its sentence.
    pub fn open(files: TlsFiles) -> Result<Arc<Certificates>, String> {
        let pair = load(&files)?;
        Ok(Arc::new(Certificates { files, current: RwLock::new(pair) }))
    }

    /// The acceptor for new connections: TLS 1.2+, HTTP/1.1.
    pub fn acceptor(self: &Arc<Certificates>) -> TlsAcceptor {
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default versions")
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(config))
    }

    /// Reads the files again; a pair that cannot be used is logged and the old one kept.
    pub fn reload(&self) -> bool {
        match load(&self.files) {
            Ok(pair) => {
                *self.current.write().expect("certificate lock") = pair;
                tracing::info!(cert = %self.files.cert.display(), "new certificate in use for new connections");
                true
            }
            Err(why) => {
                tracing::error!(%why, "the new certificate cannot be used; the old one stays in use");
                false
            }
        }
    }

    /// Reloads when the files change (a renewal) or on SIGHUP, until `shutdown`.
    pub async fn watch(self: Arc<Certificates>, shutdown: CancellationToken) {
        #[cfg(unix)]
        let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        let mut seen = self.stamp();
        loop {
            #[cfg(unix)]
            let hangup = async {
                match hup.as_mut() {
                    Some(h) => drop(h.recv().await),
                    None => std::future::pending().await,
                }
            };
            #[cfg(not(unix))]
            let hangup = std::future::pending::<()>();
            tokio::select! {
                () = hangup => {
                    tracing::info!("SIGHUP: reading the certificate again");
                    seen = self.stamp();
                    self.reload();
                }
                () = tokio::time::sleep(self.files.check_every) => {
                    let now = self.stamp();
                    if now != seen {
                        seen = now;
                        self.reload();
                    }
                }
                () = shutdown.cancelled() => return,
            }
        }
    }

    /// What tells a new pair: where the files lead (certbot swaps links) and when they were written.
    fn stamp(&self) -> [Option<(std::path::PathBuf, SystemTime, u64)>; 2] {
        [&self.files.cert, &self.files.key].map(|p| {
            let meta = std::fs::metadata(p).ok()?;
            Some((std::fs::canonicalize(p).ok()?, meta.modified().ok()?, meta.len()))
        })
    }
}
