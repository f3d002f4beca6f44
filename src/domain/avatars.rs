//! Avatars (API.md §12 "Avatars"): a user's or a group's picture is one of the caller's own
//! image uploads, shown everywhere as its thumbnail's URL signed for each viewer. The avatar
//! it replaces is released like a recalled attachment: erased from disk unless something else
//! still uses it.

use rusqlite::Connection;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::{user_updated, Profile};
use super::files::{own_upload, remove_contents, Links, NOT_YOUR_UPLOAD};
use super::groups::group_member;
use super::render::action;
use crate::db::conversations as convs;
use crate::db::events::{self, kind, NewEvent};
use crate::db::{self, files, messages, Db};
use crate::error::Error;
use crate::ids::{ConversationId, FileId, UserId};
use crate::media::store::MediaStore;

/// `file` when it can be the caller's avatar: their own upload, an image chatd decoded
/// (so it has a thumbnail). A malformed (`None`), unknown or someone else's id reads the same.
fn usable(conn: &Connection, me: UserId, file: Option<FileId>) -> Result<FileId, Error> {
    let row = own_upload(conn, me, file)?.ok_or_else(|| Error::bad_request(NOT_YOUR_UPLOAD))?;
    if !row.is_image() {
        return Err(Error::bad_request("头像须为图片"));
    }
    Ok(row.id)
}

/// The old avatar's upload, released once nothing refers to it: the contents to remove.
fn release(conn: &Connection, old: Option<FileId>) -> Result<Vec<String>, Error> {
    match old {
        Some(id) => files::release(conn, id),
        None => Ok(Vec::new()),
    }
}

/// Sets (`Some`, an id as given; `None` inside means malformed) or removes (`None`) the
/// caller's avatar; tells their devices, friends and co-members (`user.updated`).
pub async fn set_mine(
    db: &Db,
    media: &MediaStore,
    links: &Links,
    me: UserId,
    file: Option<Option<FileId>>,
) -> Result<Profile, Error> {
    let clock = db.clock();
    let write = move |conn: &Connection| {
        let avatar = file.map(|f| usable(conn, me, f)).transpose()?;
        let before = db::users::find(conn, me)?.ok_or(Error::Unauthorized)?;
        if before.avatar == avatar {
            return Ok((before, Vec::new()));
        }
        let old = db::users::set_avatar(conn, me, avatar)?;
        let after = db::users::User { avatar, ..before };
        user_updated(conn, &after, clock.now_ms())?;
        Ok((after, release(conn, old)?))
    };
    // Removing an avatar only frees space: it works even when the disk is nearly full.
    let (user, gone) = match file {
        Some(_) => db.write(write).await?,
        None => db.write_freeing(write).await?,
    };
    remove_contents(media, &gone).await;
    Ok(Profile::of(user, links))
}

/// A group's new avatar.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupAvatar {
    /// Its thumbnail, signed for the caller.
    pub avatar_url: Option<String>,
}

/// Sets a group's avatar (any member; a private chat is `400`): a system message
/// `{actor}修改了群头像` and `conversation.updated` with the new `avatar_url` for every member.
pub async fn set_group(
    db: &Db,
    media: &MediaStore,
    links: &Links,
    me: UserId,
    id: ConversationId,
    file: Option<FileId>,
) -> Result<GroupAvatar, Error> {
    let clock = db.clock();
    let (avatar, gone) = db
        .write(move |conn| {
            group_member(conn, id, me)?;
            let avatar = usable(conn, me, file)?;
            let old = convs::set_avatar(conn, id, avatar)?;
            let now = clock.now_ms();
            let system =
                messages::insert_system(conn, id, me, action::AVATAR_CHANGED, &[], None, now)?;
            let event = NewEvent::new(kind::CONVERSATION_UPDATED)
                .conversation(id)
                // Rendered as each member's signed `avatar_url` (domain::events).
                .data(json!({ "avatar_file_id": avatar }));
            events::to_members(conn, id, &event, now)?;
            events::message_created(conn, id, system, now)?;
            let gone = if old == Some(avatar) {
                Vec::new()
            } else {
                release(conn, old)?
            };
            Ok((avatar, gone))
        })
        .await?;
    remove_contents(media, &gone).await;
    Ok(GroupAvatar {
        avatar_url: links.for_viewer(me).avatar(Some(avatar)),
    })
}
