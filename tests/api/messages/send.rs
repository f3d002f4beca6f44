//! Sending (`POST /api/auth/messages`): the answer, what is stored and shown, and the
//! refusals.

use super::*;

#[test]
fn send_returns_201_with_message_id_and_rfc3339_created_at() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    let res = app.try_send(&lisi, &chat, "大家下午见！");

    res.expect(201, "消息已发送");
    let data = res.data().as_object().expect("data object");
    assert_eq!(
        data.len(),
        2,
        "data is exactly {{message_id, created_at}}: {data:?}"
    );
    let id = assert_message_id(&res.data()["message_id"]);
    assert_recent_time(&res.data()["created_at"]);

    let shown = app.messages(&lisi, &chat);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["id"], json!(id));
    assert_eq!(shown[0]["sender_id"], json!(lisi.id));
    assert_eq!(shown[0]["sender_name"], json!("我"));
    assert_eq!(shown[0]["content"], json!("大家下午见！"));
    assert_eq!(shown[0]["status"], json!(0));
    assert_eq!(shown[0]["created_at"], res.data()["created_at"]);
}

#[test]
fn sent_message_appears_for_the_recipient_with_the_senders_display_name() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "下午一起吃饭？");

    let shown = app.messages(&zhangsan, &chat);

    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["id"], json!(id));
    assert_eq!(shown[0]["sender_id"], json!(lisi.id));
    assert_eq!(shown[0]["sender_name"], json!("李四"));
    assert_eq!(shown[0]["content"], json!("下午一起吃饭？"));
    assert_eq!(shown[0]["status"], json!(0));
}

#[test]
fn successive_messages_get_increasing_ids_and_are_listed_oldest_first() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let first = app.send(&lisi, &chat, "一");
    let second = app.send(&zhangsan, &chat, "二");
    let third = app.send(&lisi, &chat, "三");

    assert!(id_number(&first) < id_number(&second) && id_number(&second) < id_number(&third));
    assert_eq!(
        ids(&app.messages(&zhangsan, &chat)),
        vec![first, second, third]
    );
}

#[test]
fn content_is_stored_exactly_as_sent() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let samples = [
        "  leading and trailing spaces  ",
        "line one\nline two\n",
        "\ttabbed\r\n",
        "emoji 😀👍🏽👨‍👩‍👧 and 中文",
        "<img src=x onerror=alert(1)>",
        "<script>alert('x')</script> & \"quotes\" \\ backslash",
        "'; DROP TABLE messages; --",
        "%_ like wildcards",
    ];

    let sent = app.send_all(&lisi, &chat, samples);

    for viewer in [&lisi, &zhangsan] {
        let shown = app.messages(viewer, &chat);
        for (id, sample) in sent.iter().zip(samples) {
            assert_eq!(
                find(&shown, id)["content"],
                json!(sample),
                "as seen by {}",
                viewer.username
            );
        }
    }
    for (id, sample) in sent.iter().zip(samples) {
        assert_eq!(stored_content(&app, id), sample);
    }
}

#[test]
fn empty_or_whitespace_only_content_is_refused_with_send_failed() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    for blank in ["", " ", "   ", "\n", " \t\r\n ", "\u{3000}"] {
        let res = app.try_send(&lisi, &chat, blank);
        res.expect_prefix(400, "发送失败");
        assert_eq!(res.body["data"], Value::Null, "{blank:?}");
    }
    assert_eq!(messages_in(&app, &chat), 0);
}

#[test]
fn content_of_exactly_max_message_chars_characters_is_accepted_and_one_more_refused() {
    let app = TestApp::spawn_with(&[("max_message_chars", json!(10))]);
    // Ten 字 are 30 bytes in UTF-8: the limit counts characters.
    assert_message_length_limit(&app, "字", 10);
}

#[test]
fn max_message_chars_counts_characters_not_utf16_units() {
    let app = TestApp::spawn_with(&[("max_message_chars", json!(10))]);
    // Ten astral-plane characters: 10 chars, 20 UTF-16 units, 40 bytes.
    assert_message_length_limit(&app, "😀", 10);
}

#[test]
fn default_max_message_chars_is_5000() {
    assert_message_length_limit(&TestApp::spawn(), "a", 5000);
}

#[test]
fn missing_fields_and_wrong_types_are_bad_parameters() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let bodies = [
        json!({}),
        json!({"content": "hi"}),
        json!({"conversation_id": chat}),
        json!({"conversation_id": chat, "content": null}),
        json!({"conversation_id": null, "content": "hi"}),
        json!({"conversation_id": chat, "content": 123}),
        json!({"conversation_id": chat, "content": ["hi"]}),
        json!({"conversation_id": id_number(&chat), "content": "hi"}),
        json!({"conversation_id": chat, "content": "hi", "client_msg_id": 5}),
        json!({"conversation_id": chat, "content": "hi", "client_msg_id": ["a"]}),
        json!([chat, "hi"]),
        json!("hi"),
    ];

    for body in bodies {
        send_body(&app, &lisi, body.clone())
            .status_for(400, &body)
            .expect_bad_request();
    }
    assert_eq!(messages_in(&app, &chat), 0);
}

#[test]
fn unparsable_json_body_is_a_bad_parameter() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    for raw in [
        format!("{{\"conversation_id\": \"{chat}\", \"content\": "),
        String::new(),
        "nope".into(),
    ] {
        app.raw(
            Method::Post,
            "/api/auth/messages",
            Some(&lisi.token),
            Some(raw),
        )
        .expect_prefix(400, "参数错误");
    }
}

#[test]
fn unknown_fields_in_the_body_are_ignored() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    let res = send_body(
        &app,
        &lisi,
        json!({"conversation_id": chat, "content": "hi", "extra": {"a": 1}, "status": 2}),
    );

    res.expect(201, "消息已发送");
    let shown = app.messages(&lisi, &chat);
    assert_eq!(shown[0]["status"], json!(0));
}

#[test]
fn explicit_null_client_msg_id_is_the_same_as_none() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    let body = json!({"conversation_id": chat, "content": "hi", "client_msg_id": null});
    let a = send_body(&app, &lisi, body.clone());
    let b = send_body(&app, &lisi, body);

    two_messages(&a, &b);
    assert_eq!(messages_in(&app, &chat), 2);
}

#[test]
fn sending_to_an_unknown_conversation_is_404() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, _chat) = pair(&app);

    app.try_send(&lisi, "c_999999", "hi")
        .expect_error(404, "会话不存在");
}

#[test]
fn sending_to_a_malformed_conversation_id_is_404() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let n = id_number(&chat);
    let malformed = [
        String::new(),
        "abc".into(),
        "c_".into(),
        "c_0".into(),
        format!("c_0{n}"),
        format!("c_-{n}"),
        format!("c_{n}x"),
        format!("C_{n}"),
        format!("m_{n}"),
        format!("u_{n}"),
        format!("{n}"),
        " c_1".into(),
        "c_99999999999999999999999".into(),
    ];

    for id in malformed {
        app.try_send(&lisi, &id, "hi")
            .status_for(404, format!("{id:?}"))
            .expect(404, "会话不存在");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages"), 0);
}

#[test]
fn a_non_member_cannot_send_into_a_private_chat() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let wangwu = friend_outside(&app, "wangwu", "王五", &[&lisi, &zhangsan]);

    app.try_send(&wangwu, &chat, "偷听")
        .expect(404, "会话不存在");

    assert_eq!(messages_in(&app, &chat), 0);
    assert!(app.messages(&lisi, &chat).is_empty());
}

#[test]
fn a_non_member_cannot_send_into_a_group() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, _wangwu, group) = trio(&app);
    let outsider = friend_outside(&app, "outsider", "outsider", &[&lisi]);
    let before = messages_in(&app, &group);

    app.try_send(&outsider, &group, "hi")
        .expect(404, "会话不存在");

    assert_eq!(messages_in(&app, &group), before);
}

#[test]
fn sending_into_a_private_chat_after_the_friendship_ended_is_403() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    app.send(&lisi, &chat, "再见");
    app.delete(
        &format!("/api/auth/friends/{}", zhangsan.id),
        &lisi.token,
        None,
    )
    .expect(200, "已删除好友");

    for who in [&lisi, &zhangsan] {
        app.try_send(who, &chat, "还在吗")
            .expect(403, "对方不是你的好友");
    }
    assert_eq!(messages_in(&app, &chat), 1);
}

#[test]
fn group_members_can_send_and_every_member_sees_it() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, wangwu, group) = trio(&app);

    let id = app.send(&zhangsan, &group, "大家好");

    for (viewer, name) in [(&lisi, "张三"), (&zhangsan, "我"), (&wangwu, "张三")] {
        let message = find(&app.messages(viewer, &group), &id);
        assert_eq!(message["sender_id"], json!(zhangsan.id));
        assert_eq!(message["sender_name"], json!(name));
        assert_eq!(message["content"], json!("大家好"));
        assert_eq!(message["status"], json!(0));
    }
}
