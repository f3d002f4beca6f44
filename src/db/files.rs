//! files: one row per upload; the bytes are content-addressed on disk (`media::store`).

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Cached;
use crate::error::Error;
use crate::ids::{FileId, UserId};

/// An upload as stored.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: FileId,
    pub uploader: UserId,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumb_sha256: Option<String>,
    pub thumb_mime: Option<String>,
    pub thumb_size: Option<i64>,
    pub created_at: i64,
}

/// What an upload adds.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumb_sha256: Option<String>,
    pub thumb_mime: Option<String>,
    pub thumb_size: Option<i64>,
}

impl FileRow {
    /// An image chatd decoded: it has a size and a thumbnail (both come from the decode).
    pub fn is_image(&self) -> bool {
        self.thumb_sha256.is_some()
    }
}

macro_rules! file_columns {
    () => {
        "f.id, f.uploader_id, f.name, f.mime, f.size, f.sha256, f.width, f.height, \
         f.thumb_sha256, f.thumb_mime, f.thumb_size, f.created_at"
    };
}
pub(crate) use file_columns;

/// The one mapping of a `files` row (columns as `file_columns!`, from `at`).
pub fn file_row(r: &Row<'_>, at: usize) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        id: FileId(r.get(at)?),
        uploader: UserId(r.get(at + 1)?),
        name: r.get(at + 2)?,
        mime: r.get(at + 3)?,
        size: r.get(at + 4)?,
        sha256: r.get(at + 5)?,
        width: r.get(at + 6)?,
        height: r.get(at + 7)?,
        thumb_sha256: r.get(at + 8)?,
        thumb_mime: r.get(at + 9)?,
        thumb_size: r.get(at + 10)?,
        created_at: r.get(at + 11)?,
    })
}

pub fn insert(
    conn: &Connection,
    uploader: UserId,
    file: &NewFile,
    now: i64,
) -> Result<FileId, Error> {
    conn.exec(
        "INSERT INTO files (uploader_id, name, mime, size, sha256, width, height,
                            thumb_sha256, thumb_mime, thumb_size, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            uploader.0,
            file.name,
            file.mime,
            file.size,
            file.sha256,
            file.width,
            file.height,
            file.thumb_sha256,
            file.thumb_mime,
            file.thumb_size,
            now
        ],
    )?;
    Ok(FileId(conn.last_insert_rowid()))
}

pub fn find(conn: &Connection, id: FileId) -> Result<Option<FileRow>, Error> {
    Ok(conn
        .row(
            concat!("SELECT ", file_columns!(), " FROM files f WHERE f.id = ?1"),
            [id.0],
            |r| file_row(r, 0),
        )
        .optional()?)
}

/// File `id` if `viewer` may fetch it (API.md §12), in one statement: its uploader; anyone
/// (logged in) when it is a user's or a group's avatar; or a current member of a
/// conversation holding a message with it that is neither recalled nor deleted by `viewer`.
pub fn find_fetchable(
    conn: &Connection,
    id: FileId,
    viewer: UserId,
) -> Result<Option<FileRow>, Error> {
    Ok(conn
        .row(
            concat!(
                "SELECT ",
                file_columns!(),
                " FROM files f WHERE f.id = ?1
                   AND (f.uploader_id = ?2
                        OR EXISTS (SELECT 1 FROM users WHERE avatar_file_id = ?1)
                        OR EXISTS (SELECT 1 FROM conversations WHERE avatar_file_id = ?1)
                        OR EXISTS (
                          SELECT 1 FROM messages x
                          JOIN members m ON m.conversation_id = x.conversation_id
                                        AND m.user_id = ?2
                          WHERE x.file_id = ?1 AND x.status = ?3 AND NOT ",
                super::hidden_from!("?2", "x.id", "x.conversation_id"),
                "))"
            ),
            params![id.0, viewer.0, super::messages::Status::Normal],
            |r| file_row(r, 0),
        )
        .optional()?)
}

/// Whether anything refers to upload `f.id`: a message, a user's or a group's avatar. The
/// one definition of "in use" for releasing and for orphans; each is an index lookup.
macro_rules! referenced {
    () => {
        "(EXISTS (SELECT 1 FROM messages x WHERE x.file_id = f.id)
          OR EXISTS (SELECT 1 FROM users u WHERE u.avatar_file_id = f.id)
          OR EXISTS (SELECT 1 FROM conversations c WHERE c.avatar_file_id = f.id))"
    };
}

/// Deletes upload `id` when nothing (message, avatar) refers to it any more; the contents
/// (original, thumbnail) no other upload uses, which the caller removes from disk once this
/// commits.
pub fn release(conn: &Connection, id: FileId) -> Result<Vec<String>, Error> {
    let used: bool = conn
        .row(
            concat!("SELECT ", referenced!(), " FROM files f WHERE f.id = ?1"),
            [id.0],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false);
    let Some(file) = find(conn, id)?.filter(|_| !used) else {
        return Ok(Vec::new());
    };
    conn.exec("DELETE FROM files WHERE id = ?1", [id.0])?;
    let mut gone = Vec::new();
    for sha in std::iter::once(file.sha256).chain(file.thumb_sha256) {
        if !content_in_use(conn, &sha)? {
            gone.push(sha);
        }
    }
    Ok(gone)
}

/// Uploads older than `before_ms` that nothing refers to (orphans), at most `limit`.
pub fn orphans(conn: &Connection, before_ms: i64, limit: u32) -> Result<Vec<FileId>, Error> {
    let mut stmt = conn.prepare_cached(concat!(
        "SELECT f.id FROM files f WHERE f.created_at < ?1 AND NOT ",
        referenced!(),
        " ORDER BY f.created_at LIMIT ?2 + 0"
    ))?;
    let rows = stmt.query_map(params![before_ms, limit], |r| r.get(0).map(FileId))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether content `sha256` is still used by any upload (as original or thumbnail).
pub fn content_in_use(conn: &Connection, sha256: &str) -> Result<bool, Error> {
    Ok(conn.row(
        "SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?1)
             OR EXISTS (SELECT 1 FROM files WHERE thumb_sha256 = ?1)",
        [sha256],
        |r| r.get(0),
    )?)
}
