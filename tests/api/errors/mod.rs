//! §1 general rules: the envelope on every error, unknown routes, bodies, tokens, ids.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header as JwtHeader};
use rocket::http::{ContentType, Method};
use serde_json::{json, Value};

use crate::helpers::*;

const BODY_LIMIT: usize = 64 * 1024;

mod ids_and_envelope;
mod routes_and_bodies;
mod tokens;

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
            Method::Put,
            "/api/auth/conversations/c_1/mute",
            Some(json!({"is_muted": true})),
        ),
        (
            Method::Put,
            "/api/auth/conversations/c_1/announcement",
            Some(json!({"text": "x"})),
        ),
        (
            Method::Post,
            "/api/auth/conversations/c_1/read",
            Some(json!({})),
        ),
        (Method::Get, "/api/auth/conversations/c_1/info", None),
        (Method::Delete, "/api/auth/conversations/c_1/messages", None),
        (Method::Post, "/api/auth/conversations/c_1/typing", None),
        (Method::Get, "/api/auth/me/notifications", None),
        (
            Method::Post,
            "/api/auth/push/subscriptions",
            Some(json!({"endpoint": "https://p/x", "keys": {"p256dh": "x", "auth": "y"}})),
        ),
        (
            Method::Delete,
            "/api/auth/push/subscriptions",
            Some(json!({"endpoint": "https://p/x"})),
        ),
        (
            Method::Put,
            "/api/auth/me/notifications",
            Some(json!({"ntfy_url": null})),
        ),
        (
            Method::Put,
            "/api/auth/friends/u_1/remark",
            Some(json!({"remark": "x"})),
        ),
        (Method::Delete, "/api/auth/conversations/c_1", None),
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
            Method::Post,
            "/api/auth/messages/forward",
            Some(json!({"message_ids": ["m_1"], "conversation_ids": ["c_1"]})),
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
