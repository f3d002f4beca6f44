//! events: the per-user event log behind `GET /api/auth/events`.

use std::collections::hash_map::{Entry, HashMap};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::Cached;
use crate::error::Error;
use crate::ids::{ConversationId, MessageId, UserId};

macro_rules! event_kinds {
    ($($name:ident = $text:literal,)+) => {
        /// Event kinds (API.md §8), listed once: `ALL` is what `GET /api/info` publishes.
        pub mod kind {
            $(pub const $name: &str = $text;)+
            pub const ALL: &[&str] = &[$($name),+];
        }
    };
}

event_kinds! {
    MESSAGE_CREATED = "message.created",
    MESSAGE_RECALLED = "message.recalled",
    CONVERSATION_CREATED = "conversation.created",
    CONVERSATION_UPDATED = "conversation.updated",
    CONVERSATION_REMOVED = "conversation.removed",
    FRIEND_REQUEST = "friend.request",
    FRIEND_ADDED = "friend.added",
    FRIEND_REMOVED = "friend.removed",
    FRIEND_REJECTED = "friend.rejected",
    USER_UPDATED = "user.updated",
    FRIEND_UPDATED = "friend.updated",
    // Ephemeral: handed to open streams, never stored (src/events/typing.rs).
    TYPING = "typing",
}

/// What an event is about.
#[derive(Debug, Default, Clone)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub conversation: Option<ConversationId>,
    pub message: Option<MessageId>,
    pub data: Option<Value>,
}

impl<'a> NewEvent<'a> {
    pub fn new(kind: &'a str) -> Self {
        NewEvent {
            kind,
            ..Default::default()
        }
    }

    pub fn conversation(mut self, id: ConversationId) -> Self {
        self.conversation = Some(id);
        self
    }

    pub fn message(mut self, id: MessageId) -> Self {
        self.message = Some(id);
        self
    }

    pub fn data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

fn data_text(event: &NewEvent<'_>) -> Option<String> {
    event.data.as_ref().map(Value::to_string)
}

/// The `user_id` of an event stored once for a whole conversation (V18): it is every member
/// who joined before it (`members.joined_event`). The queries below and the partial index
/// `events_by_conversation` write it as `0`.
const EVERY_MEMBER: i64 = 0;

/// One event for every current member of `conversation`, stored once (one row, whatever the
/// size of the group).
pub fn to_members(
    conn: &Connection,
    conversation: ConversationId,
    event: &NewEvent<'_>,
    now: i64,
) -> Result<(), Error> {
    insert_for(
        conn,
        "INSERT INTO events (user_id, kind, conversation_id, message_id, data, created_at)
         VALUES (?6, ?2, ?1, ?3, ?4, ?5)",
        conversation,
        event,
        now,
        &EVERY_MEMBER,
    )
}

/// Runs an insert of `event` about `conversation`, whose recipients `sql` takes from ?6.
fn insert_for(
    conn: &Connection,
    sql: &str,
    conversation: ConversationId,
    event: &NewEvent<'_>,
    now: i64,
    recipients: &dyn rusqlite::ToSql,
) -> Result<(), Error> {
    conn.exec(
        sql,
        params![
            conversation.0,
            event.kind,
            event.message.map(|m| m.0),
            data_text(event),
            now,
            recipients
        ],
    )?;
    Ok(())
}

/// `message.created` for every current member.
pub fn message_created(
    conn: &Connection,
    conversation: ConversationId,
    message: MessageId,
    now: i64,
) -> Result<(), Error> {
    to_members(
        conn,
        conversation,
        &NewEvent::new(kind::MESSAGE_CREATED).message(message),
        now,
    )
}

/// One event for every current member of `conversation` but `except`, one row each.
pub fn to_members_except(
    conn: &Connection,
    conversation: ConversationId,
    except: &[UserId],
    event: &NewEvent<'_>,
    now: i64,
) -> Result<(), Error> {
    insert_for(
        conn,
        "INSERT INTO events (user_id, kind, conversation_id, message_id, data, created_at)
         SELECT user_id, ?2, ?1, ?3, ?4, ?5 FROM members
         WHERE conversation_id = ?1 AND user_id NOT IN (SELECT value FROM json_each(?6))",
        conversation,
        event,
        now,
        &super::json_ids(except.iter().map(|u| u.0)),
    )
}

/// One event for each of `users` (one statement).
pub fn to_users(
    conn: &Connection,
    users: &[UserId],
    event: &NewEvent<'_>,
    now: i64,
) -> Result<(), Error> {
    conn.exec(
        "INSERT INTO events (user_id, kind, conversation_id, message_id, data, created_at)
         SELECT value, ?2, ?3, ?4, ?5, ?6 FROM json_each(?1)",
        params![
            super::json_ids(users.iter().map(|u| u.0)),
            event.kind,
            event.conversation.map(|c| c.0),
            event.message.map(|m| m.0),
            data_text(event),
            now
        ],
    )?;
    Ok(())
}

/// One event for `user`'s own devices and for everyone who sees their name: their friends and
/// the members of every conversation they are in (one statement, each recipient once).
pub fn to_contacts(
    conn: &Connection,
    user: UserId,
    event: &NewEvent<'_>,
    now: i64,
) -> Result<(), Error> {
    conn.exec(
        "INSERT INTO events (user_id, kind, conversation_id, message_id, data, created_at)
         SELECT id, ?2, NULL, NULL, ?3, ?4 FROM (
             SELECT ?1 AS id
             UNION SELECT friend_id FROM friendships WHERE user_id = ?1
             UNION SELECT o.user_id FROM members m
                   JOIN members o ON o.conversation_id = m.conversation_id
                   WHERE m.user_id = ?1
         )",
        params![user.0, event.kind, data_text(event), now],
    )?;
    Ok(())
}

/// A stored event for one user, with whether that user is still a member of its
/// conversation (events of conversations they left are not delivered).
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub conversation: Option<ConversationId>,
    pub message: Option<MessageId>,
    pub data: Option<Value>,
    pub is_member: bool,
}

/// SQL: the columns `event_row` reads, after which a query adds its `is_member` column.
macro_rules! event_columns {
    () => {
        "e.id, e.user_id, e.kind, e.conversation_id, e.message_id, e.data"
    };
}

/// One stored event and its recipient: the one mapping of an `events` row.
fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(UserId, EventRow)> {
    Ok((
        UserId(r.get(1)?),
        EventRow {
            id: r.get(0)?,
            kind: r.get(2)?,
            conversation: r.get::<_, Option<i64>>(3)?.map(ConversationId),
            message: r.get::<_, Option<i64>>(4)?.map(MessageId),
            data: super::json_column(5, r.get(5)?)?,
            is_member: r.get(6)?,
        },
    ))
}

/// `user` (?1)'s events after ?2, oldest first, at most ?3: their own rows, and the rows of
/// their conversations stored for every member since they joined.
const SINCE_SQL: &str = concat!(
    "SELECT * FROM (
       SELECT ",
    event_columns!(),
    ", e.conversation_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM members m
                WHERE m.conversation_id = e.conversation_id AND m.user_id = e.user_id)
       FROM events e
       WHERE e.user_id = ?1 AND e.id > ?2
       UNION ALL
       SELECT ",
    event_columns!(),
    ", 1 FROM members m CROSS JOIN events e
       -- CROSS JOIN keeps this order: the user's memberships, then each conversation's range
       -- of events_by_conversation (not every conversation's events in id order).
       WHERE m.user_id = ?1 AND e.user_id = 0 AND e.conversation_id = m.conversation_id
         AND e.id > max(?2, m.joined_event))
     ORDER BY 1 LIMIT ?3 + 0"
);

/// `user`'s events after `after`, oldest first, at most `limit` (`SINCE_SQL`).
pub fn since(
    conn: &Connection,
    user: UserId,
    after: i64,
    limit: u32,
) -> Result<Vec<EventRow>, Error> {
    let mut stmt = conn.prepare_cached(SINCE_SQL)?;
    let rows = stmt.query_map(params![user.0, after, limit], |r| {
        event_row(r).map(|(_, row)| row)
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The query plan of a user's replay (`since`), for the test that it reads ranges of indexes
/// only.
pub fn explain_since(conn: &Connection) -> Result<Vec<String>, Error> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {SINCE_SQL}"))?;
    let rows = stmt.query_map(params![1, 0, 256], |r| r.get::<_, String>(3))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest event id (0 when there is none yet).
pub fn newest_id(conn: &Connection) -> Result<i64, Error> {
    Ok(conn
        .row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// One round of the dispatcher's reading (`all_since`).
pub struct Batch {
    /// Each event once per recipient.
    pub rows: Vec<(UserId, EventRow)>,
    /// The newest id read (`None`: nothing new).
    pub last: Option<i64>,
    /// The limit was reached: more may follow.
    pub more: bool,
}

/// Every recipient's events after `after`: at most `limit` stored events, each given once
/// per recipient (an event stored for a whole conversation, once per member who joined
/// before it).
///
/// Stored events are read as they are and expanded here, from one read of each group's
/// members per round: expanding them in SQL (a join giving one result row per member) cost
/// about 1.5 µs a member, most of the dispatcher's time under a burst into a big group.
pub fn all_since(conn: &Connection, after: i64, limit: u32) -> Result<Batch, Error> {
    // One snapshot for the events and the members they go to.
    let snapshot = conn.unchecked_transaction()?;
    let stored: Vec<(UserId, EventRow)> = snapshot
        .prepare_cached(concat!(
            "SELECT ",
            event_columns!(),
            ", 1 FROM events e WHERE e.id > ?1 ORDER BY e.id LIMIT ?2"
        ))?
        .query_map(params![after, limit], event_row)?
        .collect::<Result<_, _>>()?;
    let last = stored.last().map(|(_, row)| row.id);
    let more = stored.len() == limit as usize;
    let mut joined: HashMap<ConversationId, Vec<(UserId, i64)>> = HashMap::new();
    let mut rows = Vec::with_capacity(stored.len());
    for (user, row) in stored {
        if user.0 != EVERY_MEMBER {
            rows.push((user, row));
            continue;
        }
        let Some(conversation) = row.conversation else {
            continue;
        };
        let members = match joined.entry(conversation) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(members_joined(&snapshot, conversation)?),
        };
        rows.extend(
            members
                .iter()
                .filter(|(_, joined_event)| *joined_event < row.id)
                .map(|(member, _)| (*member, row.clone())),
        );
    }
    Ok(Batch { rows, last, more })
}

/// The members of `conversation` and the event each joined at, by user.
fn members_joined(
    conn: &Connection,
    conversation: ConversationId,
) -> Result<Vec<(UserId, i64)>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, joined_event FROM members WHERE conversation_id = ?1 ORDER BY user_id",
    )?;
    let rows = stmt.query_map([conversation.0], |r| Ok((UserId(r.get(0)?), r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes events older than `before_ms`; remembers the newest id deleted.
pub fn prune(conn: &Connection, before_ms: i64) -> Result<usize, Error> {
    let newest_pruned: Option<i64> = conn.row(
        "SELECT MAX(id) FROM events WHERE created_at < ?1",
        [before_ms],
        |r| r.get(0),
    )?;
    let Some(newest_pruned) = newest_pruned else {
        return Ok(0);
    };
    let deleted = conn.exec("DELETE FROM events WHERE id <= ?1", [newest_pruned])?;
    conn.exec(
        "INSERT INTO meta (key, value) VALUES ('events_pruned_through', ?1)
         ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
        [newest_pruned],
    )?;
    Ok(deleted)
}

/// The newest event id that has been pruned (0 if none).
pub fn pruned_through(conn: &Connection) -> Result<i64, Error> {
    Ok(conn
        .row(
            "SELECT value FROM meta WHERE key = 'events_pruned_through'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}
