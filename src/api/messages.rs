//! Sending, recalling and deleting messages (API.md §6).

use rocket::{delete, post, routes, Route, State};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::body::Body;
use super::docs::responses::{
    ConversationNotFound, JsonBody, MessageNotFound, NotFriends, PayloadTooLarge, RecallRefused,
    RequestTimeout, SendFailed, SignedIn, StorageFull, TooManyRequests,
};
use std::sync::Arc;

use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::messages::MessageType;
use crate::db::Db;
use crate::domain::forward::{self, Forwarded};
use crate::domain::mentions::Mention;
use crate::domain::messages::{self, Draft, DraftBody, Recalled, Sent};
use crate::error::{created, ok_msg, ApiResult, Envelope, Error, Null};
use crate::ids::{ConversationId, FileId, Given, MessageId};
use crate::limits::{Limits, PerUser};
use crate::media::store::MediaStore;

pub fn routes() -> Vec<Route> {
    routes![
        send_message,
        forward_messages,
        recall_message,
        delete_message
    ]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(send_message, forward_messages, recall_message, delete_message))]
    struct Api;
    Api::openapi()
}

/// What a message carries.
#[derive(Deserialize, ToSchema, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum SendType {
    #[default]
    Text,
    Image,
    File,
    Voice,
}

impl SendType {
    fn stored(self) -> MessageType {
        match self {
            SendType::Text => MessageType::Text,
            SendType::Image => MessageType::Image,
            SendType::File => MessageType::File,
            SendType::Voice => MessageType::Voice,
        }
    }
}

#[derive(Deserialize, ToSchema)]
struct SendMessage {
    /// The conversation. Any string is accepted; a malformed or unknown id is a 404.
    #[schema(value_type = String)]
    conversation_id: Given<ConversationId>,
    /// `text` (the default), `image`, `file` or `voice`.
    #[serde(rename = "type", default)]
    kind: SendType,
    /// For text: 1–`max_message_chars` (default 5000) characters, not only white space;
    /// stored exactly as sent. Not used for the other types.
    #[schema(min_length = 1, max_length = 5000, example = "大家下午见！")]
    content: Option<String>,
    /// For `image`, `file` and `voice`: a file the caller uploaded (an image for `image`,
    /// audio for `voice`).
    #[schema(value_type = Option<String>)]
    file_id: Option<Given<FileId>>,
    /// For `voice`: its length, 1–60,000 ms.
    #[schema(minimum = 1, maximum = 60000)]
    duration_ms: Option<i64>,
    /// Optional idempotency key, 1–64 characters, unique per sender: a retry returns the
    /// original `message_id` and `created_at`.
    #[schema(min_length = 1, max_length = 64, example = "7f3c2a")]
    client_msg_id: Option<String>,
    /// Quote-reply: a normal message of the same conversation that the caller can see. A
    /// malformed or unknown id, or one elsewhere or hidden from the caller, is `404
    /// 消息不存在`; a recalled or system message `400`.
    #[schema(value_type = Option<String>, example = "m_41")]
    reply_to: Option<Given<MessageId>>,
    /// In a group: members to mention (`u_…`, not oneself), or `["all"]` (the owner only,
    /// else `403`). Anything else is `400`.
    #[schema(example = json!(["u_2"]))]
    mentions: Option<Vec<String>>,
}

/// Send a message.
///
/// A retry with the same `client_msg_id` returns the original `message_id` and `created_at`
/// and stores nothing new. A private chat whose friendship has ended (when required) is
/// `403`.
#[utoipa::path(
    tag = "messages",
    operation_id = "sendMessage",
    request_body = SendMessage,
    responses(
        (status = 201, description = "`消息已发送`", body = Envelope<Sent>),
        (status = 400, response = SendFailed),           // 发送失败 / 参数错误
        (status = 403, response = NotFriends),           // 对方不是你的好友 / 无权限
        (status = 404, response = ConversationNotFound), // 会话不存在 / 消息不存在
        (status = 408, response = RequestTimeout),       // 请求超时
        (status = 413, response = PayloadTooLarge),      // 请求体过大
        (status = 429, response = TooManyRequests),      // 请求过于频繁
        (status = 507, response = StorageFull),          // 存储空间不足
        SignedIn,
    )
)]
#[post("/auth/messages", data = "<body>")]
async fn send_message(
    me: AuthUser,
    body: Body<SendMessage>,
    db: &State<Db>,
    config: &State<Config>,
    limits: &State<Arc<Limits>>,
) -> ApiResult<Sent> {
    limits.user(PerUser::Send, me.id)?;
    let conversation_id = body.conversation_id.known()?;
    let body_client_msg_id = body.client_msg_id.clone();
    let reply_to = body.reply_to;
    let mentions = body
        .mentions
        .iter()
        .flatten()
        .map(|m| Mention::parse(m))
        .collect();
    let body = match body.kind {
        SendType::Text => DraftBody::Text(
            body.content
                .as_deref()
                .ok_or_else(|| Error::bad_request("字段缺失或类型错误"))?,
        ),
        upload => DraftBody::Upload {
            kind: upload.stored(),
            file: body
                .file_id
                .ok_or_else(|| Error::send_failed("缺少 file_id"))?
                .known()
                .ok(),
            duration_ms: body.duration_ms,
        },
    };
    let draft = Draft {
        conversation_id,
        body,
        client_msg_id: body_client_msg_id.as_deref(),
        reply_to,
        mentions,
    };
    created(
        "消息已发送",
        messages::send(db, config, me.id, draft).await?,
    )
}

#[derive(Deserialize, ToSchema)]
struct Forward {
    /// 1–20 messages, forwarded in this order: normal messages the caller can see.
    #[schema(value_type = Vec<String>, example = json!(["m_41", "m_42"]))]
    message_ids: Vec<Given<MessageId>>,
    /// 1–20 conversations the caller may send to.
    #[schema(value_type = Vec<String>, example = json!(["c_3", "c_7"]))]
    conversation_ids: Vec<Given<ConversationId>>,
}

/// Forward messages (转发).
///
/// Every message into every conversation, all or nothing; the new ids come target-major.
/// An image, file or voice note is forwarded by reference (the same upload). A recalled or
/// system message is `400 发送失败：…`; one the caller cannot see `404 消息不存在`; a
/// conversation they are not in `404 会话不存在`; an empty, over-long or repeating list
/// `400 参数错误：…`.
#[utoipa::path(
    tag = "messages",
    operation_id = "forwardMessages",
    request_body = Forward,
    responses(
        (status = 201, description = "`已转发`", body = Envelope<Forwarded>),
        (status = 400, response = SendFailed),           // 发送失败 / 参数错误
        (status = 403, response = NotFriends),           // 对方不是你的好友
        (status = 404, response = ConversationNotFound), // 会话不存在 / 消息不存在
        (status = 408, response = RequestTimeout),       // 请求超时
        (status = 413, response = PayloadTooLarge),      // 请求体过大
        (status = 429, response = TooManyRequests),      // 请求过于频繁
        (status = 507, response = StorageFull),          // 存储空间不足
        SignedIn,
    )
)]
#[post("/auth/messages/forward", data = "<body>")]
async fn forward_messages(
    me: AuthUser,
    body: Body<Forward>,
    db: &State<Db>,
    config: &State<Config>,
    limits: &State<Arc<Limits>>,
) -> ApiResult<Forwarded> {
    limits.user(PerUser::Send, me.id)?;
    let Forward {
        message_ids,
        conversation_ids,
    } = body.0;
    created(
        "已转发",
        forward::forward(db, config, me.id, message_ids, conversation_ids).await?,
    )
}

#[derive(Deserialize, ToSchema)]
struct MessageRef {
    /// The message. Any string is accepted; a malformed or unknown id is a 404.
    #[schema(value_type = String)]
    id: Given<MessageId>,
}

/// Recall one's own recent message.
///
/// Only the sender, only a normal message, only within `recall_window_secs` (default 120).
/// The text is erased from storage and a system message is appended.
#[utoipa::path(
    tag = "messages",
    operation_id = "recallMessage",
    request_body = MessageRef,
    responses(
        (status = 200, description = "`消息已撤回`", body = Envelope<Recalled>),
        (status = 403, response = RecallRefused),   // 不可撤回（超时或无权限）
        (status = 404, response = MessageNotFound), // 消息不存在
        SignedIn,
        JsonBody,
    )
)]
#[delete("/auth/messages/recall", data = "<body>")]
async fn recall_message(
    me: AuthUser,
    body: Body<MessageRef>,
    db: &State<Db>,
    config: &State<Config>,
    media: &State<MediaStore>,
) -> ApiResult<Recalled> {
    ok_msg(
        "消息已撤回",
        messages::recall(db, config, me.id, media, body.id.known()?).await?,
    )
}

/// Hide a message for the caller only.
///
/// Others see no change; deleting again is still `200`.
#[utoipa::path(
    tag = "messages",
    operation_id = "deleteMessage",
    request_body = MessageRef,
    responses(
        (status = 200, description = "`已删除`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "已删除", "data": null})),
        (status = 404, response = MessageNotFound), // 消息不存在
        SignedIn,
        JsonBody,
    )
)]
#[delete("/auth/messages/delete", data = "<body>")]
async fn delete_message(me: AuthUser, body: Body<MessageRef>, db: &State<Db>) -> ApiResult<()> {
    messages::delete_for_me(db, me.id, body.id.known()?).await?;
    ok_msg("已删除", ())
}
