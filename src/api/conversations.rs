//! The conversation list, the detail view, and creating conversations (API.md §5).

use rocket::{get, post, routes, Route, State};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::body::Body;
use super::docs::responses::{
    BadRequest, ConversationNotFound, JsonBody, NotFriends, SignedIn, StorageFull, TooManyRequests,
    UserNotFound,
};
use std::sync::Arc;

use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::Db;
use crate::domain::conversations::{self, Info, ListItem, PageQuery};
use crate::domain::files::Links;
use crate::domain::pages::{PageCache, PageJson};
use crate::domain::render::MessageView;
use crate::error::{created, ok, ok_msg, ApiResult, Envelope, Error};
use crate::ids::{ConversationId, Given, UserId};
use crate::limits::{Limits, PerUser};

pub fn routes() -> Vec<Route> {
    routes![list, detail, info, create_private, create_group]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list, detail, info, create_private, create_group))]
    struct Api;
    Api::openapi()
}

/// The caller's conversation list.
#[utoipa::path(
    tag = "conversations",
    operation_id = "listConversations",
    responses(
        (status = 200, description = "`success`", body = Envelope<Vec<ListItem>>),
        SignedIn,
    )
)]
#[get("/auth/conversations")]
async fn list(
    me: AuthUser,
    db: &State<Db>,
    cache: &State<PageCache>,
    links: &State<Links>,
) -> ApiResult<PageJson> {
    ok(conversations::list(db, cache, me.id, links).await?)
}

/// A conversation's info (for its settings panel): the list item's facts, the group's
/// announcement and owner, when it was created.
#[utoipa::path(
    tag = "conversations",
    operation_id = "getConversationInfo",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    responses(
        (status = 200, description = "`success`", body = Envelope<Info>),
        (status = 404, response = ConversationNotFound), // 会话不存在
        SignedIn,
    )
)]
#[get("/auth/conversations/<id>/info")]
async fn info(
    me: AuthUser,
    id: Given<ConversationId>,
    db: &State<Db>,
    links: &State<Links>,
) -> ApiResult<Info> {
    ok(conversations::info(db, me.id, id.known()?, links).await?)
}

/// A page of a conversation's messages.
///
/// Messages oldest → newest. Without `before` or `after`: the newest `limit` messages.
/// `before` gives the newest `limit` before that id, `after` the oldest `limit` after it. A
/// page without `before` moves the caller's read marker to its newest message. Messages the
/// caller deleted are absent.
#[utoipa::path(
    tag = "conversations",
    operation_id = "getConversationMessages",
    params(
        ("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`."),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200,
            description = "Page size, 1–200 (default 50); other values are `400`."),
        ("before" = Option<String>, Query,
            description = "A message id (`m_…`) used as a position: the page before it. Malformed, or given with `after`, is `400`."),
        ("after" = Option<String>, Query,
            description = "A message id (`m_…`) used as a position: the page after it. Malformed, or given with `before`, is `400`."),
        ("around" = Option<String>, Query,
            description = "A message id (`m_…`) of this conversation: up to `limit` messages centred on it (opening a search result; no read marker moves). Malformed, not visible in this conversation, or given with `before`/`after`, is `400`."),
    ),
    responses(
        (status = 200, description = "`success`", body = Envelope<Vec<MessageView>>),
        (status = 400, response = BadRequest),           // 参数错误
        (status = 404, response = ConversationNotFound), // 会话不存在
        SignedIn,
    )
)]
#[get("/auth/conversations/<id>?<limit>&<before>&<after>&<around>")]
#[allow(clippy::too_many_arguments)] // one per path part, query parameter and guard
async fn detail(
    me: AuthUser,
    id: Given<ConversationId>,
    limit: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
    around: Option<&str>,
    db: &State<Db>,
    cache: &State<PageCache>,
    links: &State<Links>,
) -> ApiResult<PageJson> {
    let query = PageQuery {
        limit,
        before,
        after,
        around,
    };
    ok(conversations::messages(db, cache, me.id, id.known()?, query, links).await?)
}

#[derive(Deserialize, ToSchema)]
struct CreatePrivate {
    /// The other user (missing or the caller's own id is `400`). Any string is accepted; a
    /// malformed or unknown id is a 404.
    #[schema(value_type = Option<String>)]
    friend_id: Option<Given<UserId>>,
}

#[derive(Serialize, ToSchema)]
struct ConversationRef {
    conversation_id: ConversationId,
}

/// Open the private chat with a user.
///
/// `friend_id` missing or the caller's own id is `400 参数错误`.
#[utoipa::path(
    tag = "conversations",
    operation_id = "createPrivateConversation",
    request_body = CreatePrivate,
    responses(
        (status = 200, description = "`会话已存在` — the pair already has a private conversation (returned even if the friendship has since ended).", body = Envelope<ConversationRef>),
        (status = 201, description = "`会话已创建`", body = Envelope<ConversationRef>),
        (status = 403, response = NotFriends),      // 对方不是你的好友
        (status = 404, response = UserNotFound),    // 用户不存在
        (status = 507, response = StorageFull),     // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[post("/auth/conversations/private", data = "<body>")]
async fn create_private(
    me: AuthUser,
    body: Body<CreatePrivate>,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<ConversationRef> {
    let friend = body
        .friend_id
        .ok_or_else(|| Error::bad_request("缺少 friend_id"))?
        .known()?;
    let (conversation_id, is_new) =
        conversations::create_private(db, config, me.id, friend).await?;
    let data = ConversationRef { conversation_id };
    if is_new {
        created("会话已创建", data)
    } else {
        ok_msg("会话已存在", data)
    }
}

#[derive(Deserialize, ToSchema)]
struct CreateGroup {
    /// 1–64 characters after trimming, no control characters.
    #[schema(min_length = 1, max_length = 64, example = "项目讨论组")]
    name: String,
    /// At least one other user (any strings; a malformed or unknown id is a 404); duplicates
    /// and the caller's own id are ignored; the group holds at most `max_group_members`
    /// (default 500) including the caller.
    #[schema(value_type = Vec<String>, min_items = 1, example = json!(["u_111", "u_222", "u_333"]))]
    member_ids: Vec<Given<UserId>>,
}

/// Create a group chat.
///
/// The caller becomes the owner. A system message records the creation. Any malformed or
/// unknown member id is `404 用户不存在`; too many members is
/// `400 参数错误：群成员不能超过N人`.
#[utoipa::path(
    tag = "conversations",
    operation_id = "createGroupConversation",
    request_body = CreateGroup,
    responses(
        (status = 201, description = "`群聊已创建`", body = Envelope<ConversationRef>),
        (status = 403, response = NotFriends),      // 对方不是你的好友
        (status = 404, response = UserNotFound),    // 用户不存在
        (status = 429, response = TooManyRequests), // 请求过于频繁
        (status = 507, response = StorageFull),     // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[post("/auth/conversations/group", data = "<body>")]
async fn create_group(
    me: AuthUser,
    body: Body<CreateGroup>,
    db: &State<Db>,
    config: &State<Config>,
    limits: &State<Arc<Limits>>,
) -> ApiResult<ConversationRef> {
    limits.user(PerUser::CreateGroup, me.id)?;
    let b = body.0;
    let conversation_id =
        conversations::create_group(db, config, me.id, &b.name, &b.member_ids).await?;
    created("群聊已创建", ConversationRef { conversation_id })
}
