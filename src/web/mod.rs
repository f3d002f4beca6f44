//! The web client (API.md §11): plain HTML, CSS and JavaScript modules from `web/assets/`,
//! embedded in the binary by rust-embed (release builds; debug builds read the folder, so the
//! app can be edited without recompiling — the Vaultwarden pattern). Every page carries a
//! strict Content-Security-Policy: scripts, styles and connections from this origin only,
//! nothing inline.
//!
//! Caching: `index.html` is revalidated on every load (`no-cache` + `ETag`) and points at
//! `/v/<version>/…` URLs, which are cached for a year (`immutable`); see `assets`. Text files
//! go out gzipped when the client accepts it. `/sw.js`, the service worker, is revalidated
//! too and carries the version, so a new binary with changed files is a new worker.

mod assets;

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::{get, routes, Route, State};

pub use assets::Gzipped;

use crate::error::{whole_body, Error};

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

/// A year: versioned URLs never change content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub fn routes() -> Vec<Route> {
    routes![index, service_worker, versioned, asset]
}

/// Response bytes: borrowed from the binary, a shared gzip form, or made for this request.
enum Bytes {
    Embedded(Cow<'static, [u8]>),
    Shared(Arc<[u8]>),
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            Bytes::Embedded(b) => b,
            Bytes::Shared(b) => b,
        }
    }
}

/// A file with its type, validator and caching rule.
pub struct Asset {
    body: Bytes,
    content_type: ContentType,
    etag: String,
    cache_control: &'static str,
    gzipped: bool,
    compressible: bool,
    not_modified: bool,
}

impl<'r> Responder<'r, 'static> for Asset {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut res = Response::build();
        res.header(self.content_type)
            .header(Header::new("Cache-Control", self.cache_control))
            .header(Header::new("ETag", self.etag))
            .header(Header::new("Content-Security-Policy", CSP))
            .header(Header::new("X-Content-Type-Options", "nosniff"))
            .header(Header::new("Referrer-Policy", "no-referrer"))
            .header(Header::new("X-Frame-Options", "DENY"));
        if self.compressible {
            res.header(Header::new("Vary", "Accept-Encoding"));
        }
        if self.not_modified {
            res.status(Status::NotModified);
        } else {
            if self.gzipped {
                res.header(Header::new("Content-Encoding", "gzip"));
            }
            whole_body(&mut res, self.body);
        }
        res.ok()
    }
}

/// What the request says about caches and encodings.
pub struct Conditions {
    if_none_match: Option<String>,
    gzip: bool,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Conditions {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let headers = req.headers();
        Outcome::Success(Conditions {
            if_none_match: headers.get_one("If-None-Match").map(str::to_string),
            gzip: headers
                .get_one("Accept-Encoding")
                .is_some_and(assets::accepts_gzip),
        })
    }
}

/// `body` (with content hash `hash`) as `path`'s type, gzipped when that pays and is
/// accepted, with an ETag per representation.
fn respond(
    path: &str,
    body: Cow<'static, [u8]>,
    hash: [u8; 32],
    cache_control: &'static str,
    when: &Conditions,
    gzipped: &Gzipped,
) -> Asset {
    let extension = path.rsplit('.').next().unwrap_or_default();
    let content_type = ContentType::from_extension(extension).unwrap_or(ContentType::Binary);
    let compressible = assets::compressible(extension);
    let packed = (compressible && when.gzip)
        .then(|| gzipped.get(hash, &body))
        .flatten();
    let tag: String = hash.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let etag = match packed {
        Some(_) => format!("\"{tag}-gz\""),
        None => format!("\"{tag}\""),
    };
    Asset {
        not_modified: when.if_none_match.as_deref() == Some(etag.as_str()),
        gzipped: packed.is_some(),
        body: packed.map_or(Bytes::Embedded(body), Bytes::Shared),
        content_type,
        etag,
        cache_control,
        compressible,
    }
}

/// The app's page, pointing at this version's files.
fn page(when: &Conditions, gzipped: &Gzipped) -> Result<Asset, Error> {
    with_version("index.html", assets::index_with_version, when, gzipped)
}

/// The service worker of this version (see `assets::service_worker`).
fn worker(when: &Conditions, gzipped: &Gzipped) -> Result<Asset, Error> {
    with_version("sw.js", assets::service_worker, when, gzipped)
}

/// An embedded text file rewritten for this version by `render(text, version)`, always
/// revalidated.
fn with_version(
    path: &str,
    render: fn(&str, &str) -> String,
    when: &Conditions,
    gzipped: &Gzipped,
) -> Result<Asset, Error> {
    let file = assets::file(path).ok_or(Error::RouteNotFound)?;
    let version = assets::version();
    let text = render(&String::from_utf8_lossy(&file.body), &version);
    // Its identity: its own text and the version it names.
    let mut hash = file.hash;
    for (slot, byte) in hash.iter_mut().zip(version.bytes()) {
        *slot ^= byte;
    }
    let body = Cow::Owned(text.into_bytes());
    Ok(respond(path, body, hash, "no-cache", when, gzipped))
}

/// An embedded file, revalidated on every use.
fn plain(path: &str, when: &Conditions, gzipped: &Gzipped) -> Option<Asset> {
    let file = assets::file(path)?;
    Some(respond(
        path, file.body, file.hash, "no-cache", when, gzipped,
    ))
}

/// `GET /` — the app.
#[get("/")]
fn index(when: Conditions, gzipped: &State<Gzipped>) -> Result<Asset, Error> {
    page(&when, gzipped)
}

/// `GET /sw.js` — the service worker (scope `/`), naming this version and its files.
#[get("/sw.js")]
fn service_worker(when: Conditions, gzipped: &State<Gzipped>) -> Result<Asset, Error> {
    worker(&when, gzipped)
}

/// `GET /v/<version>/<path..>` — a file of this version of the app, cached for a year. A
/// page from an older binary asking for its version gets today's file, revalidated.
#[get("/v/<version>/<path..>", rank = 10)]
fn versioned(
    version: &str,
    path: PathBuf,
    when: Conditions,
    gzipped: &State<Gzipped>,
) -> Result<Asset, Error> {
    let path = path.to_string_lossy().replace('\\', "/");
    let file = assets::file(&path).ok_or(Error::RouteNotFound)?;
    let cache_control = if version == assets::version() {
        IMMUTABLE
    } else {
        "no-cache"
    };
    Ok(respond(
        &path,
        file.body,
        file.hash,
        cache_control,
        &when,
        gzipped,
    ))
}

/// `GET /<path..>` — a file (revalidated), or the app itself for any other path outside
/// `/api/` (so a reload on a deep link still opens the app). Unknown `/api/` paths stay
/// `404 接口不存在`.
#[get("/<path..>", rank = 20)]
fn asset(path: PathBuf, when: Conditions, gzipped: &State<Gzipped>) -> Result<Asset, Error> {
    let path = path.to_string_lossy().replace('\\', "/");
    if path == "api" || path.starts_with("api/") {
        return Err(Error::RouteNotFound);
    }
    match plain(&path, &when, gzipped) {
        Some(asset) if path != "index.html" => Ok(asset),
        _ => page(&when, gzipped),
    }
}
