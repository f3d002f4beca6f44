//! §1 general rules: the envelope on every error, unknown routes, bodies, tokens, ids.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header as JwtHeader};
use rocket::http::{ContentType, Method};
use serde_json::{json, Value};

use crate::helpers::*;

const BODY_LIMIT: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------

/// Every route under `/api/auth/` in the contract, with a plausible body, so that only the
/// token decides the answer.
fn auth_routes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::Get, "/api/auth/me", None),
        (
            Method::Patch,
            "/api/auth/me",
            Some(json!({"display_name": "x"})),
        ),
        (
            Method::Put,
            "/api/auth/me/password",
            Some(json!({"old_password": PASSWORD, "new_password": "new-password"})),
        ),
        (Method::Post, "/api/auth/logout", None),
        (Method::Get, "/api/auth/users?q=a", None),
        (Method::Get, "/api/auth/friends", None),
        (Method::Get, "/api/auth/friends/requests", None),
        (
            Method::Post,
            "/api/auth/friends/requests",
            Some(json!({"user_id": "u_1"})),
        ),
        (Method::Post, "/api/auth/friends/requests/r_1/accept", None),
        (Method::Post, "/api/auth/friends/requests/r_1/reject", None),
        (Method::Delete, "/api/auth/friends/u_1", None),
        (Method::Get, "/api/auth/conversations", None),
        (Method::Get, "/api/auth/conversations/c_1", None),
        (
            Method::Post,
            "/api/auth/conversations/private",
            Some(json!({"friend_id": "u_1"})),
        ),
        (
            Method::Post,
            "/api/auth/conversations/group",
            Some(json!({"name": "g", "member_ids": ["u_1"]})),
        ),
        (
            Method::Put,
            "/api/auth/conversations/c_1/pin",
            Some(json!({"is_pinned": true})),
        ),
        (
            Method::Post,
            "/api/auth/conversations/c_1/read",
            Some(json!({})),
        ),
        (Method::Get, "/api/auth/conversations/c_1/members", None),
        (
            Method::Post,
            "/api/auth/conversations/c_1/members",
            Some(json!({"member_ids": ["u_1"]})),
        ),
        (
            Method::Delete,
            "/api/auth/conversations/c_1/members/u_1",
            None,
        ),
        (
            Method::Patch,
            "/api/auth/conversations/c_1",
            Some(json!({"name": "n"})),
        ),
        (
            Method::Post,
            "/api/auth/messages",
            Some(json!({"conversation_id": "c_1", "content": "hi"})),
        ),
        (
            Method::Delete,
            "/api/auth/messages/recall",
            Some(json!({"id": "m_1"})),
        ),
        (
            Method::Delete,
            "/api/auth/messages/delete",
            Some(json!({"id": "m_1"})),
        ),
        (Method::Get, "/api/auth/events", None),
    ]
}

/// Asserts that every `/api/auth/` route answers `401 未授权` (with no data) to the given
/// `Authorization` header; lists every route that does not.
#[track_caller]
fn assert_every_auth_route_is_401(app: &TestApp, authorization: Option<&str>) {
    let mut wrong = Vec::new();
    for (method, path, body) in auth_routes() {
        let res =
            app.raw_with_authorization(method, path, authorization, body.map(|b| b.to_string()));
        let ok = res.status == 401
            && res.body["code"] == json!(401)
            && res.body["message"] == json!("未授权")
            && res.body.get("data").is_none_or(Value::is_null);
        if !ok {
            wrong.push(format!("{method} {path} → {} {}", res.status, res.body));
        }
    }
    assert!(
        wrong.is_empty(),
        "with Authorization {authorization:?}, these routes did not answer 401 未授权:\n{}",
        wrong.join("\n")
    );
}

/// Asserts `method path` (with `token`, if any) is answered `404 接口不存在`.
#[track_caller]
fn assert_no_such_route(app: &TestApp, method: Method, path: &str, token: Option<&str>) {
    app.call(method, path, token, None)
        .status_for(404, format!("{method} {path}"))
        .expect_error(404, "接口不存在");
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// An HS256 JWT with the given claims, signed with `secret`.
fn jwt(secret: &str, claims: &Value) -> String {
    encode(
        &JwtHeader::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode jwt")
}

/// The claims chatd issues for `user` (generation 0), valid for an hour.
fn claims_for(user: &str) -> Value {
    json!({"sub": user, "gen": 0, "jti": "crafted-jti", "iat": now(), "exp": now() + 3600})
}

/// `token` with one character of its signature changed (in the middle, where every bit
/// counts).
fn flip_signature_char(token: &str) -> String {
    let (head, signature) = token.rsplit_once('.').unwrap();
    let mut sig: Vec<char> = signature.chars().collect();
    let i = sig.len() / 2;
    sig[i] = if sig[i] == 'A' { 'B' } else { 'A' };
    format!("{head}.{}", sig.into_iter().collect::<String>())
}

// ---------------------------------------------------------------------------------------
// Unknown routes
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

#[test]
fn every_auth_route_without_token_is_401() {
    let app = TestApp::spawn();
    app.user("alice");
    assert_every_auth_route_is_401(&app, None);
}

#[test]
fn every_auth_route_with_a_malformed_authorization_header_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let headers = [
        "Token x".to_string(),
        format!("Token {}", alice.token),
        "Bearer".to_string(),
        "Bearer ".to_string(),
        "Bearer    ".to_string(),
        "Bearer x".to_string(),
        "Bearer a.b.c".to_string(),
        "Basic YWxpY2U6cGFzc3dvcmQxMjM=".to_string(),
        alice.token.clone(),
        format!("Bearer {}x", alice.token),
        format!("Bearer {}.", alice.token),
        format!("Bearer {} {}", alice.token, alice.token),
        String::new(),
    ];
    for header in &headers {
        assert_every_auth_route_is_401(&app, Some(header));
    }
    // Control: the well-formed header works.
    app.raw_with_authorization(
        Method::Get,
        "/api/auth/me",
        Some(&format!("Bearer {}", alice.token)),
        None,
    )
    .expect(200, "success");
}

#[test]
fn every_auth_route_with_a_tampered_token_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let bob = app.user("bob");

    // A changed signature.
    let flipped = flip_signature_char(&alice.token);
    assert_ne!(flipped, alice.token);
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {flipped}")));

    // A changed payload (bob's claims) under alice's signature.
    let (alice_head, alice_sig) = alice.token.rsplit_once('.').unwrap();
    let (bob_head, _) = bob.token.rsplit_once('.').unwrap();
    let (header, _) = alice_head.split_once('.').unwrap();
    let (_, bob_payload) = bob_head.split_once('.').unwrap();
    let spliced = format!("{header}.{bob_payload}.{alice_sig}");
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {spliced}")));

    // A hand-written payload (another user, far future) under alice's signature.
    let forged = base64url(
        json!({"sub": bob.id, "gen": 0, "jti": "x", "iat": now(), "exp": now() + 999_999})
            .to_string()
            .as_bytes(),
    );
    let forged = format!("{header}.{forged}.{alice_sig}");
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {forged}")));

    // A token with no signature.
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {alice_head}.")));
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {alice_head}")));

    // The untouched tokens still work.
    app.me(&alice.token);
    app.me(&bob.token);
}

#[test]
fn crafted_token_signed_with_the_right_secret_works() {
    // Control for the crafted-token tests below: the claims are the ones chatd issues.
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let token = jwt(JWT_SECRET, &claims_for(&alice.id));
    assert_eq!(app.me(&token)["user_id"], json!(alice.id));
}

#[test]
fn every_auth_route_with_a_token_signed_by_another_secret_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let token = jwt(
        "another-secret-another-secret-another!",
        &claims_for(&alice.id),
    );
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {token}")));
    // Even a one-character difference in the secret.
    let almost = format!("{}?", &JWT_SECRET[..JWT_SECRET.len() - 1]);
    assert_ne!(almost, JWT_SECRET);
    let token = jwt(&almost, &claims_for(&alice.id));
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {token}")));
}

#[test]
fn every_auth_route_with_an_expired_token_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for exp in [now() - 1, now() - 3600, 1] {
        let claims = json!({"sub": alice.id, "gen": 0, "jti": "x", "iat": exp - 60, "exp": exp});
        let token = jwt(JWT_SECRET, &claims);
        assert_every_auth_route_is_401(&app, Some(&format!("Bearer {token}")));
    }
}

#[test]
fn token_expires_after_token_ttl_secs() {
    let app = TestApp::spawn_with(&[("token_ttl_secs", json!(1))]);
    let alice = app.user("alice");
    app.me(&alice.token);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {}", alice.token)));
}

#[test]
fn every_auth_route_with_a_token_for_an_unknown_user_is_401() {
    let app = TestApp::spawn();
    app.user("alice");
    for sub in [
        "u_999",
        "u_0",
        "u_abc",
        "abc",
        "c_1",
        "",
        "u_99999999999999999999",
    ] {
        let token = jwt(JWT_SECRET, &claims_for(sub));
        assert_every_auth_route_is_401(&app, Some(&format!("Bearer {token}")));
    }
}

#[test]
fn token_with_missing_or_wrong_claims_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let exp = now() + 3600;
    for claims in [
        json!({"sub": alice.id, "gen": 0, "jti": "x", "iat": now()}),
        json!({"gen": 0, "jti": "x", "iat": now(), "exp": exp}),
        json!({"sub": alice.id, "gen": 1, "jti": "x", "iat": now(), "exp": exp}),
        json!({"sub": alice.id, "gen": -1, "jti": "x", "iat": now(), "exp": exp}),
        json!({"sub": 1, "gen": 0, "jti": "x", "iat": now(), "exp": exp}),
        json!({"sub": alice.id, "gen": 0, "jti": "x", "iat": now(), "exp": "tomorrow"}),
    ] {
        app.get("/api/auth/me", &jwt(JWT_SECRET, &claims))
            .status_for(401, format!("claims {claims}"))
            .expect_error(401, "未授权");
    }
}

#[test]
fn alg_none_token_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let payload = base64url(claims_for(&alice.id).to_string().as_bytes());
    for header in [
        json!({"alg": "none", "typ": "JWT"}),
        json!({"alg": "None", "typ": "JWT"}),
        json!({"alg": "NONE"}),
    ] {
        let header = base64url(header.to_string().as_bytes());
        for token in [
            format!("{header}.{payload}."),
            format!("{header}.{payload}"),
        ] {
            assert_every_auth_route_is_401(&app, Some(&format!("Bearer {token}")));
        }
    }
    // alg HS512 with the right secret is not what chatd issues either.
    let token = encode(
        &JwtHeader::new(Algorithm::HS512),
        &claims_for(&alice.id),
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    app.get("/api/auth/me", &token).expect_error(401, "未授权");
}

#[test]
fn revoked_token_is_401_on_every_auth_route() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    app.call(Method::Post, "/api/auth/logout", Some(&alice.token), None)
        .expect(200, "已退出");
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {}", alice.token)));
}

#[test]
fn public_routes_ignore_a_bad_token() {
    let app = TestApp::spawn();
    app.user("alice");
    let res = app.call(Method::Get, "/api/health", Some("garbage"), None);
    res.expect(200, "success");
    let res = app.call(
        Method::Post,
        "/api/login",
        Some("garbage"),
        Some(json!({"username": "alice", "password": PASSWORD})),
    );
    res.expect(200, "登录成功");
}

// ---------------------------------------------------------------------------------------
// Malformed ids
// ---------------------------------------------------------------------------------------

#[test]
fn malformed_conversation_id_is_404_conversation_not_found() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for id in [
        "abc",
        "c_",
        "c_0",
        "c_01",
        "c_-1",
        "c_1x",
        "u_1",
        "C_1",
        "c_99999999999999999999",
        "c_999",
    ] {
        app.get(&format!("/api/auth/conversations/{id}"), &alice.token)
            .status_for(404, format!("conversation {id}"))
            .expect_error(404, "会话不存在");
    }
}

#[test]
fn malformed_user_id_in_delete_friend_is_404() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for id in [
        "zzz",
        "u_",
        "u_0",
        "u_01",
        "c_1",
        "u_999",
        "u_99999999999999999999",
    ] {
        app.delete(&format!("/api/auth/friends/{id}"), &alice.token, None)
            .status_for(404, format!("friend {id}"))
            .expect_error(404, "用户不存在");
    }
}

#[test]
fn malformed_request_id_in_accept_or_reject_is_404() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for id in ["r_abc", "abc", "r_", "r_0", "r_01", "u_1", "r_999"] {
        for action in ["accept", "reject"] {
            let path = format!("/api/auth/friends/requests/{id}/{action}");
            app.call(Method::Post, &path, Some(&alice.token), None)
                .status_for(404, &path)
                .expect_error(404, "请求不存在");
        }
    }
}

#[test]
fn malformed_ids_in_bodies_are_404_for_that_resource() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for id in ["abc", "c_0", "u_1", "c_999"] {
        app.try_send(&alice, id, "hi")
            .status_for(404, format!("send into {id}"))
            .expect_error(404, "会话不存在");
    }
    for id in ["zzz", "m_0", "c_1", "m_999"] {
        app.recall(&alice, id)
            .status_for(404, format!("recall {id}"))
            .expect_error(404, "消息不存在");
        app.delete_for_me(&alice, id)
            .status_for(404, format!("delete {id}"))
            .expect_error(404, "消息不存在");
    }
    for id in ["zzz", "u_0", "c_1", "u_999"] {
        app.post(
            "/api/auth/friends/requests",
            &alice.token,
            json!({"user_id": id}),
        )
        .status_for(404, format!("friend request to {id}"))
        .expect_error(404, "用户不存在");
        app.open_private(&alice, id)
            .status_for(404, format!("private chat with {id}"))
            .expect_error(404, "用户不存在");
    }
}

// ---------------------------------------------------------------------------------------
// The envelope
// ---------------------------------------------------------------------------------------

#[test]
fn success_envelopes_have_code_message_and_data() {
    let app = TestApp::spawn();
    let res = app.call(Method::Get, "/api/health", None, None);
    assert_eq!(res.status, 200);
    assert_eq!(res.body["code"], json!(200));
    assert_eq!(res.body["message"], json!("success"));
    assert!(res.body["data"].is_object());
}

#[test]
fn error_envelopes_carry_no_data() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let cases = [
        app.call(Method::Get, "/api/nope", None, None),
        app.call(Method::Get, "/api/auth/me", None, None),
        app.raw(Method::Post, "/api/login", None, Some("{".into())),
        app.call(
            Method::Post,
            "/api/login",
            None,
            Some(json!({"username": "alice", "password": "wrong-pass"})),
        ),
        app.call(
            Method::Post,
            "/api/register",
            None,
            Some(json!({"username": "alice", "password": PASSWORD})),
        ),
        app.raw(
            Method::Post,
            "/api/login",
            None,
            Some("x".repeat(BODY_LIMIT + 10)),
        ),
        app.get("/api/auth/conversations/abc", &alice.token),
    ];
    for res in cases {
        assert!(res.status >= 400, "{}", res.body);
        assert_eq!(res.body["code"], json!(res.status), "{}", res.body);
        assert!(res.body["message"].is_string(), "{}", res.body);
        assert!(
            res.body.get("data").is_none_or(Value::is_null),
            "error data of {}",
            res.body
        );
    }
}
