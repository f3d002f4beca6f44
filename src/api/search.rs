//! Search (API.md §13): everywhere at once, and within one conversation.

use rocket::{get, routes, Route, State};
use utoipa::OpenApi;

use super::docs::responses::{BadRequest, ConversationNotFound, SignedIn};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::files::Links;
use crate::domain::render::MessageView;
use crate::domain::search::{self, Found, InConversation};
use crate::error::{ok, ApiResult, Envelope};
use crate::ids::{ConversationId, Given};

pub fn routes() -> Vec<Route> {
    routes![everywhere, in_conversation]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(everywhere, in_conversation))]
    struct Api;
    Api::openapi()
}

/// Search friends, groups and messages.
///
/// `q` is found as a substring (case-insensitive for Latin letters; `%`, `_` and `\` are
/// literal): one Chinese character finds every message containing it. Messages match by their
/// text, file messages by their file name; recalled and system messages, messages the caller
/// deleted and conversations the caller is not in never match.
#[utoipa::path(
    tag = "search",
    operation_id = "search",
    params(
        ("q" = Option<String>, Query, min_length = 1, max_length = 64,
            description = "The search text, trimmed; empty, missing or over 64 characters is `400`."),
    ),
    responses(
        (status = 200, description = "`success`", body = Envelope<Found>),
        (status = 400, response = BadRequest),   // 参数错误
        SignedIn,
    )
)]
#[get("/auth/search?<q>")]
async fn everywhere(
    me: AuthUser,
    q: Option<&str>,
    db: &State<Db>,
    links: &State<Links>,
) -> ApiResult<Found> {
    ok(search::everywhere(db, links, me.id, q).await?)
}

/// Search one conversation's messages.
///
/// Matching messages, newest first, shaped as in the detail view; page with `before`. The
/// same matching as the global search.
#[utoipa::path(
    tag = "search",
    operation_id = "searchConversation",
    params(
        ("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`."),
        ("q" = Option<String>, Query, min_length = 1, max_length = 64,
            description = "The search text, trimmed; empty, missing or over 64 characters is `400`."),
        ("before" = Option<String>, Query,
            description = "A message id (`m_…`) of this conversation: matches older than it. Malformed or of another conversation is `400`."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100,
            description = "Page size, 1–100 (default 20); other values are `400`."),
    ),
    responses(
        (status = 200, description = "`success`", body = Envelope<Vec<MessageView>>),
        (status = 400, response = BadRequest),           // 参数错误
        (status = 404, response = ConversationNotFound), // 会话不存在
        SignedIn,
    )
)]
#[get("/auth/conversations/<id>/search?<q>&<before>&<limit>")]
#[allow(clippy::too_many_arguments)] // one per path part, query parameter and guard
async fn in_conversation(
    me: AuthUser,
    id: Given<ConversationId>,
    q: Option<&str>,
    before: Option<&str>,
    limit: Option<&str>,
    db: &State<Db>,
    links: &State<Links>,
) -> ApiResult<Vec<MessageView>> {
    let query = InConversation { q, before, limit };
    ok(search::in_conversation(db, links, me.id, id.known()?, query).await?)
}
