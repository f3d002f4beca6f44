//! `POST /api/register`, `POST /api/login`, `GET /api/health` (public).

use std::sync::Arc;

use rocket::{get, post, routes, Route, State};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::body::Body;
use super::docs::responses::{
    BadCredentials, JsonBody, RegistrationClosed, ServerError, StorageFull, TooManyLoginAttempts,
    TooManyRequests, UsernameTaken,
};
use crate::auth::{LoginThrottle, Tokens};
use crate::config::Config;
use crate::db::Db;
use crate::domain::accounts::{self, LoggedIn, Registered};
use crate::domain::files::Links;
use crate::error::{created, ok, ok_msg, ApiResult, Envelope};
use crate::limits::{ClientAddr, Limits, PerAddress};
use crate::passwords::Hasher;

pub fn routes() -> Vec<Route> {
    routes![register, login, health]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(register, login, health))]
    struct Api;
    Api::openapi()
}

#[derive(Deserialize, ToSchema)]
struct Register {
    /// 3–32 of `[A-Za-z0-9_]`; unique ignoring case.
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = "^[A-Za-z0-9_]+$",
        example = "zhangsan"
    )]
    username: String,
    /// 8–128 characters.
    #[schema(min_length = 8, max_length = 128, format = Password)]
    password: String,
    /// 1–32 characters after trimming, no control characters; absent or `null` defaults to
    /// the username.
    #[schema(min_length = 1, max_length = 32, example = "张三")]
    display_name: Option<String>,
}

/// Create an account and get a token.
///
/// `403 注册已关闭` is checked before the body's fields are validated.
#[utoipa::path(
    tag = "accounts",
    operation_id = "register",
    request_body = Register,
    responses(
        (status = 201, description = "`注册成功`", body = Envelope<Registered>),
        (status = 403, response = RegistrationClosed), // 注册已关闭
        (status = 409, response = UsernameTaken),      // 用户名已存在
        (status = 429, response = TooManyRequests),    // 请求过于频繁
        (status = 500, response = ServerError),        // 服务器错误
        (status = 507, response = StorageFull),        // 存储空间不足
        JsonBody,
    )
)]
#[post("/register", data = "<body>")]
async fn register(
    client: ClientAddr,
    limits: &State<Arc<Limits>>,
    body: Body<Register>,
    db: &State<Db>,
    config: &State<Config>,
    tokens: &State<Tokens>,
    hasher: &State<Hasher>,
) -> ApiResult<Registered> {
    limits.address(PerAddress::Register, client)?;
    let b = body.0;
    let user = accounts::register(
        db,
        config,
        tokens,
        hasher,
        &b.username,
        &b.password,
        b.display_name.as_deref(),
    )
    .await?;
    created("注册成功", user)
}

#[derive(Deserialize, ToSchema)]
struct Login {
    /// Matched ignoring case.
    #[schema(example = "zhangsan")]
    username: String,
    #[schema(format = Password)]
    password: String,
}

/// Log in with username and password.
///
/// The username is matched ignoring case. After 10 failed attempts for one username within
/// 15 minutes, every attempt for it is `429` until the oldest failure is 15 minutes old.
#[utoipa::path(
    tag = "accounts",
    operation_id = "login",
    request_body = Login,
    responses(
        (status = 200, description = "`登录成功`", body = Envelope<LoggedIn>),
        (status = 401, response = BadCredentials),       // 用户名或密码错误
        (status = 429, response = TooManyLoginAttempts), // 尝试次数过多，请稍后再试 / 请求过于频繁
        (status = 500, response = ServerError),          // 服务器错误
        JsonBody,
    )
)]
#[post("/login", data = "<body>")]
#[allow(clippy::too_many_arguments)] // one per request guard and managed state
async fn login(
    client: ClientAddr,
    limits: &State<Arc<Limits>>,
    body: Body<Login>,
    db: &State<Db>,
    tokens: &State<Tokens>,
    hasher: &State<Hasher>,
    throttle: &State<LoginThrottle>,
    links: &State<Links>,
) -> ApiResult<LoggedIn> {
    limits.address(PerAddress::Login, client)?;
    let (name, password) = (&body.username, &body.password);
    let session = accounts::login(db, links, tokens, hasher, throttle, name, password).await?;
    ok_msg("登录成功", session)
}

#[derive(Serialize, ToSchema)]
struct Health {
    #[schema(schema_with = status_ok)]
    status: &'static str,
    /// The crate version.
    #[schema(example = "0.1.0")]
    version: &'static str,
}

/// `status`: always `ok`.
fn status_ok() -> utoipa::openapi::Object {
    super::docs::string_enum(&["ok"])
}

/// Liveness check and server version.
#[utoipa::path(
    tag = "accounts",
    operation_id = "health",
    responses(
        (status = 200, description = "`success`", body = Envelope<Health>,
            example = json!({"code": 200, "message": "success", "data": {"status": "ok", "version": "0.1.0"}})),
        (status = 500, response = ServerError), // 服务器错误
    )
)]
#[get("/health")]
fn health() -> ApiResult<Health> {
    ok(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}
