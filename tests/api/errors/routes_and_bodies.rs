//! Unknown routes and request bodies: every failure is the envelope.

use super::*;

#[test]
fn unknown_route_under_api_is_404_with_the_envelope() {
    let app = TestApp::spawn();
    for (method, path) in [
        (Method::Get, "/api/nope"),
        (Method::Post, "/api/nope"),
        (Method::Get, "/api"),
        (Method::Get, "/api/"),
        (Method::Get, "/api/registerx"),
        (Method::Post, "/api/v2/login"),
        (Method::Delete, "/api/health/x"),
        (Method::Put, "/api/nope/deeper/still"),
    ] {
        assert_no_such_route(&app, method, path, None);
    }
    // With a JSON body too.
    app.call(Method::Post, "/api/nope", None, Some(json!({"a": 1})))
        .expect_error(404, "接口不存在");
}

#[test]
fn unknown_route_under_api_auth_with_a_valid_token_is_404() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for (method, path) in [
        (Method::Get, "/api/auth/nope"),
        (Method::Post, "/api/auth/nope"),
        (Method::Get, "/api/auth/me/extra"),
    ] {
        assert_no_such_route(&app, method, path, Some(&alice.token));
    }
}

#[test]
fn wrong_method_on_a_known_path_is_404() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for (method, path, token) in [
        (Method::Get, "/api/register", None),
        (Method::Get, "/api/login", None),
        (Method::Put, "/api/login", None),
        (Method::Post, "/api/health", None),
        (Method::Delete, "/api/health", None),
        (Method::Delete, "/api/auth/me", Some(alice.token.as_str())),
        (Method::Post, "/api/auth/me", Some(alice.token.as_str())),
        (Method::Get, "/api/auth/logout", Some(alice.token.as_str())),
        (
            Method::Get,
            "/api/auth/messages",
            Some(alice.token.as_str()),
        ),
        (
            Method::Put,
            "/api/auth/conversations",
            Some(alice.token.as_str()),
        ),
    ] {
        assert_no_such_route(&app, method, path, token);
    }
}

#[test]
fn malformed_json_is_400() {
    let app = TestApp::spawn();
    for body in [
        "{",
        "{\"username\": \"alice\", \"password\": ",
        "not json",
        "{'username': 'alice'}",
        "{\"username\": \"alice\", \"password\": \"password123\",}",
        "",
        "\u{feff}{}",
        "{\"username\": \"alice\"} trailing",
    ] {
        app.raw(Method::Post, "/api/register", None, Some(body.to_string()))
            .status_for(400, format!("body {body:?}"))
            .expect_bad_request();
    }
    // The documented reason.
    app.raw(Method::Post, "/api/register", None, Some("{".to_string()))
        .expect_error(400, "参数错误：请求体不是有效的 JSON");
}

#[test]
fn missing_body_is_400() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for (method, path, token) in [
        (Method::Post, "/api/register", None),
        (Method::Post, "/api/login", None),
        (Method::Patch, "/api/auth/me", Some(alice.token.as_str())),
    ] {
        app.raw(method, path, token, None)
            .status_for(400, format!("{method} {path}"))
            .expect_bad_request();
    }
}

#[test]
fn json_that_is_not_an_object_is_400() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for body in ["[]", "[{}]", "42", "-1.5", "\"text\"", "null", "true"] {
        app.raw(Method::Post, "/api/login", None, Some(body.to_string()))
            .status_for(400, format!("login body {body}"))
            .expect_bad_request();
        app.raw(
            Method::Patch,
            "/api/auth/me",
            Some(&alice.token),
            Some(body.to_string()),
        )
        .status_for(400, format!("PATCH /me body {body}"))
        .expect_bad_request();
    }
}

#[test]
fn array_holding_the_fields_in_order_is_400_not_accepted_as_the_object() {
    // serde's derived `Deserialize` accepts a struct as a sequence of its fields; the
    // contract's bodies are objects, so an array is a wrong type.
    let app = TestApp::spawn();
    let alice = app.user_named("alice", "Alice");
    for (method, path, token, fields) in [
        (Method::Post, "/api/login", None, json!(["alice", PASSWORD])),
        (
            Method::Post,
            "/api/register",
            None,
            json!(["arrayuser", PASSWORD, "Array"]),
        ),
        (
            Method::Patch,
            "/api/auth/me",
            Some(alice.token.as_str()),
            json!(["Renamed"]),
        ),
    ] {
        app.raw(method, path, token, Some(fields.to_string()))
            .status_for(400, format!("{method} {path} {fields}"))
            .expect_bad_request();
    }
    assert_eq!(app.me(&alice.token)["display_name"], "Alice");
}

#[test]
fn missing_fields_and_wrong_types_are_400() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for body in [
        json!({}),
        json!({"username": "alice"}),
        json!({"username": ["alice"], "password": PASSWORD}),
        json!({"username": "alice", "password": 12345678}),
        json!({"username": "alice", "password": {"p": PASSWORD}}),
        json!({"username": "alice", "password": null}),
    ] {
        app.call(Method::Post, "/api/login", None, Some(body.clone()))
            .status_for(400, &body)
            .expect_bad_request();
    }
    // The documented reason.
    app.call(
        Method::Post,
        "/api/login",
        None,
        Some(json!({"username": "alice"})),
    )
    .expect_error(400, "参数错误：字段缺失或类型错误");

    // Same on authenticated routes.
    for (method, path, body) in [
        (Method::Patch, "/api/auth/me", json!({"display_name": 1})),
        (
            Method::Put,
            "/api/auth/me/password",
            json!({"old_password": PASSWORD}),
        ),
        (
            Method::Post,
            "/api/auth/friends/requests",
            json!({"user_id": 5}),
        ),
        (Method::Post, "/api/auth/conversations/private", json!({})),
        (
            Method::Post,
            "/api/auth/conversations/group",
            json!({"name": "g", "member_ids": "u_1"}),
        ),
    ] {
        app.call(method, path, Some(&alice.token), Some(body.clone()))
            .status_for(400, format!("{method} {path} {body}"))
            .expect_bad_request();
    }
}

#[test]
fn unknown_fields_are_ignored() {
    let app = TestApp::spawn();
    app.user("alice");
    let res = app.call(
        Method::Post,
        "/api/login",
        None,
        Some(json!({"username": "alice", "password": PASSWORD, "remember_me": true, "n": [1]})),
    );
    res.expect(200, "登录成功");
}

#[test]
fn json_is_accepted_whatever_the_content_type() {
    let app = TestApp::spawn();
    app.user("alice");
    let body = json!({"username": "alice", "password": PASSWORD}).to_string();
    for content_type in [Some(ContentType::Plain), Some(ContentType::Form), None] {
        let mut req = app.client.post("/api/login").body(body.clone());
        if let Some(ct) = content_type.clone() {
            req = req.header(ct);
        }
        let res = req.dispatch();
        let status = res.status().code;
        let parsed: Value = serde_json::from_str(&res.into_string().unwrap()).unwrap();
        assert_eq!(status, 200, "Content-Type {content_type:?} → {parsed}");
        assert_eq!(parsed["message"], "登录成功");
    }
}

#[test]
fn body_over_64_kib_is_413() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let padding = "x".repeat(BODY_LIMIT);
    let big = json!({"username": "bigbody", "password": PASSWORD, "pad": padding}).to_string();
    assert!(big.len() > BODY_LIMIT);
    app.raw(Method::Post, "/api/register", None, Some(big.clone()))
        .expect_error(413, "请求体过大");
    // Nothing was created.
    app.call(
        Method::Post,
        "/api/login",
        None,
        Some(json!({"username": "bigbody", "password": PASSWORD})),
    )
    .expect_error(401, "用户名或密码错误");

    // On an authenticated route too, and also when the oversized body is not JSON at all
    // (a much larger one too).
    app.raw(Method::Patch, "/api/auth/me", Some(&alice.token), Some(big))
        .expect_error(413, "请求体过大");
    for oversized in ["y".repeat(BODY_LIMIT + 1), "z".repeat(4 * BODY_LIMIT)] {
        app.raw(Method::Post, "/api/login", None, Some(oversized))
            .expect_error(413, "请求体过大");
    }
}

#[test]
fn body_of_exactly_64_kib_plus_one_byte_is_413() {
    let app = TestApp::spawn();
    let body = padded_login_body(BODY_LIMIT + 1);
    app.raw(Method::Post, "/api/login", None, Some(body))
        .expect_error(413, "请求体过大");
}

/// A valid login body for `alice` of exactly `len` bytes (an ignored `pad` field fills it).
fn padded_login_body(len: usize) -> String {
    let empty = json!({"username": "alice", "password": PASSWORD, "pad": ""}).to_string();
    let body =
        json!({"username": "alice", "password": PASSWORD, "pad": "p".repeat(len - empty.len())})
            .to_string();
    assert_eq!(body.len(), len);
    body
}

#[test]
fn valid_body_just_under_and_at_64_kib_is_accepted() {
    let app = TestApp::spawn();
    app.user("alice");
    for len in [BODY_LIMIT - 100, BODY_LIMIT - 1, BODY_LIMIT] {
        app.raw(
            Method::Post,
            "/api/login",
            None,
            Some(padded_login_body(len)),
        )
        .status_for(200, format!("a {len}-byte body"))
        .expect(200, "登录成功");
    }
}
