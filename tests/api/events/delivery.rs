//! Delivery of each event type to each member and to the sender's other devices, rendered
//! per viewer; silence after removal.

use super::*;

#[test]
fn the_stream_needs_a_token_and_is_an_event_stream() {
    let app = LiveApp::spawn(&[]);
    let (status, body) = app.call("GET", "/api/auth/events", None, None);
    assert_eq!(status, 401);
    assert_eq!(body["message"], "未授权");
    let (_, token) = app.user("alice");
    let sse = app.stream(&token, None);
    assert_eq!(sse.status, 200);
    assert!(
        sse.content_type.starts_with("text/event-stream"),
        "{}",
        sse.content_type
    );
}

#[test]
fn a_message_reaches_every_member_and_every_device_rendered_for_each() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let a_phone = app.login("alice");
    let streams = [
        app.stream(&a.1, None),
        app.stream(&a_phone, None),
        app.stream(&b.1, None),
    ];
    let id = app.send(&a.1, &conv, "你好 <b>");
    for (i, sse) in streams.iter().enumerate() {
        let (event_id, data) = sse
            .next_of("message.created", WAIT)
            .expect("message.created");
        assert!(event_id.parse::<i64>().unwrap() > 0);
        assert_eq!(data["conversation_id"], json!(conv));
        let m = &data["message"];
        assert_eq!(m["id"], json!(id));
        assert_eq!(m["content"], "你好 <b>");
        assert_eq!(m["status"], 0);
        assert_eq!(m["sender_id"], json!(a.0));
        let expected = if i < 2 { "我" } else { "alice" };
        assert_eq!(m["sender_name"], expected, "stream {i}");
        assert!(m["created_at"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn the_senders_devices_get_its_client_msg_id_and_nobody_else_does() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let a_phone = app.login("alice");
    let (mine, phone, theirs) = (
        app.stream(&a.1, None),
        app.stream(&a_phone, None),
        app.stream(&b.1, None),
    );
    let (status, res) = app.call(
        "POST",
        "/api/auth/messages",
        Some(&a.1),
        Some(json!({"conversation_id": conv, "content": "带 id", "client_msg_id": "pending-7"})),
    );
    assert_eq!(status, 201, "{res}");
    for sse in [&mine, &phone] {
        let (_, data) = sse.next_of("message.created", WAIT).expect("echo");
        assert_eq!(data["client_msg_id"], json!("pending-7"));
        assert_eq!(data["message"]["content"], json!("带 id"));
    }
    let (_, data) = theirs.next_of("message.created", WAIT).expect("delivery");
    assert!(data.get("client_msg_id").is_none(), "{data}");
    // Without a client_msg_id the sender's echo carries none either.
    app.send(&a.1, &conv, "无 id");
    let (_, data) = mine.next_of("message.created", WAIT).expect("echo");
    assert!(data.get("client_msg_id").is_none(), "{data}");
}

#[test]
fn conversation_and_friend_events_reach_both_sides() {
    let app = LiveApp::spawn(&[]);
    let a = app.user("alice");
    let b = app.user("bob");
    let sa = app.stream(&a.1, None);
    let sb = app.stream(&b.1, None);
    let (_, res) = app.call(
        "POST",
        "/api/auth/friends/requests",
        Some(&a.1),
        Some(json!({"user_id": b.0, "message": "hi"})),
    );
    let request = res["data"]["request_id"].as_str().unwrap().to_string();
    let incoming = next_data(&sb, "friend.request");
    assert_eq!(incoming["user_id"], json!(a.0));
    assert_eq!(incoming["request_id"], json!(request));
    assert_eq!(incoming["direction"], "incoming");
    assert_eq!(incoming["message"], "hi");
    let outgoing = next_data(&sa, "friend.request");
    assert_eq!(outgoing["user_id"], json!(b.0));
    assert_eq!(outgoing["direction"], "outgoing");

    app.call(
        "POST",
        &format!("/api/auth/friends/requests/{request}/accept"),
        Some(&b.1),
        None,
    );
    assert_eq!(next_data(&sa, "friend.added")["user_id"], json!(b.0));
    assert_eq!(next_data(&sb, "friend.added")["user_id"], json!(a.0));

    let conv = app.private_chat(&a, &b);
    let created = next_data(&sb, "conversation.created");
    assert_eq!(created["conversation_id"], json!(conv));
    assert_eq!(created["title"], "alice");
    assert_eq!(created["type"], "private");
    assert_eq!(created["member_count"], 2);
    assert_eq!(next_data(&sa, "conversation.created")["title"], "bob");

    app.call(
        "PUT",
        &format!("/api/auth/conversations/{conv}/pin"),
        Some(&a.1),
        Some(json!({"is_pinned": true})),
    );
    let pinned = next_data(&sa, "conversation.updated");
    assert_eq!(pinned, json!({"conversation_id": conv, "is_pinned": true}));

    app.send(&a.1, &conv, "one");
    next_data(&sb, "message.created");
    let (status, _) = app.call(
        "POST",
        &format!("/api/auth/conversations/{conv}/read"),
        Some(&b.1),
        None,
    );
    assert_eq!(status, 200);
    let read = next_data(&sb, "conversation.updated");
    assert_eq!(read, json!({"conversation_id": conv, "unread_count": 0}));

    app.call(
        "DELETE",
        &format!("/api/auth/friends/{}", b.0),
        Some(&a.1),
        None,
    );
    assert_eq!(next_data(&sb, "friend.removed")["user_id"], json!(a.0));
    assert_eq!(next_data(&sa, "friend.removed")["user_id"], json!(b.0));
}

#[test]
fn group_changes_are_events_with_system_messages_rendered_per_viewer() {
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let sb = app.stream(&b.1, None);
    let sc = app.stream(&c.1, None);
    let conv = app.group(&a, "家", &[&b]);
    let created = next_data(&sb, "conversation.created");
    assert_eq!(created["title"], "家");
    assert_eq!(created["last_message_preview"], "alice邀请你加入了群聊");

    app.call(
        "POST",
        &format!("/api/auth/conversations/{conv}/members"),
        Some(&a.1),
        Some(json!({"member_ids": [c.0]})),
    );
    assert_eq!(
        next_data(&sc, "conversation.created")["conversation_id"],
        json!(conv)
    );
    let system = next_data(&sb, "message.created");
    assert_eq!(system["message"]["content"], "alice邀请carol加入了群聊");
    assert_eq!(system["message"]["status"], 2);
    assert_eq!(next_data(&sb, "conversation.updated")["member_count"], 3);
    let system = next_data(&sc, "message.created");
    assert_eq!(system["message"]["content"], "alice邀请你加入了群聊");

    app.call(
        "PATCH",
        &format!("/api/auth/conversations/{conv}"),
        Some(&b.1),
        Some(json!({"name": "新家"})),
    );
    assert_eq!(next_data(&sc, "conversation.updated")["name"], "新家");
    assert_eq!(
        next_data(&sc, "message.created")["message"]["content"],
        "bob修改群名为「新家」"
    );

    let id = app.send(&b.1, &conv, "秘密");
    next_data(&sc, "message.created");
    let (status, res) = app.call(
        "DELETE",
        "/api/auth/messages/recall",
        Some(&b.1),
        Some(json!({"id": id})),
    );
    assert_eq!(status, 200, "{res}");
    let recalled = next_data(&sc, "message.recalled");
    assert_eq!(recalled["message_id"], json!(id));
    assert_eq!(recalled["system_message"]["content"], "bob撤回了一条消息");
    assert_eq!(
        recalled["system_message"]["id"],
        res["data"]["system_message_id"]
    );
    let recalled = next_data(&sb, "message.recalled");
    assert_eq!(recalled["system_message"]["content"], "你撤回了一条消息");
}

#[test]
fn a_removed_member_hears_nothing_more_live_or_in_replay() {
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let conv = app.group(&a, "g", &[&b, &c]);
    let sb = app.stream(&b.1, None);
    app.send(&a.1, &conv, "before");
    next_data(&sb, "message.created");
    app.call(
        "DELETE",
        &format!("/api/auth/conversations/{conv}/members/{}", b.0),
        Some(&a.1),
        None,
    );
    let removed = next_data(&sb, "conversation.removed");
    assert_eq!(removed, json!({"conversation_id": conv}));
    app.send(&a.1, &conv, "after");
    app.send(&c.1, &conv, "after too");
    assert!(
        sb.next_event(Duration::from_millis(700)).is_none(),
        "nothing after removal"
    );
    // Replay from before the removal: nothing of that conversation but the removal itself.
    let replay = app.stream(&b.1, Some("0"));
    let events: Vec<(String, String, Value)> =
        std::iter::from_fn(|| replay.next_event(Duration::from_millis(700))).collect();
    let of_group: Vec<&String> = events
        .iter()
        .filter(|(_, _, data)| data["conversation_id"] == json!(conv))
        .map(|(_, kind, _)| kind)
        .collect();
    assert_eq!(of_group, ["conversation.removed"], "{events:?}");
}
