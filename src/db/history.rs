//! A member's own view of a conversation's history: clearing it (清空聊天记录) and removing
//! the chat from their list (删除聊天), API.md §14. Both are one row of `members`, whatever
//! the number of messages: `cleared_upto` hides every message up to it (`hidden_from!`),
//! `hidden` leaves the chat out of the list until a newer message arrives.

use rusqlite::{params, Connection, OptionalExtension};

use super::Cached;
use crate::error::Error;
use crate::ids::{ConversationId, MessageId, UserId};

/// Hides every message of `id` up to now from `user`, who has read them all; with `hide`, the
/// chat also leaves their list (and its pin). The new marker (`None`: `user` is not a
/// member).
pub fn clear(
    conn: &Connection,
    id: ConversationId,
    user: UserId,
    hide: bool,
) -> Result<Option<MessageId>, Error> {
    Ok(conn
        .row(
            "UPDATE members SET
               cleared_upto = max(cleared_upto, newest.id),
               last_read_id = max(last_read_id, newest.id),
               unread_count = 0,
               hidden = ?3,
               is_pinned = is_pinned AND NOT ?3
             FROM (SELECT IFNULL(MAX(id), 0) AS id FROM messages WHERE conversation_id = ?1)
               AS newest
             WHERE conversation_id = ?1 AND user_id = ?2
             RETURNING cleared_upto",
            params![id.0, user.0, hide],
            |r| r.get(0).map(MessageId),
        )
        .optional()?)
}
