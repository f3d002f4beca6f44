//! The conversation list, the detail view, and creating conversations (API.md §5).

use rocket::{get, post, routes, Route, State};
use serde::{Deserialize, Serialize};

use super::body::Body;
use std::sync::Arc;

use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::Db;
use crate::domain::conversations::{self, ListItem, PageQuery};
use crate::domain::render::MessageView;
use crate::error::{created, ok, ok_msg, ApiResult, Error};
use crate::ids::{ConversationId, Given, UserId};
use crate::limits::{Limits, PerUser};

pub fn routes() -> Vec<Route> {
    routes![list, detail, create_private, create_group]
}

/// `GET /api/auth/conversations`
#[get("/auth/conversations")]
async fn list(me: AuthUser, db: &State<Db>) -> ApiResult<Vec<ListItem>> {
    ok(conversations::list(db, me.id).await?)
}

/// `GET /api/auth/conversations/<id>?limit&before&after`
#[get("/auth/conversations/<id>?<limit>&<before>&<after>")]
async fn detail(
    me: AuthUser,
    id: Given<ConversationId>,
    limit: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
    db: &State<Db>,
) -> ApiResult<Vec<MessageView>> {
    let query = PageQuery {
        limit,
        before,
        after,
    };
    ok(conversations::messages(db, me.id, id.known()?, query).await?)
}

#[derive(Deserialize)]
struct CreatePrivate {
    friend_id: Option<Given<UserId>>,
}

#[derive(Serialize)]
struct ConversationRef {
    conversation_id: ConversationId,
}

/// `POST /api/auth/conversations/private`
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

#[derive(Deserialize)]
struct CreateGroup {
    name: String,
    member_ids: Vec<Given<UserId>>,
}

/// `POST /api/auth/conversations/group`
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
