//! friendships and friend_requests.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::Cached;
use crate::error::Error;
use crate::ids::{FileId, RequestId, UserId};

stored_enum! {
    /// `friend_requests.status`.
    pub enum RequestStatus: i64, read by as_i64 {
        Pending = 0,
        Accepted = 1,
        Rejected = 2,
    }
}

/// SQL: the request (columns prefixed `$alias`) is pending. Spelled as a literal rather than
/// a bound `RequestStatus::Pending`: the partial indexes `friend_requests_pending_*` serve
/// only queries that state their own `WHERE status = 0`.
macro_rules! pending {
    ($alias:literal) => {
        concat!($alias, "status = 0")
    };
}

pub fn are_friends(conn: &Connection, a: UserId, b: UserId) -> Result<bool, Error> {
    Ok(conn
        .row(
            "SELECT 1 FROM friendships WHERE user_id = ?1 AND friend_id = ?2",
            params![a.0, b.0],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// How many of `others` are not friends of `me` (one query for a whole member list).
pub fn count_non_friends(conn: &Connection, me: UserId, others: &[UserId]) -> Result<usize, Error> {
    let ids = super::json_ids(others.iter().map(|u| u.0));
    let friends: i64 = conn.row(
        "SELECT COUNT(*) FROM friendships
         WHERE user_id = ?1 AND friend_id IN (SELECT value FROM json_each(?2))",
        params![me.0, ids],
        |r| r.get(0),
    )?;
    Ok(others
        .len()
        .saturating_sub(usize::try_from(friends).unwrap_or(0)))
}

/// Makes two users friends (both directions) and closes any pending requests between them.
pub fn befriend(conn: &Connection, a: UserId, b: UserId, now: i64) -> Result<(), Error> {
    conn.exec(
        "INSERT OR IGNORE INTO friendships (user_id, friend_id, since)
         VALUES (?1, ?2, ?3), (?2, ?1, ?3)",
        params![a.0, b.0, now],
    )?;
    conn.exec(
        concat!(
            "UPDATE friend_requests SET status = ?3 WHERE ",
            pending!(""),
            " AND ((from_id = ?1 AND to_id = ?2) OR (from_id = ?2 AND to_id = ?1))"
        ),
        params![a.0, b.0, RequestStatus::Accepted],
    )?;
    Ok(())
}

/// Ends a friendship; `false` when there was none.
pub fn unfriend(conn: &Connection, a: UserId, b: UserId) -> Result<bool, Error> {
    let removed = conn.exec(
        "DELETE FROM friendships
         WHERE (user_id = ?1 AND friend_id = ?2) OR (user_id = ?2 AND friend_id = ?1)",
        params![a.0, b.0],
    )?;
    Ok(removed > 0)
}

pub struct Friend {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    /// The caller's remark for them (备注), if any.
    pub remark: Option<String>,
    pub since: i64,
    pub avatar: Option<FileId>,
}

pub fn list(conn: &Connection, me: UserId) -> Result<Vec<Friend>, Error> {
    search(conn, me, "%", u32::MAX)
}

/// Up to `limit` friends whose username, display name or remark matches `contains` (a
/// `LIKE … ESCAPE '\'` pattern), by username.
pub fn search(
    conn: &Connection,
    me: UserId,
    contains: &str,
    limit: u32,
) -> Result<Vec<Friend>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.username, u.display_name, f.since, u.avatar_file_id, f.remark
         FROM friendships f JOIN users u ON u.id = f.friend_id
         WHERE f.user_id = ?1
           AND (u.username LIKE ?2 ESCAPE '\\' OR u.display_name LIKE ?2 ESCAPE '\\'
                OR f.remark LIKE ?2 ESCAPE '\\')
         ORDER BY u.username
         LIMIT ?3 + 0",
    )?;
    let rows = stmt.query_map(params![me.0, contains, limit], |r| {
        Ok(Friend {
            id: UserId(r.get(0)?),
            username: r.get(1)?,
            display_name: r.get(2)?,
            since: r.get(3)?,
            avatar: r.get::<_, Option<i64>>(4)?.map(FileId),
            remark: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Sets (or, with `None`, removes) `me`'s remark for `friend`; `false` when they are not
/// friends.
pub fn set_remark(
    conn: &Connection,
    me: UserId,
    friend: UserId,
    remark: Option<&str>,
) -> Result<bool, Error> {
    let changed = conn.exec(
        "UPDATE friendships SET remark = ?3 WHERE user_id = ?1 AND friend_id = ?2",
        params![me.0, friend.0, remark],
    )?;
    Ok(changed > 0)
}

/// The remarks each of `viewers` set for any of `users`, in one query.
pub fn remarks(
    conn: &Connection,
    viewers: &[UserId],
    users: &[UserId],
) -> Result<HashMap<(UserId, UserId), String>, Error> {
    if viewers.is_empty() || users.is_empty() {
        return Ok(HashMap::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, friend_id, remark FROM friendships
         WHERE user_id IN (SELECT value FROM json_each(?1))
           AND friend_id IN (SELECT value FROM json_each(?2)) AND remark IS NOT NULL",
    )?;
    let rows = stmt.query_map(
        params![
            super::json_ids(viewers.iter().map(|u| u.0)),
            super::json_ids(users.iter().map(|u| u.0))
        ],
        |r| Ok(((UserId(r.get(0)?), UserId(r.get(1)?)), r.get(2)?)),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The pending request from `from` to `to`, if any.
pub fn pending_between(
    conn: &Connection,
    from: UserId,
    to: UserId,
) -> Result<Option<RequestId>, Error> {
    Ok(conn
        .row(
            concat!(
                "SELECT id FROM friend_requests WHERE from_id = ?1 AND to_id = ?2 AND ",
                pending!("")
            ),
            params![from.0, to.0],
            |r| r.get(0).map(RequestId),
        )
        .optional()?)
}

pub fn insert_request(
    conn: &Connection,
    from: UserId,
    to: UserId,
    message: &str,
    now: i64,
) -> Result<RequestId, Error> {
    conn.exec(
        "INSERT INTO friend_requests (from_id, to_id, message, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![from.0, to.0, message, RequestStatus::Pending, now],
    )?;
    Ok(RequestId(conn.last_insert_rowid()))
}

/// The sender of a pending request addressed to `to`.
pub fn pending_sender(
    conn: &Connection,
    id: RequestId,
    to: UserId,
) -> Result<Option<UserId>, Error> {
    Ok(conn
        .row(
            concat!(
                "SELECT from_id FROM friend_requests WHERE id = ?1 AND to_id = ?2 AND ",
                pending!("")
            ),
            params![id.0, to.0],
            |r| r.get(0).map(UserId),
        )
        .optional()?)
}

pub fn reject(conn: &Connection, id: RequestId) -> Result<(), Error> {
    conn.exec(
        "UPDATE friend_requests SET status = ?2 WHERE id = ?1",
        params![id.0, RequestStatus::Rejected],
    )?;
    Ok(())
}

pub struct PendingRequest {
    pub id: RequestId,
    pub other: UserId,
    pub username: String,
    pub display_name: String,
    pub message: String,
    pub created_at: i64,
    pub incoming: bool,
    pub avatar: Option<FileId>,
}

/// Pending requests to and from `me`, oldest first, with the other user's names.
pub fn pending_for(conn: &Connection, me: UserId) -> Result<Vec<PendingRequest>, Error> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT r.id, u.id, u.username, u.display_name, r.message, r.created_at, r.to_id = ?1,
                u.avatar_file_id
         FROM friend_requests r
         JOIN users u ON u.id = CASE WHEN r.to_id = ?1 THEN r.from_id ELSE r.to_id END
         WHERE ",
        pending!("r."),
        " AND (r.to_id = ?1 OR r.from_id = ?1)
         ORDER BY r.id"
    ))?;
    let rows = stmt.query_map([me.0], |r| {
        Ok(PendingRequest {
            id: RequestId(r.get(0)?),
            other: UserId(r.get(1)?),
            username: r.get(2)?,
            display_name: r.get(3)?,
            message: r.get(4)?,
            created_at: r.get(5)?,
            incoming: r.get(6)?,
            avatar: r.get::<_, Option<i64>>(7)?.map(FileId),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pending_filter_spells_the_pending_status() {
        let value = RequestStatus::Pending.stored();
        assert_eq!(pending!("r."), format!("r.status = {value}"));
    }
}
