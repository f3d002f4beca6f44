//! Quote-reply (`reply_to`): shown per viewer when read, after recall and delete too.

use super::*;

#[test]
fn a_reply_carries_the_quoted_message_as_each_viewer_sees_it() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let question = app.send(&li, &group, "周六几点到？");
    let res = send_with(&app, &zhang, &group, "十点", json!({"reply_to": question}));
    res.expect(201, "消息已发送");
    let reply = res.data_str("message_id");

    let quote = |viewer: &User| seen(&app, viewer, &group, &reply)["reply_to"].clone();
    let expected = |name: &str| {
        json!({"id": question, "sender_id": li.id, "sender_name": name, "type": "text",
               "content": "周六几点到？", "status": 0})
    };
    assert_eq!(quote(&zhang), expected("李四"));
    assert_eq!(quote(&wang), expected("李四"));
    assert_eq!(quote(&li), expected("我"));
    // The message it quotes is untouched, and a plain message quotes nothing.
    assert_eq!(seen(&app, &li, &group, &question)["reply_to"], Value::Null);
}

#[test]
fn a_long_quote_is_cut_to_100_characters_and_an_image_reads_as_its_label() {
    let app = TestApp::spawn();
    let (zhang, li, _wang, group) = family(&app);
    let long = app.send(&li, &group, &"长".repeat(150));
    let reply =
        send_with(&app, &zhang, &group, "嗯", json!({"reply_to": long})).data_str("message_id");
    let content = &seen(&app, &li, &group, &reply)["reply_to"]["content"];
    assert_eq!(content.as_str().unwrap().chars().count(), 100);

    let up = app.upload(&li.token, "全家福.png", &crate::helpers::png(8, 6));
    let body = json!({"conversation_id": group, "type": "image", "file_id": up.data()["file_id"]});
    let photo = app
        .post("/api/auth/messages", &li.token, body)
        .data_str("message_id");
    let reply =
        send_with(&app, &zhang, &group, "好看", json!({"reply_to": photo})).data_str("message_id");
    let quote = &seen(&app, &zhang, &group, &reply)["reply_to"];
    assert_eq!(quote["type"], "image");
    assert_eq!(quote["content"], "[图片]");
}

#[test]
fn a_quote_recalled_later_or_deleted_by_the_viewer_shows_nothing_of_it() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let first = app.send(&li, &group, "密码是 1234");
    let second = app.send(&li, &group, "明天见");
    let reply_1 =
        send_with(&app, &zhang, &group, "收到", json!({"reply_to": first})).data_str("message_id");
    let reply_2 =
        send_with(&app, &zhang, &group, "好", json!({"reply_to": second})).data_str("message_id");

    app.recall(&li, &first).expect(200, "消息已撤回");
    app.delete_for_me(&wang, &second).expect(200, "已删除");

    let gone = |name: &str| {
        json!({"id": first, "sender_id": li.id, "sender_name": name, "type": "text",
               "content": "", "status": 1})
    };
    assert_eq!(
        seen(&app, &zhang, &group, &reply_1)["reply_to"],
        gone("李四")
    );
    assert_eq!(seen(&app, &li, &group, &reply_1)["reply_to"], gone("我"));
    // Deleted for 王五 only: he sees it as gone, the others still read it.
    let for_wang = &seen(&app, &wang, &group, &reply_2)["reply_to"];
    assert_eq!(for_wang["status"], 1);
    assert_eq!(for_wang["content"], "");
    assert_eq!(
        seen(&app, &zhang, &group, &reply_2)["reply_to"]["content"],
        "明天见"
    );
    // Nowhere in a response does the recalled text survive.
    let page = app.get(&format!("/api/auth/conversations/{group}"), &zhang.token);
    assert!(!page.body.to_string().contains("1234"));
}

#[test]
fn quoting_what_cannot_be_quoted_is_refused_and_stores_nothing() {
    let app = TestApp::spawn();
    let (zhang, li, _wang, group) = family(&app);
    let elsewhere = app.private_chat(&zhang, &li);
    let private_message = app.send(&li, &elsewhere, "私聊");
    let recalled = app.send(&zhang, &group, "发错了");
    app.recall(&zhang, &recalled).expect(200, "消息已撤回");
    let deleted = app.send(&li, &group, "删掉的");
    app.delete_for_me(&zhang, &deleted).expect(200, "已删除");
    let system = app.messages(&zhang, &group)[0]["id"].clone();
    let stranger_message = {
        let (a, _b, chat) = app.friends_with_a_chat("outsider", "other");
        app.send(&a, &chat, "别人的")
    };

    let stored = app.count("SELECT COUNT(*) FROM messages");
    let cases: [(Value, u16, &str); 8] = [
        (json!("m_zz"), 404, "消息不存在"),
        (json!("m_999999"), 404, "消息不存在"),
        (json!(private_message), 404, "消息不存在"),
        (json!(stranger_message), 404, "消息不存在"),
        (json!(deleted), 404, "消息不存在"),
        (json!(recalled), 400, "发送失败：引用的消息已撤回"),
        (system, 400, "发送失败：不能引用系统消息"),
        (json!(12), 400, ""),
    ];
    for (reply_to, status, message) in cases {
        let res = send_with(&app, &zhang, &group, "回复", json!({"reply_to": reply_to}));
        res.status_for(status, &reply_to);
        if message.is_empty() {
            res.expect_bad_request();
        } else {
            res.expect_error(status, message);
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages"), stored);
}
