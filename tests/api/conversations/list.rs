//! The list's order and names.

use super::*;

/// Puts every conversation and message into one millisecond (so ties do not depend on the
/// clock), and returns it.
fn same_moment_for_everything(app: &TestApp) -> i64 {
    let conn = app.sqlite();
    let ms: i64 = conn
        .query_row(
            "SELECT MAX(t) FROM (SELECT MAX(created_at) AS t FROM conversations
                                 UNION ALL SELECT MAX(created_at) FROM messages)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute("UPDATE conversations SET created_at = ?1", [ms])
        .unwrap();
    conn.execute("UPDATE messages SET created_at = ?1", [ms])
        .unwrap();
    ms
}

#[test]
fn the_list_is_ordered_by_newest_second_then_newest_message_id_then_conversation_id() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);
    let d = app.user_named("dave", "赵六");
    app.befriend(&a, &d);
    let first = app.private_chat(&a, &b);
    let second = app.private_chat(&c, &a);
    let group = app.group(&b, "同一秒", &[&a]);

    // All in one second: the group has a message, so it comes first; the two empty chats go
    // by conversation id.
    same_moment_for_everything(&app);
    assert_eq!(
        list_ids(&app, &a),
        vec![group.clone(), first.clone(), second.clone()]
    );

    // Still the same second: a newer message id wins.
    app.send(&b, &first, "同一秒的新消息");
    same_moment_for_everything(&app);
    assert_eq!(
        list_ids(&app, &a),
        vec![first.clone(), group.clone(), second.clone()]
    );

    // A later second beats any message id, even for a conversation without messages.
    app.advance(Duration::from_millis(1100));
    let later = app.private_chat(&d, &a);
    assert_eq!(
        list_ids(&app, &a),
        vec![later.clone(), first.clone(), group.clone(), second.clone()]
    );

    // A message in the oldest conversation moves it to the top.
    app.advance(Duration::from_millis(1100));
    app.send(&c, &second, "我又来了");
    assert_eq!(
        list_ids(&app, &a),
        vec![second.clone(), later, first.clone(), group.clone()]
    );
    assert_eq!(list_ids(&app, &b), vec![first, group]);
    assert_eq!(list_ids(&app, &c), vec![second]);
}

#[test]
fn a_user_with_no_conversations_gets_an_empty_list() {
    let app = TestApp::spawn();
    let a = app.user("alice");

    let res = app.get("/api/auth/conversations", &a.token);

    res.expect(200, "success");
    assert_eq!(res.data(), &json!([]));
}

#[test]
fn a_display_name_change_shows_in_titles_sender_names_and_system_messages() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);
    let chat = app.private_chat(&a, &b);
    app.send(&b, &chat, "你好");
    let group = app.group(&a, "老友", &[&b, &c]);

    rename(&app, &b, "李四四");

    assert_eq!(app.expect_entry(&a, &chat)["title"], json!("李四四"));
    assert_eq!(app.expect_entry(&b, &chat)["title"], json!("张三"));
    assert_eq!(app.messages(&a, &chat)[0]["sender_name"], json!("李四四"));
    assert_eq!(app.messages(&b, &chat)[0]["sender_name"], json!("我"));
    assert_eq!(
        app.messages(&a, &group)[0]["content"],
        json!("你邀请李四四、王五加入了群聊")
    );
    assert_eq!(
        app.messages(&c, &group)[0]["content"],
        json!("张三邀请李四四、你加入了群聊")
    );
    assert_eq!(
        app.expect_entry(&c, &group)["last_message_preview"],
        json!("张三邀请李四四、你加入了群聊")
    );

    // The actor's name is current too, as is the system message's sender_name.
    rename(&app, &a, "张三丰");
    let seen_by_b = app.messages(&b, &group);
    assert_eq!(
        seen_by_b[0]["content"],
        json!("张三丰邀请你、王五加入了群聊")
    );
    assert_eq!(seen_by_b[0]["sender_name"], json!("张三丰"));
    assert_eq!(app.expect_entry(&b, &chat)["title"], json!("张三丰"));
    assert_eq!(
        app.expect_entry(&b, &group)["last_message_preview"],
        json!("张三丰邀请你、王五加入了群聊")
    );
    // The group's own name is unaffected.
    assert_eq!(app.expect_entry(&b, &group)["title"], json!("老友"));
}

#[test]
fn the_list_names_the_sender_of_the_newest_normal_message() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);
    let group = app.group(&a, "家", &[&b, &c]);
    let sender =
        |viewer: &User| app.expect_entry(viewer, &group)["last_message_sender_name"].clone();
    assert_eq!(
        sender(&b),
        json!(null),
        "a system message has no sender to show"
    );

    let id = app.send(&b, &group, "晚上吃什么");
    assert_eq!(sender(&a), json!(b.display_name));
    assert_eq!(sender(&b), json!("我"));

    app.recall(&b, &id).expect(200, "消息已撤回");
    assert_eq!(
        sender(&a),
        json!(null),
        "the recall notice is a system message"
    );

    app.send(&c, &group, "饺子");
    app.set_display_name(&c, "小王").expect(200, "success");
    assert_eq!(sender(&a), json!("小王"), "the sender's current name");
}
