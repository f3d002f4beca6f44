//! users and revoked_tokens.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Cached;
use crate::error::Error;
use crate::ids::{FileId, UserId};

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub created_at: i64,
    /// Their avatar (an upload with a thumbnail), if any.
    pub avatar: Option<FileId>,
}

#[derive(Debug)]
pub struct Credentials {
    pub password_hash: String,
    pub token_gen: i64,
    pub disabled: bool,
}

const USER_COLUMNS: &str = "id, username, display_name, created_at, avatar_file_id";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(row.get(0)?),
        username: row.get(1)?,
        display_name: row.get(2)?,
        created_at: row.get(3)?,
        avatar: row.get::<_, Option<i64>>(4)?.map(FileId),
    })
}

/// Inserts a user; `None` when the username is taken (ignoring case).
pub fn insert(
    conn: &Connection,
    username: &str,
    display_name: &str,
    password_hash: &str,
    now: i64,
) -> Result<Option<UserId>, Error> {
    let inserted = conn.exec(
        "INSERT INTO users (username, display_name, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (username) DO NOTHING",
        params![username, display_name, password_hash, now],
    )?;
    Ok((inserted == 1).then(|| UserId(conn.last_insert_rowid())))
}

pub fn find(conn: &Connection, id: UserId) -> Result<Option<User>, Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
    Ok(conn.row(&sql, [id.0], user_from_row).optional()?)
}

pub fn exists(conn: &Connection, id: UserId) -> Result<bool, Error> {
    Ok(conn
        .row("SELECT 1 FROM users WHERE id = ?1", [id.0], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn find_by_username(conn: &Connection, username: &str) -> Result<Option<User>, Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1");
    Ok(conn.row(&sql, [username], user_from_row).optional()?)
}

/// A user and their credentials by username, in one lookup (login).
pub fn with_credentials_by_username(
    conn: &Connection,
    username: &str,
) -> Result<Option<(User, Credentials)>, Error> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, password_hash, token_gen, disabled FROM users WHERE username = ?1"
    );
    Ok(conn
        .row(&sql, [username], |r| {
            let user = user_from_row(r)?;
            let credentials = Credentials {
                password_hash: r.get(5)?,
                token_gen: r.get(6)?,
                disabled: r.get(7)?,
            };
            Ok((user, credentials))
        })
        .optional()?)
}

pub fn credentials_by_id(conn: &Connection, id: UserId) -> Result<Option<Credentials>, Error> {
    let sql = "SELECT password_hash, token_gen, disabled FROM users WHERE id = ?1";
    Ok(conn
        .row(sql, [id.0], |r| {
            Ok(Credentials {
                password_hash: r.get(0)?,
                token_gen: r.get(1)?,
                disabled: r.get(2)?,
            })
        })
        .optional()?)
}

pub fn set_display_name(conn: &Connection, id: UserId, name: &str) -> Result<(), Error> {
    conn.exec(
        "UPDATE users SET display_name = ?2 WHERE id = ?1",
        params![id.0, name],
    )?;
    Ok(())
}

/// Sets (or, with `None`, removes) a user's avatar; the one it replaces, if any.
pub fn set_avatar(
    conn: &Connection,
    id: UserId,
    avatar: Option<FileId>,
) -> Result<Option<FileId>, Error> {
    let before: Option<i64> = conn.row(
        "SELECT avatar_file_id FROM users WHERE id = ?1",
        [id.0],
        |r| r.get(0),
    )?;
    conn.exec(
        "UPDATE users SET avatar_file_id = ?2 WHERE id = ?1",
        params![id.0, avatar.map(|f| f.0)],
    )?;
    Ok(before.map(FileId))
}

/// Stores a new hash and moves to the next token generation; returns that generation.
pub fn set_password(conn: &Connection, id: UserId, hash: &str) -> Result<i64, Error> {
    Ok(conn.row(
        "UPDATE users SET password_hash = ?2, token_gen = token_gen + 1 WHERE id = ?1
         RETURNING token_gen",
        params![id.0, hash],
        |r| r.get(0),
    )?)
}

/// A user's current token generation; `None` if there is no such user or it is disabled.
pub fn token_gen(conn: &Connection, id: UserId) -> Result<Option<i64>, Error> {
    Ok(conn
        .row(
            "SELECT token_gen FROM users WHERE id = ?1 AND disabled = 0",
            [id.0],
            |r| r.get(0),
        )
        .optional()?)
}

/// Logged-out tokens that have not expired yet: (jti, expires_at).
pub fn revoked_tokens(conn: &Connection, now: i64) -> Result<Vec<(String, i64)>, Error> {
    let mut stmt =
        conn.prepare_cached("SELECT jti, expires_at FROM revoked_tokens WHERE expires_at >= ?1")?;
    let rows = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes one token and forgets revocations of tokens that have expired on their own.
pub fn revoke_token(conn: &Connection, jti: &str, expires_at: i64, now: i64) -> Result<(), Error> {
    conn.exec(
        "INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2)",
        params![jti, expires_at],
    )?;
    conn.exec("DELETE FROM revoked_tokens WHERE expires_at < ?1", [now])?;
    Ok(())
}

#[derive(Debug)]
pub struct Found {
    pub user: User,
    pub is_friend: bool,
}

/// Up to `limit` users whose username matches `prefix` or whose display name matches
/// `contains` (`LIKE … ESCAPE` patterns made by `SearchText`; ASCII case-insensitive),
/// excluding `me`. Prefix matches on the username come first, then by username.
pub fn search(
    conn: &Connection,
    me: UserId,
    (prefix, contains): (&str, &str),
    limit: u32,
) -> Result<Vec<Found>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.username, u.display_name, u.created_at, u.avatar_file_id,
                EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = ?1 AND f.friend_id = u.id),
                u.username LIKE ?2 ESCAPE '\\' AS prefix_hit
         FROM users u
         WHERE u.id != ?1
           AND (u.username LIKE ?2 ESCAPE '\\' OR u.display_name LIKE ?3 ESCAPE '\\')
         ORDER BY prefix_hit DESC, u.username
         LIMIT ?4 + 0",
    )?;
    let rows = stmt.query_map(params![me.0, prefix, contains, limit], |r| {
        Ok(Found {
            user: user_from_row(r)?,
            is_friend: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The account-change counter that `chatd user …` bumps (0 before any change).
pub fn auth_epoch(conn: &Connection) -> Result<i64, Error> {
    Ok(conn
        .row("SELECT value FROM meta WHERE key = 'auth_epoch'", [], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(0))
}

pub fn bump_auth_epoch(conn: &Connection) -> Result<(), Error> {
    conn.exec(
        "INSERT INTO meta (key, value) VALUES ('auth_epoch', 1)
         ON CONFLICT (key) DO UPDATE SET value = value + 1",
        [],
    )?;
    Ok(())
}

/// Disables (ending every token) or enables an account; `false` if there is no such user.
pub fn set_disabled(conn: &Connection, username: &str, disabled: bool) -> Result<bool, Error> {
    let changed = conn.exec(
        "UPDATE users SET disabled = ?2, token_gen = token_gen + ?2 WHERE username = ?1",
        params![username, disabled],
    )?;
    Ok(changed == 1)
}

#[derive(Debug)]
pub struct Account {
    pub user: User,
    pub disabled: bool,
}

/// Every account, by id (for `chatd user list`).
pub fn list_accounts(conn: &Connection) -> Result<Vec<Account>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, username, display_name, created_at, avatar_file_id, disabled
         FROM users ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Account {
            user: user_from_row(r)?,
            disabled: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
