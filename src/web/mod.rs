//! The web client (API.md §11): plain HTML, CSS and JavaScript modules from `web/assets/`,
//! embedded in the binary by rust-embed (release builds; debug builds read the folder, so the
//! app can be edited without recompiling — the Vaultwarden pattern). Every page carries a
//! strict Content-Security-Policy: scripts, styles and connections from this origin only,
//! nothing inline.

use std::borrow::Cow;
use std::path::PathBuf;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::{get, routes, Route};
use rust_embed::RustEmbed;

use crate::error::Error;

#[derive(RustEmbed)]
#[folder = "web/assets/"]
struct Assets;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

pub fn routes() -> Vec<Route> {
    routes![index, asset]
}

/// An embedded file with its type and validator.
pub struct Asset {
    body: Cow<'static, [u8]>,
    content_type: ContentType,
    etag: String,
    not_modified: bool,
}

impl<'r> Responder<'r, 'static> for Asset {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut res = Response::build();
        res.header(self.content_type)
            // Revalidate every time: file names carry no hash, and a 304 is cheap.
            .header(Header::new("Cache-Control", "no-cache"))
            .header(Header::new("ETag", self.etag))
            .header(Header::new("Content-Security-Policy", CSP))
            .header(Header::new("X-Content-Type-Options", "nosniff"))
            .header(Header::new("Referrer-Policy", "no-referrer"))
            .header(Header::new("X-Frame-Options", "DENY"));
        if self.not_modified {
            res.status(Status::NotModified);
        } else {
            // Borrowed from the binary in release builds: no copy per request.
            res.sized_body(self.body.len(), std::io::Cursor::new(self.body));
        }
        res.ok()
    }
}

/// `If-None-Match`, for 304s.
pub struct IfNoneMatch(Option<String>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for IfNoneMatch {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, ()> {
        rocket::request::Outcome::Success(IfNoneMatch(
            req.headers().get_one("If-None-Match").map(str::to_string),
        ))
    }
}

fn load(path: &str, if_none_match: &IfNoneMatch) -> Option<Asset> {
    let file = Assets::get(path)?;
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let extension = path.rsplit('.').next().unwrap_or_default();
    let content_type = ContentType::from_extension(extension).unwrap_or(ContentType::Binary);
    Some(Asset {
        not_modified: if_none_match.0.as_deref() == Some(etag.as_str()),
        body: file.data,
        content_type,
        etag,
    })
}

/// `GET /` — the app.
#[get("/")]
fn index(if_none_match: IfNoneMatch) -> Result<Asset, Error> {
    load("index.html", &if_none_match).ok_or(Error::RouteNotFound)
}

/// `GET /<path..>` — an asset, or the app itself for any other path outside `/api/` (so a
/// reload on a deep link still opens the app). Unknown `/api/` paths stay `404 接口不存在`.
#[get("/<path..>", rank = 20)]
fn asset(path: PathBuf, if_none_match: IfNoneMatch) -> Result<Asset, Error> {
    let path = path.to_string_lossy().replace('\\', "/");
    if path == "api" || path.starts_with("api/") {
        return Err(Error::RouteNotFound);
    }
    load(&path, &if_none_match)
        .or_else(|| load("index.html", &if_none_match))
        .ok_or(Error::RouteNotFound)
}
