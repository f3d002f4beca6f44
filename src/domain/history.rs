//! Clear history for me (清空聊天记录) and remove a chat from the list (删除聊天), API.md
//! §14: one marker per member, so both take the same time at any volume.

use crate::db::events::{self, kind, NewEvent};
use crate::db::{history, Db};
use crate::error::Error;
use crate::ids::{ConversationId, UserId};

/// What the caller does to their own view of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clearing {
    /// Every message up to now disappears for the caller.
    History,
    /// That, and the chat leaves the caller's list until its next message.
    FromList,
}

/// Clears `id`'s history for `me` (and, for `FromList`, removes it from their list); their
/// devices get `conversation.updated` with `cleared_upto` (and `hidden`). `404 会话不存在`
/// when `me` is not a member.
pub async fn clear(db: &Db, me: UserId, id: ConversationId, how: Clearing) -> Result<(), Error> {
    let clock = db.clock();
    db.write_freeing(move |conn| {
        let hide = how == Clearing::FromList;
        let upto = history::clear(conn, id, me, hide)?.ok_or(Error::ConversationNotFound)?;
        let mut data = serde_json::json!({
            "unread_count": 0,
            "mentioned": false,
            "cleared_upto": upto,
        });
        if hide {
            data["hidden"] = true.into();
            data["is_pinned"] = false.into();
        }
        let event = NewEvent::new(kind::CONVERSATION_UPDATED)
            .conversation(id)
            .data(data);
        events::to_users(conn, &[me], &event, clock.now_ms())
    })
    .await
}
