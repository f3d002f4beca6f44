//! Managing a conversation: pin, read, members, invite, remove/leave, rename.

use rocket::{delete, get, patch, post, put, routes, Route, State};
use serde::{Deserialize, Serialize};

use super::body::{Body, OptionalBody};
use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::Db;
use crate::domain::groups::{self, MemberView, Removal};
use crate::error::{ok, ok_msg, ApiResult};
use crate::ids::{ConversationId, Given, MessageId, UserId};

pub fn routes() -> Vec<Route> {
    routes![pin, read, members, invite, remove_member, rename]
}

#[derive(Deserialize, Serialize)]
struct Pin {
    is_pinned: bool,
}

/// `PUT /api/auth/conversations/<id>/pin`
#[put("/auth/conversations/<id>/pin", data = "<body>")]
async fn pin(
    me: AuthUser,
    id: Given<ConversationId>,
    body: Body<Pin>,
    db: &State<Db>,
) -> ApiResult<Pin> {
    let is_pinned = groups::pin(db, me.id, id.known()?, body.is_pinned).await?;
    ok(Pin { is_pinned })
}

#[derive(Deserialize)]
struct Read {
    message_id: Option<Given<MessageId>>,
}

#[derive(Serialize)]
struct Unread {
    unread_count: i64,
}

/// `POST /api/auth/conversations/<id>/read`
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

/// `GET /api/auth/conversations/<id>/members`
#[get("/auth/conversations/<id>/members")]
async fn members(
    me: AuthUser,
    id: Given<ConversationId>,
    db: &State<Db>,
) -> ApiResult<Vec<MemberView>> {
    ok(groups::members(db, me.id, id.known()?).await?)
}

#[derive(Deserialize)]
struct Invite {
    member_ids: Vec<Given<UserId>>,
}

/// `POST /api/auth/conversations/<id>/members`
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

/// `DELETE /api/auth/conversations/<id>/members/<user_id>`
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

#[derive(Deserialize)]
struct Rename {
    name: String,
}

/// `PATCH /api/auth/conversations/<id>`
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
