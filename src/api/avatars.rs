//! Avatars: the caller's and a group's (API.md §12 "Avatars").

use rocket::{delete, put, routes, Route, State};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::body::Body;
use super::docs::responses::{ConversationNotFound, JsonBody, SignedIn, StorageFull};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::accounts::Profile;
use crate::domain::avatars::{self, GroupAvatar};
use crate::domain::files::Links;
use crate::error::{ok_msg, ApiResult, Envelope};
use crate::ids::{ConversationId, FileId, Given};
use crate::media::store::MediaStore;

pub fn routes() -> Vec<Route> {
    routes![set_mine, remove_mine, set_group]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(set_mine, remove_mine, set_group))]
    struct Api;
    Api::openapi()
}

#[derive(Deserialize, ToSchema)]
struct SetAvatar {
    /// An image the caller uploaded (`POST /api/auth/files` answered it with a
    /// `thumbnail_url`). Any string is accepted; a malformed, unknown or someone else's id,
    /// or a file that is not an image, is `400`.
    #[schema(value_type = String, example = "f_12")]
    file_id: Given<FileId>,
}

/// Set the caller's avatar.
///
/// Friends and co-members get `user.updated` with the new `avatar_url`. The avatar it
/// replaces is erased unless something else still uses that upload.
#[utoipa::path(
    tag = "me",
    operation_id = "setMyAvatar",
    request_body = SetAvatar,
    responses(
        (status = 200, description = "`头像已修改` — the profile with its new `avatar_url`.", body = Envelope<Profile>),
        (status = 507, response = StorageFull),     // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[put("/auth/me/avatar", data = "<body>")]
async fn set_mine(
    me: AuthUser,
    body: Body<SetAvatar>,
    db: &State<Db>,
    media: &State<MediaStore>,
    links: &State<Links>,
) -> ApiResult<Profile> {
    let file = body.0.file_id.known().ok();
    let profile = avatars::set_mine(db, media, links, me.id, Some(file)).await?;
    ok_msg("头像已修改", profile)
}

/// Remove the caller's avatar.
///
/// Clients show the default avatar again (`avatar_url: null`).
#[utoipa::path(
    tag = "me",
    operation_id = "removeMyAvatar",
    responses(
        (status = 200, description = "`头像已删除` — the profile, `avatar_url` `null`.", body = Envelope<Profile>),
        SignedIn,
    )
)]
#[delete("/auth/me/avatar")]
async fn remove_mine(
    me: AuthUser,
    db: &State<Db>,
    media: &State<MediaStore>,
    links: &State<Links>,
) -> ApiResult<Profile> {
    let profile = avatars::set_mine(db, media, links, me.id, None).await?;
    ok_msg("头像已删除", profile)
}

/// Set a group's avatar.
///
/// Groups only (a private chat is `400`); any member may. Adds the system message
/// `{actor}修改了群头像`; members get `conversation.updated` with the new `avatar_url`.
#[utoipa::path(
    tag = "conversations",
    operation_id = "setGroupAvatar",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    request_body = SetAvatar,
    responses(
        (status = 200, description = "`群头像已修改`", body = Envelope<GroupAvatar>),
        (status = 404, response = ConversationNotFound), // 会话不存在
        (status = 507, response = StorageFull),          // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[put("/auth/conversations/<id>/avatar", data = "<body>")]
async fn set_group(
    me: AuthUser,
    id: Given<ConversationId>,
    body: Body<SetAvatar>,
    db: &State<Db>,
    media: &State<MediaStore>,
    links: &State<Links>,
) -> ApiResult<GroupAvatar> {
    let id = id.known()?;
    let file = body.0.file_id.known().ok();
    ok_msg(
        "群头像已修改",
        avatars::set_group(db, media, links, me.id, id, file).await?,
    )
}
