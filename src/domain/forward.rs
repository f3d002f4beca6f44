//! Forward (转发, API.md §14): several messages into several conversations in one request,
//! all or nothing. An attachment is forwarded by reference: the new message points at the
//! same upload, whose bytes stay until no message or avatar refers to them.

use serde::Serialize;
use utoipa::ToSchema;

use super::messages::{check_friendship, store};
use crate::config::Config;
use crate::db::messages::{self, Attached, Status};
use crate::db::Db;
use crate::error::Error;
use crate::ids::{ConversationId, Given, MessageId, UserId};

/// At most this many messages, and this many conversations, per request.
pub const MAX_FORWARD: usize = 20;

/// The forwarded copies, target-major: every message into the first conversation, then
/// into the second, …
#[derive(Debug, Serialize, ToSchema)]
pub struct Forwarded {
    #[schema(value_type = Vec<String>, example = json!(["m_51", "m_52"]))]
    pub message_ids: Vec<MessageId>,
}

/// 1–20 ids, none twice.
fn check_ids<T: PartialEq>(ids: &[T], field: &str) -> Result<(), Error> {
    if ids.is_empty() || ids.len() > MAX_FORWARD {
        return Err(Error::bad_request(format!("{field} 须为1–{MAX_FORWARD}个")));
    }
    if ids.iter().enumerate().any(|(i, id)| ids[..i].contains(id)) {
        return Err(Error::bad_request(format!("{field} 有重复")));
    }
    Ok(())
}

/// Forwards `sources` (in the given order) into each of `targets`. Each source must be a
/// normal message `me` can see (unknown, elsewhere or hidden: `404 消息不存在`; recalled or
/// system: `400 发送失败`); each target a conversation `me` may send to (`404 会话不存在`,
/// `403 对方不是你的好友`). Nothing is stored unless everything passes.
pub async fn forward(
    db: &Db,
    config: &Config,
    me: UserId,
    sources: Vec<Given<MessageId>>,
    targets: Vec<Given<ConversationId>>,
) -> Result<Forwarded, Error> {
    check_ids(&sources, "message_ids")?;
    check_ids(&targets, "conversation_ids")?;
    let sources: Vec<MessageId> = sources
        .into_iter()
        .map(Given::known)
        .collect::<Result<_, _>>()?;
    let targets: Vec<ConversationId> = targets
        .into_iter()
        .map(Given::known)
        .collect::<Result<_, _>>()?;
    let require_friendship = config.require_friendship;
    let clock = db.clock();
    db.write(move |conn| {
        for id in &sources {
            let source = messages::find_for_member(conn, *id, me)?
                .filter(|t| !t.deleted_by_viewer)
                .ok_or(Error::MessageNotFound)?;
            match source.status {
                Status::Normal => {}
                Status::Recalled => return Err(Error::send_failed("不能转发已撤回的消息")),
                Status::System => return Err(Error::send_failed("不能转发系统消息")),
            }
        }
        let mut rows = messages::by_ids(conn, &sources)?;
        rows.sort_by_key(|r| sources.iter().position(|s| *s == r.id));
        for target in &targets {
            let member = super::member_of(conn, *target, me)?;
            check_friendship(conn, me, &member, require_friendship)?;
        }
        let now = clock.now_ms();
        let mut message_ids = Vec::with_capacity(targets.len() * rows.len());
        for target in &targets {
            for row in &rows {
                let attached = Attached {
                    kind: row.kind,
                    file: row.file.as_ref().map(|f| f.id),
                    duration_ms: row.duration_ms,
                    reply_to: None,
                    mentions: Vec::new(),
                };
                message_ids.push(store(
                    conn,
                    me,
                    *target,
                    &row.content,
                    &attached,
                    None,
                    now,
                )?);
            }
        }
        Ok(Forwarded { message_ids })
    })
    .await
}
