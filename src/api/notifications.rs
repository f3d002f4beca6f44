//! The caller's notification settings (API.md §15).

use rocket::{delete, get, post, put, routes, Route, State};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::body::Body;
use super::docs::responses::{JsonBody, SignedIn, StorageFull};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::notifications::{self, Change, SettingsView};
use crate::error::{created, ok, ok_msg, ApiResult, Envelope, Null};

pub fn routes() -> Vec<Route> {
    routes![get_settings, set_settings, subscribe, unsubscribe]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(get_settings, set_settings, subscribe, unsubscribe))]
    struct Api;
    Api::openapi()
}

/// The caller's notification settings (the token masked).
#[utoipa::path(
    tag = "me",
    operation_id = "getNotificationSettings",
    responses(
        (status = 200, description = "`success`", body = Envelope<SettingsView>),
        SignedIn,
    )
)]
#[get("/auth/me/notifications")]
async fn get_settings(me: AuthUser, db: &State<Db>) -> ApiResult<SettingsView> {
    ok(notifications::get(db, me.id).await?)
}

#[derive(Deserialize, ToSchema)]
struct Settings {
    /// The ntfy topic URL; `null` or `""` turns ntfy off.
    #[schema(example = "https://ntfy.sh/zhang-family-7f3c")]
    ntfy_url: Option<String>,
    /// An access token for a protected topic (sent as `Authorization: Bearer …`); `null` or
    /// `""` for none.
    ntfy_token: Option<String>,
    /// Show who wrote what (default `true`), else only `你收到一条新消息`.
    #[serde(default = "shown")]
    show_content: bool,
}

fn shown() -> bool {
    true
}

/// Set where and how the caller is notified (ntfy).
///
/// The whole setting is replaced. The token is kept as sent and never shown again in full.
#[utoipa::path(
    tag = "me",
    operation_id = "setNotificationSettings",
    request_body = Settings,
    responses(
        (status = 200, description = "`success`", body = Envelope<SettingsView>),
        (status = 507, response = StorageFull),     // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[put("/auth/me/notifications", data = "<body>")]
async fn set_settings(
    me: AuthUser,
    body: Body<Settings>,
    db: &State<Db>,
) -> ApiResult<SettingsView> {
    let change = Change {
        ntfy_url: body.ntfy_url.as_deref(),
        ntfy_token: body.ntfy_token.as_deref(),
        show_content: body.show_content,
    };
    ok(notifications::set(db, me.id, change).await?)
}

#[derive(Deserialize, ToSchema)]
struct Keys {
    /// The browser's P-256 public key, base64url.
    p256dh: String,
    /// The browser's 16-byte authentication secret, base64url.
    auth: String,
}

/// A browser's `PushSubscription` as `toJSON()` gives it.
#[derive(Deserialize, ToSchema)]
struct PushSubscription {
    #[schema(example = "https://fcm.googleapis.com/fcm/send/abc…")]
    endpoint: String,
    keys: Keys,
}

/// Subscribe this browser to Web Push (API.md §15).
///
/// The same endpoint again replaces its keys (and moves it to the caller).
#[utoipa::path(
    tag = "me",
    operation_id = "subscribePush",
    request_body = PushSubscription,
    responses(
        (status = 201, description = "`已订阅`", body = Envelope<Null>,
            example = json!({"code": 201, "message": "已订阅", "data": null})),
        (status = 507, response = StorageFull),     // 存储空间不足
        SignedIn,
        JsonBody,
    )
)]
#[post("/auth/push/subscriptions", data = "<body>")]
async fn subscribe(me: AuthUser, body: Body<PushSubscription>, db: &State<Db>) -> ApiResult<()> {
    let s = &body.0;
    notifications::subscribe(db, me.id, &s.endpoint, &s.keys.p256dh, &s.keys.auth).await?;
    created("已订阅", ())
}

#[derive(Deserialize, ToSchema)]
struct Endpoint {
    endpoint: String,
}

/// Unsubscribe a browser (at logout, or when the user turns notifications off).
///
/// An endpoint the caller has no subscription at is fine too.
#[utoipa::path(
    tag = "me",
    operation_id = "unsubscribePush",
    request_body = Endpoint,
    responses(
        (status = 200, description = "`已取消订阅`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "已取消订阅", "data": null})),
        SignedIn,
        JsonBody,
    )
)]
#[delete("/auth/push/subscriptions", data = "<body>")]
async fn unsubscribe(me: AuthUser, body: Body<Endpoint>, db: &State<Db>) -> ApiResult<()> {
    notifications::unsubscribe(db, me.id, &body.0.endpoint).await?;
    ok_msg("已取消订阅", ())
}
