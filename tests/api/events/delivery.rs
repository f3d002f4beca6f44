//! Delivery of each event type to each member and to the sender's other devices, rendered
//! per viewer; silence after removal.

use super::*;

#[test]
fn the_stream_needs_a_token_and_is_an_event_stream() {
    let app = LiveApp::spawn(&[]);
    let res = app.call(Method::Get, "/api/auth/events", None, None);
    assert_eq!(res.status, 401);
    assert_eq!(res.body["message"], "未授权");
    let token = app.user("alice").token;
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
        app.stream(&a.token, None),
        app.stream(&a_phone, None),
        app.stream(&b.token, None),
    ];
    let id = app.send(&a, &conv, "你好 <b>");
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
        assert_eq!(m["sender_id"], json!(a.id));
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
        app.stream(&a.token, None),
        app.stream(&a_phone, None),
        app.stream(&b.token, None),
    );
    let res = app.post(
        "/api/auth/messages",
        &a.token,
        json!({"conversation_id": conv, "content": "带 id", "client_msg_id": "pending-7"}),
    );
    assert_eq!(res.status, 201, "{res}");
    for sse in [&mine, &phone] {
        let (_, data) = sse.next_of("message.created", WAIT).expect("echo");
        assert_eq!(data["client_msg_id"], json!("pending-7"));
        assert_eq!(data["message"]["content"], json!("带 id"));
    }
    let (_, data) = theirs.next_of("message.created", WAIT).expect("delivery");
    assert!(data.get("client_msg_id").is_none(), "{data}");
    // Without a client_msg_id the sender's echo carries none either.
    app.send(&a, &conv, "无 id");
    let (_, data) = mine.next_of("message.created", WAIT).expect("echo");
    assert!(data.get("client_msg_id").is_none(), "{data}");
}

#[test]
fn conversation_and_friend_events_reach_both_sides() {
    let app = LiveApp::spawn(&[]);
    let a = app.user("alice");
    let b = app.user("bob");
    let sa = app.stream(&a.token, None);
    let sb = app.stream(&b.token, None);
    let request = app
        .post(
            "/api/auth/friends/requests",
            &a.token,
            json!({"user_id": b.id, "message": "hi"}),
        )
        .data_str("request_id");
    let incoming = next_data(&sb, "friend.request");
    assert_eq!(incoming["user_id"], json!(a.id));
    assert_eq!(incoming["request_id"], json!(request));
    assert_eq!(incoming["direction"], "incoming");
    assert_eq!(incoming["message"], "hi");
    let outgoing = next_data(&sa, "friend.request");
    assert_eq!(outgoing["user_id"], json!(b.id));
    assert_eq!(outgoing["direction"], "outgoing");

    app.accept_request(&b, &request);
    assert_eq!(next_data(&sa, "friend.added")["user_id"], json!(b.id));
    assert_eq!(next_data(&sb, "friend.added")["user_id"], json!(a.id));

    let conv = app.private_chat(&a, &b);
    let created = next_data(&sb, "conversation.created");
    assert_eq!(created["conversation_id"], json!(conv));
    assert_eq!(created["title"], "alice");
    assert_eq!(created["type"], "private");
    assert_eq!(created["member_count"], 2);
    assert_eq!(next_data(&sa, "conversation.created")["title"], "bob");

    app.pin(&a, &conv, json!(true));
    let pinned = next_data(&sa, "conversation.updated");
    assert_eq!(pinned, json!({"conversation_id": conv, "is_pinned": true}));
    let path = format!("/api/auth/conversations/{conv}/mute");
    app.put(&path, &a.token, json!({"is_muted": true}))
        .expect(200, "success");
    let muted = next_data(&sa, "conversation.updated");
    assert_eq!(muted, json!({"conversation_id": conv, "is_muted": true}));

    app.send(&a, &conv, "one");
    next_data(&sb, "message.created");
    assert_eq!(app.mark_read(&b, &conv, json!({})).status, 200);
    let read = next_data(&sb, "conversation.updated");
    assert_eq!(
        read,
        json!({"conversation_id": conv, "unread_count": 0, "mentioned": false})
    );

    app.delete(&format!("/api/auth/friends/{}", b.id), &a.token, None);
    assert_eq!(next_data(&sb, "friend.removed")["user_id"], json!(a.id));
    assert_eq!(next_data(&sa, "friend.removed")["user_id"], json!(b.id));
}

#[test]
fn group_changes_are_events_with_system_messages_rendered_per_viewer() {
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let sb = app.stream(&b.token, None);
    let sc = app.stream(&c.token, None);
    let conv = app.group(&a, "家", &[&b]);
    let created = next_data(&sb, "conversation.created");
    assert_eq!(created["title"], "家");
    assert_eq!(created["last_message_preview"], "alice邀请你加入了群聊");

    app.invite(&a, &conv, json!([c.id]));
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

    app.rename_group(&b, &conv, json!({"name": "新家"}));
    assert_eq!(next_data(&sc, "conversation.updated")["name"], "新家");
    assert_eq!(
        next_data(&sc, "message.created")["message"]["content"],
        "bob修改群名为「新家」"
    );

    let path = format!("/api/auth/conversations/{conv}/announcement");
    app.put(&path, &a.token, json!({"text": "周六聚餐"}))
        .expect(200, "群公告已更新");
    assert_eq!(
        next_data(&sc, "conversation.updated"),
        json!({"conversation_id": conv, "announcement": "周六聚餐"})
    );
    assert_eq!(
        next_data(&sc, "message.created")["message"]["content"],
        "alice更新了群公告"
    );

    let id = app.send(&b, &conv, "秘密");
    next_data(&sc, "message.created");
    let res = app.recall(&b, &id);
    assert_eq!(res.status, 200, "{res}");
    let recalled = next_data(&sc, "message.recalled");
    assert_eq!(recalled["message_id"], json!(id));
    assert_eq!(recalled["system_message"]["content"], "bob撤回了一条消息");
    assert_eq!(
        recalled["system_message"]["id"],
        res.data()["system_message_id"]
    );
    let recalled = next_data(&sb, "message.recalled");
    assert_eq!(recalled["system_message"]["content"], "你撤回了一条消息");
}

#[test]
fn a_removed_member_hears_nothing_more_live_or_in_replay() {
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let conv = app.group(&a, "g", &[&b, &c]);
    let sb = app.stream(&b.token, None);
    app.send(&a, &conv, "before");
    next_data(&sb, "message.created");
    app.remove(&a, &conv, &b.id);
    let removed = next_data(&sb, "conversation.removed");
    assert_eq!(removed, json!({"conversation_id": conv}));
    app.send(&a, &conv, "after");
    app.send(&c, &conv, "after too");
    assert!(
        sb.next_event(Duration::from_millis(700)).is_none(),
        "nothing after removal"
    );
    // Replay from before the removal: nothing of that conversation but the removal itself.
    let replay = app.stream(&b.token, Some("0"));
    let events: Vec<(String, String, Value)> =
        std::iter::from_fn(|| replay.next_event(Duration::from_millis(700))).collect();
    let of_group: Vec<&String> = events
        .iter()
        .filter(|(_, _, data)| data["conversation_id"] == json!(conv))
        .map(|(_, kind, _)| kind)
        .collect();
    assert_eq!(of_group, ["conversation.removed"], "{events:?}");
}
