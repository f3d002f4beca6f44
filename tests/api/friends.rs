//! Friends and friend requests (API.md §4, docs/api.md §4), and what friendship means for
//! private chats and groups.

use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::{contract_time, now, sorted_keys, Resp, TestApp, User};

// ---------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------

fn send_request(app: &TestApp, from: &User, to_id: &str) -> Resp {
    app.post(
        "/api/auth/friends/requests",
        &from.token,
        json!({ "user_id": to_id }),
    )
}

fn send_request_with_note(app: &TestApp, from: &User, to: &User, note: &str) -> Resp {
    app.post(
        "/api/auth/friends/requests",
        &from.token,
        json!({ "user_id": to.id, "message": note }),
    )
}

/// Sends a request that must be created (201) and returns its id.
fn new_request(app: &TestApp, from: &User, to: &User) -> String {
    let res = send_request(app, from, &to.id);
    res.expect(201, "好友请求已发送");
    res.data_str("request_id")
}

fn accept(app: &TestApp, who: &User, request: &str) -> Resp {
    app.post(
        &format!("/api/auth/friends/requests/{request}/accept"),
        &who.token,
        json!({}),
    )
}

fn reject(app: &TestApp, who: &User, request: &str) -> Resp {
    app.post(
        &format!("/api/auth/friends/requests/{request}/reject"),
        &who.token,
        json!({}),
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

// ---------------------------------------------------------------------------------------
// Sending requests
// ---------------------------------------------------------------------------------------

#[test]
fn sending_a_friend_request_answers_201_with_an_r_prefixed_request_id() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));

    let res = send_request_with_note(&app, &a, &b, "我是Alice");

    res.expect(201, "好友请求已发送");
    let id = res.data_str("request_id");
    assert!(id.starts_with("r_"), "{id}");
    assert!(id[2..].parse::<u64>().is_ok_and(|n| n > 0), "{id}");
    assert_eq!(res.data(), &json!({ "request_id": id }));
    // Not friends yet.
    assert!(friends_of(&app, &a).is_empty());
    assert!(friends_of(&app, &b).is_empty());
}

#[test]
fn sending_again_while_pending_returns_the_same_request_id_and_keeps_the_first_note() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));
    let first = send_request_with_note(&app, &a, &b, "第一次");
    first.expect(201, "好友请求已发送");

    let second = send_request_with_note(&app, &a, &b, "第二次");

    second.expect(201, "好友请求已发送");
    assert_eq!(second.data_str("request_id"), first.data_str("request_id"));
    let incoming = incoming(&app, &b);
    assert_eq!(incoming.len(), 1, "only one pending request: {incoming:?}");
    assert_eq!(incoming[0]["message"], json!("第一次"));
    assert_eq!(outgoing(&app, &a).len(), 1);
}

#[test]
fn sending_when_the_other_already_asked_makes_both_friends_with_200() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));
    let theirs = new_request(&app, &a, &b);

    let res = send_request(&app, &b, &a.id);

    res.expect(200, "已成为好友");
    assert_eq!(res.data(), &json!({ "request_id": theirs }));
    assert_eq!(friend_ids(&app, &a), vec![b.id.clone()]);
    assert_eq!(friend_ids(&app, &b), vec![a.id.clone()]);
    // Both pending lists are empty; the request can no longer be answered.
    assert_no_pending(&app, &a);
    assert_no_pending(&app, &b);
    accept(&app, &b, &theirs).expect(404, "请求不存在");
}

#[test]
fn requesting_someone_who_is_already_a_friend_is_409() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));
    app.befriend(&a, &b);

    send_request(&app, &a, &b.id).expect(409, "已经是好友");
    send_request(&app, &b, &a.id).expect(409, "已经是好友");
    assert_no_pending(&app, &a);
}

#[test]
fn requesting_yourself_is_400() {
    let app = TestApp::spawn();
    let a = app.user("alice");

    let res = send_request(&app, &a, &a.id);

    res.expect_prefix(400, "参数错误");
    assert_eq!(res.data(), &Value::Null);
    assert_no_pending(&app, &a);
}

#[test]
fn requesting_an_unknown_or_malformed_user_is_404() {
    let app = TestApp::spawn();
    let a = app.user("alice");

    for bad in [
        "u_999",
        "u_0",
        "u_01",
        "u_-1",
        "abc",
        "",
        "c_1",
        "U_1",
        "u_99999999999999999999",
    ] {
        let res = send_request(&app, &a, bad);
        res.expect(404, "用户不存在");
        assert_eq!(res.data(), &Value::Null, "{bad:?}");
    }
    assert_no_pending(&app, &a);
}

#[test]
fn a_request_body_without_user_id_or_with_wrong_types_is_400() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));
    let path = "/api/auth/friends/requests";

    app.post(path, &a.token, json!({}))
        .expect_prefix(400, "参数错误");
    app.post(path, &a.token, json!({ "user_id": 2 }))
        .expect_prefix(400, "参数错误");
    app.post(path, &a.token, json!({ "user_id": b.id, "message": 5 }))
        .expect_prefix(400, "参数错误");
    app.raw(Method::Post, path, Some(&a.token), Some("{not json".into()))
        .expect_prefix(400, "参数错误");
    assert!(outgoing(&app, &a).is_empty());
}

#[test]
fn a_request_note_may_be_200_characters_but_not_201() {
    let app = TestApp::spawn();
    let (a, b, c) = (app.user("alice"), app.user("bob"), app.user("carol"));

    send_request_with_note(&app, &a, &b, &"字".repeat(201)).expect_prefix(400, "参数错误");
    assert!(incoming(&app, &b).is_empty());

    send_request_with_note(&app, &a, &c, &"字".repeat(200)).expect(201, "好友请求已发送");
    assert_eq!(incoming(&app, &c)[0]["message"], json!("字".repeat(200)));
}

#[test]
fn friend_routes_require_a_token() {
    let app = TestApp::spawn();
    let b = app.user("bob");
    let unfriend_b = format!("/api/auth/friends/{}", b.id);

    let calls = [
        (Method::Get, "/api/auth/friends", None),
        (Method::Get, "/api/auth/friends/requests", None),
        (
            Method::Post,
            "/api/auth/friends/requests",
            Some(json!({ "user_id": b.id })),
        ),
        (Method::Post, "/api/auth/friends/requests/r_1/accept", None),
        (Method::Post, "/api/auth/friends/requests/r_1/reject", None),
        (Method::Delete, unfriend_b.as_str(), None),
    ];
    app.expect_unauthorized(None, &calls);
    let without_bodies: Vec<_> = calls.iter().map(|(m, path, _)| (*m, *path, None)).collect();
    app.expect_unauthorized(Some("not-a-token"), &without_bodies);
}

// ---------------------------------------------------------------------------------------
// Listing pending requests
// ---------------------------------------------------------------------------------------

#[test]
fn pending_requests_list_incoming_and_outgoing_with_every_field() {
    let app = TestApp::spawn();
    let a = app.user_named("alice", "爱丽丝");
    let b = app.user_named("bob", "鲍勃");
    let c = app.user_named("carol", "卡罗尔");
    let start = now();
    let ab = send_request_with_note(&app, &a, &b, "我是爱丽丝");
    ab.expect(201, "好友请求已发送");
    let ab = ab.data_str("request_id");
    let ca = new_request(&app, &c, &a); // no note
    let end = now();

    let mine = pending(&app, &a);
    assert_eq!(sorted_keys(&mine), vec!["incoming", "outgoing"]);

    let outgoing = mine["outgoing"].as_array().unwrap();
    assert_eq!(outgoing.len(), 1, "{mine}");
    let out = &outgoing[0];
    assert_pending_entry(out, &ab, &b, "我是爱丽丝", start, end);

    let incoming = mine["incoming"].as_array().unwrap();
    assert_eq!(incoming.len(), 1, "{mine}");
    assert_pending_entry(&incoming[0], &ca, &c, "", start, end);

    // The other sides see the mirror image, naming alice.
    let bob_sees = pending(&app, &b);
    assert_eq!(bob_sees["outgoing"], json!([]));
    assert_eq!(bob_sees["incoming"].as_array().unwrap().len(), 1);
    assert_pending_entry(&bob_sees["incoming"][0], &ab, &a, "我是爱丽丝", start, end);
    assert_eq!(bob_sees["incoming"][0]["created_at"], out["created_at"]);
    let carol_sees = pending(&app, &c);
    assert_eq!(carol_sees["incoming"], json!([]));
    assert_eq!(carol_sees["outgoing"][0]["request_id"], json!(ca));
    assert_eq!(carol_sees["outgoing"][0]["user_id"], json!(a.id));

    // A bystander sees nothing.
    let d = app.user("dave");
    assert_no_pending(&app, &d);
}

#[test]
fn answered_requests_leave_the_pending_lists() {
    let app = TestApp::spawn();
    let (a, b, c) = (app.user("alice"), app.user("bob"), app.user("carol"));
    let ab = new_request(&app, &a, &b);
    let ac = new_request(&app, &a, &c);
    assert_eq!(outgoing(&app, &a).len(), 2);

    accept(&app, &b, &ab).expect(200, "已添加好友");
    let left: Vec<Value> = outgoing(&app, &a)
        .iter()
        .map(|r| r["request_id"].clone())
        .collect();
    assert_eq!(left, vec![json!(ac)]);
    assert!(incoming(&app, &b).is_empty());

    reject(&app, &c, &ac).expect(200, "已拒绝");
    assert_no_pending(&app, &a);
    assert_no_pending(&app, &c);
}

// ---------------------------------------------------------------------------------------
// Accepting and rejecting
// ---------------------------------------------------------------------------------------

#[test]
fn accepting_makes_both_users_see_each_other_as_friends() {
    let app = TestApp::spawn();
    let a = app.user_named("alice", "爱丽丝");
    let b = app.user_named("bob", "鲍勃");
    let request = new_request(&app, &a, &b);
    let start = now();

    let res = accept(&app, &b, &request);
    let end = now();

    res.expect(200, "已添加好友");
    assert_eq!(res.data(), &Value::Null);

    let of_a = friends_of(&app, &a);
    assert_eq!(of_a.len(), 1, "{of_a:?}");
    let since = of_a[0]["since"].clone();
    assert_time_between(&since, start, end);
    assert_eq!(
        of_a[0],
        json!({ "user_id": b.id, "username": "bob", "display_name": "鲍勃", "since": since })
    );
    assert_eq!(
        friends_of(&app, &b),
        vec![
            json!({ "user_id": a.id, "username": "alice", "display_name": "爱丽丝", "since": since })
        ]
    );
}

#[test]
fn the_friend_list_is_ordered_by_username() {
    let app = TestApp::spawn();
    let (a, carol, bob, dave) = (
        app.user("alice"),
        app.user("carol"),
        app.user("bob"),
        app.user("dave"),
    );
    app.befriend(&a, &dave);
    app.befriend(&carol, &a);
    app.befriend(&a, &bob);

    let names: Vec<Value> = friends_of(&app, &a)
        .iter()
        .map(|f| f["username"].clone())
        .collect();

    assert_eq!(names, vec![json!("bob"), json!("carol"), json!("dave")]);
    assert_eq!(friend_ids(&app, &bob), vec![a.id.clone()]);
}

#[test]
fn rejecting_leaves_the_users_strangers_and_drops_the_request() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));
    let request = new_request(&app, &a, &b);

    let res = reject(&app, &b, &request);

    res.expect(200, "已拒绝");
    assert_eq!(res.data(), &Value::Null);
    assert!(friends_of(&app, &a).is_empty());
    assert!(friends_of(&app, &b).is_empty());
    assert_no_pending(&app, &a);
    assert_no_pending(&app, &b);
    // Still strangers: a private chat is refused.
    app.open_private(&a, &b.id).expect(403, "对方不是你的好友");
}

#[test]
fn after_a_rejection_either_side_may_send_a_new_request() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));
    let first = new_request(&app, &a, &b);
    reject(&app, &b, &first).expect(200, "已拒绝");

    let again = new_request(&app, &a, &b);
    assert_ne!(again, first, "a new request, not the rejected one");
    reject(&app, &b, &again).expect(200, "已拒绝");

    let reverse = new_request(&app, &b, &a);
    assert_ne!(reverse, again);
    accept(&app, &a, &reverse).expect(200, "已添加好友");
    assert_eq!(friend_ids(&app, &a), vec![b.id.clone()]);
}

#[test]
fn only_the_recipient_may_answer_a_request() {
    let app = TestApp::spawn();
    let (a, b, c) = (app.user("alice"), app.user("bob"), app.user("carol"));
    let request = new_request(&app, &a, &b);

    accept(&app, &c, &request).expect(404, "请求不存在");
    reject(&app, &c, &request).expect(404, "请求不存在");
    accept(&app, &a, &request).expect(404, "请求不存在");
    reject(&app, &a, &request).expect(404, "请求不存在");

    // Nothing changed: still pending, nobody is friends.
    assert_eq!(incoming(&app, &b)[0]["request_id"], json!(request));
    assert_eq!(outgoing(&app, &a)[0]["request_id"], json!(request));
    for user in [&a, &b, &c] {
        assert!(friends_of(&app, user).is_empty());
    }
    accept(&app, &b, &request).expect(200, "已添加好友");
}

#[test]
fn answering_a_request_twice_is_404() {
    let app = TestApp::spawn();
    let (a, b, c) = (app.user("alice"), app.user("bob"), app.user("carol"));
    let accepted = new_request(&app, &a, &b);
    accept(&app, &b, &accepted).expect(200, "已添加好友");
    let rejected = new_request(&app, &a, &c);
    reject(&app, &c, &rejected).expect(200, "已拒绝");

    accept(&app, &b, &accepted).expect(404, "请求不存在");
    reject(&app, &b, &accepted).expect(404, "请求不存在");
    accept(&app, &c, &rejected).expect(404, "请求不存在");
    reject(&app, &c, &rejected).expect(404, "请求不存在");

    // The rejected one did not turn into a friendship, the accepted one stays.
    assert_eq!(friend_ids(&app, &a), vec![b.id.clone()]);
    assert!(friends_of(&app, &c).is_empty());
}

#[test]
fn answering_an_unknown_or_malformed_request_is_404() {
    let app = TestApp::spawn();
    let b = app.user("bob");

    for bad in ["r_999", "r_0", "r_01", "abc", "u_1", "r_-1", "r_1x"] {
        accept(&app, &b, bad).expect(404, "请求不存在");
        reject(&app, &b, bad).expect(404, "请求不存在");
    }
}

// ---------------------------------------------------------------------------------------
// Unfriending
// ---------------------------------------------------------------------------------------

#[test]
fn unfriending_ends_the_friendship_for_both_and_again_is_404() {
    let app = TestApp::spawn();
    let (a, b, c) = (app.user("alice"), app.user("bob"), app.user("carol"));
    app.befriend(&a, &b);
    app.befriend(&a, &c);

    let res = unfriend(&app, &b, &a.id);

    res.expect(200, "已删除好友");
    assert_eq!(res.data(), &Value::Null);
    assert!(friends_of(&app, &b).is_empty());
    assert_eq!(friend_ids(&app, &a), vec![c.id.clone()], "only bob is gone");
    unfriend(&app, &b, &a.id).expect(404, "用户不存在");
    unfriend(&app, &a, &b.id).expect(404, "用户不存在");
}

#[test]
fn unfriending_a_stranger_or_an_unknown_or_malformed_user_is_404() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));
    new_request(&app, &a, &b); // pending is not friends

    unfriend(&app, &a, &b.id).expect(404, "用户不存在");
    unfriend(&app, &a, &a.id).expect(404, "用户不存在");
    for bad in ["u_999", "u_0", "abc", "c_1"] {
        unfriend(&app, &a, bad).expect(404, "用户不存在");
    }
    assert_eq!(
        incoming(&app, &b).len(),
        1,
        "the pending request is untouched"
    );
}

#[test]
fn former_friends_may_become_friends_again() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));
    app.befriend(&a, &b);
    unfriend(&app, &a, &b.id).expect(200, "已删除好友");

    let request = new_request(&app, &b, &a);
    accept(&app, &a, &request).expect(200, "已添加好友");

    assert_eq!(friend_ids(&app, &a), vec![b.id.clone()]);
    assert_eq!(friend_ids(&app, &b), vec![a.id.clone()]);
}

#[test]
fn after_unfriending_the_private_chat_stays_readable_but_sending_is_403() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));
    app.befriend(&a, &b);
    let chat = app.private_chat(&a, &b);
    let hello = app.send(&a, &chat, "你好");
    unfriend(&app, &a, &b.id).expect(200, "已删除好友");

    // Both can still read it and still see it in their lists.
    for viewer in [&a, &b] {
        let ids: Vec<Value> = app
            .messages(viewer, &chat)
            .iter()
            .map(|m| m["id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(hello)]);
        assert!(app.entry(viewer, &chat).is_some());
    }
    // Neither can send into it.
    for sender in [&a, &b] {
        app.try_send(sender, &chat, "还在吗？")
            .expect_error(403, "对方不是你的好友");
    }
    assert_eq!(app.messages(&b, &chat).len(), 1, "nothing was stored");
    // Asking for the private chat again returns the existing one.
    let res = app.open_private(&b, &a.id);
    res.expect(200, "会话已存在");
    assert_eq!(res.data(), &json!({ "conversation_id": chat }));

    // Friends again: sending works again in the same conversation.
    app.befriend(&b, &a);
    app.send(&b, &chat, "又是朋友了");
    assert_eq!(app.messages(&a, &chat).len(), 2);
}

#[test]
fn friendship_gates_private_chats_and_groups_by_default() {
    let app = TestApp::spawn();
    let (a, b, c) = (app.user("alice"), app.user("bob"), app.user("carol"));
    app.befriend(&a, &b);

    app.open_private(&a, &c.id).expect(403, "对方不是你的好友");
    app.post(
        "/api/auth/conversations/group",
        &a.token,
        json!({ "name": "组", "member_ids": [b.id, c.id] }),
    )
    .expect(403, "对方不是你的好友");
    assert!(app.conversations(&a).is_empty());
    assert!(app.conversations(&c).is_empty());
}

#[test]
fn without_required_friendship_strangers_chat_privately_and_in_groups() {
    let app = TestApp::spawn_with(&[("require_friendship", json!(false))]);
    let (a, b, c) = (app.user("alice"), app.user("bob"), app.user("carol"));

    let res = app.open_private(&a, &b.id);
    res.expect(201, "会话已创建");
    let chat = res.data_str("conversation_id");
    app.send(&a, &chat, "陌生人你好");
    app.send(&b, &chat, "你好");
    assert_eq!(app.messages(&b, &chat).len(), 2);

    let group = app.group(&a, "陌生人群", &[&b, &c]);
    app.send(&c, &group, "大家好");
    assert_eq!(app.expect_entry(&b, &group)["member_count"], json!(3));

    // Friend requests still work in this mode, and unfriending does not block sending.
    app.befriend(&a, &c);
    let direct = app.private_chat(&c, &a);
    unfriend(&app, &c, &a.id).expect(200, "已删除好友");
    app.send(&c, &direct, "照样能发");
    assert!(friends_of(&app, &a).is_empty());
}
