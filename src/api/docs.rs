//! `GET /api/openapi.json`: the OpenAPI 3 description of every route (public). The document
//! is written by hand in `openapi.json` beside this file and embedded in the binary; a test
//! fails if a mounted route is missing from it or it describes a route that does not exist.

use rocket::http::ContentType;
use rocket::{get, routes, Route};

pub fn routes() -> Vec<Route> {
    routes![openapi]
}

/// The embedded document.
pub const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/openapi.json`
#[get("/openapi.json")]
fn openapi() -> (ContentType, &'static str) {
    (ContentType::JSON, OPENAPI)
}
