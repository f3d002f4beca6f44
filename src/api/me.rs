//! The caller's profile, password and session, and user search.

use rocket::{get, patch, post, put, routes, Route, State};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::body::Body;
use super::docs::responses::{
    BadRequest, JsonBody, SignedIn, StorageFull, TooManyRequests, WrongOldPassword,
};
use crate::auth::{AuthUser, Issued, Tokens};
use crate::passwords::Hasher;
use std::sync::Arc;

use crate::db::Db;
use crate::domain::accounts::{self, Profile, SearchHit};
use crate::domain::files::Links;
use crate::error::{ok, ok_msg, ApiResult, Envelope, Null};
use crate::events::Hub;
use crate::sessions::Sessions;

pub fn routes() -> Vec<Route> {
    routes![me, update_me, change_password, logout, search_users]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(me, update_me, change_password, logout, search_users))]
    struct Api;
    Api::openapi()
}

/// The caller's profile.
#[utoipa::path(
    tag = "me",
    operation_id = "getMe",
    responses(
        (status = 200, description = "`success`", body = Envelope<Profile>),
        SignedIn,
    )
)]
#[get("/auth/me")]
async fn me(me: AuthUser, db: &State<Db>, links: &State<Links>) -> ApiResult<Profile> {
    ok(accounts::profile(db, links, me.id).await?)
}

#[derive(Deserialize, ToSchema)]
struct UpdateMe {
    /// 1–32 characters after trimming, no control characters.
    #[schema(min_length = 1, max_length = 32, example = "张三")]
    display_name: String,
}

/// Change the caller's display name.
#[utoipa::path(
    tag = "me",
    operation_id = "updateMe",
    request_body = UpdateMe,
    responses(
        (status = 200, description = "`success` — the updated profile.", body = Envelope<Profile>),
        (status = 507, response = StorageFull),     // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[patch("/auth/me", data = "<body>")]
async fn update_me(
    me: AuthUser,
    body: Body<UpdateMe>,
    db: &State<Db>,
    links: &State<Links>,
) -> ApiResult<Profile> {
    ok(accounts::rename(db, links, me.id, &body.display_name).await?)
}

#[derive(Deserialize, ToSchema)]
struct ChangePassword {
    /// The current password.
    #[schema(format = Password)]
    old_password: String,
    /// 8–128 characters (checked before the old password).
    #[schema(min_length = 8, max_length = 128, format = Password)]
    new_password: String,
}

/// Change the caller's password and get a new token.
///
/// Every token issued before the change, including the one used for the call, stops working.
#[utoipa::path(
    tag = "me",
    operation_id = "changePassword",
    request_body = ChangePassword,
    responses(
        (status = 200, description = "`密码已修改`", body = Envelope<Issued>),
        (status = 403, response = WrongOldPassword), // 原密码错误
        (status = 429, response = TooManyRequests),  // 请求过于频繁
        (status = 507, response = StorageFull),      // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[put("/auth/me/password", data = "<body>")]
async fn change_password(
    me: AuthUser,
    body: Body<ChangePassword>,
    db: &State<Db>,
    tokens: &State<Tokens>,
    hasher: &State<Hasher>,
    sessions: &State<Arc<Sessions>>,
    hub: &State<Hub>,
) -> ApiResult<Issued> {
    let b = body.0;
    let issued = accounts::change_password(
        db,
        tokens,
        hasher,
        sessions,
        me.id,
        &b.old_password,
        &b.new_password,
    )
    .await?;
    hub.kick(&[me.id]);
    ok_msg("密码已修改", issued)
}

/// Revoke the token used for this call.
///
/// Only this token is revoked; other devices stay logged in.
#[utoipa::path(
    tag = "me",
    operation_id = "logout",
    responses(
        (status = 200, description = "`已退出`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "已退出", "data": null})),
        SignedIn,
    )
)]
#[post("/auth/logout")]
async fn logout(
    me: AuthUser,
    db: &State<Db>,
    sessions: &State<Arc<Sessions>>,
    hub: &State<Hub>,
) -> ApiResult<()> {
    accounts::logout(db, sessions, &me.jti, me.exp).await?;
    // Open streams of this user re-check their tokens; the one using this token ends.
    hub.kick(&[me.id]);
    ok_msg("已退出", ())
}

/// Search users by username prefix or display name.
///
/// Up to 20 users whose username starts with, or whose display name contains, `q`
/// (case-insensitive), excluding the caller; usernames starting with `q` first, then by
/// username.
#[utoipa::path(
    tag = "me",
    operation_id = "searchUsers",
    params(
        ("q" = Option<String>, Query, min_length = 1, max_length = 64,
            description = "The search text, trimmed; empty, missing or over 64 characters is `400`."),
    ),
    responses(
        (status = 200, description = "`success`", body = Envelope<Vec<SearchHit>>),
        (status = 400, response = BadRequest),   // 参数错误
        SignedIn,
    )
)]
#[get("/auth/users?<q>")]
async fn search_users(
    me: AuthUser,
    q: Option<&str>,
    db: &State<Db>,
    links: &State<Links>,
) -> ApiResult<Vec<SearchHit>> {
    ok(accounts::search(db, links, me.id, q).await?)
}
