//! The server's VAPID key pair (RFC 8292): generated on first start and kept beside the
//! database in `<database file>.vapid-key` (the private key, base64url, owner-only like the
//! JWT secret). Moving to a new machine means moving this file too, or every browser must
//! subscribe again.

use std::path::Path;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};

/// The key pair, shared.
#[derive(Clone)]
pub struct Vapid {
    pub key: Arc<ES256KeyPair>,
    /// The public key as browsers take it (`applicationServerKey`): the uncompressed point,
    /// base64url without padding.
    pub public: String,
}

/// Reads the key pair, or makes and keeps one; the error says which file and why.
pub fn load_or_create(database_path: &Path) -> Result<Vapid, String> {
    let key = crate::auth::kept_beside(
        database_path,
        ".vapid-key",
        "VAPID key",
        |text| {
            URL_SAFE_NO_PAD
                .decode(text)
                .ok()
                .and_then(|raw| ES256KeyPair::from_bytes(&raw).ok())
                .ok_or("is not a P-256 key")
        },
        || {
            let key = ES256KeyPair::generate();
            let text = URL_SAFE_NO_PAD.encode(key.to_bytes());
            (key, text)
        },
    )?;
    let public = URL_SAFE_NO_PAD
        .encode(ECDSAP256PublicKeyLike::public_key(&key.public_key()).to_bytes_uncompressed());
    Ok(Vapid {
        key: Arc::new(key),
        public,
    })
}
