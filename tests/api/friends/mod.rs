//! Friends and friend requests (API.md §4, docs/api.md §4), and what friendship means for
//! private chats and groups.

use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::{contract_time, now, sorted_keys, Api, Resp, TestApp, User};

mod answers;
mod requests;

// ---------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------

fn send_request_with_note(app: &TestApp, from: &User, to: &User, note: &str) -> Resp {
    app.post(
        "/api/auth/friends/requests",
        &from.token,
        json!({ "user_id": to.id, "message": note }),
    )
}

/// `{incoming, outgoing}` as `who` sees it.
fn pending(app: &TestApp, who: &User) -> Value {
    let res = app.get("/api/auth/friends/requests", &who.token);
    res.expect(200, "success");
    res.data().clone()
}

/// Asserts `who` has no pending request either way.
#[track_caller]
fn assert_no_pending(app: &TestApp, who: &User) {
    assert_eq!(
        pending(app, who),
        json!({ "incoming": [], "outgoing": [] }),
        "{}'s pending requests",
        who.username
    );
}

fn incoming(app: &TestApp, who: &User) -> Vec<Value> {
    pending(app, who)["incoming"]
        .as_array()
        .cloned()
        .expect("incoming is an array")
}

fn outgoing(app: &TestApp, who: &User) -> Vec<Value> {
    pending(app, who)["outgoing"]
        .as_array()
        .cloned()
        .expect("outgoing is an array")
}

fn friends_of(app: &TestApp, who: &User) -> Vec<Value> {
    let res = app.get("/api/auth/friends", &who.token);
    res.expect(200, "success");
    assert!(res.data().is_array(), "friends is an array: {}", res.body);
    res.list()
}

fn friend_ids(app: &TestApp, who: &User) -> Vec<String> {
    friends_of(app, who)
        .iter()
        .map(|f| f["user_id"].as_str().unwrap().to_string())
        .collect()
}

fn unfriend(app: &TestApp, who: &User, other_id: &str) -> Resp {
    app.delete(&format!("/api/auth/friends/{other_id}"), &who.token, None)
}

/// Asserts one entry of a pending list: request `request` with `other` (by id, username and
/// display name), its note, and a creation time between `from` and `to` (seconds).
#[track_caller]
fn assert_pending_entry(
    entry: &Value,
    request: &str,
    other: &User,
    note: &str,
    from: i64,
    to: i64,
) {
    assert_eq!(
        sorted_keys(entry),
        vec![
            "avatar_url",
            "created_at",
            "display_name",
            "message",
            "request_id",
            "user_id",
            "username"
        ]
    );
    assert_eq!(entry["request_id"], json!(request));
    assert_eq!(entry["user_id"], json!(other.id));
    assert_eq!(entry["username"], json!(other.username));
    assert_eq!(entry["display_name"], json!(other.display_name));
    assert_eq!(entry["message"], json!(note));
    assert_time_between(&entry["created_at"], from, to);
}

/// An RFC 3339 UTC time with a `Z` and whole seconds, between `from` and `to` (seconds).
#[track_caller]
fn assert_time_between(value: &Value, from: i64, to: i64) {
    let secs = contract_time(value);
    assert!(
        (from..=to).contains(&secs),
        "{value} should be between {from} and {to}"
    );
}
