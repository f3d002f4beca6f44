//! §14 fields in events: a quote and mentions read in `message.created`, live and replayed,
//! exactly as in the detail view, for each viewer.

use super::*;

#[test]
fn a_reply_reads_the_same_live_replayed_and_in_the_detail_view_for_each_viewer() {
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let group = app.group(&a, "家", &[&b, &c]);
    let quoted = app.send(&b, &group, "晚饭吃什么");
    app.delete_for_me(&c, &quoted).expect(200, "已删除");
    let (sb, sc) = (app.stream(&b.token, None), app.stream(&c.token, None));
    // Wait for both streams to be live before the reply.
    let ping = app.send(&a, &group, "ping");
    for s in [&sb, &sc] {
        assert_eq!(
            next_data(s, "message.created")["message"]["id"],
            json!(ping)
        );
    }
    let res = app.post(
        "/api/auth/messages",
        &a.token,
        json!({"conversation_id": group, "content": "饺子 @bob",
               "reply_to": quoted, "mentions": [b.id]}),
    );
    res.expect(201, "消息已发送");
    let last_seen = res.data_str("message_id");
    let live_b = next_data(&sb, "message.created")["message"].clone();
    let live_c = next_data(&sc, "message.created")["message"].clone();
    assert_eq!(live_b["id"], json!(last_seen));
    assert_eq!(live_b["reply_to"]["sender_name"], "我");
    assert_eq!(live_b["reply_to"]["content"], "晚饭吃什么");
    assert_eq!(live_b["mentions"], json!([b.id]));
    // 丙 deleted the quoted message: the quote shows nothing of it to them.
    assert_eq!(live_c["reply_to"]["status"], 1);
    assert_eq!(live_c["reply_to"]["content"], "");

    let detail = |u: &User| {
        app.messages(u, &group)
            .into_iter()
            .find(|m| m["id"] == json!(last_seen))
            .unwrap()
    };
    assert_eq!(live_b, detail(&b));
    assert_eq!(live_c, detail(&c));

    // A replay from before it renders the same, and so does a replay after a recall of the
    // quoted message: then for everyone, nothing of it.
    app.recall(&b, &quoted).expect(200, "消息已撤回");
    let replay = app.stream(&b.token, Some("0"));
    let again = loop {
        let data = next_data(&replay, "message.created");
        if data["message"]["id"] == json!(last_seen) {
            break data["message"].clone();
        }
    };
    assert_eq!(again["reply_to"]["status"], 1);
    assert_eq!(again["reply_to"]["content"], "");
    assert_eq!(again, detail(&b));
}

#[test]
fn cleared_messages_are_never_replayed_and_other_devices_hear_of_the_clear() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let before: Vec<String> = (0..3)
        .map(|i| app.send(&a, &conv, &format!("旧{i}")))
        .collect();
    let other_device = app.stream(&b.token, None);
    let path = format!("/api/auth/conversations/{conv}/messages");
    app.delete(&path, &b.token, None).expect(200, "已清空");
    let update = next_data(&other_device, "conversation.updated");
    assert_eq!(
        update,
        json!({"conversation_id": conv, "unread_count": 0, "mentioned": false,
               "cleared_upto": before[2]})
    );
    let after = app.send(&a, &conv, "新");

    // A replay from the very start shows only what came after the clear.
    let replay = app.stream(&b.token, Some("0"));
    let got = created_ids(&replay, 4, 0, Duration::from_millis(700));
    assert_eq!(got, vec![after.clone()]);
    // The sender, who cleared nothing, still replays everything.
    let replay_a = app.stream(&a.token, Some("0"));
    let mut all = before.clone();
    all.push(after);
    assert_eq!(created_ids(&replay_a, 4, 0, WAIT), all);

    // Removing from the list tells the other devices it is hidden and unpinned.
    app.delete(&format!("/api/auth/conversations/{conv}"), &b.token, None)
        .expect(200, "已删除");
    let update = next_data(&other_device, "conversation.updated");
    assert_eq!(update["hidden"], true);
    assert_eq!(update["is_pinned"], false);
}

#[test]
fn typing_reaches_the_others_once_per_three_seconds_and_is_never_replayed() {
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let group = app.group(&a, "家", &[&b, &c]);
    let (sa, sb, sc) = (
        app.stream(&a.token, None),
        app.stream(&b.token, None),
        app.stream(&c.token, None),
    );
    let ping = app.send(&c, &group, "ping");
    for s in [&sa, &sb] {
        assert_eq!(
            next_data(s, "message.created")["message"]["id"],
            json!(ping)
        );
    }
    let typing = format!("/api/auth/conversations/{group}/typing");
    for _ in 0..5 {
        app.post(&typing, &a.token, json!({}))
            .expect(200, "success");
    }
    let expected = json!({"conversation_id": group, "user_id": a.id});
    for s in [&sb, &sc] {
        let (id, data) = s.next_of("typing", WAIT).expect("a typing event");
        assert_eq!(data, expected);
        assert_eq!(
            id, "",
            "a typing event has no id: it cannot be resumed from"
        );
    }
    // The four after the first were accepted and dropped; the typer hears nothing.
    let quiet = Duration::from_millis(700);
    assert!(sb.next_of("typing", quiet).is_none());
    assert!(sa.next_of("typing", Duration::from_millis(1)).is_none());

    // Three seconds on, another goes out.
    std::thread::sleep(Duration::from_millis(3_050));
    app.post(&typing, &a.token, json!({}))
        .expect(200, "success");
    assert_eq!(next_data(&sb, "typing"), expected);

    // A replay from the start holds every stored event and no typing.
    let replay = app.stream(&b.token, Some("0"));
    let mut kinds = Vec::new();
    while let Some((_, kind, _)) = replay.next_event(quiet) {
        kinds.push(kind);
    }
    assert!(kinds.contains(&"message.created".to_string()), "{kinds:?}");
    assert!(!kinds.contains(&"typing".to_string()), "{kinds:?}");

    // Not a member, or no such conversation: 404, and nobody hears a thing.
    let stranger = app.user("stranger");
    app.post(&typing, &stranger.token, json!({}))
        .expect_error(404, "会话不存在");
    app.post("/api/auth/conversations/c_zz/typing", &a.token, json!({}))
        .expect_error(404, "会话不存在");
    assert!(sb.next_of("typing", quiet).is_none());
}

#[test]
fn a_remark_renders_in_live_events_for_its_owner_only() {
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let group = app.group(&a, "家", &[&b, &c]);
    let (sa, sa2, sc) = (
        app.stream(&a.token, None),
        app.stream(&a.token, None),
        app.stream(&c.token, None),
    );
    app.put(
        &format!("/api/auth/friends/{}/remark", b.id),
        &a.token,
        json!({"remark": "老公"}),
    )
    .expect(200, "success");
    for s in [&sa, &sa2] {
        assert_eq!(
            next_data(s, "friend.updated"),
            json!({"user_id": b.id, "remark": "老公"})
        );
    }
    app.send(&b, &group, "到家了");
    assert_eq!(
        next_data(&sa, "message.created")["message"]["sender_name"],
        "老公"
    );
    assert_eq!(
        next_data(&sc, "message.created")["message"]["sender_name"],
        b.display_name
    );
}
