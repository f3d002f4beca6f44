//! Sending and listing friend requests.

use super::*;

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
    let theirs = app.new_friend_request(&a, &b);

    let res = app.friend_request(&b, &a.id);

    res.expect(200, "已成为好友");
    assert_eq!(res.data(), &json!({ "request_id": theirs }));
    assert_eq!(friend_ids(&app, &a), vec![b.id.clone()]);
    assert_eq!(friend_ids(&app, &b), vec![a.id.clone()]);
    // Both pending lists are empty; the request can no longer be answered.
    assert_no_pending(&app, &a);
    assert_no_pending(&app, &b);
    app.accept_request(&b, &theirs).expect(404, "请求不存在");
}

#[test]
fn requesting_someone_who_is_already_a_friend_is_409() {
    let app = TestApp::spawn();
    let (a, b) = (app.user("alice"), app.user("bob"));
    app.befriend(&a, &b);

    app.friend_request(&a, &b.id).expect(409, "已经是好友");
    app.friend_request(&b, &a.id).expect(409, "已经是好友");
    assert_no_pending(&app, &a);
}

#[test]
fn requesting_yourself_is_400() {
    let app = TestApp::spawn();
    let a = app.user("alice");

    let res = app.friend_request(&a, &a.id);

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
        let res = app.friend_request(&a, bad);
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
    let ca = app.new_friend_request(&c, &a); // no note
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
    let ab = app.new_friend_request(&a, &b);
    let ac = app.new_friend_request(&a, &c);
    assert_eq!(outgoing(&app, &a).len(), 2);

    app.accept_request(&b, &ab).expect(200, "已添加好友");
    let left: Vec<Value> = outgoing(&app, &a)
        .iter()
        .map(|r| r["request_id"].clone())
        .collect();
    assert_eq!(left, vec![json!(ac)]);
    assert!(incoming(&app, &b).is_empty());

    app.reject_request(&c, &ac).expect(200, "已拒绝");
    assert_no_pending(&app, &a);
    assert_no_pending(&app, &c);
}
