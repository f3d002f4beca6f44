//! Message search (API.md §13), visibility enforced in SQL so pages stay full and cursors
//! exact: the caller's current conversations, normal messages only (recalled and system
//! ones are never matched), not deleted by the caller.
//!
//! Two ways to find a substring, chosen by its length ([`Needle::for_text`]):
//!
//! * **3 characters or more**: the `message_search` FTS5 index of trigrams (migration V9,
//!   kept in step by triggers). A phrase query of the text's trigrams matches exactly the
//!   messages that contain it, case-insensitively, in any script.
//! * **1–2 characters**: a trigram index cannot hold them, so the caller's own messages are
//!   scanned with `LIKE` (ASCII case-insensitive), newest first, walking each conversation
//!   by `messages_by_conversation`.
//!
//! What a message is found by: a text message's text, a file message's file name.

use rusqlite::{params, Connection};

use super::messages::{row_from, MessageRow, ROW_COLUMNS, ROW_SOURCES};
use crate::error::Error;
use crate::ids::{ConversationId, MessageId, UserId};

/// How a search text is looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needle {
    /// An FTS5 phrase of the text (3+ characters), for `message_search MATCH`.
    Index(String),
    /// A `LIKE … ESCAPE '\'` pattern (1–2 characters).
    Scan(String),
}

impl Needle {
    /// `text` is the trimmed search text; `contains` its `LIKE` pattern.
    pub fn for_text(text: &str, contains: String) -> Needle {
        if text.chars().count() >= 3 {
            Needle::Index(format!("\"{}\"", text.replace('"', "\"\"")))
        } else {
            Needle::Scan(contains)
        }
    }

    fn text(&self) -> &str {
        match self {
            Needle::Index(phrase) => phrase,
            Needle::Scan(pattern) => pattern,
        }
    }
}

/// SQL: what message `x` is found by (with `files f` joined).
macro_rules! found_by {
    () => {
        "CASE x.type WHEN 'text' THEN x.content ELSE f.name END"
    };
}

/// SQL: `x` is a normal text or file message that `?2` has not deleted.
macro_rules! searchable {
    () => {
        concat!(
            "x.status = 0 AND x.type IN ('text', 'file') AND NOT ",
            hidden_from!("?2", "x.id")
        )
    };
}

/// Matches in one conversation, newest first, older than `before`, at most `limit`.
/// (The caller checks membership.)
pub fn in_conversation(
    conn: &Connection,
    needle: &Needle,
    viewer: UserId,
    conversation: ConversationId,
    before: Option<MessageId>,
    limit: u32,
) -> Result<Vec<MessageRow>, Error> {
    let sql = match needle {
        Needle::Index(_) => format!(
            concat!(
                "SELECT {columns} FROM message_search s, {sources}
                 WHERE message_search MATCH ?1 AND s.rowid < ?4 AND x.id = s.rowid
                   AND x.conversation_id = ?3 AND ",
                searchable!(),
                " ORDER BY s.rowid DESC LIMIT ?5"
            ),
            columns = ROW_COLUMNS,
            sources = ROW_SOURCES
        ),
        Needle::Scan(_) => format!(
            concat!(
                "SELECT {columns} FROM {sources}
                 WHERE x.conversation_id = ?3 AND x.id < ?4 AND ",
                found_by!(),
                " LIKE ?1 ESCAPE '\\' AND ",
                searchable!(),
                " ORDER BY x.id DESC LIMIT ?5"
            ),
            columns = ROW_COLUMNS,
            sources = ROW_SOURCES
        ),
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let before = before.map_or(i64::MAX, |m| m.0);
    let rows = stmt.query_map(
        params![needle.text(), viewer.0, conversation.0, before, limit],
        row_from,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One conversation's matches, for the global search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationMatches {
    pub conversation: ConversationId,
    pub latest: MessageId,
    /// How many match, up to `MATCH_COUNT_CAP`.
    pub count: i64,
}

/// `match_count` stops here (API.md §13).
pub const MATCH_COUNT_CAP: i64 = 100;

/// The caller's conversations with matches, the newest match first, at most `limit`.
pub fn conversations(
    conn: &Connection,
    needle: &Needle,
    viewer: UserId,
    limit: u32,
) -> Result<Vec<ConversationMatches>, Error> {
    let sql = match needle {
        Needle::Index(_) => concat!(
            "SELECT x.conversation_id, MAX(x.id), COUNT(*) FROM message_search s
             JOIN messages x ON x.id = s.rowid
             JOIN members mb ON mb.conversation_id = x.conversation_id AND mb.user_id = ?2
             WHERE message_search MATCH ?1 AND ",
            searchable!(),
            " GROUP BY x.conversation_id ORDER BY 2 DESC LIMIT ?3"
        ),
        Needle::Scan(_) => concat!(
            "SELECT x.conversation_id, MAX(x.id), COUNT(*) FROM members mb
             JOIN messages x ON x.conversation_id = mb.conversation_id
             LEFT JOIN files f ON f.id = x.file_id
             WHERE mb.user_id = ?2 AND ",
            found_by!(),
            " LIKE ?1 ESCAPE '\\' AND ",
            searchable!(),
            " GROUP BY x.conversation_id ORDER BY 2 DESC LIMIT ?3"
        ),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![needle.text(), viewer.0, limit], |r| {
        Ok(ConversationMatches {
            conversation: ConversationId(r.get(0)?),
            latest: MessageId(r.get(1)?),
            count: r.get::<_, i64>(2)?.min(MATCH_COUNT_CAP),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The caller's groups whose name, or another member's display name, matches `contains`
/// (a `LIKE` pattern), in no particular order.
pub fn groups(
    conn: &Connection,
    viewer: UserId,
    contains: &str,
) -> Result<Vec<ConversationId>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id FROM members m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.user_id = ?1 AND c.kind = 'group'
           AND (c.name LIKE ?2 ESCAPE '\\'
                OR EXISTS (SELECT 1 FROM members o JOIN users u ON u.id = o.user_id
                           WHERE o.conversation_id = c.id AND o.user_id != ?1
                             AND u.display_name LIKE ?2 ESCAPE '\\'))",
    )?;
    let rows = stmt.query_map(params![viewer.0, contains], |r| {
        r.get(0).map(ConversationId)
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
