//! §2 accounts and §3 me, users and sessions.

use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;

mod login;
mod logout_and_search;
mod me;
mod register;

// ---------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------

/// Registers with `body`, which must succeed, and asserts each `(field, value)` both in the
/// answer and in `GET /api/auth/me` with the new token, which must be the new user's.
#[track_caller]
fn assert_registered_as(app: &TestApp, body: Value, fields: &[(&str, &str)]) {
    let res = register(app, body);
    res.expect(201, "注册成功");
    let me = app.me(&res.data_str("token"));
    for (field, value) in fields {
        assert_eq!(res.data()[field], *value, "{field} in the answer");
        assert_eq!(me[field], *value, "{field} in me");
    }
    assert_eq!(me["user_id"], res.data()["user_id"], "me is the new user");
}

fn register(app: &TestApp, body: Value) -> Resp {
    app.call(Method::Post, "/api/register", None, Some(body))
}

const WRONG_CREDENTIALS: &str = "用户名或密码错误";
const TOO_MANY_ATTEMPTS: &str = "尝试次数过多，请稍后再试";

/// `times` logins of `username` with a wrong password, each an ordinary `401`.
#[track_caller]
fn fail_logins(app: &TestApp, username: &str, times: usize) {
    for attempt in 1..=times {
        app.try_login(username, "wrong-password")
            .status_for(401, format!("failed login {attempt} of {username}"))
            .expect_error(401, WRONG_CREDENTIALS);
    }
}

/// Asserts logging in as `username` with `password` is refused as throttled.
#[track_caller]
fn assert_throttled(app: &TestApp, username: &str, password: &str) {
    app.try_login(username, password)
        .expect_error(429, TOO_MANY_ATTEMPTS);
}

fn search(app: &TestApp, who: &User, q: &str) -> Resp {
    app.get(&format!("/api/auth/users?q={q}"), &who.token)
}

#[track_caller]
fn usernames(res: &Resp) -> Vec<String> {
    res.expect(200, "success");
    assert!(
        res.data().is_array(),
        "search data should be an array: {}",
        res.body
    );
    res.list()
        .iter()
        .map(|hit| hit["username"].as_str().unwrap().to_string())
        .collect()
}
