//! About the server itself (public): `GET /api/openapi.json`, the OpenAPI 3.1 description of
//! every route, and `GET /api/info`, the settings a client adapts to.
//!
//! The document is generated (utoipa) from the code: each handler's `#[utoipa::path]` (its
//! statuses, messages, parameters and body type), the request and response types'
//! `ToSchema`, and the shared error responses in `responses`, built from `crate::error`.
//! `build_rocket` builds it once and keeps the JSON in managed state. Tests check that it
//! describes exactly the mounted routes and that real answers match their schemas.
//!
//! Conventions the assembly below relies on:
//! * a success response's description starts with its message(s) in backticks, e.g.
//!   "`会话已存在` — …" or "`已退出群聊` or `已移出群聊` — …"; the envelope's `code` and
//!   `message` are narrowed to that status and those messages;
//! * routes under `/api/auth/` need the bearer token; the others are public.

pub mod responses;

use rocket::http::ContentType;
use rocket::{get, routes, Route, State};
use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::Required;
use utoipa::openapi::{InfoBuilder, OpenApi, Paths, RefOr, Schema, ServerBuilder};
use utoipa::{OpenApi as _, PartialSchema, ToSchema};

use std::collections::BTreeMap;

use crate::config::Config;
use crate::db::events::kind;
use crate::db::messages::Status;
use crate::error::{ok, ApiResult, Envelope, Null};
use responses::ServerError;

pub fn routes() -> Vec<Route> {
    routes![document, info]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(document, info))]
    struct Api;
    Api::openapi()
}

/// Where `crate::build_rocket` mounts `super::routes()`.
pub const MOUNT: &str = "/api";

const DESCRIPTION: &str = "The HTTP API of chatd, a chat server: accounts, friends, private and group conversations, messages (send, recall, delete for me) and real-time events over Server-Sent Events.\n\n\
Every response under `/api/` (except this document and the event streams) is the envelope `{code, message, data}` with the HTTP status equal to `code`; errors carry `data: null`. Routes under `/api/auth/` need `Authorization: Bearer <token>` (`401 未授权` otherwise). Request bodies are JSON (whatever the `Content-Type`), at most 64 KiB (`413 请求体过大`); unknown fields are ignored; unparsable JSON, a missing field or a wrong type is `400 参数错误`. Ids are opaque prefixed strings (`u_`, `c_`, `m_`, `r_`); a malformed or unknown id is a 404 for that resource. Times are RFC 3339 UTC with `Z` and whole seconds. An unknown route (or a known path with the wrong method) is `404 接口不存在`; too many requests is `429 请求过于频繁`; a server error is `500 服务器错误`.\n\n\
This document is generated from the server's own types and handlers.";

const TAGS: &[(&str, &str)] = &[
    ("accounts", "Sign-up, log-in and health (public)."),
    (
        "me",
        "The caller's profile, password, session and user search.",
    ),
    ("friends", "Friends and friend requests."),
    (
        "conversations",
        "The list, the detail view, creating and managing conversations.",
    ),
    ("messages", "Sending, recalling and deleting messages."),
    ("events", "Real-time events (Server-Sent Events)."),
    (
        "files",
        "Uploads and downloads: photos, files, voice notes.",
    ),
    (
        "search",
        "Finding friends, groups and messages (substrings, any language).",
    ),
    ("meta", "This document and the server's settings."),
];

/// The name of the security scheme of `/api/auth/` routes.
const BEARER: &str = "bearer";

/// The OpenAPI document of every route under `/api`.
pub fn openapi() -> OpenApi {
    let mut routes = OpenApi::new(InfoBuilder::new().build(), Paths::new());
    for part in super::apis() {
        routes.merge(part);
    }
    let mut components = routes.components.take().unwrap_or_default();
    let mut error = vec![];
    <Envelope<Null> as ToSchema>::schemas(&mut error);
    components.schemas.extend(error);
    components
        .schemas
        .insert(responses::ERROR_SCHEMA.to_string(), error_schema());
    for (name, response) in responses::all() {
        components
            .responses
            .insert(name.to_string(), RefOr::T(response));
    }
    components.security_schemes.insert(
        BEARER.to_string(),
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("A token from register, login or a password change."))
                .build(),
        ),
    );

    let mut paths = Paths::new();
    for (path, mut item) in std::mem::take(&mut routes.paths.paths) {
        let path = format!("{MOUNT}{path}");
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            operation.security = Some(if path.starts_with("/api/auth/") {
                vec![SecurityRequirement::new::<_, _, &str>(BEARER, [])]
            } else {
                vec![]
            });
            narrow_envelopes(operation);
            optional_body(operation);
        }
        paths.paths.insert(path, item);
    }

    let mut doc = OpenApi::new(
        InfoBuilder::new()
            .title("chatd")
            .version(env!("CARGO_PKG_VERSION"))
            .description(Some(DESCRIPTION))
            .build(),
        paths,
    );
    doc.servers = Some(vec![ServerBuilder::new().url("/").build()]);
    doc.tags = Some(
        TAGS.iter()
            .map(|(name, description)| {
                TagBuilder::new()
                    .name(*name)
                    .description(Some(*description))
                    .build()
            })
            .collect(),
    );
    doc.components = Some(components);
    doc
}

/// The document as JSON.
pub fn openapi_json() -> Result<String, String> {
    serde_json::to_string(&openapi()).map_err(|e| format!("cannot write the OpenAPI document: {e}"))
}

/// The served document, built once by `crate::build_rocket`.
pub struct Document(pub String);

/// `{code, message, data: null}` with a 4xx/5xx `code`: what every error answers.
fn error_schema() -> RefOr<Schema> {
    let codes = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(400))
        .maximum(Some(599));
    AllOfBuilder::new()
        .item(<Envelope<Null> as PartialSchema>::schema())
        .item(ObjectBuilder::new().property("code", codes))
        .description(Some(
            "An error envelope. A 500 never reveals internals: \
             `{\"code\":500,\"message\":\"服务器错误\",\"data\":null}`.",
        ))
        .into()
}

/// `code` equal to `status` and `message` as `message` says.
fn code_and_message(status: u16, message: ObjectBuilder) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([status])),
        )
        .property("message", message)
}

/// The messages a success response's description starts with: "`会话已存在` — …" gives
/// `会话已存在`, "`已退出群聊` or `已移出群聊` — …" both.
fn leading_messages(description: &str) -> Vec<&str> {
    if !description.starts_with('`') {
        return vec![];
    }
    let head = description.split(" — ").next().unwrap_or_default();
    head.split('`').skip(1).step_by(2).collect()
}

/// Narrows each success envelope of `operation` to its status and message(s).
fn narrow_envelopes(operation: &mut Operation) {
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let messages = leading_messages(&response.description);
        let Ok(status) = status.parse::<u16>() else {
            continue;
        };
        if messages.is_empty() {
            continue;
        }
        let Some(content) = response.content.get_mut("application/json") else {
            continue;
        };
        let Some(schema) = content.schema.take() else {
            continue;
        };
        let message = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(messages));
        content.schema = Some(
            AllOfBuilder::new()
                .item(schema)
                .item(code_and_message(status, message))
                .into(),
        );
    }
}

/// `request_body = Option<T>` (for `OptionalBody<T>`) says "`T` or `null`"; what the route
/// takes is a `T` or no body at all (a JSON `null` is refused like any non-object).
fn optional_body(operation: &mut Operation) {
    let Some(body) = &mut operation.request_body else {
        return;
    };
    for content in body.content.values_mut() {
        if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema {
            let is_null = |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == Type::Null.into());
            if let [a, b] = one_of.items.as_slice() {
                if is_null(a) || is_null(b) {
                    let other = if is_null(a) { b } else { a };
                    content.schema = Some(other.clone());
                    body.required = Some(Required::False);
                }
            }
        }
    }
}

/// A string schema with exactly these values (for `schema_with`).
pub(crate) fn string_enum(values: &[&str]) -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

/// What a client needs to know before anyone signs in. Nothing secret: these are the rules
/// every response enforces anyway (API.md §9 keys of the same names).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServerInfo {
    #[schema(schema_with = name_chatd)]
    name: &'static str,
    #[schema(example = "0.1.0")]
    version: &'static str,
    /// `false`: `POST /api/register` answers `403 注册已关闭`.
    allow_registration: bool,
    require_friendship: bool,
    /// How long after sending a message its sender may recall it.
    recall_window_secs: u64,
    #[schema(minimum = 1)]
    max_message_chars: usize,
    #[schema(minimum = 1)]
    max_group_members: usize,
    /// The largest upload accepted (bytes); beyond it `413 文件过大`.
    #[schema(minimum = 1)]
    max_upload_bytes: u64,
    /// Every event kind a stream may carry (besides its `resync` control event).
    #[schema(schema_with = event_kinds)]
    event_kinds: &'static [&'static str],
    /// `status` of a message: `{"normal": 0, "recalled": 1, "system": 2}`.
    #[schema(example = json!({"normal": 0, "recalled": 1, "system": 2}))]
    message_status: BTreeMap<String, i64>,
    /// The server's VAPID public key (API.md §15), base64url: a browser's
    /// `pushManager.subscribe({ applicationServerKey })`.
    vapid_public_key: String,
}

/// `event_kinds`: a list of the kinds the server has.
fn event_kinds() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(string_enum(kind::ALL))
        .build()
}

/// `name`: always `chatd`.
fn name_chatd() -> utoipa::openapi::Object {
    string_enum(&["chatd"])
}

/// The server's name, version and the settings a client adapts to (public).
#[utoipa::path(
    tag = "meta",
    operation_id = "getInfo",
    responses(
        (status = 200, description = "`success`", body = Envelope<ServerInfo>),
        (status = 500, response = ServerError), // 服务器错误
    )
)]
#[get("/info")]
fn info(
    config: &State<Config>,
    vapid: &State<crate::notify::vapid::Vapid>,
) -> ApiResult<ServerInfo> {
    ok(ServerInfo {
        name: "chatd",
        version: env!("CARGO_PKG_VERSION"),
        allow_registration: config.allow_registration,
        require_friendship: config.require_friendship,
        recall_window_secs: config.recall_window_secs,
        max_message_chars: config.max_message_chars,
        max_group_members: config.max_group_members,
        max_upload_bytes: config.max_upload_bytes,
        event_kinds: kind::ALL,
        message_status: Status::ALL
            .iter()
            .map(|(name, status)| (name.to_lowercase(), status.stored()))
            .collect(),
        vapid_public_key: vapid.public.clone(),
    })
}

/// This OpenAPI document.
#[utoipa::path(
    tag = "meta",
    operation_id = "getOpenApi",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document itself, as-is (not wrapped in the envelope).",
            content_type = "application/json", body = Object),
        (status = 500, response = ServerError), // 服务器错误
    )
)]
#[get("/openapi.json")]
fn document(document: &State<Document>) -> (ContentType, &str) {
    (ContentType::JSON, &document.0)
}
