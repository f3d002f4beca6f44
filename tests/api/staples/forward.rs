//! Forward: several messages into several conversations, all or nothing, attachments by
//! reference.

use super::*;

fn forward(app: &TestApp, who: &User, messages: Value, conversations: Value) -> Resp {
    app.post(
        "/api/auth/messages/forward",
        &who.token,
        json!({"message_ids": messages, "conversation_ids": conversations}),
    )
}

/// The bytes a signed URL serves, with its status.
fn fetch(app: &TestApp, url: &Value) -> (u16, Vec<u8>) {
    let res = app.client.get(url.as_str().unwrap().to_string()).dispatch();
    let status = res.status().code;
    (status, res.into_bytes().unwrap_or_default())
}

#[test]
fn messages_reach_every_target_in_order_with_attachments_by_reference() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let with_li = app.private_chat(&zhang, &li);
    let with_wang = app.private_chat(&zhang, &wang);
    let text = app.send(&li, &group, "周六十点，公园门口");
    let photo = crate::helpers::png(8, 6);
    let up = app.upload(&li.token, "门口.png", &photo);
    let image = app
        .post(
            "/api/auth/messages",
            &li.token,
            json!({"conversation_id": group, "type": "image", "file_id": up.data()["file_id"]}),
        )
        .data_str("message_id");
    let files = app.count("SELECT COUNT(*) FROM files");

    let res = forward(
        &app,
        &zhang,
        json!([text, image]),
        json!([with_li, with_wang]),
    );
    res.expect(201, "已转发");
    let ids = res.data()["message_ids"].as_array().unwrap().clone();
    assert_eq!(ids.len(), 4);

    for (chat, viewer, copies) in [(&with_li, &li, &ids[..2]), (&with_wang, &wang, &ids[2..])] {
        let page = app.messages(viewer, chat);
        let shown: Vec<Value> = page.iter().map(|m| m["id"].clone()).collect();
        assert_eq!(shown, copies, "target-major, in the given order");
        assert_eq!(page[0]["content"], "周六十点，公园门口");
        assert_eq!(page[0]["sender_id"], json!(zhang.id));
        assert_eq!(page[1]["type"], "image");
        let (status, bytes) = fetch(&app, &page[1]["attachment"]["url"]);
        assert_eq!((status, bytes), (200, photo.clone()));
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM files"),
        files,
        "no copy made"
    );

    // The original recalled: the forwarded copies keep their picture.
    app.recall(&li, &image).expect(200, "消息已撤回");
    let copy = app.messages(&wang, &with_wang)[1].clone();
    assert_eq!(fetch(&app, &copy["attachment"]["url"]).0, 200);
}

#[test]
fn one_bad_id_forwards_nothing() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let with_li = app.private_chat(&zhang, &li);
    let good = app.send(&li, &group, "好消息");
    let recalled = app.send(&zhang, &group, "发错了");
    app.recall(&zhang, &recalled).expect(200, "消息已撤回");
    let deleted = app.send(&li, &group, "删了");
    app.delete_for_me(&zhang, &deleted).expect(200, "已删除");
    let system = app.messages(&zhang, &group)[0]["id"].clone();
    let left = app.group(&wang, "旧群", &[&zhang]);
    app.delete(
        &format!("/api/auth/conversations/{left}/members/{}", zhang.id),
        &zhang.token,
        None,
    )
    .expect(200, "已退出群聊");
    let outsider = app.user_named("outsider", "外人");
    app.befriend(&zhang, &outsider);
    let unfriended = app.private_chat(&zhang, &outsider);
    app.delete(
        &format!("/api/auth/friends/{}", outsider.id),
        &zhang.token,
        None,
    )
    .expect(200, "已删除好友");
    let many: Vec<String> = (0..21).map(|i| format!("m_{}", i + 1)).collect();

    let stored = app.count("SELECT COUNT(*) FROM messages");
    let cases: Vec<(Value, Value, u16, &str)> = vec![
        (
            json!([good, "m_999999"]),
            json!([with_li]),
            404,
            "消息不存在",
        ),
        (json!([good, "m_zz"]), json!([with_li]), 404, "消息不存在"),
        (json!([good, deleted]), json!([with_li]), 404, "消息不存在"),
        (
            json!([good, recalled]),
            json!([with_li]),
            400,
            "发送失败：不能转发已撤回的消息",
        ),
        (
            json!([system]),
            json!([with_li]),
            400,
            "发送失败：不能转发系统消息",
        ),
        (json!([good]), json!([with_li, left]), 404, "会话不存在"),
        (json!([good]), json!([with_li, "c_zz"]), 404, "会话不存在"),
        (
            json!([good]),
            json!([with_li, unfriended]),
            403,
            "对方不是你的好友",
        ),
        (json!(many), json!([with_li]), 400, ""),
        (json!([]), json!([with_li]), 400, ""),
        (json!([good]), json!([]), 400, ""),
        (json!([good, good]), json!([with_li]), 400, ""),
        (json!([good]), json!(with_li), 400, ""),
    ];
    for (messages, conversations, status, message) in cases {
        let res = forward(&app, &zhang, messages.clone(), conversations.clone());
        res.status_for(status, format!("{messages} → {conversations}"));
        if message.is_empty() {
            res.expect_bad_request();
        } else {
            res.expect_error(status, message);
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages"), stored);
}
