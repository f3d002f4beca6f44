//! `POST /api/register`, `POST /api/login`, `GET /api/health` (public).

use rocket::{get, post, routes, Route, State};
use serde::{Deserialize, Serialize};

use super::body::Body;
use crate::auth::{LoginThrottle, Tokens};
use crate::config::Config;
use crate::db::Db;
use crate::domain::accounts::{self, LoggedIn, Registered};
use crate::error::{created, ok, ok_msg, ApiResult};

pub fn routes() -> Vec<Route> {
    routes![register, login, health]
}

#[derive(Deserialize)]
struct Register {
    username: String,
    password: String,
    display_name: Option<String>,
}

/// `POST /api/register`
#[post("/register", data = "<body>")]
async fn register(
    body: Body<Register>,
    db: &State<Db>,
    config: &State<Config>,
    tokens: &State<Tokens>,
) -> ApiResult<Registered> {
    let b = body.0;
    let user = accounts::register(
        db,
        config,
        tokens,
        &b.username,
        &b.password,
        b.display_name.as_deref(),
    )
    .await?;
    created("注册成功", user)
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

/// `POST /api/login`
#[post("/login", data = "<body>")]
async fn login(
    body: Body<Login>,
    db: &State<Db>,
    tokens: &State<Tokens>,
    throttle: &State<LoginThrottle>,
) -> ApiResult<LoggedIn> {
    let session = accounts::login(db, tokens, throttle, &body.username, &body.password).await?;
    ok_msg("登录成功", session)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// `GET /api/health`
#[get("/health")]
fn health() -> ApiResult<Health> {
    ok(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}
