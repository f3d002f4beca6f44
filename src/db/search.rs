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
use super::Cached;
use crate::error::Error;
use crate::ids::{ConversationId, MessageId, UserId};

/// SQL: what message `x` is found by (with `files f` joined).
macro_rules! found_by {
    () => {
        "CASE x.type WHEN 'text' THEN x.content ELSE f.name END"
    };
}

/// Adds the queued messages (migration V9's triggers queue every new normal text or file
/// message) to the index and empties the queue. Every writer runs it just before it
/// commits, so a committed message is always searchable.
/// It runs at every group commit, so its two statements are prepared once (the statement
/// cache), not parsed again each time as `execute_batch` would.
pub fn index_queued(conn: &Connection) -> rusqlite::Result<()> {
    conn.exec(
        concat!(
            "INSERT INTO message_search (rowid, text) SELECT x.id, ",
            found_by!(),
            " FROM message_search_queue q JOIN messages x ON x.id = q.id
             LEFT JOIN files f ON f.id = x.file_id"
        ),
        [],
    )?;
    conn.exec("DELETE FROM message_search_queue", [])?;
    Ok(())
}

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
                "SELECT {columns} FROM message_search s CROSS JOIN {sources}
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
             CROSS JOIN messages x ON x.id = s.rowid
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

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(conn: &Connection, phrase: &str) -> Vec<i64> {
        let mut stmt = conn
            .prepare(
                "SELECT rowid FROM message_search WHERE message_search MATCH ?1 ORDER BY rowid",
            )
            .unwrap();
        let rows = stmt.query_map([phrase], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn the_queue_reaches_the_index_at_commit_and_a_recall_in_between_never_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chat.db");
        crate::db::migrate::run(&path).unwrap();
        let conn = crate::db::open(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO users (username, display_name, password_hash, created_at)
               VALUES ('a', 'a', 'x', 0);
             INSERT INTO conversations (kind, name, created_at) VALUES ('group', 'g', 0);
             BEGIN;
             INSERT INTO messages (conversation_id, sender_id, content, status, created_at)
               VALUES (1, 1, '一起吃饭吧', 0, 0), (1, 1, '一起吃饭吗', 0, 0),
                      (1, 1, '一起吃饭呀', 0, 0);
             UPDATE messages SET status = 1, content = '' WHERE id = 2;
             DELETE FROM messages WHERE id = 3;",
        )
        .unwrap();
        assert!(
            matches(&conn, "\"一起吃饭\"").is_empty(),
            "queued, not indexed yet"
        );
        index_queued(&conn).unwrap();
        conn.execute_batch("COMMIT").unwrap();
        assert_eq!(matches(&conn, "\"一起吃饭\""), [1]);
        let queued: i64 = conn
            .query_row("SELECT COUNT(*) FROM message_search_queue", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(queued, 0);

        // Recalled once indexed: out of the index, which stays consistent.
        conn.execute_batch("UPDATE messages SET status = 1, content = '' WHERE id = 1")
            .unwrap();
        assert!(matches(&conn, "\"一起吃饭\"").is_empty());
        conn.execute_batch(
            "INSERT INTO message_search (message_search) VALUES ('integrity-check')",
        )
        .unwrap();
    }

    #[test]
    fn short_texts_scan_and_longer_ones_use_the_index() {
        assert_eq!(
            Needle::for_text("饭", "%饭%".into()),
            Needle::Scan("%饭%".into())
        );
        assert_eq!(
            Needle::for_text("吃饭", "%吃饭%".into()),
            Needle::Scan("%吃饭%".into())
        );
        assert_eq!(
            Needle::for_text("说\"好\"", String::new()),
            Needle::Index("\"说\"\"好\"\"\"".into())
        );
    }
}
