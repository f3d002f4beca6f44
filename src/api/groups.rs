//! Managing a conversation: pin, mute, read, members, invite, remove/leave, rename,
//! announcement.

use rocket::{delete, get, patch, post, put, routes, Route, State};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::body::{Body, OptionalBody};
use super::docs::responses::{
    BadRequest, ConversationNotFound, ConversationOrMessageNotFound, ConversationOrUserNotFound,
    Forbidden, JsonBody, NotFriends, SignedIn, StorageFull,
};
use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::Db;
use crate::domain::files::Links;
use crate::domain::groups::{self, MemberFlag, MemberView, Removal};
use crate::error::{ok, ok_msg, ApiResult, Envelope, Null};
use crate::ids::{ConversationId, Given, MessageId, UserId};

pub fn routes() -> Vec<Route> {
    routes![
        pin,
        mute,
        read,
        members,
        invite,
        remove_member,
        rename,
        announce
    ]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(pin, mute, read, members, invite, remove_member, rename, announce))]
    struct Api;
    Api::openapi()
}

#[derive(Deserialize, Serialize, ToSchema)]
struct Pin {
    is_pinned: bool,
}

/// Pin or unpin a conversation for the caller.
#[utoipa::path(
    tag = "conversations",
    operation_id = "pinConversation",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    request_body = Pin,
    responses(
        (status = 200, description = "`success`", body = Envelope<Pin>),
        (status = 404, response = ConversationNotFound), // 会话不存在
        (status = 507, response = StorageFull),          // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[put("/auth/conversations/<id>/pin", data = "<body>")]
async fn pin(
    me: AuthUser,
    id: Given<ConversationId>,
    body: Body<Pin>,
    db: &State<Db>,
) -> ApiResult<Pin> {
    let is_pinned =
        groups::set_flag(db, me.id, id.known()?, MemberFlag::Pinned, body.is_pinned).await?;
    ok(Pin { is_pinned })
}

#[derive(Deserialize, Serialize, ToSchema)]
struct Mute {
    is_muted: bool,
}

/// Mute or unmute a conversation for the caller (消息免打扰): its unread count still counts,
/// and it notifies only for mentions.
#[utoipa::path(
    tag = "conversations",
    operation_id = "muteConversation",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    request_body = Mute,
    responses(
        (status = 200, description = "`success`", body = Envelope<Mute>),
        (status = 404, response = ConversationNotFound), // 会话不存在
        (status = 507, response = StorageFull),          // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[put("/auth/conversations/<id>/mute", data = "<body>")]
async fn mute(
    me: AuthUser,
    id: Given<ConversationId>,
    body: Body<Mute>,
    db: &State<Db>,
) -> ApiResult<Mute> {
    let is_muted =
        groups::set_flag(db, me.id, id.known()?, MemberFlag::Muted, body.is_muted).await?;
    ok(Mute { is_muted })
}

#[derive(Deserialize, ToSchema)]
struct Read {
    /// Move the read marker up to this message (default: the newest); it never moves back.
    /// Any string is accepted; a malformed or unknown id is a 404.
    #[schema(value_type = Option<String>)]
    message_id: Option<Given<MessageId>>,
}

#[derive(Serialize, ToSchema)]
struct Unread {
    /// The caller's unread count after the move.
    #[schema(minimum = 0)]
    unread_count: i64,
}

/// Move the caller's read marker forward.
///
/// The body is optional: `{"message_id": "m_…"}`, `{}` or empty (default: the newest
/// message). The marker never moves back.
#[utoipa::path(
    tag = "conversations",
    operation_id = "markConversationRead",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    request_body(content = Option<Read>, description = "Optional: may be empty."),
    responses(
        (status = 200, description = "`success`", body = Envelope<Unread>),
        (status = 404, response = ConversationOrMessageNotFound), // 会话不存在 / 消息不存在
        SignedIn,
        JsonBody,
    )
)]
#[post("/auth/conversations/<id>/read", data = "<body>")]
async fn read(
    me: AuthUser,
    id: Given<ConversationId>,
    body: OptionalBody<Read>,
    db: &State<Db>,
) -> ApiResult<Unread> {
    let id = id.known()?;
    let message = body
        .0
        .and_then(|b| b.message_id)
        .map(Given::known)
        .transpose()?;
    let unread_count = groups::mark_read(db, me.id, id, message).await?;
    ok(Unread { unread_count })
}

/// A conversation's members.
///
/// Owner first, then members in the order they joined; private chats too (both `member`).
#[utoipa::path(
    tag = "conversations",
    operation_id = "listMembers",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    responses(
        (status = 200, description = "`success`", body = Envelope<Vec<MemberView>>),
        (status = 404, response = ConversationNotFound), // 会话不存在
        SignedIn,
    )
)]
#[get("/auth/conversations/<id>/members")]
async fn members(
    me: AuthUser,
    id: Given<ConversationId>,
    db: &State<Db>,
    links: &State<Links>,
) -> ApiResult<Vec<MemberView>> {
    ok(groups::members(db, links, me.id, id.known()?).await?)
}

#[derive(Deserialize, ToSchema)]
struct Invite {
    /// Users to invite (any strings; a malformed or unknown id is a 404); users already in
    /// the group are skipped, the caller's own id is ignored; an empty list (after dropping
    /// the caller) is `400`.
    #[schema(value_type = Vec<String>, min_items = 1)]
    member_ids: Vec<Given<UserId>>,
}

/// Invite users into a group.
///
/// Groups only (a private chat is `400 参数错误：私聊不支持此操作`); any member may invite; the
/// same friendship and size rules as creation. Inviting only current members changes nothing
/// and is `200`.
#[utoipa::path(
    tag = "conversations",
    operation_id = "inviteMembers",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    request_body = Invite,
    responses(
        (status = 200, description = "`已邀请`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "已邀请", "data": null})),
        (status = 403, response = NotFriends),                 // 对方不是你的好友
        (status = 404, response = ConversationOrUserNotFound), // 会话不存在 / 用户不存在
        (status = 507, response = StorageFull),                // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[post("/auth/conversations/<id>/members", data = "<body>")]
async fn invite(
    me: AuthUser,
    id: Given<ConversationId>,
    body: Body<Invite>,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<()> {
    groups::invite(db, config, me.id, id.known()?, &body.member_ids).await?;
    ok_msg("已邀请", ())
}

/// Remove a member, or leave.
///
/// Groups only (a private chat is `400`). When the owner leaves, the longest-standing member
/// becomes owner; when the last member leaves, the group is deleted.
#[utoipa::path(
    tag = "conversations",
    operation_id = "removeMember",
    params(
        ("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`."),
        ("user_id" = String, Path, description = "The member to remove (`u_…`); the caller's own id leaves."),
    ),
    responses(
        (status = 200, description = "`已退出群聊` or `已移出群聊` — the first when `user_id` is the caller (leaving), the second when the owner removes someone else.",
            body = Envelope<Null>, example = json!({"code": 200, "message": "已退出群聊", "data": null})),
        (status = 400, response = BadRequest),                 // 参数错误
        (status = 403, response = Forbidden),                  // 无权限
        (status = 404, response = ConversationOrUserNotFound), // 会话不存在 / 用户不存在
        SignedIn,
    )
)]
#[delete("/auth/conversations/<id>/members/<user_id>")]
async fn remove_member(
    me: AuthUser,
    id: Given<ConversationId>,
    user_id: Given<UserId>,
    db: &State<Db>,
) -> ApiResult<()> {
    match groups::remove_member(db, me.id, id.known()?, user_id).await? {
        Removal::Left => ok_msg("已退出群聊", ()),
        Removal::Removed => ok_msg("已移出群聊", ()),
    }
}

#[derive(Deserialize, ToSchema)]
struct Rename {
    /// 1–64 characters after trimming, no control characters.
    #[schema(min_length = 1, max_length = 64)]
    name: String,
}

/// Rename a group.
///
/// Groups only (a private chat is `400`); any member may rename.
#[utoipa::path(
    tag = "conversations",
    operation_id = "renameGroup",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    request_body = Rename,
    responses(
        (status = 200, description = "`群名已修改`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "群名已修改", "data": null})),
        (status = 404, response = ConversationNotFound), // 会话不存在
        (status = 507, response = StorageFull),          // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[patch("/auth/conversations/<id>", data = "<body>")]
async fn rename(
    me: AuthUser,
    id: Given<ConversationId>,
    body: Body<Rename>,
    db: &State<Db>,
) -> ApiResult<()> {
    groups::rename(db, me.id, id.known()?, &body.name).await?;
    ok_msg("群名已修改", ())
}

#[derive(Deserialize, ToSchema)]
struct AnnouncementText {
    /// At most 2,000 characters after trimming (line breaks kept); blank clears it.
    #[schema(max_length = 2000, example = "周六晚上六点在奶奶家吃饭，别迟到")]
    text: String,
}

#[derive(Serialize, ToSchema)]
struct AnnouncementView {
    /// The announcement now, or `null` once cleared.
    announcement: Option<String>,
}

/// Set or clear a group's announcement (群公告).
///
/// The owner only; every member gets the system message `{actor}更新了群公告` (or
/// `{actor}清除了群公告`) and `conversation.updated` with `announcement`.
#[utoipa::path(
    tag = "conversations",
    operation_id = "setAnnouncement",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    request_body = AnnouncementText,
    responses(
        (status = 200, description = "`群公告已更新`", body = Envelope<AnnouncementView>,
            example = json!({"code": 200, "message": "群公告已更新", "data": {"announcement": "周六晚上六点在奶奶家吃饭，别迟到"}})),
        (status = 403, response = Forbidden),            // 无权限
        (status = 404, response = ConversationNotFound), // 会话不存在
        (status = 507, response = StorageFull),          // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[put("/auth/conversations/<id>/announcement", data = "<body>")]
async fn announce(
    me: AuthUser,
    id: Given<ConversationId>,
    body: Body<AnnouncementText>,
    db: &State<Db>,
) -> ApiResult<AnnouncementView> {
    let announcement = groups::announce(db, me.id, id.known()?, &body.text).await?;
    ok_msg("群公告已更新", AnnouncementView { announcement })
}
