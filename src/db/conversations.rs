//! conversations and members.

use rusqlite::{params, Connection, OptionalExtension};

use super::Cached;
use crate::error::Error;
use crate::ids::{ConversationId, FileId, MessageId, UserId};

stored_enum! {
    /// `conversations.kind`.
    pub enum Kind: &'static str, read by as_str {
        Private = "private",
        Group = "group",
    }
}

stored_enum! {
    /// `members.role`.
    pub enum Role: &'static str, read by as_str {
        Owner = "owner",
        Member = "member",
    }
}

/// The key that makes a pair's private conversation unique, whatever the order.
pub fn private_pair(a: UserId, b: UserId) -> String {
    let (low, high) = if a.0 < b.0 { (a, b) } else { (b, a) };
    format!("{}:{}", low.0, high.0)
}

pub fn find_private(
    conn: &Connection,
    a: UserId,
    b: UserId,
) -> Result<Option<ConversationId>, Error> {
    Ok(conn
        .row(
            "SELECT id FROM conversations WHERE private_pair = ?1",
            [private_pair(a, b)],
            |r| r.get(0).map(ConversationId),
        )
        .optional()?)
}

pub fn insert(
    conn: &Connection,
    kind: Kind,
    name: Option<&str>,
    pair: Option<&str>,
    now: i64,
) -> Result<ConversationId, Error> {
    conn.exec(
        "INSERT INTO conversations (kind, name, private_pair, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![kind, name, pair, now],
    )?;
    Ok(ConversationId(conn.last_insert_rowid()))
}

/// Adds members in one statement (`ids` as a JSON array via `json_each`).
pub fn add_members(
    conn: &Connection,
    id: ConversationId,
    users: &[UserId],
    role: Role,
    now: i64,
) -> Result<(), Error> {
    // Newcomers start with everything before them read: history is there to scroll, not
    // to count as unread.
    conn.exec(
        "INSERT OR IGNORE INTO members (conversation_id, user_id, role, joined_at, last_read_id)
         SELECT ?1, value, ?2, ?3,
                (SELECT COALESCE(MAX(id), 0) FROM messages WHERE conversation_id = ?1)
         FROM json_each(?4)",
        params![id.0, role, now, super::json_ids(users.iter().map(|u| u.0))],
    )?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Membership {
    pub kind: Kind,
    pub last_read_id: i64,
    pub role: Role,
    /// For a private chat: the other member (None if that account is gone).
    pub other: Option<UserId>,
}

/// The caller's membership of a conversation; `None` if they are not a current member (or it
/// does not exist: the two are indistinguishable to the caller by design).
pub fn membership(
    conn: &Connection,
    id: ConversationId,
    user: UserId,
) -> Result<Option<Membership>, Error> {
    Ok(conn
        .row(
            "SELECT c.kind, m.last_read_id,
                    CASE WHEN c.kind = 'private' THEN
                      (SELECT o.user_id FROM members o
                       WHERE o.conversation_id = c.id AND o.user_id != ?2 LIMIT 1)
                    END,
                    m.role
             FROM members m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.conversation_id = ?1 AND m.user_id = ?2",
            params![id.0, user.0],
            |r| {
                Ok(Membership {
                    kind: r.get::<_, Kind>(0)?,
                    last_read_id: r.get(1)?,
                    other: r.get::<_, Option<i64>>(2)?.map(UserId),
                    role: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// Moves a read marker forward only; returns the unread count afterwards, `None` when
/// `user` is not a member. (The row is updated even when the marker stays put.)
pub fn advance_read_marker(
    conn: &Connection,
    id: ConversationId,
    user: UserId,
    to: MessageId,
) -> Result<Option<i64>, Error> {
    // The unread count is recounted over what stays unread after the new marker: nothing,
    // in the usual case of reading up to the newest message.
    Ok(conn
        .row(
            concat!(
                "UPDATE members SET
                   last_read_id = max(last_read_id, ?3),
                   unread_count = (SELECT COUNT(*) FROM messages x
                                   WHERE x.conversation_id = ?1 AND ",
                unread_for!("?2", "max(members.last_read_id, ?3)", "?1"),
                ") WHERE conversation_id = ?1 AND user_id = ?2 RETURNING unread_count"
            ),
            params![id.0, user.0, to.0],
            |r| r.get(0),
        )
        .optional()?)
}

/// A new normal message from `sender`: one more unread for every other member.
pub fn count_new_message(
    conn: &Connection,
    id: ConversationId,
    sender: UserId,
) -> Result<(), Error> {
    conn.exec(
        "UPDATE members SET unread_count = unread_count + 1
         WHERE conversation_id = ?1 AND user_id != ?2",
        params![id.0, sender.0],
    )?;
    Ok(())
}

/// SQL: an unread message of `$conversation` mentions `$user` (whose read marker is
/// `$marker`) or everyone: one range of `mentions` past the marker.
macro_rules! mentioned {
    ($conversation:literal, $user:literal, $marker:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM mentions mm JOIN messages x ON x.id = mm.message_id
               WHERE mm.conversation_id = ",
            $conversation,
            " AND mm.user_id IN (0, ",
            $user,
            ") AND mm.message_id > ",
            $marker,
            " AND ",
            unread_for!($user, $marker, $conversation),
            ")"
        )
    };
}

/// Whether an unread message of `id` mentions `user` (the list's `mentioned`).
pub fn mentioned(conn: &Connection, id: ConversationId, user: UserId) -> Result<bool, Error> {
    Ok(conn
        .row(
            concat!(
                "SELECT ",
                mentioned!("?1", "?2", "m.last_read_id"),
                " FROM members m WHERE m.conversation_id = ?1 AND m.user_id = ?2"
            ),
            params![id.0, user.0],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false))
}

const LIST_SQL: &str = concat!(
    "SELECT c.id, c.kind, c.name, c.created_at, m.is_pinned, c.member_count,
           CASE WHEN c.kind = 'private' THEN
             (SELECT ",
    name_for!("?1", "u"),
    " FROM members o JOIN users u ON u.id = o.user_id
              WHERE o.conversation_id = c.id AND o.user_id != ?1 LIMIT 1)
           END,
           m.unread_count,
           CASE WHEN c.kind = 'private' THEN
             (SELECT u.avatar_file_id FROM members o JOIN users u ON u.id = o.user_id
              WHERE o.conversation_id = c.id AND o.user_id != ?1 LIMIT 1)
           ELSE c.avatar_file_id END,
           -- The newest message the viewer sees: the conversation's newest, unless they
           -- deleted or cleared it; only then a walk down from it.
           CASE WHEN c.last_message_id IS NULL THEN NULL
                WHEN NOT ",
    hidden_past!("?1", "c.last_message_id", "m.cleared_upto"),
    " THEN c.last_message_id
                ELSE (SELECT x.id FROM messages x
                      WHERE x.conversation_id = c.id AND NOT ",
    hidden_past!("?1", "x.id", "m.cleared_upto"),
    " ORDER BY x.id DESC LIMIT 1)
           END,
           m.is_muted,
           ",
    mentioned!("c.id", "?1", "m.last_read_id"),
    "
         FROM members m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.user_id = ?1
           AND (?2 IS NULL OR m.conversation_id IN (SELECT value FROM json_each(?2)))
           -- A chat removed from the list comes back with its next message (asked for by
           -- id, it is always there).
           AND (NOT m.hidden OR ?2 IS NOT NULL OR c.last_message_id > m.cleared_upto)"
);

/// One row of the conversation list, before rendering.
#[derive(Debug)]
pub struct ListRow {
    pub id: ConversationId,
    pub kind: Kind,
    pub name: Option<String>,
    pub other_name: Option<String>,
    pub created_at: i64,
    pub is_pinned: bool,
    pub is_muted: bool,
    /// An unread message mentions the user or everyone.
    pub mentioned: bool,
    pub member_count: i64,
    pub unread_count: i64,
    pub last_message_id: Option<MessageId>,
    /// The other member's avatar (private) or the group's.
    pub avatar: Option<FileId>,
}

/// Every conversation of `me` in one statement. The member count and the newest message are
/// columns of the conversation (V17); each correlated subquery is an index range: members by
/// conversation, deleted_messages by primary key, and (only for a viewer who deleted or
/// cleared the newest) messages by (conversation_id, id) walked from the newest. Nothing scans
/// all messages.
/// `only` restricts it to one conversation (for events).
pub fn list_for_user(
    conn: &Connection,
    me: UserId,
    only: Option<&[ConversationId]>,
) -> Result<Vec<ListRow>, Error> {
    let mut stmt = conn.prepare_cached(LIST_SQL)?;
    let only = only.map(|ids| super::json_ids(ids.iter().map(|c| c.0)));
    let rows = stmt.query_map(params![me.0, only], |r| {
        Ok(ListRow {
            id: ConversationId(r.get(0)?),
            kind: r.get::<_, Kind>(1)?,
            name: r.get(2)?,
            created_at: r.get(3)?,
            is_pinned: r.get(4)?,
            member_count: r.get(5)?,
            other_name: r.get(6)?,
            unread_count: r.get(7)?,
            avatar: r.get::<_, Option<i64>>(8)?.map(FileId),
            last_message_id: r.get::<_, Option<i64>>(9)?.map(MessageId),
            is_muted: r.get(10)?,
            mentioned: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A switch each member sets for themselves on a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberFlag {
    /// 置顶 (API.md §5).
    Pinned,
    /// 消息免打扰 (API.md §14).
    Muted,
}

impl MemberFlag {
    /// Its name in list items, responses and `conversation.updated`.
    pub fn field(self) -> &'static str {
        match self {
            MemberFlag::Pinned => "is_pinned",
            MemberFlag::Muted => "is_muted",
        }
    }
}

pub fn set_flag(
    conn: &Connection,
    id: ConversationId,
    user: UserId,
    flag: MemberFlag,
    on: bool,
) -> Result<(), Error> {
    let sql = match flag {
        MemberFlag::Pinned => {
            "UPDATE members SET is_pinned = ?3 WHERE conversation_id = ?1 AND user_id = ?2"
        }
        MemberFlag::Muted => {
            "UPDATE members SET is_muted = ?3 WHERE conversation_id = ?1 AND user_id = ?2"
        }
    };
    conn.exec(sql, params![id.0, user.0, on])?;
    Ok(())
}

/// The newest message id of a conversation (0 when empty).
pub fn newest_message(conn: &Connection, id: ConversationId) -> Result<i64, Error> {
    Ok(conn.row(
        "SELECT COALESCE(MAX(id), 0) FROM messages WHERE conversation_id = ?1",
        [id.0],
        |r| r.get(0),
    )?)
}

/// Unread normal messages from others after the caller's marker, minus their deletions.
pub fn unread_count(conn: &Connection, id: ConversationId, user: UserId) -> Result<i64, Error> {
    Ok(conn.row(
        "SELECT unread_count FROM members WHERE conversation_id = ?1 AND user_id = ?2",
        params![id.0, user.0],
        |r| r.get(0),
    )?)
}

#[derive(Debug)]
pub struct Member {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub joined_at: i64,
    pub avatar: Option<FileId>,
}

/// Current members, owner first, then in the order they joined, named as `viewer` sees them
/// (their remarks).
pub fn members(
    conn: &Connection,
    id: ConversationId,
    viewer: UserId,
) -> Result<Vec<Member>, Error> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT u.id, u.username, ",
        name_for!("?3", "u"),
        ", m.role, m.joined_at, u.avatar_file_id
         FROM members m JOIN users u ON u.id = m.user_id
         WHERE m.conversation_id = ?1
         ORDER BY m.role = ?2 DESC, m.joined_at, m.rowid"
    ))?;
    let rows = stmt.query_map(params![id.0, Role::Owner, viewer.0], |r| {
        Ok(Member {
            id: UserId(r.get(0)?),
            username: r.get(1)?,
            display_name: r.get(2)?,
            role: r.get(3)?,
            joined_at: r.get(4)?,
            avatar: r.get::<_, Option<i64>>(5)?.map(FileId),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Which of `users` are current members (one query).
pub fn current_members_among(
    conn: &Connection,
    id: ConversationId,
    users: &[UserId],
) -> Result<Vec<UserId>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id FROM members
         WHERE conversation_id = ?1 AND user_id IN (SELECT value FROM json_each(?2))",
    )?;
    let rows = stmt.query_map(
        params![id.0, super::json_ids(users.iter().map(|u| u.0))],
        |r| r.get(0).map(UserId),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every current member of a conversation.
pub fn member_ids(conn: &Connection, id: ConversationId) -> Result<Vec<UserId>, Error> {
    let mut stmt = conn.prepare_cached("SELECT user_id FROM members WHERE conversation_id = ?1")?;
    let rows = stmt.query_map([id.0], |r| r.get(0).map(UserId))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many members a conversation has: its stored count (V17, kept by the members
/// triggers, the one the list shows too); 0 for an unknown conversation.
pub fn member_count(conn: &Connection, id: ConversationId) -> Result<usize, Error> {
    let n: Option<i64> = conn
        .row(
            "SELECT member_count FROM conversations WHERE id = ?1",
            [id.0],
            |r| r.get(0),
        )
        .optional()?;
    Ok(usize::try_from(n.unwrap_or(0)).unwrap_or(0))
}

pub fn role(conn: &Connection, id: ConversationId, user: UserId) -> Result<Option<Role>, Error> {
    Ok(conn
        .row(
            "SELECT role FROM members WHERE conversation_id = ?1 AND user_id = ?2",
            params![id.0, user.0],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn remove_member(conn: &Connection, id: ConversationId, user: UserId) -> Result<(), Error> {
    conn.exec(
        "DELETE FROM members WHERE conversation_id = ?1 AND user_id = ?2",
        params![id.0, user.0],
    )?;
    Ok(())
}

/// Makes the longest-standing member the owner; returns them (None if nobody is left).
pub fn promote_longest_standing(
    conn: &Connection,
    id: ConversationId,
) -> Result<Option<UserId>, Error> {
    let next: Option<i64> = conn
        .row(
            "SELECT user_id FROM members WHERE conversation_id = ?1
             ORDER BY joined_at, rowid LIMIT 1",
            [id.0],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(user) = next {
        conn.exec(
            "UPDATE members SET role = ?3 WHERE conversation_id = ?1 AND user_id = ?2",
            params![id.0, user, Role::Owner],
        )?;
    }
    Ok(next.map(UserId))
}

pub fn rename(conn: &Connection, id: ConversationId, name: &str) -> Result<(), Error> {
    conn.exec(
        "UPDATE conversations SET name = ?2 WHERE id = ?1",
        params![id.0, name],
    )?;
    Ok(())
}

/// What a conversation's info adds to its list item: when it was created, its announcement
/// and its owner (a group's).
pub fn info_extras(
    conn: &Connection,
    id: ConversationId,
) -> Result<(i64, Option<String>, Option<UserId>), Error> {
    Ok(conn.row(
        "SELECT c.created_at, c.announcement,
                (SELECT m.user_id FROM members m
                 WHERE m.conversation_id = c.id AND m.role = 'owner')
         FROM conversations c WHERE c.id = ?1",
        [id.0],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get::<_, Option<i64>>(2)?.map(UserId),
            ))
        },
    )?)
}

/// Sets (or, with `None`, clears) a group's announcement.
pub fn set_announcement(
    conn: &Connection,
    id: ConversationId,
    text: Option<&str>,
) -> Result<(), Error> {
    conn.exec(
        "UPDATE conversations SET announcement = ?2 WHERE id = ?1",
        params![id.0, text],
    )?;
    Ok(())
}

/// Sets a group's avatar; the one it replaces, if any.
pub fn set_avatar(
    conn: &Connection,
    id: ConversationId,
    avatar: FileId,
) -> Result<Option<FileId>, Error> {
    let before: Option<i64> = conn.row(
        "SELECT avatar_file_id FROM conversations WHERE id = ?1",
        [id.0],
        |r| r.get(0),
    )?;
    conn.exec(
        "UPDATE conversations SET avatar_file_id = ?2 WHERE id = ?1",
        params![id.0, avatar.0],
    )?;
    Ok(before.map(FileId))
}

/// Removes a conversation nobody belongs to any more, with its messages.
pub fn delete_empty(conn: &Connection, id: ConversationId) -> Result<(), Error> {
    conn.exec(
        "DELETE FROM deleted_messages WHERE message_id IN
           (SELECT id FROM messages WHERE conversation_id = ?1)",
        [id.0],
    )?;
    conn.exec("DELETE FROM messages WHERE conversation_id = ?1", [id.0])?;
    conn.exec("DELETE FROM conversations WHERE id = ?1", [id.0])?;
    Ok(())
}

/// Whether a message belongs to a conversation.
pub fn has_message(
    conn: &Connection,
    id: ConversationId,
    message: MessageId,
) -> Result<bool, Error> {
    Ok(conn
        .row(
            "SELECT 1 FROM messages WHERE id = ?1 AND conversation_id = ?2",
            params![message.0, id.0],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The query plan of `list_for_user`, for tests that check it never scans a whole table.
pub fn explain_list(conn: &Connection) -> Result<Vec<String>, Error> {
    let sql = format!("EXPLAIN QUERY PLAN {LIST_SQL}");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![1, None::<i64>], |r| r.get::<_, String>(3))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
