//! Message search (API.md §13), visibility enforced in SQL so pages stay full and cursors
//! exact: the caller's current conversations, normal messages only (recalled and system
//! ones are never matched), not deleted by the caller.
//!
//! Two indexes (migration V10), chosen by the length of the text ([`Needle::for_text`]):
//!
//! * **3 characters or more**: `message_search`, FTS5 trigrams keyed by
//!   `(conversation_id << 36) | id`. A phrase of the text's trigrams matches exactly the
//!   messages that contain it; a conversation's matches are one range of keys, and a search
//!   of all conversations learns each match's conversation from its key alone.
//! * **1–2 characters**: `message_grams`, each character and pair of adjacent characters as
//!   a term per conversation ([`grams`]). The text is one term: in one conversation, its
//!   newest match and the next 100 are read straight from the term's list.
//!
//! New messages reach the indexes in batches ([`index_queued`]); until then they are the
//! messages after `message_search_state.indexed_upto`, which every search reads as well (a
//! scan of at most about a batch), so a committed message is found at once either way.
//!
//! What a message is found by: a text message's text, a file message's file name. Matching
//! is case-insensitive by [`fold`] (the trigram tokenizer folds the same way).

use std::collections::HashMap;
use std::fmt::Write as _;

use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection};

use super::messages::{self, MessageRow};
use super::Cached;
use crate::error::Error;
use crate::ids::{ConversationId, MessageId, UserId};

/// SQL: what message `x` is found by (with `files f` joined).
macro_rules! found_by {
    () => {
        "CASE x.type WHEN 'text' THEN x.content ELSE f.name END"
    };
}

/// SQL: the `message_search` key of message `x`, and the message id in a key `$key`.
macro_rules! trigram_key {
    () => {
        "((x.conversation_id << 36) | x.id)"
    };
    ($key:literal) => {
        concat!("(", $key, " & 68719476735)")
    };
}

/// SQL: the `message_grams` term (a quoted FTS5 string) of gram `$gram` in conversation
/// `$conversation`, as [`grams`] writes it.
macro_rules! gram_term {
    ($conversation:literal, $gram:literal) => {
        concat!(
            "('\"' || ",
            $conversation,
            " || 'x' || ",
            $gram,
            " || '\"')"
        )
    };
}

/// SQL: message `$id` of conversation `$conversation` is not hidden from `?2`.
macro_rules! kept {
    ($id:literal, $conversation:literal) => {
        concat!("NOT ", hidden_from!("?2", $id, $conversation))
    };
}

/// Queued messages the writer indexes at its next commit once there are this many (and
/// whenever it has been idle a moment). A search scans at most about this many unindexed rows.
pub const INDEX_BATCH: i64 = 2048;

/// Defines `search_grams(conversation_id, text)` and `search_fold(text)` on a connection:
/// migration V10's triggers, the writer and searches use them. Every connection chatd opens
/// has them; another program that recalls or deletes a message fails with "no such
/// function" rather than leave the index behind.
pub fn define_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("search_grams", 2, flags, |ctx| {
        let conversation: i64 = ctx.get(0)?;
        let text = ctx
            .get_raw(1)
            .as_str_or_null()
            .unwrap_or(None)
            .unwrap_or("");
        Ok(grams(conversation, text))
    })?;
    conn.create_scalar_function("search_fold", 1, flags, |ctx| {
        let text = ctx
            .get_raw(0)
            .as_str_or_null()
            .unwrap_or(None)
            .unwrap_or("");
        Ok(fold(text))
    })
}

/// One character, case-folded: its lowercase when that is one character.
fn fold_char(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// `text` case-folded, character by character.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// `chars` as UTF-8 in lowercase hex, appended to `out`.
fn push_hex(out: &mut String, chars: &[char]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 4];
    for c in chars {
        for b in c.encode_utf8(&mut buf).bytes() {
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

/// The `message_grams` terms of a message of `conversation` found by `text`: each distinct
/// character and each distinct pair of adjacent characters, folded, as `<conversation>x<hex>`
/// separated by spaces (FTS5's `ascii` tokenizer then takes each as one term). UTF-8 never
/// reads one character as the start of a pair, so the hex of a character and of a pair
/// never collide.
pub fn grams(conversation: i64, text: &str) -> String {
    let chars: Vec<char> = text.chars().map(fold_char).collect();
    let mut units: Vec<&[char]> = chars
        .iter()
        .enumerate()
        .flat_map(|(i, _)| [&chars[i..=i], &chars[i..(i + 2).min(chars.len())]])
        .collect();
    units.sort_unstable();
    units.dedup();
    let mut out = String::with_capacity(units.len() * 16);
    for unit in units {
        if !out.is_empty() {
            out.push(' ');
        }
        let _ = write!(out, "{conversation}x");
        push_hex(&mut out, unit);
    }
    out
}

/// SQL: the messages not indexed yet that could match (newer than the mark), as `x`.
macro_rules! unindexed {
    () => {
        concat!(
            "x.id > (SELECT indexed_upto FROM message_search_state)
             AND x.status = 0 AND x.type IN ('text', 'file')"
        )
    };
}

/// How many messages wait to be indexed, at most (system and recalled ones count too).
pub fn queued(conn: &Connection) -> rusqlite::Result<i64> {
    conn.row(
        "SELECT IFNULL(MAX(id), 0) - (SELECT indexed_upto FROM message_search_state)
         FROM messages",
        [],
        |r| r.get(0),
    )
}

/// Adds the messages after the mark to both indexes, each in its key order, and moves the
/// mark past them. The writer runs it in a transaction with the sends of that moment, every
/// [`INDEX_BATCH`] messages and when idle; the seed before each of its commits.
pub fn index_queued(conn: &Connection) -> rusqlite::Result<()> {
    conn.exec(
        concat!(
            "INSERT INTO message_search (rowid, text) SELECT ",
            trigram_key!(),
            ", ",
            found_by!(),
            " FROM messages x LEFT JOIN files f ON f.id = x.file_id WHERE ",
            unindexed!(),
            " ORDER BY 1"
        ),
        [],
    )?;
    conn.exec(
        concat!(
            "INSERT INTO message_grams (rowid, grams) SELECT x.id, search_grams(x.conversation_id, ",
            found_by!(),
            ") FROM messages x LEFT JOIN files f ON f.id = x.file_id WHERE ",
            unindexed!(),
            " ORDER BY 1"
        ),
        [],
    )?;
    conn.exec(
        "UPDATE message_search_state SET indexed_upto = (SELECT IFNULL(MAX(id), 0) FROM messages)",
        [],
    )?;
    Ok(())
}

/// Pages one [`merge_step`] writes, about (FTS5 pages of about 1 KB): some milliseconds,
/// what a send arriving meanwhile may wait.
const MERGE_PAGES: i64 = 64;

/// Merges some of the indexes' segments; whether there was anything to merge.
///
/// FTS5 adds a segment per indexed batch, and by default merges segments as it writes
/// them. That merging was most of what indexing cost sending, so migration V10 turns it off
/// (`automerge = 0`) and the writer merges here instead: one step with each batch it indexes
/// while busy, and step after step when idle. Without the busy writer's step, FTS5 merged a
/// level at once when it held 16 segments (`crisismerge`), holding that batch's sends.
pub fn merge_step(conn: &Connection) -> rusqlite::Result<bool> {
    let mut merged = false;
    for sql in [
        "INSERT INTO message_search (message_search, rank) VALUES ('merge', ?1)",
        "INSERT INTO message_grams (message_grams, rank) VALUES ('merge', ?1)",
    ] {
        let before = conn.total_changes();
        conn.exec(sql, [MERGE_PAGES])?;
        // The command itself counts one change; merging, more (FTS5's documentation).
        merged |= conn.total_changes() - before >= 2;
    }
    Ok(merged)
}

/// How a search text is looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    index: Index,
    /// The text, folded: what an unindexed message's text must contain.
    folded: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Index {
    /// An FTS5 phrase of the text (3+ characters), for `message_search MATCH`.
    Trigrams(String),
    /// The text's gram (1–2 characters, folded, in hex): a `message_grams` term once a
    /// conversation prefixes it.
    Gram(String),
}

impl Needle {
    /// `text` is the trimmed search text.
    pub fn for_text(text: &str) -> Needle {
        let folded = fold(text);
        let index = if text.chars().count() >= 3 {
            Index::Trigrams(format!("\"{}\"", text.replace('"', "\"\"")))
        } else {
            let mut hex = String::new();
            push_hex(&mut hex, &folded.chars().collect::<Vec<_>>());
            Index::Gram(hex)
        };
        Needle { index, folded }
    }

    fn indexed(&self) -> &str {
        match &self.index {
            Index::Trigrams(phrase) => phrase,
            Index::Gram(hex) => hex,
        }
    }
}

/// SQL: the messages not indexed yet that contain `?1` (folded), as `x` (with `f`). They
/// are read by id from the mark on (`NOT INDEXED`: SQLite would otherwise walk every
/// message of the caller's conversations by `messages_by_conversation`, to group them).
macro_rules! queued_matches {
    () => {
        concat!(
            "messages x NOT INDEXED LEFT JOIN files f ON f.id = x.file_id WHERE ",
            unindexed!(),
            " AND instr(search_fold(",
            found_by!(),
            "), ?1) > 0 AND ",
            kept!("x.id", "x.conversation_id")
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
    // ?1 the index's text, ?2 the viewer, ?3 the conversation, ?4 `before`, ?5 the limit.
    let indexed = match needle.index {
        Index::Trigrams(_) => concat!(
            "SELECT ",
            trigram_key!("s.rowid"),
            " FROM message_search s WHERE message_search MATCH ?1
               AND s.rowid > (?3 << 36) AND s.rowid < (?3 << 36) + ?4 AND ",
            kept!("(s.rowid & 68719476735)", "?3"),
            " ORDER BY s.rowid DESC LIMIT ?5 + 0"
        ),
        Index::Gram(_) => concat!(
            "SELECT s.rowid FROM message_grams s WHERE message_grams MATCH ",
            gram_term!("?3", "?1"),
            " AND s.rowid < ?4 AND ",
            kept!("s.rowid", "?3"),
            " ORDER BY s.rowid DESC LIMIT ?5 + 0"
        ),
    };
    // The indexes and the messages after the mark, as of one moment: one transaction.
    let snapshot = conn.unchecked_transaction()?;
    let ids: Vec<i64> = {
        let mut stmt = conn.prepare_cached(indexed)?;
        let before = before.map_or(1 << 36, |m| m.0);
        let rows = stmt.query_map(
            params![needle.indexed(), viewer.0, conversation.0, before, limit],
            |r| r.get(0),
        )?;
        let mut ids = rows.collect::<Result<Vec<i64>, _>>()?;
        let mut stmt = conn.prepare_cached(concat!(
            "SELECT x.id FROM ",
            queued_matches!(),
            " AND x.conversation_id = ?3 AND x.id < ?4 ORDER BY x.id DESC LIMIT ?5 + 0"
        ))?;
        let queued = stmt.query_map(
            params![needle.folded, viewer.0, conversation.0, before, limit],
            |r| r.get(0),
        )?;
        for id in queued {
            ids.push(id?);
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.truncate(limit as usize);
        ids
    };
    let ids: Vec<MessageId> = ids.into_iter().map(MessageId).collect();
    let mut rows = messages::by_ids(conn, &ids)?;
    snapshot.commit()?;
    rows.sort_unstable_by_key(|r| std::cmp::Reverse(r.id));
    Ok(rows)
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
///
/// Trigrams: every match of the phrase is read from the index, its conversation from its
/// key (no lookup in `messages`), and the caller's are grouped. Gram: per conversation of
/// the caller, the term's newest match; then, for the `limit` newest, up to 100 more.
pub fn conversations(
    conn: &Connection,
    needle: &Needle,
    viewer: UserId,
    limit: u32,
) -> Result<Vec<ConversationMatches>, Error> {
    // The indexes and the messages after the mark, as of one moment: one transaction.
    let snapshot = conn.unchecked_transaction()?;
    let mut found: HashMap<i64, (i64, i64)> = HashMap::new();
    // ?1 the index's text, ?2 the viewer.
    let indexed = match needle.index {
        Index::Trigrams(_) => concat!(
            "SELECT s.rowid >> 36, MAX(",
            trigram_key!("s.rowid"),
            "), COUNT(*) FROM message_search s
             WHERE message_search MATCH ?1
               AND (s.rowid >> 36) IN (SELECT conversation_id FROM members WHERE user_id = ?2)
               AND ",
            kept!("(s.rowid & 68719476735)", "(s.rowid >> 36)"),
            " GROUP BY 1"
        ),
        Index::Gram(_) => concat!(
            "SELECT * FROM (SELECT m.conversation_id,
                 (SELECT s.rowid FROM message_grams s WHERE message_grams MATCH ",
            gram_term!("m.conversation_id", "?1"),
            " AND ",
            kept!("s.rowid", "m.conversation_id"),
            " ORDER BY s.rowid DESC LIMIT 1) AS latest, 0
               FROM members m WHERE m.user_id = ?2) WHERE latest IS NOT NULL"
        ),
    };
    let queued = concat!(
        "SELECT x.conversation_id, MAX(x.id), COUNT(*) FROM ",
        queued_matches!(),
        " AND x.conversation_id IN (SELECT conversation_id FROM members WHERE user_id = ?2)
         GROUP BY 1"
    );
    // Both answer (conversation, newest match, count): the index's, then the queue's.
    for (sql, text) in [
        (indexed, needle.indexed()),
        (queued, needle.folded.as_str()),
    ] {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![text, viewer.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        for row in rows {
            let (conversation, latest, count): (i64, i64, i64) = row?;
            let entry = found.entry(conversation).or_insert((latest, 0));
            entry.0 = entry.0.max(latest);
            entry.1 += count;
        }
    }
    let mut found: Vec<ConversationMatches> = found
        .into_iter()
        .map(|(conversation, (latest, count))| ConversationMatches {
            conversation: ConversationId(conversation),
            latest: MessageId(latest),
            count,
        })
        .collect();
    found.sort_unstable_by_key(|m| std::cmp::Reverse(m.latest));
    found.truncate(limit as usize);
    if let Index::Gram(_) = needle.index {
        // The index's matches were not counted yet: up to the cap, beside the queued ones.
        let mut stmt = conn.prepare_cached(concat!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM message_grams s WHERE message_grams MATCH ",
            gram_term!("?3", "?1"),
            " AND ",
            kept!("s.rowid", "?3"),
            " LIMIT ?4 + 0)"
        ))?;
        for hit in &mut found {
            let indexed: i64 = stmt.query_row(
                params![
                    needle.indexed(),
                    viewer.0,
                    hit.conversation.0,
                    MATCH_COUNT_CAP
                ],
                |r| r.get(0),
            )?;
            hit.count += indexed;
        }
    }
    snapshot.commit()?;
    for hit in &mut found {
        hit.count = hit.count.min(MATCH_COUNT_CAP);
    }
    Ok(found)
}

/// The caller's groups whose name, or another member's display name or the caller's remark
/// for them, matches `contains`
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
                             AND (u.display_name LIKE ?2 ESCAPE '\\'
                                  OR EXISTS (SELECT 1 FROM friendships fr
                                             WHERE fr.user_id = ?1 AND fr.friend_id = u.id
                                               AND fr.remark LIKE ?2 ESCAPE '\\'))))",
    )?;
    let rows = stmt.query_map(params![viewer.0, contains], |r| {
        r.get(0).map(ConversationId)
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(conn: &Connection, sql: &str, text: &str) -> Vec<i64> {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt.query_map([text], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    /// Message ids whose trigrams hold `phrase`.
    fn trigram_matches(conn: &Connection, phrase: &str) -> Vec<i64> {
        ids(
            conn,
            "SELECT rowid & 68719476735 FROM message_search WHERE message_search MATCH ?1
             ORDER BY rowid",
            phrase,
        )
    }

    /// Message ids holding the `message_grams` term `term`.
    fn gram_matches(conn: &Connection, term: &str) -> Vec<i64> {
        ids(
            conn,
            "SELECT rowid FROM message_grams WHERE message_grams MATCH ?1 ORDER BY rowid",
            &format!("\"{term}\""),
        )
    }

    #[test]
    fn messages_reach_the_indexes_in_a_batch_and_a_recall_before_never_does() {
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
                      (1, 1, '一起吃饭呀', 0, 0), (1, 1, '一起吃饭哦', 0, 0);
             UPDATE messages SET status = 1, content = '' WHERE id = 2;
             DELETE FROM messages WHERE id = 3;",
        )
        .unwrap();
        assert!(trigram_matches(&conn, "\"一起吃饭\"").is_empty(), "not yet");
        assert_eq!(queued(&conn).unwrap(), 4);
        index_queued(&conn).unwrap();
        conn.execute_batch("COMMIT").unwrap();
        assert_eq!(trigram_matches(&conn, "\"一起吃饭\"").as_slice(), [1, 4]);
        // 饭 is e9a5ad, 吃饭 e59083e9a5ad, in conversation 1.
        assert_eq!(gram_matches(&conn, "1xe9a5ad"), [1, 4]);
        assert_eq!(gram_matches(&conn, "1xe59083e9a5ad"), [1, 4]);
        assert!(
            gram_matches(&conn, "2xe9a5ad").is_empty(),
            "per conversation"
        );
        assert_eq!(queued(&conn).unwrap(), 0);

        // Recalled once indexed: out of both indexes, which stay consistent.
        conn.execute_batch("UPDATE messages SET status = 1, content = '' WHERE id = 1")
            .unwrap();
        assert_eq!(gram_matches(&conn, "1xe9a5ad"), [4]);
        // The newest messages deleted (3 was): their ids come again, and the new message
        // gets 3, is counted and indexed.
        conn.execute_batch(
            "DELETE FROM messages WHERE id = 4;
             INSERT INTO messages (conversation_id, sender_id, content, status, created_at)
               VALUES (1, 1, '改天吃饭', 0, 0);",
        )
        .unwrap();
        assert_eq!(queued(&conn).unwrap(), 1);
        index_queued(&conn).unwrap();
        assert_eq!(gram_matches(&conn, "1xe9a5ad"), [3]);
        assert_eq!(trigram_matches(&conn, "\"改天吃\""), [3]);
        assert!(trigram_matches(&conn, "\"一起吃饭\"").is_empty());
        conn.execute_batch(
            "INSERT INTO message_search (message_search) VALUES ('integrity-check');
             INSERT INTO message_grams (message_grams) VALUES ('integrity-check');",
        )
        .unwrap();
    }

    #[test]
    fn grams_are_each_character_and_pair_folded_once_per_conversation() {
        assert_eq!(grams(7, "Ab"), "7x61 7x6162 7x62");
        assert_eq!(grams(7, "aaa"), "7x61 7x6161", "each once");
        assert_eq!(grams(12, "饭"), "12xe9a5ad");
        assert_eq!(grams(1, ""), "");
        assert_eq!(fold("ÉCOLE Ωμέγα 饭"), "école ωμέγα 饭");
        // A character whose lowercase is two characters stays as it is.
        assert_eq!(fold("İ"), "İ");
    }

    #[test]
    fn short_texts_are_one_gram_and_longer_ones_a_trigram_phrase() {
        let needle = Needle::for_text("饭");
        assert_eq!(needle.index, Index::Gram("e9a5ad".into()));
        assert_eq!(Needle::for_text("Ab").index, Index::Gram("6162".into()));
        let needle = Needle::for_text("说\"好\"");
        assert_eq!(needle.index, Index::Trigrams("\"说\"\"好\"\"\"".into()));
        assert_eq!(Needle::for_text("ABC").folded, "abc");
    }
}
