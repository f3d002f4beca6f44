//! Sending, recalling and deleting messages (API.md §6).

use rocket::{delete, post, routes, Route, State};
use serde::Deserialize;

use super::body::Body;
use std::sync::Arc;

use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::Db;
use crate::domain::messages::{self, Draft, Recalled, Sent};
use crate::error::{created, ok_msg, ApiResult};
use crate::ids::{ConversationId, Given, MessageId};
use crate::limits::{Limits, PerUser};

pub fn routes() -> Vec<Route> {
    routes![send_message, recall_message, delete_message]
}

#[derive(Deserialize)]
struct SendMessage {
    conversation_id: Given<ConversationId>,
    content: String,
    client_msg_id: Option<String>,
}

/// `POST /api/auth/messages`
#[post("/auth/messages", data = "<body>")]
async fn send_message(
    me: AuthUser,
    body: Body<SendMessage>,
    db: &State<Db>,
    config: &State<Config>,
    limits: &State<Arc<Limits>>,
) -> ApiResult<Sent> {
    limits.user(PerUser::Send, me.id)?;
    let draft = Draft {
        conversation_id: body.conversation_id.known()?,
        content: &body.content,
        client_msg_id: body.client_msg_id.as_deref(),
    };
    created(
        "消息已发送",
        messages::send(db, config, me.id, draft).await?,
    )
}

#[derive(Deserialize)]
struct MessageRef {
    id: Given<MessageId>,
}

/// `DELETE /api/auth/messages/recall`
#[delete("/auth/messages/recall", data = "<body>")]
async fn recall_message(
    me: AuthUser,
    body: Body<MessageRef>,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Recalled> {
    ok_msg(
        "消息已撤回",
        messages::recall(db, config, me.id, body.id.known()?).await?,
    )
}

/// `DELETE /api/auth/messages/delete`
#[delete("/auth/messages/delete", data = "<body>")]
async fn delete_message(me: AuthUser, body: Body<MessageRef>, db: &State<Db>) -> ApiResult<()> {
    messages::delete_for_me(db, me.id, body.id.known()?).await?;
    ok_msg("已删除", ())
}
