//! Rates per user: sending, creating groups, friend requests.

use super::*;

/// The ids of `conversation`'s newest messages as `viewer` sees them.
fn message_ids(app: &TestApp, viewer: &User, conversation: &str) -> Vec<String> {
    ids(&app.messages(viewer, conversation))
}

#[test]
fn sending_is_limited_per_user_and_a_refused_message_is_not_stored() {
    let app = app_limiting(&[("send", "3/hour")], &[]);
    let alice = app.user("alice");
    let bob = app.user("bob");
    app.befriend(&alice, &bob);
    let chat = app.private_chat(&alice, &bob);
    app.send_all(&alice, &chat, ["one", "two", "three"]);
    let before = message_ids(&app, &bob, &chat);

    let refused = app.post(
        "/api/auth/messages",
        &alice.token,
        json!({"conversation_id": chat, "content": "one too many", "client_msg_id": "extra-1"}),
    );
    let secs = refused.expect_limited();
    assert!(secs <= 1200, "Retry-After {secs}");
    assert_eq!(message_ids(&app, &bob, &chat), before, "nothing was stored");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE content = 'one too many'"),
        0
    );

    // bob has his own budget, in the same conversation, and alice's stays spent.
    app.send_all(&bob, &chat, ["four", "five", "six"]);
    let refused = app.post(
        "/api/auth/messages",
        &bob.token,
        json!({"conversation_id": chat, "content": "bob's fourth"}),
    );
    refused.expect_limited();
    let refused = app.try_send(&alice, &chat, "still too many");
    refused.expect_error(429, "请求过于频繁");
    assert_eq!(message_ids(&app, &alice, &chat).len(), before.len() + 3);
}

#[test]
fn creating_groups_is_limited_per_user() {
    let app = app_limiting(&[("create_group", "3/hour")], &[]);
    let alice = app.user("alice");
    let bob = app.user("bob");
    app.befriend(&alice, &bob);
    for n in 1..=3 {
        app.group(&alice, &format!("群{n}"), &[&bob]);
    }
    let before = app.conversations(&alice).len();
    let refused = app.post(
        "/api/auth/conversations/group",
        &alice.token,
        json!({"name": "群4", "member_ids": [bob.id]}),
    );
    let secs = refused.expect_limited();
    assert!(secs <= 1200, "Retry-After {secs}");
    assert_eq!(app.conversations(&alice).len(), before, "no fourth group");
    assert_eq!(
        app.conversations(&bob).len(),
        before,
        "bob is in no fourth group"
    );

    // bob has his own budget.
    for n in 1..=3 {
        app.group(&bob, &format!("bob 的群{n}"), &[&alice]);
    }
    app.post(
        "/api/auth/conversations/group",
        &bob.token,
        json!({"name": "bob 的群4", "member_ids": [alice.id]}),
    )
    .expect_limited();
}

#[test]
fn friend_requests_are_limited_per_user() {
    let app = app_limiting(&[("friend_request", "3/hour")], &[]);
    let alice = app.user("alice");
    let others: Vec<User> = ["bob", "carol", "dave", "erin"]
        .iter()
        .map(|name| app.user(name))
        .collect();
    let request = |from: &User, to: &User| {
        app.post(
            "/api/auth/friends/requests",
            &from.token,
            json!({"user_id": to.id}),
        )
    };
    for to in &others[..3] {
        request(&alice, to).expect(201, "好友请求已发送");
    }
    let erin = &others[3];
    let secs = request(&alice, erin).expect_limited();
    assert!(secs <= 1200, "Retry-After {secs}");
    let pending = app.get("/api/auth/friends/requests", &erin.token);
    pending.expect(200, "success");
    assert_eq!(pending.data()["incoming"], json!([]), "erin got no request");

    // bob has his own budget.
    request(&others[0], erin).expect(201, "好友请求已发送");
    let pending = app.get("/api/auth/friends/requests", &erin.token);
    let incoming = pending.data()["incoming"].as_array().cloned().unwrap();
    assert_eq!(incoming.len(), 1, "{incoming:?}");
    assert_eq!(incoming[0]["user_id"], json!(others[0].id));
}
