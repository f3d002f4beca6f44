//! messages and deleted_messages.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Cached;
use crate::error::Error;
use crate::ids::{ConversationId, FileId, MessageId, UserId};

stored_enum! {
    /// `messages.status`.
    pub enum Status: i64, read by as_i64 {
        Normal = 0,
        /// Its text erased.
        Recalled = 1,
        /// An action, rendered per viewer.
        System = 2,
    }
}

/// A stored message with its sender's current display name, before per-viewer rendering.
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    pub sender_name: String,
    pub content: String,
    pub status: Status,
    pub action: Option<String>,
    pub targets: Vec<UserId>,
    pub action_name: Option<String>,
    pub created_at: i64,
    /// The sender's retry key, if it sent one (shown only to the sender's own devices).
    pub client_msg_id: Option<String>,
    pub kind: MessageType,
    /// The attached upload of an image, file or voice message.
    pub file: Option<super::files::FileRow>,
    pub duration_ms: Option<i64>,
    /// The quoted message (API.md §14).
    pub reply_to: Option<MessageId>,
    /// Who it mentions as sent; [`MENTION_ALL`] alone for everyone.
    pub mentions: Vec<UserId>,
}

/// `mentions` of a message to everyone (`["all"]` in the API).
pub const MENTION_ALL: UserId = UserId(0);

stored_enum! {
    /// `messages.type`.
    pub enum MessageType: &'static str, read by as_str {
        Text = "text",
        Image = "image",
        File = "file",
        Voice = "voice",
    }
}

pub(super) const ROW_COLUMNS: &str = concat!(
    "x.id, x.conversation_id, x.sender_id, u.display_name, x.content,
    x.status, x.action, x.action_targets, x.action_name, x.created_at, x.client_msg_id,
    x.type, x.duration_ms, x.reply_to, x.mentions, ",
    super::files::file_columns!()
);

/// What every query of message rows reads from: the message, its sender and its upload.
pub(super) const ROW_SOURCES: &str = "messages x JOIN users u ON u.id = x.sender_id
    LEFT JOIN files f ON f.id = x.file_id";

pub(super) fn row_from(r: &Row<'_>) -> rusqlite::Result<MessageRow> {
    let targets: Option<Vec<i64>> = super::json_column(7, r.get(7)?)?;
    let targets = targets
        .unwrap_or_default()
        .into_iter()
        .map(UserId)
        .collect();
    Ok(MessageRow {
        id: MessageId(r.get(0)?),
        conversation_id: ConversationId(r.get(1)?),
        sender_id: UserId(r.get(2)?),
        sender_name: r.get(3)?,
        content: r.get(4)?,
        status: r.get(5)?,
        action: r.get(6)?,
        targets,
        action_name: r.get(8)?,
        created_at: r.get(9)?,
        client_msg_id: r.get(10)?,
        kind: r.get(11)?,
        duration_ms: r.get(12)?,
        reply_to: r.get::<_, Option<i64>>(13)?.map(MessageId),
        mentions: super::json_column::<Vec<i64>>(14, r.get(14)?)?
            .unwrap_or_default()
            .into_iter()
            .map(UserId)
            .collect(),
        file: match r.get::<_, Option<i64>>(15)? {
            Some(_) => Some(super::files::file_row(r, 15)?),
            None => None,
        },
    })
}

/// A message that someone sent into `conversation` with a `client_msg_id` before (the id is
/// scoped to its conversation: a retry never answers with a message sent elsewhere).
pub fn find_by_client_id(
    conn: &Connection,
    conversation: ConversationId,
    sender: UserId,
    client_msg_id: &str,
) -> Result<Option<(MessageId, i64)>, Error> {
    Ok(conn
        .row(
            "SELECT id, created_at FROM messages
             WHERE conversation_id = ?1 AND sender_id = ?2 AND client_msg_id = ?3",
            params![conversation.0, sender.0, client_msg_id],
            |r| Ok((MessageId(r.get(0)?), r.get(1)?)),
        )
        .optional()?)
}

/// What a message carries besides its text.
#[derive(Debug, Clone)]
pub struct Attached {
    pub kind: MessageType,
    pub file: Option<FileId>,
    pub duration_ms: Option<i64>,
    /// A message of the same conversation (checked by the caller).
    pub reply_to: Option<MessageId>,
    /// Members of the conversation, or [`MENTION_ALL`] alone (checked by the caller).
    pub mentions: Vec<UserId>,
}

/// A normal message of any type (an image, file or voice note has `content` `""`).
pub fn insert_with(
    conn: &Connection,
    conversation: ConversationId,
    sender: UserId,
    content: &str,
    attached: &Attached,
    client_msg_id: Option<&str>,
    now: i64,
) -> Result<MessageId, Error> {
    let mentions = (!attached.mentions.is_empty())
        .then(|| super::json_ids(attached.mentions.iter().map(|u| u.0)));
    conn.exec(
        "INSERT INTO messages (conversation_id, sender_id, content, status, client_msg_id,
                               created_at, type, file_id, duration_ms, reply_to, mentions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            conversation.0,
            sender.0,
            content,
            Status::Normal,
            client_msg_id,
            now,
            attached.kind,
            attached.file.map(|f| f.0),
            attached.duration_ms,
            attached.reply_to.map(|m| m.0),
            mentions,
        ],
    )?;
    let id = MessageId(conn.last_insert_rowid());
    if let Some(mentions) = mentions {
        conn.exec(
            "INSERT OR IGNORE INTO mentions (conversation_id, user_id, message_id)
             SELECT ?1, value, ?2 FROM json_each(?3)",
            params![conversation.0, id.0, mentions],
        )?;
    }
    super::conversations::count_new_message(conn, conversation, sender)?;
    Ok(id)
}

/// A system message: `actor` did `action` to `targets` (with an optional name).
pub fn insert_system(
    conn: &Connection,
    conversation: ConversationId,
    actor: UserId,
    action: &str,
    targets: &[UserId],
    name: Option<&str>,
    now: i64,
) -> Result<MessageId, Error> {
    conn.exec(
        "INSERT INTO messages (conversation_id, sender_id, content, status, action,
                               action_targets, action_name, created_at)
         VALUES (?1, ?2, '', ?3, ?4, ?5, ?6, ?7)",
        params![
            conversation.0,
            actor.0,
            Status::System,
            action,
            super::json_ids(targets.iter().map(|u| u.0)),
            name,
            now
        ],
    )?;
    Ok(MessageId(conn.last_insert_rowid()))
}

/// Where a page starts.
#[derive(Debug, Clone, Copy)]
pub enum Cursor {
    Newest,
    Before(MessageId),
    After(MessageId),
}

/// A page of a conversation as `viewer` sees it (their deleted messages left out), oldest
/// first.
pub fn page(
    conn: &Connection,
    conversation: ConversationId,
    viewer: UserId,
    cursor: Cursor,
    limit: u32,
) -> Result<Vec<MessageRow>, Error> {
    let (bound, order, from) = match cursor {
        Cursor::Newest => ("", "DESC", i64::MAX),
        Cursor::Before(id) => ("AND x.id < ?3", "DESC", id.0),
        Cursor::After(id) => ("AND x.id > ?3", "ASC", id.0),
    };
    let sql = format!(
        concat!(
            "SELECT {columns} FROM {sources}
             WHERE x.conversation_id = ?1 {bound} AND NOT ",
            hidden_from!("?2", "x.id", "?1"),
            " ORDER BY x.id {order} LIMIT ?4 + 0"
        ),
        columns = ROW_COLUMNS,
        sources = ROW_SOURCES,
        bound = bound,
        order = order,
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let from = if matches!(cursor, Cursor::Newest) {
        None
    } else {
        Some(from)
    };
    let rows = stmt.query_map(params![conversation.0, viewer.0, from, limit], row_from)?;
    let mut rows: Vec<MessageRow> = rows.collect::<Result<_, _>>()?;
    if order == "DESC" {
        rows.reverse();
    }
    Ok(rows)
}

/// Messages by id (any conversations), in one query.
pub fn by_ids(conn: &Connection, ids: &[MessageId]) -> Result<Vec<MessageRow>, Error> {
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM {ROW_SOURCES}
         WHERE x.id IN (SELECT value FROM json_each(?1))"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let json = super::json_ids(ids.iter().map(|id| id.0));
    let rows = stmt.query_map([json], row_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Which of `ids` `viewer` deleted for themself (no query when `ids` is empty).
pub fn deleted_among(
    conn: &Connection,
    viewer: UserId,
    ids: &[MessageId],
) -> Result<HashSet<MessageId>, Error> {
    let pairs: Vec<(UserId, MessageId)> = ids.iter().map(|id| (viewer, *id)).collect();
    Ok(hidden_pairs(conn, &pairs)?
        .into_iter()
        .map(|(_, id)| id)
        .collect())
}

/// Which `(viewer, message)` pairs are hidden from their viewer, in one query (none when
/// `pairs` is empty).
pub fn hidden_pairs(
    conn: &Connection,
    pairs: &[(UserId, MessageId)],
) -> Result<HashSet<(UserId, MessageId)>, Error> {
    if pairs.is_empty() {
        return Ok(HashSet::new());
    }
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT p.viewer, x.id
         FROM (SELECT value ->> 0 AS viewer, value ->> 1 AS message FROM json_each(?1)) p
         JOIN messages x ON x.id = p.message
         WHERE ",
        hidden_from!("p.viewer", "x.id", "x.conversation_id")
    ))?;
    let json = serde_json::to_string(&pairs.iter().map(|(u, m)| [u.0, m.0]).collect::<Vec<_>>())
        .map_err(Error::internal)?;
    let hidden = stmt
        .query_map([json], |r| Ok((UserId(r.get(0)?), MessageId(r.get(1)?))))?
        .collect::<Result<_, _>>()?;
    Ok(hidden)
}

/// Current display names of the given users, in one query.
pub fn display_names(conn: &Connection, ids: &[UserId]) -> Result<HashMap<UserId, String>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, display_name FROM users WHERE id IN (SELECT value FROM json_each(?1))",
    )?;
    let rows = stmt.query_map([super::json_ids(ids.iter().map(|u| u.0))], |r| {
        Ok((UserId(r.get(0)?), r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What recall and delete need to know about a message, as seen by `viewer`.
#[derive(Debug)]
pub struct Target {
    pub conversation_id: ConversationId,
    pub sender_id: UserId,
    pub status: Status,
    pub created_at: i64,
    pub deleted_by_viewer: bool,
}

/// The message if it lies in a conversation `viewer` is a current member of.
pub fn find_for_member(
    conn: &Connection,
    id: MessageId,
    viewer: UserId,
) -> Result<Option<Target>, Error> {
    Ok(conn
        .row(
            concat!(
                "SELECT x.conversation_id, x.sender_id, x.status, x.created_at, ",
                hidden_from!("?2", "x.id", "x.conversation_id"),
                " FROM messages x
                 JOIN members m ON m.conversation_id = x.conversation_id AND m.user_id = ?2
                 WHERE x.id = ?1"
            ),
            params![id.0, viewer.0],
            |r| {
                Ok(Target {
                    conversation_id: ConversationId(r.get(0)?),
                    sender_id: UserId(r.get(1)?),
                    status: r.get(2)?,
                    created_at: r.get(3)?,
                    deleted_by_viewer: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// Marks a message recalled and erases its text and its link to an upload; the upload it
/// carried, if any (see `files::release`).
pub fn mark_recalled(conn: &Connection, id: MessageId) -> Result<Option<FileId>, Error> {
    let file: Option<i64> =
        conn.row("SELECT file_id FROM messages WHERE id = ?1", [id.0], |r| {
            r.get(0)
        })?;
    // Whoever still counted it as unread no longer does.
    conn.exec(
        concat!(
            "UPDATE members SET unread_count = unread_count - 1
             WHERE unread_count > 0 AND (conversation_id, user_id) IN (
               SELECT m.conversation_id, m.user_id
               FROM messages x JOIN members m ON m.conversation_id = x.conversation_id
               WHERE x.id = ?1 AND ",
            unread_for!("m.user_id", "m.last_read_id", "m.conversation_id"),
            ")"
        ),
        [id.0],
    )?;
    conn.exec(
        "UPDATE messages SET status = ?2, content = '', file_id = NULL WHERE id = ?1",
        params![id.0, Status::Recalled],
    )?;
    Ok(file.map(FileId))
}

pub fn delete_for(conn: &Connection, user: UserId, id: MessageId) -> Result<(), Error> {
    // A deleted message no longer counts as unread (once: deleting again changes nothing).
    conn.exec(
        concat!(
            "UPDATE members SET unread_count = unread_count - 1
             WHERE unread_count > 0 AND user_id = ?1
               AND conversation_id = (SELECT conversation_id FROM messages WHERE id = ?2)
               AND EXISTS (SELECT 1 FROM messages x WHERE x.id = ?2 AND ",
            unread_for!("?1", "members.last_read_id", "members.conversation_id"),
            ")"
        ),
        params![user.0, id.0],
    )?;
    conn.exec(
        "INSERT OR IGNORE INTO deleted_messages (user_id, message_id) VALUES (?1, ?2)",
        params![user.0, id.0],
    )?;
    Ok(())
}
