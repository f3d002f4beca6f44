//! Uploads and how they show (API.md §12): storing an upload, the `attachment` of a message,
//! per-viewer signed URLs, and who may fetch a file.

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use crate::config::Config;
use crate::db::files::{self, FileRow, NewFile};
use crate::db::Db;
use crate::error::Error;
use crate::ids::{FileId, UserId};
use crate::media::image;
use crate::media::sign::Signer;
use crate::media::store::{Incoming, MediaStore};
use crate::time::Clock;

/// Signs the URLs each viewer gets (expiry times rounded by `sign::expires_at`, so a viewer
/// keeps the same URL for up to an hour and browsers can cache it).
#[derive(Clone)]
pub struct Links {
    signer: Arc<Signer>,
    ttl_secs: i64,
    clock: Clock,
}

impl Links {
    pub fn new(signer: Signer, config: &Config, clock: Clock) -> Links {
        Links {
            signer: Arc::new(signer),
            ttl_secs: i64::try_from(config.file_url_ttl_secs).unwrap_or(i64::MAX / 4),
            clock,
        }
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The URLs `viewer` gets now.
    pub fn for_viewer(&self, viewer: UserId) -> ViewerLinks<'_> {
        let expires_at = crate::media::sign::expires_at(self.clock.now_secs(), self.ttl_secs);
        ViewerLinks {
            signer: &self.signer,
            viewer,
            expires_at,
        }
    }
}

/// One viewer's signed URLs.
pub struct ViewerLinks<'a> {
    signer: &'a Signer,
    viewer: UserId,
    expires_at: i64,
}

impl ViewerLinks<'_> {
    pub fn file(&self, id: FileId) -> String {
        self.signer.url(id.0, false, self.viewer.0, self.expires_at)
    }

    /// An avatar's URL (`avatar_url`): its thumbnail; an avatar is always an image chatd
    /// decoded.
    pub fn avatar(&self, avatar: Option<FileId>) -> Option<String> {
        avatar.map(|id| self.thumbnail_of(id))
    }

    pub fn thumbnail(&self, file: &FileRow) -> Option<String> {
        file.is_image().then(|| self.thumbnail_of(file.id))
    }

    fn thumbnail_of(&self, id: FileId) -> String {
        self.signer.url(id.0, true, self.viewer.0, self.expires_at)
    }
}

/// An upload as a client sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileView {
    pub file_id: FileId,
    #[schema(example = "IMG_0001.jpg")]
    pub name: String,
    /// Decided from the bytes.
    #[schema(example = "image/jpeg")]
    pub mime: String,
    pub size: i64,
    /// For an image chatd decoded (as displayed, after EXIF orientation); else `null`.
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// A signed, expiring URL for this viewer.
    pub url: String,
    /// The 400×400 thumbnail's URL, for an image chatd decoded; else `null`.
    pub thumbnail_url: Option<String>,
}

/// A message's upload (`attachment`), as a client sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    #[serde(flatten)]
    pub file: FileView,
    /// A voice note's length; `null` otherwise.
    pub duration_ms: Option<i64>,
}

pub fn file_view(links: &ViewerLinks<'_>, file: &FileRow) -> FileView {
    FileView {
        file_id: file.id,
        name: file.name.clone(),
        mime: file.mime.clone(),
        size: file.size,
        width: file.width,
        height: file.height,
        url: links.file(file.id),
        thumbnail_url: links.thumbnail(file),
    }
}

/// Why an upload cannot be used: it is unknown, malformed or someone else's (one answer for
/// all three).
pub const NOT_YOUR_UPLOAD: &str = "文件不存在或不是你上传的";

/// Upload `file` (as given; `None` when the id was malformed) when `me` uploaded it: what a
/// message may carry and what may become an avatar.
pub fn own_upload(
    conn: &rusqlite::Connection,
    me: UserId,
    file: Option<FileId>,
) -> Result<Option<FileRow>, Error> {
    Ok(match file {
        Some(id) => files::find(conn, id)?.filter(|f| f.uploader == me),
        None => None,
    })
}

/// A file name as stored: the last path component, no control characters, at most 255
/// characters; `file` when nothing is left.
pub fn clean_name(raw: Option<&str>) -> String {
    let base = raw
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let name: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let name = name.trim().to_string();
    if name.is_empty() || name == "." || name == ".." {
        "file".to_string()
    } else {
        name
    }
}

/// Stores a complete upload: the type from its bytes, an image's size and thumbnail, its
/// location data removed, the content (and thumbnail) kept once under their hashes, then
/// the row. The CPU and disk work runs on the blocking pool.
pub async fn store(
    db: &Db,
    media: &MediaStore,
    config: &Config,
    me: UserId,
    incoming: Incoming,
    name: String,
) -> Result<FileRow, Error> {
    let (media, max_pixels) = (media.clone(), config.max_image_pixels);
    let turn = media.decoding_turn().await;
    let new = rocket::tokio::task::spawn_blocking(move || -> Result<NewFile, Error> {
        let _turn = turn;
        let io = |e: std::io::Error| Error::internal(format!("storing an upload: {e}"));
        let analyzed = image::analyze(incoming.path(), max_pixels).map_err(io)?;
        if analyzed.image.is_some() {
            image::strip_metadata(incoming.path(), &analyzed.mime).map_err(io)?;
        }
        let (sha256, size) = incoming.digest().map_err(io)?;
        if size == 0 {
            return Err(Error::bad_request("文件为空"));
        }
        let (width, height, thumb) = match &analyzed.image {
            Some(p) => (Some(i64::from(p.width)), Some(i64::from(p.height)), Some(p)),
            None => (None, None, None),
        };
        let thumb_sha256 = thumb
            .map(|p| media.keep_bytes(&p.thumbnail))
            .transpose()
            .map_err(io)?;
        media.keep(incoming, &sha256).map_err(io)?;
        Ok(NewFile {
            name,
            mime: analyzed.mime,
            size: i64::try_from(size).unwrap_or(i64::MAX),
            sha256,
            width,
            height,
            thumb_sha256,
            thumb_mime: thumb.map(|p| p.thumbnail_mime.to_string()),
            thumb_size: thumb.map(|p| i64::try_from(p.thumbnail.len()).unwrap_or(i64::MAX)),
        })
    })
    .await
    .map_err(|e| Error::internal(format!("upload task failed: {e}")))??;
    let clock = db.clock();
    db.write(move |conn| {
        let id = files::insert(conn, me, &new, clock.now_ms())?;
        files::find(conn, id)?.ok_or_else(|| Error::internal("an upload vanished"))
    })
    .await
}

/// Removes contents from disk (after the rows that used them are gone), off the async
/// workers; a failure is logged (the media sweep tries again).
pub async fn remove_contents(media: &MediaStore, shas: &[String]) {
    if shas.is_empty() {
        return;
    }
    let (media, shas) = (media.clone(), shas.to_vec());
    let removed = rocket::tokio::task::spawn_blocking(move || {
        for sha in &shas {
            if let Err(e) = media.remove(sha) {
                tracing::warn!("cannot remove media content {sha}: {e}");
            }
        }
    })
    .await;
    if let Err(e) = removed {
        tracing::warn!("media removal task failed: {e}");
    }
}

/// Deletes uploads nothing referred to for `upload_orphan_secs`, and their contents no other
/// upload uses; how many uploads went.
pub async fn sweep_orphans(db: &Db, media: &MediaStore, orphan_secs: u64) -> Result<usize, Error> {
    let age_ms = i64::try_from(orphan_secs)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000);
    let before = db.clock().now_ms().saturating_sub(age_ms);
    let (count, gone) = db
        .write_freeing(move |conn| {
            let orphans = files::orphans(conn, before, 1000)?;
            let mut gone = Vec::new();
            for id in &orphans {
                gone.extend(files::release(conn, *id)?);
            }
            Ok((orphans.len(), gone))
        })
        .await?;
    remove_contents(media, &gone).await;
    Ok(count)
}

/// The file `viewer` asks for, if they may have it (else `404 文件不存在`), handed to `then`
/// on the same blocking thread: a download checks, reads the row and opens the bytes in one
/// hand-off from the async workers.
pub async fn fetchable<T, F>(db: &Db, viewer: UserId, id: FileId, then: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(FileRow) -> Result<T, Error> + Send + 'static,
{
    db.read(move |conn| then(files::find_fetchable(conn, id, viewer)?.ok_or(Error::FileNotFound)?))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_only_the_last_component_without_control_characters() {
        assert_eq!(clean_name(Some("C:\\photos\\猫.jpg")), "猫.jpg");
        assert_eq!(clean_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_name(Some("a\nb.txt")), "ab.txt");
        assert_eq!(clean_name(Some("..")), "file");
        assert_eq!(clean_name(None), "file");
        assert_eq!(clean_name(Some(&"长".repeat(300))).chars().count(), 255);
    }
}
