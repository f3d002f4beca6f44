//! HTTPS served directly: Rocket's `tls.certs` and `tls.key` (README, "HTTPS"). Rocket does
//! the serving; this module checks the two files at start, before the database is opened.
//!
//! Rocket reads them only when it binds, after migrations, and says of a file without
//! certificates "peer sent no certificates" and of a key that is not the certificate's
//! "KeyMismatch", naming neither file. Here each failure names the setting and its file.

use std::sync::Arc;

use rocket::figment::Figment;
use rocket::http::tls::rustls::{crypto::ring, ServerConfig};
use rocket::http::tls::util::{load_certs, load_private_key};

/// `"https"` when Rocket serves TLS, else `"http"`: the scheme of the start-up line.
pub fn scheme(config: &rocket::Config) -> &'static str {
    if config.tls_enabled() {
        "https"
    } else {
        "http"
    }
}

/// Whether the certificate chain and key that the figment names (if any) can be served: each
/// file readable, the chain holding at least one PEM certificate, the key one usable PEM key
/// that belongs to the first certificate.
pub fn check(figment: &Figment) -> Result<(), String> {
    let config: rocket::Config = figment
        .extract()
        .map_err(|e| format!("invalid configuration: {e}"))?;
    let Some(tls) = config.tls.as_ref().filter(|_| config.tls_enabled()) else {
        return Ok(());
    };
    let inline = |pem: &[u8]| Ok(("inline PEM".to_string(), pem.to_vec()));
    let (certs_name, certs) = tls
        .certs()
        .either(|path| read("tls.certs", &path), inline)?;
    let (key_name, key) = tls.key().either(|path| read("tls.key", &path), inline)?;
    let bad = |setting: &str, name: &str, why: String| {
        format!("invalid configuration: `{setting}` ({name}): {why}")
    };
    let chain = load_certs(&mut certs.as_slice())
        .map_err(|e| bad("tls.certs", &certs_name, e.to_string()))?;
    if chain.is_empty() {
        let why = "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".to_string();
        return Err(bad("tls.certs", &certs_name, why));
    }
    let key = load_private_key(&mut key.as_slice())
        .map_err(|e| bad("tls.key", &key_name, e.to_string()))?;
    ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            let why = format!("not the key of the certificate in {certs_name} ({e})");
            bad("tls.key", &key_name, why)
        })?;
    Ok(())
}

/// The file's name (as messages show it) and bytes.
fn read(setting: &str, path: &std::path::Path) -> Result<(String, Vec<u8>), String> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok((name, bytes)),
        Err(e) => Err(format!("invalid configuration: `{setting}` ({name}): {e}")),
    }
}
