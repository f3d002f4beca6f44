//! The caller's profile, password and session, and user search.

use rocket::{get, patch, post, put, routes, Route, State};
use serde::Deserialize;

use super::body::Body;
use crate::auth::{AuthUser, Issued, Tokens};
use crate::passwords::Hasher;
use std::sync::Arc;

use crate::db::Db;
use crate::domain::accounts::{self, Profile, SearchHit};
use crate::error::{ok, ok_msg, ApiResult};
use crate::events::Hub;
use crate::sessions::Sessions;

pub fn routes() -> Vec<Route> {
    routes![me, update_me, change_password, logout, search_users]
}

/// `GET /api/auth/me`
#[get("/auth/me")]
async fn me(me: AuthUser, db: &State<Db>) -> ApiResult<Profile> {
    ok(accounts::profile(db, me.id).await?)
}

#[derive(Deserialize)]
struct UpdateMe {
    display_name: String,
}

/// `PATCH /api/auth/me`
#[patch("/auth/me", data = "<body>")]
async fn update_me(me: AuthUser, body: Body<UpdateMe>, db: &State<Db>) -> ApiResult<Profile> {
    ok(accounts::rename(db, me.id, &body.display_name).await?)
}

#[derive(Deserialize)]
struct ChangePassword {
    old_password: String,
    new_password: String,
}

/// `PUT /api/auth/me/password`
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

/// `POST /api/auth/logout`
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

/// `GET /api/auth/users?q=`
#[get("/auth/users?<q>")]
async fn search_users(me: AuthUser, q: Option<&str>, db: &State<Db>) -> ApiResult<Vec<SearchHit>> {
    ok(accounts::search(db, me.id, q).await?)
}
