//! Accepting, rejecting and unfriending.

use super::*;

#[test]
fn accepting_makes_both_users_see_each_other_as_friends() {
    let app = TestApp::spawn();
    let a = app.user_named("alice", "爱丽丝");
    let b = app.user_named("bob", "鲍勃");
    let request = app.new_friend_request(&a, &b);
    let start = now();

    let res = app.accept_request(&b, &request);
    let end = now();

    res.expect(200, "已添加好友");
    assert_eq!(res.data(), &Value::Null);

    let of_a = friends_of(&app, &a);
    assert_eq!(of_a.len(), 1, "{of_a:?}");
    let since = of_a[0]["since"].clone();
    assert_time_between(&since, start, end);
    assert_eq!(
        of_a[0],
        json!({ "user_id": b.id, "username": "bob", "display_name": "鲍勃", "since": since,
                "avatar_url": null, "remark": null })
    );
    assert_eq!(
        friends_of(&app, &b),
        vec![
            json!({ "user_id": a.id, "username": "alice", "display_name": "爱丽丝", "since": since,
                    "avatar_url": null, "remark": null })
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
    let request = app.new_friend_request(&a, &b);

    let res = app.reject_request(&b, &request);

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
    let first = app.new_friend_request(&a, &b);
    app.reject_request(&b, &first).expect(200, "已拒绝");

    let again = app.new_friend_request(&a, &b);
    assert_ne!(again, first, "a new request, not the rejected one");
    app.reject_request(&b, &again).expect(200, "已拒绝");

    let reverse = app.new_friend_request(&b, &a);
    assert_ne!(reverse, again);
    app.accept_request(&a, &reverse).expect(200, "已添加好友");
    assert_eq!(friend_ids(&app, &a), vec![b.id.clone()]);
}

#[test]
fn only_the_recipient_may_answer_a_request() {
    let app = TestApp::spawn();
    let (a, b, c) = (app.user("alice"), app.user("bob"), app.user("carol"));
    let request = app.new_friend_request(&a, &b);

    app.accept_request(&c, &request).expect(404, "请求不存在");
    app.reject_request(&c, &request).expect(404, "请求不存在");
    app.accept_request(&a, &request).expect(404, "请求不存在");
    app.reject_request(&a, &request).expect(404, "请求不存在");

    // Nothing changed: still pending, nobody is friends.
    assert_eq!(incoming(&app, &b)[0]["request_id"], json!(request));
    assert_eq!(outgoing(&app, &a)[0]["request_id"], json!(request));
    for user in [&a, &b, &c] {
        assert!(friends_of(&app, user).is_empty());
    }
    app.accept_request(&b, &request).expect(200, "已添加好友");
}

#[test]
fn answering_a_request_twice_is_404() {
    let app = TestApp::spawn();
    let (a, b, c) = (app.user("alice"), app.user("bob"), app.user("carol"));
    let accepted = app.new_friend_request(&a, &b);
    app.accept_request(&b, &accepted).expect(200, "已添加好友");
    let rejected = app.new_friend_request(&a, &c);
    app.reject_request(&c, &rejected).expect(200, "已拒绝");

    app.accept_request(&b, &accepted).expect(404, "请求不存在");
    app.reject_request(&b, &accepted).expect(404, "请求不存在");
    app.accept_request(&c, &rejected).expect(404, "请求不存在");
    app.reject_request(&c, &rejected).expect(404, "请求不存在");

    // The rejected one did not turn into a friendship, the accepted one stays.
    assert_eq!(friend_ids(&app, &a), vec![b.id.clone()]);
    assert!(friends_of(&app, &c).is_empty());
}

#[test]
fn answering_an_unknown_or_malformed_request_is_404() {
    let app = TestApp::spawn();
    let b = app.user("bob");

    for bad in ["r_999", "r_0", "r_01", "abc", "u_1", "r_-1", "r_1x"] {
        app.accept_request(&b, bad).expect(404, "请求不存在");
        app.reject_request(&b, bad).expect(404, "请求不存在");
    }
}

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
    app.new_friend_request(&a, &b); // pending is not friends

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

    let request = app.new_friend_request(&b, &a);
    app.accept_request(&a, &request).expect(200, "已添加好友");

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
