//! About the server itself (public): `GET /api/openapi.json`, the OpenAPI 3 description of
//! every route, written by hand in `openapi.json` beside this file and embedded in the binary
//! (a test fails if a mounted route is missing from it or it describes a route that does not
//! exist); and `GET /api/info`, the settings a client adapts to.

use rocket::http::ContentType;
use rocket::{get, routes, Route, State};
use serde::Serialize;

use std::collections::BTreeMap;

use crate::config::Config;
use crate::db::events::kind;
use crate::db::messages::Status;
use crate::error::{ok, ApiResult};

pub fn routes() -> Vec<Route> {
    routes![openapi, info]
}

/// What a client needs to know before anyone signs in. Nothing secret: these are the rules
/// every response enforces anyway.
#[derive(Debug, Serialize)]
pub struct ServerInfo {
    name: &'static str,
    version: &'static str,
    allow_registration: bool,
    require_friendship: bool,
    recall_window_secs: u64,
    max_message_chars: usize,
    max_group_members: usize,
    /// Every event kind a stream may carry (besides its `resync` control event).
    event_kinds: &'static [&'static str],
    /// `status` of a message: `{"normal": 0, "recalled": 1, "system": 2}`.
    message_status: BTreeMap<String, i64>,
}

/// `GET /api/info`
#[get("/info")]
fn info(config: &State<Config>) -> ApiResult<ServerInfo> {
    ok(ServerInfo {
        name: "chatd",
        version: env!("CARGO_PKG_VERSION"),
        allow_registration: config.allow_registration,
        require_friendship: config.require_friendship,
        recall_window_secs: config.recall_window_secs,
        max_message_chars: config.max_message_chars,
        max_group_members: config.max_group_members,
        event_kinds: kind::ALL,
        message_status: Status::ALL
            .iter()
            .map(|(name, status)| (name.to_lowercase(), status.stored()))
            .collect(),
    })
}

/// The embedded document.
pub const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/openapi.json`
#[get("/openapi.json")]
fn openapi() -> (ContentType, &'static str) {
    (ContentType::JSON, OPENAPI)
}
