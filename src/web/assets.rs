//! The embedded files: their version, their gzip forms, and `index.html` with versioned URLs.
//!
//! Every file is also served under `/v/<version>/…`, where `<version>` is a hash over all the
//! files: a new binary with any changed file has a new version, so those URLs can be cached
//! for a year. `index.html` (always revalidated) is rewritten to point at them, and because
//! modules import each other relatively (`./api.js`), the whole app loads from one version.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex};

use rust_embed::RustEmbed;

use crate::sync::Recover;

#[derive(RustEmbed)]
#[folder = "web/assets/"]
struct Files;

/// Smaller files are sent as they are: gzip would save less than its own overhead.
const MIN_GZIP_BYTES: usize = 1024;

/// One file's bytes and the hash rust-embed computed for them.
pub struct File {
    pub body: Cow<'static, [u8]>,
    pub hash: [u8; 32],
}

/// An embedded file (read from `web/assets/` at each request in debug builds).
pub fn file(path: &str) -> Option<File> {
    let file = Files::get(path)?;
    Some(File {
        hash: file.metadata.sha256_hash(),
        body: file.data,
    })
}

/// The version of the whole set of files (12 hex digits).
pub fn version() -> String {
    let mut hasher = DefaultHasher::new();
    let mut names: Vec<Cow<'static, str>> = Files::iter().collect();
    names.sort();
    for name in names {
        name.hash(&mut hasher);
        if let Some(file) = Files::get(&name) {
            file.metadata.sha256_hash().hash(&mut hasher);
        }
    }
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}

/// `index.html` with each `src="/x"` / `href="/x"` that names an embedded file pointing at
/// `/v/<version>/x` instead.
pub fn index_with_version(html: &str, version: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = rest.find("=\"/") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let path = after.split('"').next().unwrap_or_default();
        if !path.is_empty() && !path.starts_with("v/") && Files::get(path).is_some() {
            out.push_str("v/");
            out.push_str(version);
            out.push('/');
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `sw.js`, the service worker, for this version: `__VERSION__` becomes the version (so any
/// change to the app is a new worker, which the browser installs) and `__PRECACHE__` the
/// files it keeps for offline use, as a JSON array: the page (`/`) and every other file
/// under `/v/<version>/`.
pub fn service_worker(js: &str, version: &str) -> String {
    let mut names: Vec<Cow<'static, str>> = Files::iter()
        .filter(|n| n != "sw.js" && n != "index.html")
        .collect();
    names.sort();
    let urls = std::iter::once("\"/\"".to_string())
        .chain(names.iter().map(|n| format!("\"/v/{version}/{n}\"")))
        .collect::<Vec<_>>()
        .join(", ");
    js.replace("__VERSION__", version)
        .replace("__PRECACHE__", &format!("[{urls}]"))
}

/// Whether files of this extension are worth compressing (text, not images).
pub fn compressible(extension: &str) -> bool {
    matches!(
        extension,
        "html" | "js" | "mjs" | "css" | "svg" | "json" | "webmanifest" | "txt"
    )
}

/// Gzip forms of the files, made once per content hash (release builds have a fixed set;
/// debug builds add one per edited version of a file, which is fine for development).
#[derive(Default)]
pub struct Gzipped(Mutex<HashMap<[u8; 32], Packed>>);

/// A file's gzip form, or `None` when gzip does not pay for it.
type Packed = Option<Arc<[u8]>>;

impl Gzipped {
    /// The gzip form of `body` (whose hash is `hash`), or `None` when gzip does not pay.
    pub fn get(&self, hash: [u8; 32], body: &[u8]) -> Option<Arc<[u8]>> {
        if let Some(known) = self.0.recover().get(&hash) {
            return known.clone();
        }
        let packed = gzip(body).filter(|g| g.len() + 64 < body.len());
        let packed: Packed = packed.map(Arc::from);
        self.0.recover().insert(hash, packed.clone());
        packed
    }
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    if body.len() < MIN_GZIP_BYTES {
        return None;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

/// Whether an `Accept-Encoding` value accepts gzip (`gzip` or `*`, not at `q=0`).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|part| {
        let mut pieces = part.split(';').map(str::trim);
        let coding = pieces.next().unwrap_or_default();
        let refused = pieces.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_points_at_versioned_files_only() {
        let html = r#"<link href="/style.css"><script src="/app.js"></script><a href="/chat/1">"#;
        assert_eq!(
            index_with_version(html, "abc"),
            r#"<link href="/v/abc/style.css"><script src="/v/abc/app.js"></script><a href="/chat/1">"#
        );
    }

    #[test]
    fn the_service_worker_carries_the_version_and_the_files() {
        let js = file("sw.js").unwrap();
        let sw = service_worker(&String::from_utf8_lossy(&js.body), "abc");
        assert!(!sw.contains("__VERSION__") && !sw.contains("__PRECACHE__"));
        assert!(sw.contains("const VERSION = 'abc';"));
        assert!(sw.contains(r#"["/", "/v/abc/"#));
        assert!(sw.contains(r#""/v/abc/app.js""#));
        assert!(!sw.contains("/v/abc/sw.js") && !sw.contains("/v/abc/index.html"));
    }

    #[test]
    fn gzip_is_negotiated() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, gzip;q=0.8"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip(""));
    }

    #[test]
    fn the_version_changes_with_the_files_and_only_then() {
        assert_eq!(version(), version());
        assert_eq!(version().len(), 12);
    }
}
