//! Friends and friend requests (API.md §4).

use rocket::{delete, get, post, routes, Route, State};
use serde::{Deserialize, Serialize};

use super::body::Body;
use std::sync::Arc;

use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::friends::{self, FriendView, PendingRequests, RequestOutcome};
use crate::error::{created, ok, ok_msg, ApiResult};
use crate::ids::{Given, RequestId, UserId};
use crate::limits::{Limits, PerUser};

pub fn routes() -> Vec<Route> {
    routes![
        list_friends,
        send_request,
        list_requests,
        accept_request,
        reject_request,
        remove_friend
    ]
}

/// `GET /api/auth/friends`
#[get("/auth/friends")]
async fn list_friends(me: AuthUser, db: &State<Db>) -> ApiResult<Vec<FriendView>> {
    ok(friends::list(db, me.id).await?)
}

#[derive(Deserialize)]
struct SendRequest {
    user_id: Given<UserId>,
    message: Option<String>,
}

#[derive(Serialize)]
struct RequestRef {
    request_id: RequestId,
}

/// `POST /api/auth/friends/requests`
#[post("/auth/friends/requests", data = "<body>")]
async fn send_request(
    me: AuthUser,
    body: Body<SendRequest>,
    db: &State<Db>,
    limits: &State<Arc<Limits>>,
) -> ApiResult<RequestRef> {
    limits.user(PerUser::FriendRequest, me.id)?;
    match friends::send_request(db, me.id, body.user_id.known()?, body.message.as_deref()).await? {
        RequestOutcome::Pending(request_id) => created("好友请求已发送", RequestRef { request_id }),
        RequestOutcome::BecameFriends(request_id) => {
            ok_msg("已成为好友", RequestRef { request_id })
        }
    }
}

/// `GET /api/auth/friends/requests`
#[get("/auth/friends/requests")]
async fn list_requests(me: AuthUser, db: &State<Db>) -> ApiResult<PendingRequests> {
    ok(friends::pending(db, me.id).await?)
}

/// `POST /api/auth/friends/requests/<id>/accept`
#[post("/auth/friends/requests/<id>/accept")]
async fn accept_request(me: AuthUser, id: Given<RequestId>, db: &State<Db>) -> ApiResult<()> {
    friends::answer(db, me.id, id.known()?, true).await?;
    ok_msg("已添加好友", ())
}

/// `POST /api/auth/friends/requests/<id>/reject`
#[post("/auth/friends/requests/<id>/reject")]
async fn reject_request(me: AuthUser, id: Given<RequestId>, db: &State<Db>) -> ApiResult<()> {
    friends::answer(db, me.id, id.known()?, false).await?;
    ok_msg("已拒绝", ())
}

/// `DELETE /api/auth/friends/<user_id>`
#[delete("/auth/friends/<user_id>")]
async fn remove_friend(me: AuthUser, user_id: Given<UserId>, db: &State<Db>) -> ApiResult<()> {
    friends::remove(db, me.id, user_id.known()?).await?;
    ok_msg("已删除好友", ())
}
