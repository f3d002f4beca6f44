//! `POST /api/register`, `POST /api/login`, `GET /api/health` (public).

use std::sync::Arc;

use rocket::{get, post, routes, Route, State};
use serde::{Deserialize, Serialize};

use super::body::Body;
use crate::auth::{LoginThrottle, Tokens};
use crate::config::Config;
use crate::db::Db;
use crate::domain::accounts::{self, LoggedIn, Registered};
use crate::error::{created, ok, ok_msg, ApiResult};
use crate::limits::{ClientAddr, Limits, PerAddress};
use crate::passwords::Hasher;

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

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

/// `POST /api/login`
#[post("/login", data = "<body>")]
async fn login(
    client: ClientAddr,
    limits: &State<Arc<Limits>>,
    body: Body<Login>,
    db: &State<Db>,
    tokens: &State<Tokens>,
    hasher: &State<Hasher>,
    throttle: &State<LoginThrottle>,
) -> ApiResult<LoggedIn> {
    limits.address(PerAddress::Login, client)?;
    let (name, password) = (&body.username, &body.password);
    let session = accounts::login(db, tokens, hasher, throttle, name, password).await?;
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
