//! Friends and friend requests (API.md §4).

use rocket::{delete, get, post, put, routes, Route, State};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::body::Body;
use super::docs::responses::{
    AlreadyFriends, FriendRequestNotFound, JsonBody, SignedIn, StorageFull, TooManyRequests,
    UserNotFound,
};
use std::sync::Arc;

use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::files::Links;
use crate::domain::friends::{self, FriendView, PendingRequests, RequestOutcome};
use crate::error::{created, ok, ok_msg, ApiResult, Envelope, Null};
use crate::ids::{Given, RequestId, UserId};
use crate::limits::{Limits, PerUser};

pub fn routes() -> Vec<Route> {
    routes![
        list_friends,
        send_request,
        list_requests,
        accept_request,
        reject_request,
        remove_friend,
        set_remark
    ]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        list_friends,
        send_request,
        list_requests,
        accept_request,
        reject_request,
        remove_friend,
        set_remark
    ))]
    struct Api;
    Api::openapi()
}

/// The caller's friends, by username.
#[utoipa::path(
    tag = "friends",
    operation_id = "listFriends",
    responses(
        (status = 200, description = "`success`", body = Envelope<Vec<FriendView>>),
        SignedIn,
    )
)]
#[get("/auth/friends")]
async fn list_friends(
    me: AuthUser,
    db: &State<Db>,
    links: &State<Links>,
) -> ApiResult<Vec<FriendView>> {
    ok(friends::list(db, links, me.id).await?)
}

#[derive(Deserialize, ToSchema)]
struct SendRequest {
    /// The user to befriend. Any string is accepted; a malformed or unknown id is a 404.
    #[schema(value_type = String)]
    user_id: Given<UserId>,
    /// An optional note, at most 200 characters.
    #[schema(max_length = 200, example = "我是张三")]
    message: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct RequestRef {
    request_id: RequestId,
}

/// Send a friend request.
///
/// Sending to oneself is `400`.
#[utoipa::path(
    tag = "friends",
    operation_id = "sendFriendRequest",
    request_body = SendRequest,
    responses(
        (status = 200, description = "`已成为好友` — the other user had a pending request to the caller: both are friends now; `request_id` is that request's id.", body = Envelope<RequestRef>),
        (status = 201, description = "`好友请求已发送` — a new pending request, or the one already pending from the caller.", body = Envelope<RequestRef>),
        (status = 404, response = UserNotFound),    // 用户不存在
        (status = 409, response = AlreadyFriends),  // 已经是好友
        (status = 429, response = TooManyRequests), // 请求过于频繁
        (status = 507, response = StorageFull),     // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
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

/// Pending friend requests, incoming and outgoing.
#[utoipa::path(
    tag = "friends",
    operation_id = "listFriendRequests",
    responses(
        (status = 200, description = "`success`", body = Envelope<PendingRequests>),
        SignedIn,
    )
)]
#[get("/auth/friends/requests")]
async fn list_requests(
    me: AuthUser,
    db: &State<Db>,
    links: &State<Links>,
) -> ApiResult<PendingRequests> {
    ok(friends::pending(db, links, me.id).await?)
}

/// Accept a friend request.
#[utoipa::path(
    tag = "friends",
    operation_id = "acceptFriendRequest",
    params(("id" = String, Path, description = "The friend request id (`r_…`).")),
    responses(
        (status = 200, description = "`已添加好友`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "已添加好友", "data": null})),
        (status = 404, response = FriendRequestNotFound), // 请求不存在
        (status = 507, response = StorageFull),           // 存储空间不足
        SignedIn,
    )
)]
#[post("/auth/friends/requests/<id>/accept")]
async fn accept_request(me: AuthUser, id: Given<RequestId>, db: &State<Db>) -> ApiResult<()> {
    friends::answer(db, me.id, id.known()?, true).await?;
    ok_msg("已添加好友", ())
}

/// Reject a friend request.
#[utoipa::path(
    tag = "friends",
    operation_id = "rejectFriendRequest",
    params(("id" = String, Path, description = "The friend request id (`r_…`).")),
    responses(
        (status = 200, description = "`已拒绝`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "已拒绝", "data": null})),
        (status = 404, response = FriendRequestNotFound), // 请求不存在
        (status = 507, response = StorageFull),           // 存储空间不足
        SignedIn,
    )
)]
#[post("/auth/friends/requests/<id>/reject")]
async fn reject_request(me: AuthUser, id: Given<RequestId>, db: &State<Db>) -> ApiResult<()> {
    friends::answer(db, me.id, id.known()?, false).await?;
    ok_msg("已拒绝", ())
}

/// End a friendship.
///
/// The private conversation stays readable, but sending into it is refused while friendship
/// is required. Not friends (or a malformed/unknown id) is `404 用户不存在`.
#[utoipa::path(
    tag = "friends",
    operation_id = "removeFriend",
    params(("user_id" = String, Path, description = "The friend's user id (`u_…`).")),
    responses(
        (status = 200, description = "`已删除好友`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "已删除好友", "data": null})),
        (status = 404, response = UserNotFound), // 用户不存在
        SignedIn,
    )
)]
#[delete("/auth/friends/<user_id>")]
async fn remove_friend(me: AuthUser, user_id: Given<UserId>, db: &State<Db>) -> ApiResult<()> {
    friends::remove(db, me.id, user_id.known()?).await?;
    ok_msg("已删除好友", ())
}

#[derive(Deserialize, Serialize, ToSchema)]
struct Remark {
    /// 0–32 characters after trimming, no control characters; empty removes the remark.
    /// In the answer: the remark as kept, or `null`.
    #[schema(value_type = Option<String>, example = "爸爸")]
    remark: Option<String>,
}

/// Set a remark for a friend (备注).
///
/// Wherever the caller sees that friend's name (a private chat's title, `sender_name`,
/// members, system messages, quotes, search), the remark replaces the display name, for
/// the caller only; friends lists carry it as `remark`. The caller's devices get
/// `friend.updated` `{user_id, remark}`. Not a friend (or unknown): `404 用户不存在`.
#[utoipa::path(
    tag = "friends",
    operation_id = "setRemark",
    params(("user_id" = String, Path, description = "The friend (`u_…`); a malformed or unknown id, or not a friend, is `404 用户不存在`.")),
    request_body = Remark,
    responses(
        (status = 200, description = "`success`", body = Envelope<Remark>),
        (status = 404, response = UserNotFound),    // 用户不存在
        (status = 507, response = StorageFull),     // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[put("/auth/friends/<user_id>/remark", data = "<body>")]
async fn set_remark(
    me: AuthUser,
    user_id: Given<UserId>,
    body: Body<Remark>,
    db: &State<Db>,
) -> ApiResult<Remark> {
    let raw = body
        .0
        .remark
        .as_deref()
        .ok_or_else(|| crate::error::Error::bad_request("字段缺失或类型错误"))?;
    let remark = friends::set_remark(db, me.id, user_id.known()?, raw).await?;
    ok(Remark { remark })
}
